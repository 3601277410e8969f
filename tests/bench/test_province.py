"""The province generator (bench/province.py, issue #16 item 6) at a tiny size, into real databases."""

from __future__ import annotations

from datetime import date

import asyncpg
from stdnum.cn import uscc as stdnum_uscc

from bench import province
from tests.support.stack import Stack

# 2,000 enterprises, one year: 2,000 × 1 × 2 visits × 0.15 cases per visit = 600 decided cases;
# every fifth not published: 600 − 600 // 5 = 480 publications (and as many credit records);
# decisions 99, 199, …, 599 (i % 100 == 99) inactive: 6, so 594 active;
# one year up to 2026-06-30 starts 364 days earlier, on 2025-07-01.
PLAN = province.Plan(enterprises=2000, cities=14, years=1, seed=7, until=date(2026, 6, 30))


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _fingerprint(url: str, table: str, key: str) -> str:
    conn = await asyncpg.connect(_dsn(url))
    try:
        return str(await conn.fetchval(f"SELECT md5(string_agg(t::text, '|' ORDER BY {key})) FROM {table} t"))
    finally:
        await conn.close()


def test_the_plan_follows_the_issue_and_the_scaling_assumptions() -> None:
    default = province.Plan(until=date(2026, 12, 31))
    # 5,000,000 × 3 years × 2 visits × 0.15 = 4,500,000 cases ("several million"); 30 M visits behind them
    assert (default.enterprises, default.cities, default.years) == (5_000_000, 14, 3)
    assert default.decided_cases == 4_500_000
    assert default.publications == 4_500_000 - 900_000
    assert (PLAN.decided_cases, PLAN.publications, PLAN.since) == (600, 480, date(2025, 7, 1))


def test_codes_are_valid_and_placed_in_the_province() -> None:
    # GB 11714: body 00000001, weights (3,7,9,10,5,8,4,2): 1 × 2 = 2; 11 − 2 = 9
    assert province.org_code(1) == "000000019"
    # body 00000010: 1 × 4 = 4; 11 − 4 = 7
    assert province.org_code(10) == "000000107"
    liaoning = {code for code, _name, _weight in province.CITIES}
    for index in range(0, 2000, 37):
        code = province.uscc_of(PLAN, index)
        assert stdnum_uscc.is_valid(code), code
        assert code[:2] == "91" and code[2:6] in liaoning
    shenyang_only = province.Plan(enterprises=100, cities=1, until=PLAN.until)
    assert {province.district_of(shenyang_only, i)[:4] for i in range(100)} == {"2101"}


async def test_generates_consistent_rows_into_penalty_and_credit_repair(stack: Stack) -> None:
    penalty_url = await stack.anew_database("penalty")
    credit_url = await stack.anew_database("credit_repair")
    written = await province.generate(PLAN, penalty_url=penalty_url, credit_url=credit_url, chunk=128)
    assert (written.decided_cases, written.credit_records, written.publications) == (600, 480, 480)

    penalty = await asyncpg.connect(_dsn(penalty_url))
    credit = await asyncpg.connect(_dsn(credit_url))
    try:
        decided = {
            r["case_id"]: r
            for r in await penalty.fetch(
                "SELECT case_id, district_code, decided_on, active FROM decided_case"
            )
        }
        assert len(decided) == 600
        assert sum(1 for r in decided.values() if r["active"]) == 594
        assert all(date(2025, 7, 1) <= r["decided_on"] <= date(2026, 6, 30) for r in decided.values())
        published = await credit.fetch(
            "SELECT p.case_id, p.district_code, p.decided_on, p.party_uscc, p.max_ends_on, r.id AS record_id"
            " FROM publication p JOIN credit_record r ON r.id = p.record_id"
        )
        assert len(published) == 480
        for p in published:
            d = decided[p["case_id"]]  # every publication is one of the decisions, at the same place and day
            assert (p["district_code"], p["decided_on"]) == (d["district_code"], d["decided_on"])
            assert stdnum_uscc.is_valid(p["party_uscc"])
            assert p["party_uscc"][2:8] == p["district_code"]
            # published for the sample rules' 3 years: same day three years on (29 Feb → 28 Feb)
            assert p["max_ends_on"].year == p["decided_on"].year + 3
        # every publication got its own number in the public list
        assert await credit.fetchval("SELECT count(DISTINCT seq) FROM publication") == 480
    finally:
        await penalty.close()
        await credit.close()

    # Deterministic: the same plan into two fresh databases writes the same rows.
    penalty_again = await stack.anew_database("penalty")
    credit_again = await stack.anew_database("credit_repair")
    await province.generate(PLAN, penalty_url=penalty_again, credit_url=credit_again, chunk=1000)
    assert await _fingerprint(penalty_url, "decided_case", "case_id") == await _fingerprint(
        penalty_again, "decided_case", "case_id"
    )
    columns = "(case_id, decision_no, party_uscc, district_code, starts_on, max_ends_on, fine_fen)"
    assert await _fingerprint(credit_url, f"(SELECT {columns[1:-1]} FROM publication) ", "case_id") == (
        await _fingerprint(credit_again, f"(SELECT {columns[1:-1]} FROM publication) ", "case_id")
    )


