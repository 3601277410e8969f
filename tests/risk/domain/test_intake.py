"""Intake of reconsideration outcomes, judgments and 12345 leads: good lines, bad lines, never an exception."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.risk.domain import intake
from services.risk.domain.intake import (
    ComplaintLeadIn,
    IntakeKind,
    LineError,
    LitigationOutcomeIn,
    LitigationResult,
    ParsedLine,
    ReconsiderationOutcome,
    ReconsiderationOutcomeIn,
)

BJ = timezone(timedelta(hours=8))
NOW = datetime(2026, 5, 20, 10, 0, tzinfo=BJ)
USCC = "91110000600037341L"  # valid check digit
BAD_USCC = "91110000600037341A"  # same code, wrong check digit


def line(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def recon(**over: Any) -> dict[str, Any]:
    base = {
        "external_id": "沈复决〔2026〕15号",
        "unit_code": "SY-SJJ-01",
        "domain": "market",
        "outcome": "revoked",
        "decided_on": "2026-05-18",
        "penalty_case_id": "0b7f9a52-4f3f-4c7e-9a52-6f1d2b3c4d5e",
        "penalty_decided_on": "2026-01-10",
        "illegality": "procedure",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def lit(**over: Any) -> dict[str, Any]:
    base = {
        "external_id": "(2026)辽0102行初88号",
        "unit_code": "SY-SJJ-01",
        "domain": "market",
        "result": "lost",
        "loss_type": "revoked",
        "decided_on": "2026-05-01",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def lead(**over: Any) -> dict[str, Any]:
    base = {
        "external_id": "12345-20260519-0001",
        "unit_code": "SY-ZHZF-03",
        "domain": "city_management",
        "uscc": USCC,
        "category": "涉企执法",
        "text": "执法人员多次到店检查，未出示执法证。",
        "received_at": "2026-05-19T15:30:00+08:00",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def ok(kind: IntakeKind, raw: bytes) -> ParsedLine:
    result = intake.parse_line(kind, 1, raw, now=NOW)
    assert isinstance(result, ParsedLine), result
    return result


def err(kind: IntakeKind | str, raw: bytes) -> LineError:
    result = intake.parse_line(kind, 7, raw, now=NOW)
    assert isinstance(result, LineError), result
    assert result.line_no == 7
    return result


class TestCorrectionRule:
    @pytest.mark.parametrize(
        ("outcome", "correction"),
        [
            (ReconsiderationOutcome.UPHELD, False),  # 第六十八条 维持
            (ReconsiderationOutcome.REVOKED, True),  # 第六十四条 撤销
            (ReconsiderationOutcome.CHANGED, True),  # 第六十三条 变更
            (ReconsiderationOutcome.CONFIRMED_ILLEGAL, True),  # 第六十五条 确认违法
            (ReconsiderationOutcome.CONFIRMED_INVALID, True),  # 第六十七条 确认无效
            (ReconsiderationOutcome.ORDERED_TO_PERFORM, True),  # 第六十六条 责令履行
            (ReconsiderationOutcome.DISMISSED, False),  # 第六十九条 驳回
        ],
    )
    def test_is_correction(self, outcome: ReconsiderationOutcome, correction: bool) -> None:
        assert intake.is_correction(outcome) is correction

    def test_litigation_loss(self) -> None:
        assert intake.is_litigation_loss(LitigationResult.LOST)
        assert not intake.is_litigation_loss(LitigationResult.WON)
        assert not intake.is_litigation_loss(LitigationResult.WITHDRAWN)

    def test_counts_against_unit(self) -> None:
        assert intake.counts_against_unit(ok(IntakeKind.RECONSIDERATION, line(recon())).record)
        upheld = ok(IntakeKind.RECONSIDERATION, line(recon(outcome="upheld", illegality=None))).record
        assert not intake.counts_against_unit(upheld)
        assert intake.counts_against_unit(ok(IntakeKind.LITIGATION, line(lit())).record)
        assert not intake.counts_against_unit(ok(IntakeKind.COMPLAINT, line(lead())).record)


class TestGoodLines:
    def test_reconsideration(self) -> None:
        parsed = ok(IntakeKind.RECONSIDERATION, line(recon()))
        record = parsed.record
        assert isinstance(record, ReconsiderationOutcomeIn)
        assert record.outcome is ReconsiderationOutcome.REVOKED
        assert record.unit_code == "SY-SJJ-01"
        assert str(record.penalty_case_id) == "0b7f9a52-4f3f-4c7e-9a52-6f1d2b3c4d5e"
        assert intake.event_date(record).isoformat() == "2026-05-18"

    def test_chinese_outcome_labels(self) -> None:
        assert ok(IntakeKind.RECONSIDERATION, line(recon(outcome="确认违法"))).record.outcome is (  # type: ignore[union-attr]
            ReconsiderationOutcome.CONFIRMED_ILLEGAL
        )
        assert ok(IntakeKind.RECONSIDERATION, line(recon(outcome="部分撤销"))).record.outcome is (  # type: ignore[union-attr]
            ReconsiderationOutcome.REVOKED
        )
        won = ok(IntakeKind.LITIGATION, line(lit(result="胜诉", loss_type=None))).record
        assert isinstance(won, LitigationOutcomeIn) and won.result is LitigationResult.WON

    def test_optional_fields(self) -> None:
        bare = recon(penalty_case_id=None, penalty_decided_on=None, illegality=None, outcome="upheld")
        record = ok(IntakeKind.RECONSIDERATION, line(bare)).record
        assert isinstance(record, ReconsiderationOutcomeIn) and record.penalty_case_id is None

    def test_complaint(self) -> None:
        record = ok(IntakeKind.COMPLAINT, line(lead())).record
        assert isinstance(record, ComplaintLeadIn)
        assert record.uscc == USCC
        # 15:30 Beijing time on the 19th -> the 19th
        assert intake.event_date(record).isoformat() == "2026-05-19"
        assert ok(IntakeKind.COMPLAINT, line(lead(uscc=None))).record.uscc is None  # type: ignore[union-attr]

    def test_complaint_in_utc_maps_to_beijing_day(self) -> None:
        record = ok(IntakeKind.COMPLAINT, line(lead(received_at="2026-05-18T16:30:00Z"))).record
        assert intake.event_date(record).isoformat() == "2026-05-19"  # 00:30 on the 19th in Beijing

    def test_decided_today_and_within_clock_skew(self) -> None:
        ok(IntakeKind.RECONSIDERATION, line(recon(decided_on="2026-05-20")))
        ok(IntakeKind.COMPLAINT, line(lead(received_at="2026-05-20T10:04:59+08:00")))  # 4m59s ahead

    def test_crlf_and_whitespace_are_tolerated(self) -> None:
        ok(IntakeKind.RECONSIDERATION, b"  " + line(recon()) + b" ")


class TestBadLines:
    def test_bad_json(self) -> None:
        e = err(IntakeKind.RECONSIDERATION, b'{"external_id": "x", ')
        assert e.code == "INTAKE_BAD_JSON"
        assert e.message == "不是有效的 JSON"

    def test_not_an_object(self) -> None:
        assert err(IntakeKind.RECONSIDERATION, b"[1, 2]").code == "INTAKE_NOT_OBJECT"
        assert err(IntakeKind.RECONSIDERATION, b'"text"').code == "INTAKE_NOT_OBJECT"

    def test_unknown_outcome(self) -> None:
        e = err(IntakeKind.RECONSIDERATION, line(recon(outcome="partly_upheld")))
        assert (e.code, e.field) == ("INTAKE_UNKNOWN_OUTCOME", "outcome")
        assert "partly_upheld" in e.message
        assert err(IntakeKind.LITIGATION, line(lit(result="draw"))).code == "INTAKE_UNKNOWN_OUTCOME"
        assert err(IntakeKind.LITIGATION, line(lit(loss_type="fined"))).code == "INTAKE_UNKNOWN_LOSS_TYPE"

    def test_invalid_uscc(self) -> None:
        e = err(IntakeKind.COMPLAINT, line(lead(uscc=BAD_USCC)))
        assert (e.code, e.field) == ("INTAKE_INVALID_USCC", "uscc")
        assert "统一社会信用代码无效" in e.message
        assert err(IntakeKind.COMPLAINT, line(lead(uscc="12345"))).code == "INTAKE_INVALID_USCC"
        assert err(IntakeKind.COMPLAINT, line(lead(uscc=91110000))).code == "INTAKE_INVALID_VALUE"

    def test_future_decision_date(self) -> None:
        e = err(IntakeKind.RECONSIDERATION, line(recon(decided_on="2026-05-21")))
        assert (e.code, e.field) == ("INTAKE_DATE_IN_FUTURE", "decided_on")
        assert e.message == "决定日期2026-05-21晚于今天2026-05-20"

    def test_future_receipt_time(self) -> None:
        e = err(IntakeKind.COMPLAINT, line(lead(received_at="2026-05-20T10:05:01+08:00")))  # 5m01s ahead
        assert (e.code, e.field) == ("INTAKE_DATE_IN_FUTURE", "received_at")

    def test_naive_datetime(self) -> None:
        e = err(IntakeKind.COMPLAINT, line(lead(received_at="2026-05-19T15:30:00")))
        assert e.code == "INTAKE_NAIVE_DATETIME"

    def test_impossible_date(self) -> None:
        e = err(IntakeKind.RECONSIDERATION, line(recon(decided_on="2026-02-30")))
        assert (e.code, e.field) == ("INTAKE_INVALID_DATE", "decided_on")

    def test_penalty_after_outcome(self) -> None:
        e = err(IntakeKind.RECONSIDERATION, line(recon(penalty_decided_on="2026-05-19")))
        assert (e.code, e.field) == ("INTAKE_DATE_ORDER", "penalty_decided_on")

    def test_missing_and_unknown_fields(self) -> None:
        data = recon()
        del data["unit_code"]
        e = err(IntakeKind.RECONSIDERATION, line(data))
        assert (e.code, e.field, e.message) == ("INTAKE_MISSING_FIELD", "unit_code", "缺少必填字段 unit_code")
        e = err(IntakeKind.RECONSIDERATION, line({**recon(), "remark": "x"}))
        assert (e.code, e.field) == ("INTAKE_UNKNOWN_FIELD", "remark")

    def test_all_problems_are_listed(self) -> None:
        e = err(IntakeKind.RECONSIDERATION, line(recon(unit_code=None, outcome="nope")))
        assert {i.code for i in e.issues} == {"INTAKE_MISSING_FIELD", "INTAKE_UNKNOWN_OUTCOME"}
        assert e.as_problem()["line"] == 7

    def test_loss_type_consistency(self) -> None:
        assert err(IntakeKind.LITIGATION, line(lit(loss_type=None))).code == "INTAKE_LOSS_TYPE_REQUIRED"
        assert err(IntakeKind.LITIGATION, line(lit(result="won"))).code == "INTAKE_LOSS_TYPE_NOT_ALLOWED"
        assert (
            err(IntakeKind.LITIGATION, line(lit(result="withdrawn"))).code == "INTAKE_LOSS_TYPE_NOT_ALLOWED"
        )

    def test_illegality_only_with_a_correction(self) -> None:
        e = err(IntakeKind.RECONSIDERATION, line(recon(outcome="upheld")))
        assert e.code == "INTAKE_ILLEGALITY_NOT_ALLOWED"

    def test_strict_types(self) -> None:
        assert err(IntakeKind.RECONSIDERATION, line(recon(unit_code=123))).code == "INTAKE_INVALID_VALUE"
        assert err(IntakeKind.RECONSIDERATION, line(recon(decided_on=20260518))).code == "INTAKE_INVALID_DATE"
        assert (
            err(IntakeKind.RECONSIDERATION, line(recon(penalty_case_id="not-a-uuid"))).code
            == "INTAKE_INVALID_VALUE"
        )

    def test_kind_mismatch(self) -> None:
        assert (
            err(IntakeKind.RECONSIDERATION, line({**recon(), "kind": "litigation"})).code
            == "INTAKE_KIND_MISMATCH"
        )

    def test_empty_too_long_bad_encoding_unknown_kind(self) -> None:
        assert err(IntakeKind.COMPLAINT, b"   ").code == "INTAKE_EMPTY_LINE"
        assert err(IntakeKind.COMPLAINT, line(lead(text="长" * 12_000))).code == "INTAKE_LINE_TOO_LONG"
        assert err(IntakeKind.COMPLAINT, b'{"text": "\xff\xfe"}').code == "INTAKE_BAD_ENCODING"
        assert err("appeal", line(recon())).code == "INTAKE_UNKNOWN_KIND"

    def test_control_characters_in_codes(self) -> None:
        assert (
            err(IntakeKind.RECONSIDERATION, line(recon(external_id="A\u0000B"))).code
            == "INTAKE_INVALID_VALUE"
        )


class TestNdjson:
    def test_mixed_batch(self) -> None:
        body = b"\n".join(
            [
                line(recon()),
                b"",
                line(recon(external_id="沈复决〔2026〕16号", outcome="upheld", illegality=None)) + b"\r",
                b"{oops",
                line(recon()),  # the same record again: harmless
                line(recon(outcome="changed")),  # same id, different content
            ]
        )
        results = intake.parse_ndjson(IntakeKind.RECONSIDERATION, body, now=NOW)
        assert [r.line_no for r in results] == [1, 3, 4, 5, 6]
        assert [type(r).__name__ for r in results] == [
            "ParsedLine",
            "ParsedLine",
            "LineError",
            "ParsedLine",
            "LineError",
        ]
        assert results[2].code == "INTAKE_BAD_JSON"  # type: ignore[union-attr]
        assert results[4].code == "INTAKE_DUPLICATE_EXTERNAL_ID"  # type: ignore[union-attr]


class TestNeverRaises:
    @settings(max_examples=300, deadline=None)
    @given(st.binary(max_size=300))
    def test_arbitrary_bytes(self, raw: bytes) -> None:
        for kind in IntakeKind:
            assert isinstance(intake.parse_line(kind, 1, raw, now=NOW), ParsedLine | LineError)

    _json = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
        ),
        max_leaves=10,
    )
    _field_names = st.sampled_from(sorted({*recon(), *lit(), *lead(), "kind", "uscc", "category", "text"}))

    @settings(max_examples=300, deadline=None)
    @given(st.dictionaries(_field_names, _json, max_size=10))
    def test_arbitrary_objects_with_known_field_names(self, obj: dict[str, Any]) -> None:
        raw = json.dumps(obj).encode()
        for kind in IntakeKind:
            assert isinstance(intake.parse_line(kind, 1, raw, now=NOW), ParsedLine | LineError)

    @settings(max_examples=200, deadline=None)
    @given(
        st.sampled_from(["outcome", "decided_on", "uscc", "received_at", "loss_type", "external_id"]), _json
    )
    def test_one_field_replaced(self, name: str, value: Any) -> None:
        for kind, base in (
            (IntakeKind.RECONSIDERATION, recon()),
            (IntakeKind.LITIGATION, lit()),
            (IntakeKind.COMPLAINT, lead()),
        ):
            raw = json.dumps({**base, name: value}).encode()
            assert isinstance(intake.parse_line(kind, 1, raw, now=NOW), ParsedLine | LineError)
