"""docs/api.md's main flows, run as the guides write them: each request below is taken FROM a code block of
docs/api/*.md (parsed by tests/test_api_docs.py), its placeholders (`{task_id}`, `"5a3e8f2c-…"`, `$ID`) filled
from the previous answers, sent through the gateway to the real services (PostgreSQL, NATS JetStream), and the
answer checked for the status and the fields the guide shows.

Flows: 扫码入企 (inspection.md §1–§4: task, approval, entry code, check-in, outcomes, check-out); a penalty case
from filing to decision and delivery (penalty.md §3–§5, the steps' bodies from §4's table); the credit notice
and a repair application (credit_repair.md §2–§3); the enterprise's notifications, read and streamed
(notifications.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.common import clock
from services.common.embedded import EmbeddedNats
from services.common.sample_identities import ENTERPRISE_USCC, KEY_AREA_TASK_ID
from tests.support.personas import enterprise, integration, officer, supervisor
from tests.support.platform import Platform, running_platform
from tests.support.stack import Stack, client, wait_for
from tests.test_api_docs import Block, Request, blocks, curls, json_body, requests

ROOT = Path(__file__).resolve().parents[2]
GUIDES = ROOT / "docs" / "api"
SJ_HEAD = officer("辽A-0012340", "SJ")  # the sample department's officers (data/sample)
SJ_PARTNER = officer("辽A-0012341", "SJ")
PARTY = "91210100MACQTKPQ79"  # 沈阳东陵客运有限公司, the party of penalty.md's examples


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    async with running_platform(
        stack,
        ("inspection", "penalty", "credit_repair", "risk", "notify"),
        nats=nats_server,
        gateway=True,
        settings={"penalty": {"deadline_scan_enabled": False}, "inspection": {"relay_poll_interval_s": 0.1}},
    ) as running:
        yield running


# --- the guide's examples -------------------------------------------------------------------------------


def example(
    guide: str, method: str, path: str, nth: int = 0, then: int = 0
) -> tuple[Request, int | None, str]:
    """The ``nth`` request ``method path`` of the guide's code blocks, with the answer the guide shows: on the
    request's own lines (``→ 201 {...}``), or the next block when that is the answer (``HTTP/1.1 201`` or a
    ``json`` block; ``then``: the block after that many others, when the guide shows a refusal first)."""
    found = []
    chunks = blocks(GUIDES / guide)
    for index, block in enumerate(chunks):
        for request in [*requests(block), *curls(block)]:
            if request.method == method and request.target.split("?")[0] == path:
                status, answer = request.status, request.answer
                following = chunks[index + 1 + then] if index + 1 + then < len(chunks) else None
                if status is None and not answer and following is not None and not requests(following):
                    status, answer = _answer_block(following)
                found.append((request, status, answer))
    assert len(found) > nth, f"{guide}: no {method} {path} in a code block"
    return found[nth]


def _answer_block(block: Block) -> tuple[int | None, str]:
    text = "\n".join(block.lines)
    http = re.match(r"HTTP/1\.1 (\d{3})[^\n]*\n(.*)", text, re.S)
    if http:
        return int(http[1]), http[2]
    return (None, text) if block.lang == "json" else (None, "")


def shown(answer: str) -> Any:
    """The JSON an answer shows (abridged as the guide abridges it), or None."""
    start = min((i for i in (answer.find("{"), answer.find("[")) if i >= 0), default=-1)
    if start < 0:
        return None
    try:
        return json_body(Request(Path(), 0, "", "", body=answer[start:]))
    except json.JSONDecodeError:
        return None


def keys_of(value: Any, prefix: str = "") -> set[str]:
    """Every key path (``visit.officers[].cert_no``) of a JSON value."""
    out: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("...", "…"):
                continue
            out.add(prefix + key)
            out |= keys_of(item, prefix + key + ".")
    elif isinstance(value, list):
        for item in value:
            out |= keys_of(item, prefix.rstrip(".") + "[].")
    return out


def fill(value: Any, known: dict[str, Any]) -> Any:
    """The guide's body with each field whose value an earlier answer gave (``task_id``, ``code``,
    ``record_id``) replaced by that answer's value."""
    if isinstance(value, dict):
        return {
            k: known[k] if k in known and isinstance(v, str) else fill(v, known) for k, v in value.items()
        }
    if isinstance(value, list):
        return [fill(v, known) for v in value]
    return value


