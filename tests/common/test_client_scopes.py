"""Integration clients' scopes are configuration shared by every service (ZHIFA_INTEGRATION_SCOPES), checked
at start-up, and decide what an integration principal may do; other roles are not a question of scopes."""

from __future__ import annotations

import json

import pytest

from services.common import scopes
from services.common.auth import Principal
from services.common.registry import SERVICES
from tests.support.stack import settings_for


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_service_reads_the_one_setting(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    grants = {"feishui": ["penalty.payments.record"], "xinyong": ["credit.feed.read"]}
    monkeypatch.setenv("ZHIFA_INTEGRATION_SCOPES", json.dumps(grants))
    assert settings_for(service).integration_scopes == grants


@pytest.mark.parametrize("service", list(SERVICES))
def test_an_unknown_scope_stops_the_service(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIFA_INTEGRATION_SCOPES", json.dumps({"payment": ["penalty.payment.record"]}))
    with pytest.raises(ValueError, match=r"unknown integration scopes \['penalty.payment.record'\]"):
        settings_for(service)


def test_defaults_give_each_client_only_its_own_work() -> None:
    grants = settings_for("penalty").integration_scopes
    assert grants == {
        "payment": ["penalty.payments.record"],
        "12345": ["risk.intake.complaint"],
        "court": ["risk.intake.litigation"],
        "reconsideration": ["risk.intake.reconsideration"],
        "creditchina": ["credit.feed.read"],
        "case-migration": ["penalty.cases.import"],
    }


class TestRequire:
    GRANTS = {"payment": ["penalty.payments.record"]}

    def test_the_granted_client_passes(self) -> None:
        payment = Principal(sub="p", role="integration", client="payment")
        assert scopes.require(payment, scopes.PAYMENTS_RECORD, self.GRANTS) is payment

    @pytest.mark.parametrize("client", ["12345", "PAYMENT", "", None])
    def test_any_other_client_is_refused(self, client: str | None) -> None:
        hotline = Principal(sub="h", role="integration", client=client)
        with pytest.raises(scopes.ClientScopeForbidden) as refused:
            scopes.require(hotline, scopes.PAYMENTS_RECORD, self.GRANTS)
        assert refused.value.status == 403 and refused.value.code == "CLIENT_SCOPE_FORBIDDEN"
        assert refused.value.extra == {"client": client, "scope": "penalty.payments.record"}

    def test_other_roles_are_not_a_question_of_scopes(self) -> None:
        officer = Principal(sub="o", role="officer", cert_no="辽A-1", dept_code="SJ", district_code="210102")
        assert scopes.require(officer, scopes.PAYMENTS_RECORD, {}) is officer
