"""FastAPI's native OpenTelemetry is off in every service (services/common/app.py ``build_service_app``).

The platform's telemetry is its Prometheus metrics and JSON logs. FastAPI 0.165 asks, on every request, whether
an OpenTelemetry tracer, meter or logger provider has been configured (three provider look-ups, each reading
the environment: ~7 µs a request, docs/benchmarks/checkin-python.md round five); with it off the question is
not asked, and a provider configured by some library in the process does not start tracing the requests.
"""

from __future__ import annotations

from tests.support.interpreter import fresh_report

PROBE = """
import asyncio, json
from opentelemetry import trace

asked = []


class Recording(trace.TracerProvider):  # a configured provider (an SDK's), whose tracers trace nothing
    def get_tracer(self, *args, **kwargs):
        asked.append(args[0])
        return trace.NoOpTracer()


trace.set_tracer_provider(Recording())
from services.inspection.app import create_app

app = create_app(role="api")


async def main():
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/healthz", "raw_path": b"/healthz", "query_string": b"", "root_path": "", "headers": [],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    return sent[0]["status"]


print(json.dumps({"status": asyncio.run(main()), "tracers": asked}))
"""


def test_a_configured_tracer_provider_does_not_trace_a_services_requests() -> None:
    report = fresh_report(PROBE)
    assert report == {"status": 200, "tracers": []}