def target(request: Request, known: dict[str, Any]) -> str:
    path = request.target.split("?")[0]
    for name, value in known.items():
        path = path.replace("{" + name + "}", str(value)).replace("$" + name.upper(), str(value))
    assert "{" not in path and "$" not in path and "…" not in path, path
    return path


async def send(
    http: httpx.AsyncClient,
    found: tuple[Request, int | None, str],
    headers: dict[str, str],
    known: dict[str, Any],
    *,
    body: Any = None,
    status: int | None = None,
) -> Any:
    """Send the guide's request (its body, placeholders filled) and check the answer against what it shows:
    the status, every field it shows (nested too), and each literal `status`/`state`."""
    request, shown_status, answer = found
    if body is None and request.body.strip():
        body = fill(json_body(request), known)
    response = await http.request(
        request.method, target(request, known), json=body, headers=headers, params=_query(request.target)
    )
    expected = status or shown_status or 200
    assert response.status_code == expected, (request.where, response.status_code, response.text[:800])
    got = response.json()
    guide = shown(answer)
    missing = keys_of(guide) - keys_of(got)
    assert not missing, f"{request.where}: the guide shows {sorted(missing)}, the answer has not"
    if isinstance(guide, dict):
        for key in ("status", "state", "mode", "task_status"):
            if isinstance(guide.get(key), str) and "…" not in guide[key]:
                assert got[key] == guide[key], (request.where, key, got[key])
    return got


def _query(written: str) -> dict[str, str]:
    query = written.partition("?")[2]
    return dict(pair.partition("=")[::2] for pair in query.split("&")) if query else {}


# --- the flows ------------------------------------------------------------------------------------------


async def test_a_task_is_created_and_approved_as_the_guide_writes_it(platform: Platform) -> None:
    known: dict[str, Any] = {}
    async with client(platform.gateway.url) as http:
        task = await send(http, example("inspection.md", "POST", "/api/v1/inspection/tasks"), SJ_HEAD, known)
        known["task_id"] = task["task_id"]
        approve = example("inspection.md", "POST", "/api/v1/inspection/tasks/{task_id}/approve")
        await send(http, approve, supervisor(), known)


def outcomes_body() -> Any:
    """inspection.md §4's outcomes, its evidence hash placeholder (`9f9f…(64 hex)`) a real one and the
    correction deadline (`2026-12-08`, after the visit day when written) a week from today."""
    request, _, _ = example("inspection.md", "POST", "/api/v1/inspection/visits/{visit_id}/outcomes")
    body = json_body(request)
    for outcome in body["outcomes"]:
        if "evidence_sha256" in outcome:
            assert all("64 hex" in h for h in outcome["evidence_sha256"])
            outcome["evidence_sha256"] = ["9f" * 32]
        if "correction_deadline" in outcome:
            outcome["correction_deadline"] = (clock.today() + timedelta(days=7)).isoformat()
    return body