# Inspection and risk (bench/province_inspection.py), 2,000 enterprises over two years up to 2026-06-30
# (the calendar years 2025 and 2026, the latter up to 30 June).
INSPECTION_PLAN = province.Plan(enterprises=2000, cities=14, years=2, seed=7, until=date(2026, 6, 30))


async def test_generates_inspections_and_risk_projections(stack: Stack) -> None:
    from bench import province_inspection

    inspection_url = await stack.anew_database("inspection")
    risk_url = await stack.anew_database("risk")
    written = await province_inspection.generate(
        INSPECTION_PLAN, inspection_url=inspection_url, risk_url=risk_url, chunk=500
    )
    # visits: enterprise i has (i + y) % 5 in year y; 2,000 = 400 × 5, so each year 400 × (0+1+2+3+4) = 4,000,
    # 8,000 over two years; one emergency visit too many where (i + y) % 1000 == 4: i = 4, 1004 (y = 0) and
    # i = 3, 1003 (y = 1): 4 more, 8,004.
    # refusals: (i + y) % 100 == 7: 20 enterprises a year, 40.
    # tasks: 2 years × 14 cities × (7 random + joint + complaint + key area) = 280.
    # units: 14 cities × 8 districts × 7 departments = 784.
    # decisions: 2,000 × 2 × 2 × 0.15 = 1,200 projected cases; every 50th overdue: 24.
    assert (written.enterprises, written.visits, written.refusals, written.tasks, written.units) == (
        2000, 8004, 40, 280, 784,
    )  # fmt: skip
    assert written.risk_cases == 1200

    insp = await asyncpg.connect(_dsn(inspection_url))
    risk = await asyncpg.connect(_dsn(risk_url))
    try:
        visits = await insp.fetch(
            "SELECT visit_id, uscc, district_code, dept_codes, mode, rating_stars FROM visit"
        )
        assert len(visits) == 8004
        assert sum(1 for v in visits if v["mode"] == "emergency") == 4
        enterprises = {r["uscc"]: r["district_code"] for r in await insp.fetch("SELECT * FROM enterprise")}
        assert all(enterprises[v["uscc"]] == v["district_code"] for v in visits)
        # every visit, rating and refusal is projected into risk for each unit (department × district)
        signals = {
            r["kind"]: r["n"]
            for r in await risk.fetch("SELECT kind, count(*) AS n FROM unit_signal GROUP BY kind")
        }
        assert signals["visit"] == sum(len(v["dept_codes"]) for v in visits)
        assert signals["rating"] == sum(len(v["dept_codes"]) for v in visits if v["rating_stars"] is not None)
        assert (signals["refused_entry"], signals["overdue_procedure"]) == (40, 24)
        assert (
            await risk.fetchval(
                "SELECT count(*) FROM unit_signal s WHERE s.kind = 'visit' AND s.unit_code NOT IN"
                " (SELECT code FROM risk_unit)"
            )
            == 0
        )
        # the emergency visits break exactly one department's cap each: 4 (enterprise, year, department)
        assert (
            await insp.fetchval(
                "SELECT count(*) FROM visit_cap_tally WHERE dept_code <> '' AND random_n + joint_n > 1"
            )
            == 4
        )
        risk_cases = {
            r["case_id"]: (r["unit_code"], r["district_code"], r["decided_on"], r["party_uscc"])
            for r in await risk.fetch(
                "SELECT case_id, unit_code, district_code, decided_on, party_uscc FROM risk_case"
            )
        }
    finally:
        await insp.close()
        await risk.close()

    # risk's cases are penalty's decided cases (bench/province.py, the same plan): the same ids, units and days
    penalty_url = await stack.anew_database("penalty")
    credit_url = await stack.anew_database("credit_repair")
    await province.generate(INSPECTION_PLAN, penalty_url=penalty_url, credit_url=credit_url)
    penalty = await asyncpg.connect(_dsn(penalty_url))
    try:
        decided = {
            r["case_id"]: (f"{r['dept_code']}-{r['district_code']}", r["district_code"], r["decided_on"])
            for r in await penalty.fetch(
                "SELECT case_id, dept_code, district_code, decided_on FROM decided_case"
            )
        }
    finally:
        await penalty.close()
    assert len(decided) == 1200
    assert {k: v[:3] for k, v in risk_cases.items()} == decided
    # each case's party is registered in inspection at the case's district
    assert all(enterprises[uscc] == district for _unit, district, _day, uscc in risk_cases.values())

    # deterministic
    inspection_again = await stack.anew_database("inspection")
    risk_again = await stack.anew_database("risk")
    await province_inspection.generate(
        INSPECTION_PLAN, inspection_url=inspection_again, risk_url=risk_again, chunk=3000
    )
    for url, again, table, key in (
        (inspection_url, inspection_again, "visit", "visit_id"),
        (inspection_url, inspection_again, "entry_refusal", "refusal_id"),
        (risk_url, risk_again, "unit_signal", "kind, ref, unit_code"),
    ):
        assert await _fingerprint(url, table, key) == await _fingerprint(again, table, key)


