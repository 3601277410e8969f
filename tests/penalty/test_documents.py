"""Documents: numbers without gaps or duplicates under concurrent decisions, PDFs rendered lazily and cached
(and the 立案审批表 never served on the party)."""

from __future__ import annotations

import asyncio
import re

import sqlalchemy as sa

from services.common.db import transaction
from services.penalty.models import Document
from tests.penalty.helpers import SJ_A, SUGGESTED_FEN, USCC_A, to_decided, to_notified
from tests.support.http import ok
from tests.support.personas import enterprise, officer
from tests.support.stack import Running, client

CASES = "/api/v1/penalty/cases"
NUMBER = re.compile(r"^沈市监罚〔2026〕(\d+)号$")


async def decision_numbers(penalty: Running) -> list[int]:
    async with transaction(penalty.runtime.factory) as s:
        numbers = (
            await s.scalars(sa.select(Document.number).where(Document.kind == "penalty_decision"))
        ).all()
    return sorted(int(m.group(1)) for n in numbers if (m := NUMBER.match(n)))


async def test_concurrent_decisions_get_consecutive_numbers(penalty: Running) -> None:
    async with client(penalty.url) as http:
        ready = [await to_notified(http) for _ in range(8)]
        refused = [await to_notified(http) for _ in range(3)]  # no waiver: the statement period is still open
        for cid in ready:
            ok(await http.post(f"{CASES}/{cid}/waiver", json={"statement": True}, headers=officer(**SJ_A)))
        before = await decision_numbers(penalty)
        body = {"penalty": {"kinds": ["fine"], "fine_fen": SUGGESTED_FEN}}
        responses = await asyncio.gather(
            *(
                http.post(f"{CASES}/{cid}/decision", json=body, headers=officer(**SJ_A))
                for cid in ready + refused
            )
        )
    assert [r.status_code for r in responses] == [200] * 8 + [409] * 3
    numbers = await decision_numbers(penalty)
    # every number from 1 to the highest exactly once: the refused decisions gave theirs back
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) == len(before) + 8
    issued = [r.json()["decision"]["number"] for r in responses[:8]]
    assert len(set(issued)) == 8


async def test_pdf_is_rendered_on_first_request_and_cached(penalty: Running) -> None:
    async with client(penalty.url) as http:
        decided = await to_decided(http)
        document = next(d for d in decided["documents"] if d["kind"] == "penalty_decision")
        async with transaction(penalty.runtime.factory) as s:
            row = (await s.scalars(sa.select(Document).where(Document.number == document["number"]))).one()
            assert row.pdf_rendered_at is None  # nothing rendered in the decision's transaction
        first = await http.get(document["pdf_url"], headers=enterprise(USCC_A))
        async with transaction(penalty.runtime.factory) as s:
            rendered_at = await s.scalar(
                sa.select(Document.pdf_rendered_at).where(Document.number == document["number"])
            )
        second = await http.get(document["pdf_url"], headers=officer(**SJ_A))
        html = await http.get(document["html_url"], headers=enterprise(USCC_A))
        filing = next(d for d in decided["documents"] if d["kind"] == "filing_approval")
        internal_form = await http.get(filing["pdf_url"], headers=enterprise(USCC_A))
    assert first.status_code == 200 and first.headers["content-type"] == "application/pdf"
    assert first.content.startswith(b"%PDF") and first.content == second.content
    assert rendered_at is not None
    assert "沈市监罚〔2026〕" in html.text and "人民币27,500.00元（大写：贰万柒仟伍佰元整）" in html.text
    assert "18,500.00元以上不满36,500.00元" in html.text  # the tier range as the engine words it
    assert internal_form.status_code == 404  # the 立案审批表 is internal


async def test_the_decision_as_served_carries_the_party_the_payment_code_and_a_verifiable_seal(
    penalty: Running,
) -> None:
    """行政处罚法 第五十九条: name, address and legal representative; the payment code (20 digits, ISO 7064 MOD
    11,10 check digit; domain.documents.payment_code); the seal area and its Ed25519 signature over the SHA-256,
    which verifies with the key the service publishes (services/common/seal.py)."""
    from services.common import checkpoints, seal
    from services.penalty.domain import payment_code as pc

    async with client(penalty.url) as http:
        decided = await to_decided(http)
        document = next(x for x in decided["documents"] if x["kind"] == "penalty_decision")
        html = (await http.get(document["html_url"], headers=enterprise(USCC_A))).text
        jwks = ok(await http.get("/public/penalty/audit/keys"))
    assert "沈阳东陵客运有限公司" in html and "沈阳市铁西区沈辽路288号" in html and "于某某" in html
    code = re.search(r"缴款码(\d{20})", html)
    assert code is not None and code[1][19] == pc.iso7064_mod11_10(code[1][:19])
    assert code[1][:10] == decided["district_code"] + "2026"
    assert "（印章）" in html  # no seal image configured in tests
    assert seal.verify_html(html, checkpoints.load_jwks(jwks))
    assert not seal.verify_html(html.replace("27,500.00", "2,750.00"), checkpoints.load_jwks(jwks))