async def test_scan_to_enter_as_the_guide_writes_it(platform: Platform) -> None:
    """On the sample data the guide's examples name (`make run`): the key-area task, its enterprise, officers."""
    known: dict[str, Any] = {}
    async with client(platform.gateway.url) as http:
        requested = example("inspection.md", "POST", "/api/v1/inspection/visits/entry-codes")
        assert json_body(requested[0])["task_id"] == KEY_AREA_TASK_ID
        code = await send(http, requested, SJ_HEAD, known)
        known["code"] = code["code"]
        entered = await send(
            http,
            example("inspection.md", "POST", "/api/v1/inspection/visits/check-in"),
            enterprise(ENTERPRISE_USCC),
            known,
        )
        known["visit_id"] = entered["visit"]["visit_id"]
        outcomes = example("inspection.md", "POST", "/api/v1/inspection/visits/{visit_id}/outcomes")
        await send(http, outcomes, SJ_PARTNER, known, body=outcomes_body())
        done = await send(
            http,
            example("inspection.md", "POST", "/api/v1/inspection/visits/{visit_id}/checkout"),
            SJ_HEAD,
            known,
        )
        assert done["status"] == "completed"

        # the enterprise was told (notifications.md, "Reading while offline" and "The live stream")
        me = enterprise(ENTERPRISE_USCC)

        async def told() -> Any:
            r = await http.get("/api/v1/notifications", headers=me)
            return r.json()["items"] if r.status_code == 200 and r.json()["items"] else None

        await wait_for(told, timeout=20)
        listed = await send(http, example("notifications.md", "GET", "/api/v1/notifications"), me, known)
        assert listed["unread"] >= 1 and listed["items"][0]["read_at"] is None
        known["id"] = listed["items"][0]["id"]
        await send(http, example("notifications.md", "POST", "/api/v1/notifications/$ID/read"), me, known)
        marked = await send(
            http, example("notifications.md", "POST", "/api/v1/notifications/read-all"), me, known
        )
        assert set(marked) == {"marked"}
        stream, _, answer = example("notifications.md", "GET", "/api/v1/notifications/stream")
        first_event = await _first_event(http, target(stream, known), me)
        data = json.loads(first_event["data"])
        assert first_event["event"] == "notification" and first_event["id"] == str(data["seq"])
        written = re.search(r"^data: (\{.*\})$", answer, re.M)
        assert written, answer
        assert keys_of(shown(written[1])) <= keys_of(data)


async def _first_event(http: httpx.AsyncClient, path: str, headers: dict[str, str]) -> dict[str, str]:
    event: dict[str, str] = {}
    async with http.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if not line and "data" in event:
                return event
            name, _, value = line.partition(": ")
            if name in ("id", "event", "data"):
                event[name] = value
    raise AssertionError("the stream ended before an event")


def _step_body(step: str) -> Any:
    """The body penalty.md §4's table gives a step (`{"officers": [...]}`), its `...` left out (the default)."""
    text = (GUIDES / "penalty.md").read_text()
    row = re.search(rf"^\| `{re.escape(step)}` \| `(\{{.*?\}})`", text, re.M)
    assert row, f"penalty.md §4: no row for {step}"
    body = json_body(Request(Path(), 0, "", "", body=row[1]))
    filed = json_body(example("penalty.md", "POST", "/api/v1/penalty/cases")[0])
    if body.get("facts") in (["..."], ["…"]):  # the facts found: the filing's, as written
        body["facts"] = [filed["facts_brief"]]
    return {k: v for k, v in body.items() if v not in ("...", "…", ["..."], ["…"])}