async def test_the_set_based_build_keeps_what_the_triggers_keep(stack: Stack) -> None:
    """The load with the visits' triggers off and ``visit_cap_tally`` / ``visit_key`` built after it in one
    statement each gives exactly the rows the triggers keep when they fire for every visit."""
    from bench import province_inspection

    urls = {}
    for set_based in (False, True):
        inspection_url = await stack.anew_database("inspection")
        risk_url = await stack.anew_database("risk")
        await province_inspection.generate(
            INSPECTION_PLAN, inspection_url=inspection_url, risk_url=risk_url, set_based=set_based
        )
        urls[set_based] = inspection_url
    tally = "(SELECT year, uscc, dept_code, random_n, joint_n, complaint_n, key_area_n FROM visit_cap_tally)"
    for table, key in (
        ("visit", "visit_id"),
        (tally, "year, uscc, dept_code"),
        ("visit_key", "visit_id"),
    ):
        assert await _fingerprint(urls[True], table, key) == await _fingerprint(urls[False], table, key)
    conn = await asyncpg.connect(_dsn(urls[True]))
    try:
        # 8,004 visits (the test above) of which 2 % of the second to fourth are asked for by the enterprise and
        # left out of the tally: every enterprise-year with a visit has a '' row, and the tally is not empty
        assert await conn.fetchval("SELECT count(*) FROM visit_key") == 8004
        assert await conn.fetchval("SELECT count(*) FROM visit_cap_tally WHERE dept_code = ''") > 0
        # the keys and indexes are back, and the triggers on again
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'visit'::regclass AND tgenabled = 'D'"
            )
            == 0
        )
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM pg_constraint WHERE conname = 'pk_visit' AND conparentid = 0"
            )
            == 1
        )
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM pg_constraint WHERE conname = 'fk_visit_outcome_visit_id_visit' AND conparentid = 0"
            )
            == 1
        )
    finally:
        await conn.close()


async def test_the_set_based_decisions_keep_what_the_triggers_keep(stack: Stack) -> None:
    """Penalty's and credit_repair's load with ``decided_case``'s tally triggers off, the tallies built after it
    as penalty_0013 and penalty_0019 back-fill them, gives exactly the rows the triggers keep when they fire for every
    statement (in chunks of 100 decisions: the tallies' arrays merged 6 times)."""
    urls: dict[bool, tuple[str, str]] = {}
    for set_based in (False, True):
        penalty_url = await stack.anew_database("penalty")
        credit_url = await stack.anew_database("credit_repair")
        written = await province.generate(
            PLAN, penalty_url=penalty_url, credit_url=credit_url, chunk=100, set_based=set_based
        )
        assert (written.decided_cases, written.credit_records, written.publications) == (600, 480, 480)
        urls[set_based] = (penalty_url, credit_url)
    for table, key in (
        ("decided_case", "case_id"),
        ("decided_facts_tally", "benchmark_code, facts_key, tier"),
        ("decided_district_tally", "benchmark_code, facts_key, district_code"),
        ("decided_position_city", "benchmark_code, tier"),
        ("decided_positions", "benchmark_code, tier, district_code"),
        ("decided_facts_group", "benchmark_code, facts_key"),  # penalty_0019's, with its city medians above
    ):
        assert await _fingerprint(urls[True][0], table, key) == await _fingerprint(urls[False][0], table, key)
    for table, key in (
        ("(SELECT id, seq, record_id, case_id, decision_no, max_ends_on FROM publication)", "id"),
        ("(SELECT id, case_id, decision_no, party_uscc, party_name FROM credit_record)", "id"),
        ("publication_key", "id"),
    ):
        assert await _fingerprint(urls[True][1], table, key) == await _fingerprint(urls[False][1], table, key)
    penalty = await asyncpg.connect(_dsn(urls[True][0]))
    credit = await asyncpg.connect(_dsn(urls[True][1]))
    try:
        # 594 active decisions (the first test), each in one facts tally row's count
        assert await penalty.fetchval("SELECT sum(n) FROM decided_facts_tally") == 594
        assert await penalty.fetchval("SELECT sum(n) FROM decided_district_tally") == 594
        # the triggers on again, and the indexes back (penalty_0014's five)
        assert (
            await penalty.fetchval(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'decided_case'::regclass AND tgenabled = 'D'"
            )
            == 0
        )
        assert (
            await penalty.fetchval(
                "SELECT count(*) FROM pg_indexes WHERE tablename = 'decided_case' AND indexname LIKE 'ix_%'"
            )
            == 5
        )
        assert (
            await credit.fetchval(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'publication'::regclass AND tgenabled = 'D'"
            )
            == 0
        )
        # the public list's next number comes after the generated ones (the 600th decision is not published:
        # i = 599, 599 % 5 == 4; the highest published number is 599)
        assert await credit.fetchval("SELECT nextval('publication_seq_seq')") == 600
    finally:
        await penalty.close()
        await credit.close()
