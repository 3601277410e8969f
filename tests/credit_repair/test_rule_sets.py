"""Rule sets over HTTP (use_cases.rule_sets): overlapping, invalid and existing ones refused; superseding the
open-ended set; only an administrator adds one."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import ADMIN, RULES, SUPERVISOR_CITY
from tests.support.http import problem
from tests.support.stack import client


class TestRuleSets:
    def _current(self) -> dict[str, Any]:
        for item in json.loads(RULES)["rule_sets"]:
            if item["effective_to"] is None:
                return copy.deepcopy(item)
        raise AssertionError

    async def test_overlap_is_refused(self, credit: Credit) -> None:
        new = self._current() | {"id": "overlapping", "effective_from": "2030-01-01"}
        async with client(credit.base, headers=ADMIN) as http:
            r = await http.post("/api/v1/credit/rule-sets", json={"rule_set": new})
        problem(r, 409, "CREDIT_RULESET_OVERLAP")
        assert "overlapping" in r.json()["detail"] and "shenyang-credit-2026-04" in r.json()["detail"]

    async def test_invalid_rule_set(self, credit: Credit) -> None:
        new = self._current() | {"id": "broken", "effective_from": "2031-01-01"}
        new["publication"]["general"] = {"min_months": 12, "max_months": 3}
        async with client(credit.base, headers=ADMIN) as http:
            r = await http.post("/api/v1/credit/rule-sets", json={"rule_set": new})
        problem(r, 400, "CREDIT_RULESET_INVALID")

    async def test_existing_id(self, credit: Credit) -> None:
        async with client(credit.base, headers=ADMIN) as http:
            r = await http.post("/api/v1/credit/rule-sets", json={"rule_set": self._current()})
        problem(r, 409, "CREDIT_RULESET_EXISTS")

    async def test_existing_id_in_english(self, credit: Credit) -> None:
        async with client(credit.base, headers=ADMIN | {"Accept-Language": "en"}) as http:
            r = await http.post("/api/v1/credit/rule-sets", json={"rule_set": self._current()})
        assert r.json()["code"] == "CREDIT_RULESET_EXISTS"
        assert r.json()["detail"].startswith(f"A rule set {self._current()['id']} exists")

    async def test_superseding_the_open_ended_set(self, stack: Any, nats_server: Any) -> None:
        # on a database of its own: this closes the current rules
        from tests.credit_repair.helpers import database, load_rules
        from tests.support.stack import running_service

        url = await stack.anew_database("credit_repair")
        async with database(url) as factory:
            await load_rules(factory)
            async with running_service("credit_repair", database_url=url, nats_url=nats_server.url) as svc:
                new = self._current() | {"id": "shenyang-credit-2030-01", "effective_from": "2030-01-01"}
                async with client(svc.url, headers=ADMIN) as http:
                    r = await http.post(
                        "/api/v1/credit/rule-sets", json={"rule_set": new, "supersede_open_ended": True}
                    )
                    assert r.status_code == 201, r.text
                    listed = {s["id"]: s for s in (await http.get("/api/v1/credit/rule-sets")).json()}
        assert listed["shenyang-credit-2026-04"]["effective_to"] == "2029-12-31"
        assert listed["shenyang-credit-2026-04"]["document"]["effective_to"] == "2029-12-31"
        assert listed["shenyang-credit-2030-01"]["status"] == "future"

    async def test_only_the_admin_adds(self, credit: Credit) -> None:
        async with client(credit.base, headers=SUPERVISOR_CITY) as http:
            r = await http.post("/api/v1/credit/rule-sets", json={"rule_set": self._current()})
        assert r.status_code == 403
