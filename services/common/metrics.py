"""Prometheus metrics shared by every process (served at GET /metrics)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

HTTP_REQUESTS = Counter(
    "zhifa_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "zhifa_http_request_duration_seconds",
    "HTTP request duration",
    ["service", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
OUTBOX_PENDING = Gauge("zhifa_outbox_pending", "outbox rows not yet published", ["service"])
OUTBOX_OLDEST_PENDING = Gauge(
    "zhifa_outbox_oldest_pending_seconds", "age of the oldest unpublished outbox row", ["service"]
)
OUTBOX_PUBLISHED = Counter("zhifa_outbox_published_total", "outbox rows published and acked", ["service"])
OUTBOX_PUBLISH_ERRORS = Counter(
    "zhifa_outbox_publish_errors_total", "failed JetStream publishes", ["service"]
)
OUTBOX_BATCHES = Counter(
    "zhifa_outbox_batches_total",
    "JetStream atomic batches the relay sent, by outcome (stored, or split into single publishes)",
    ["service", "outcome"],
)
INBOX_PROCESSED = Counter("zhifa_inbox_processed_total", "events applied by a consumer", ["consumer"])
INBOX_DUPLICATES = Counter(
    "zhifa_inbox_duplicates_total", "redelivered events absorbed by the inbox", ["consumer"]
)
CONSUMER_FAILURES = Counter(
    "zhifa_consumer_failures_total", "handler failures (will be retried)", ["consumer"]
)
DEAD_LETTERS = Counter(
    "zhifa_dead_letters_total", "events dead-lettered after bounded redelivery", ["consumer"]
)
UPSTREAM_READY = Gauge(
    "zhifa_gateway_upstream_ready", "1 when the gateway's last check found the upstream ready", ["upstream"]
)
JOB_RUNS = Counter(
    "zhifa_job_runs_total", "rounds of periodic jobs, by outcome", ["service", "job", "outcome"]
)
JOB_DURATION = Histogram(
    "zhifa_job_duration_seconds",
    "duration of one round of a periodic job",
    ["service", "job"],
    buckets=(0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600),
)
NATS_CONNECTED = Gauge("zhifa_nats_connected", "1 when the NATS connection is up", ["service"])

PARTITIONS_AHEAD_DAYS = Gauge(
    "zhifa_partitions_ahead_days",
    "whole days after today a partitioned table has partitions for, without a gap (alert below half of ahead)",
    ["service", "table"],
)
PARTITIONS_KEPT_UNSENT = Gauge(
    "zhifa_partitions_kept_unsent",
    "outbox day partitions past the retention kept because they still hold an unpublished row",
    ["service", "table"],
)
PARTITIONS_DROPPED = Counter(
    "zhifa_partitions_dropped_total", "partitions dropped by the retention", ["service", "table"]
)


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