async def test_a_penalty_case_from_filing_to_delivery_and_the_credit_notice(platform: Platform) -> None:
    known: dict[str, Any] = {}
    case_path = "/api/v1/penalty/cases/{id}"
    async with client(platform.gateway.url) as http:
        # the status is in the prose below the block: "`201` with the case"
        filed = await send(
            http, example("penalty.md", "POST", "/api/v1/penalty/cases"), SJ_HEAD, known, status=201
        )
        assert filed["state"] == "filed"
        known["id"] = filed["id"]
        for step in ("investigation",):
            await _step(http, case_path + "/" + step, _step_body(step), known)
        # §4's table: the assessment's body is "facts (§2)", the facts of §2's what-if (the §4a example adds a
        # provision of the test catalogue, SY-SJ-0950, which the sample catalogue has not)
        facts = json_body(example("penalty.md", "POST", "/api/v1/penalty/benchmarks/SY-SJ-0004/assess")[0])
        del facts["party_type"]  # the what-if's own: a case knows its party
        assessed = await _step(http, case_path + "/assessment", facts, known)
        assert assessed["benchmark_code"] == "SY-SJ-0004"
        assert "fine" in [kind["kind"] for kind in assessed["penalty"]["kinds"]]
        notice = _step_body("notice")
        await _step(http, case_path + "/notice", notice, known)
        await _step(http, case_path + "/waiver", _step_body("waiver"), known)
        decision = {**_step_body("decision"), "penalty": notice["proposed"]}
        decided = await _step(http, case_path + "/decision", decision, known)
        assert decided["state"] == "decided"

        # credit_repair.md §2: the notice of the decision
        me = enterprise(PARTY)
        notices = example("credit_repair.md", "GET", "/api/v1/credit/notices")

        async def issued() -> Any:
            r = await http.get("/api/v1/credit/notices", params={"case_id": known["id"]}, headers=me)
            return r.json()["items"] if r.status_code == 200 and r.json()["items"] else None

        await wait_for(issued, timeout=20)
        response = await http.get("/api/v1/credit/notices", params={"case_id": known["id"]}, headers=me)
        assert response.status_code == 200
        missing = keys_of(shown(notices[2])) - keys_of(response.json())
        assert not missing, f"{notices[0].where}: the guide shows {sorted(missing)}"
        listed = response.json()["items"][0]
        known["record_id"] = listed["record_id"]

        # penalty.md §5: delivered with the notice (两书同达)
        # its first answer is the refusal while the notice is pending (CREDIT_NOTICE_PENDING); then "`200`:"
        delivery = example("penalty.md", "POST", case_path + "/delivery", then=1)
        delivered = await send(http, delivery, SJ_HEAD, known, status=200)
        assert delivered["case"]["state"] == "delivered"
        assert delivered["credit_notice"]["document_url"].endswith(f"/notices/{listed['id']}/pdf")

        # credit_repair.md §3: the guide's application. penalty.md's example fine (27,500.00 元, §4's notice) is not
        # published (credit_repair.md's example is a 75,000-元 one): the application is refused with the
        # guide's REPAIR_NOT_PUBLISHED (§7's table: 409), the problem's shape as §3 shows it
        assert listed["published"] is False
        repair, _, _ = example("credit_repair.md", "POST", "/api/v1/credit/repairs")
        refused = await http.post(repair.target, json=fill(json_body(repair), known), headers=me)
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["code"] == "REPAIR_NOT_PUBLISHED"
        too_early = shown("\n".join(blocks(GUIDES / "credit_repair.md")[_block_after(repair) + 2].lines))
        assert keys_of(too_early) - {
            "errors",
            "errors[].code",
            "errors[].detail",
            "application_id",
        } <= keys_of(problem)


def _block_after(request: Request) -> int:
    """The index of the block holding ``request``."""
    chunks = blocks(request.guide)
    return next(i for i, b in enumerate(chunks) if b.line <= request.line < b.line + len(b.lines))


async def _step(http: httpx.AsyncClient, path: str, body: Any, known: dict[str, Any]) -> Any:
    response = await http.post(path.replace("{id}", known["id"]), json=body, headers=SJ_HEAD)
    assert response.status_code == 200, (path, body, response.text[:800])
    return response.json()


async def test_a_12345_lead_and_a_reconsideration_outcome_as_the_guide_writes_them(
    platform: Platform,
) -> None:
    """risk.md §1: the intake examples, each with its client; the 12345 client reads its lead back (§2)."""
    known: dict[str, Any] = {}
    async with client(platform.gateway.url) as http:
        complaint = example("risk.md", "POST", "/api/v1/risk/intake/complaints")
        sent = await send(http, complaint, integration("12345"), known, status=201)
        reconsideration = example("risk.md", "POST", "/api/v1/risk/intake/reconsideration")
        await send(http, reconsideration, integration("reconsideration"), known)
        assert sent["batch"] == "2026-W32"  # 2026-08-05 is in ISO week 32
        # §2: the 12345 client reads its lead, as the guide's lead shows it
        leads = await http.get("/api/v1/risk/leads", headers=integration("12345"))
        assert leads.status_code == 200, leads.text
        lead = next(item for item in leads.json()["items"] if item["id"] == sent["id"])
        chunks = blocks(GUIDES / "risk.md")
        guide = next(
            shown("\n".join(b.lines))
            for b in chunks
            if b.lang == "json" and '"status_label"' in "".join(b.lines)
        )
        assert keys_of(guide) <= keys_of(lead), keys_of(guide) - keys_of(lead)
        assert (lead["status"], lead["history"][0]["actor"]) == (
            guide["status"],
            guide["history"][0]["actor"],
        )
