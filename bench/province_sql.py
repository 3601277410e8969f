"""The province's visits, refused entries and their risk signals generated server-side (issue #16 item 6):
``INSERT … SELECT … FROM generate_series`` with deterministic pseudo-random expressions, one statement per
calendar year and table, in inspection's and risk's databases at once (``bench/province_inspection.py``).

The shape is the one bench/province_inspection.py's docstring gives: ``visits_of`` visits of enterprise ``i``
in year ``y``, the first a 双随机 visit, each visit by departments no other visit of that enterprise-year has
(a joint visit by two), the emergency visit of the ``over_cap`` enterprise-years on the first visit's day by
its department, a refused entry where ``refused``, a visit in ten rated. Every draw is ``hashint8extended`` of
the visit's key (enterprise, year, visit number) and a salt of its own, so inspection's visits and risk's
signals, written by two statements in two databases, agree without a row crossing between them, and the same
plan gives the same rows.
"""

from __future__ import annotations

from bench import province
from bench import province_inspection as pi

# Both databases get these (dropped at the end): the enterprises by index, and the tasks by their key.
SCRATCH = (
    "CREATE UNLOGGED TABLE province_enterprise (idx integer PRIMARY KEY, uscc text NOT NULL, district text NOT NULL)",
    "CREATE UNLOGGED TABLE province_task (kind text, year integer, city text, dept text, task_id uuid,"
    " PRIMARY KEY (kind, year, city, dept))",
)
DROP_SCRATCH = "DROP TABLE IF EXISTS province_enterprise, province_task"


def _array(values: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"


def _draw(key: str, salt: int) -> str:
    """A non-negative pseudo-random integer (31 bits) of ``key`` (a bigint expression) and ``salt``."""
    return f"(hashint8extended({key}, {salt}) & 2147483647)"


DEPTS = _array(province.DEPARTMENTS)
KINDS = _array(("random", "random", "joint", "complaint", "key_area"))
CODES = _array(pi.REFUSAL_CODES)


def visits_select(plan: province.Plan, year: int) -> str:
    """Every visit of year ``year`` of the period, one row each: the enterprise, the visit's number ``j`` (4
    for the emergency one), its key ``k``, kind, mode, departments ``da`` (and ``db`` for a joint visit, in
    order), start, end, the officers' certificate numbers' draws and the rating."""
    first_day, days = pi.calendar_year(plan, year)
    s = plan.seed * 100
    # the enterprise-year's departments in a random order: position p is DEPTS[(r + p × step) % 7] (7 is
    # prime, so a step 1..6 takes each once); visit j takes position 2j, and 2j + 1 too when joint (j ≤ 2,
    # so that positions stay below 7); the emergency visit (j = 4) takes the first visit's (position 0)
    return f"""
SELECT idx, uscc, district, j, k, md5('{plan.seed}:v:' || idx || ':{year}:' || j)::uuid AS visit_id, kind, mode,
       requested, least(d1, coalesce(d2, d1)) AS da, CASE WHEN d2 IS NOT NULL THEN greatest(d1, d2) END AS db,
       started_at, started_at + (30 + {_draw("k", s + 4)} % 150) * interval '1 minute' AS completed_at,
       {_draw("k", s + 7)} % 1000 AS c1, {_draw("k", s + 8)} % 1000 AS c2,
       {_draw("k", s + 9)} % 1000 AS c3, {_draw("k", s + 10)} % 1000 AS c4,
       CASE WHEN {_draw("k", s + 11)} % {pi.RATING_EVERY} = 0 THEN 1 + {_draw("k", s + 12)} % 5 END AS stars
FROM (
    SELECT e.idx, e.uscc, e.district, n.j, a.k, b.kind,
           CASE WHEN n.j = 4 THEN 'emergency'
                WHEN n.j = 0 AND {_draw("a.k", s + 5)} % 10 = 0 THEN 'enterprise_code'
                ELSE 'entry_code' END AS mode,
           n.j BETWEEN 1 AND 3 AND {_draw("a.k", s + 6)} % 50 = 0 AS requested,
           ({DEPTS})[1 + (a.r + 2 * (n.j % 4) * a.step) % 7] AS d1,
           CASE WHEN b.kind = 'joint' AND n.j <= 2 THEN ({DEPTS})[1 + (a.r + (2 * n.j + 1) * a.step) % 7] END
               AS d2,
           (date '{first_day.isoformat()}'
               + ({_draw("CASE WHEN n.j = 4 THEN a.ey * 8 ELSE a.k END", s + 1)} % {days})::int)::timestamp
               AT TIME ZONE 'UTC' + ({_draw("a.k", s + 3)} % 32400) * interval '1 second' AS started_at
    FROM province_enterprise e
    CROSS JOIN LATERAL (
        SELECT j FROM generate_series(0, (e.idx + {year}) % 5 - 1) AS g(j)
        UNION ALL SELECT 4 WHERE (e.idx + {year}) % {pi.OVER_CAP_EVERY} = 4
    ) n
    CROSS JOIN LATERAL (
        SELECT e.idx::bigint * {plan.years} + {year} AS ey, (e.idx::bigint * {plan.years} + {year}) * 8 + n.j AS k,
               {_draw(f"(e.idx::bigint * {plan.years} + {year})", s + 13)} % 7 AS r,
               1 + {_draw(f"(e.idx::bigint * {plan.years} + {year})", s + 14)} % 6 AS step
        OFFSET 0
    ) a
    CROSS JOIN LATERAL (
        SELECT CASE WHEN n.j IN (0, 4) THEN 'random' ELSE ({KINDS})[1 + {_draw("a.k", s + 2)} % 5] END AS kind
        OFFSET 0
    ) b
    OFFSET 0
) v
"""


def _cert(draw: str, dept: str) -> str:
    return f"'LN' || district || {dept} || lpad({draw}::text, 3, '0')"


def _officer(cert: str) -> str:
    return (
        f"jsonb_build_object('cert_no', {cert}, 'name', '执法人员', 'dept_code', substr({cert}, 9, 2), "
        "'department', '')"
    )


def insert_visits(plan: province.Plan, year: int) -> str:
    """Inspection's ``visit`` rows of year ``year`` (as bench/province_inspection.py's ``_visit`` makes them)."""
    certs = [_cert("c1", "da"), _cert("c2", "da"), _cert("c3", "db"), _cert("c4", "db")]
    columns = ", ".join(pi.VISIT_COLUMNS)
    return f"""
INSERT INTO visit ({columns})
SELECT v.visit_id, t.task_id, v.kind, v.uscc, v.district, v.mode, 'completed', v.started_at, v.started_at,
       v.completed_at, v.requested,
       CASE WHEN v.db IS NULL THEN ARRAY[v.da] ELSE ARRAY[v.da, v.db] END,
       CASE WHEN v.db IS NULL THEN ARRAY[{certs[0]}, {certs[1]}]
            ELSE ARRAY[{certs[0]}, {certs[1]}, {certs[2]}, {certs[3]}] END,
       CASE WHEN v.db IS NULL THEN jsonb_build_array({_officer(certs[0])}, {_officer(certs[1])})
            ELSE jsonb_build_array({", ".join(_officer(c) for c in certs)}) END,
       CASE WHEN v.db IS NULL THEN ARRAY[v.da || '-0001'] ELSE ARRAY[v.da || '-0001', v.db || '-0001'] END,
       {certs[0]}, 'officer', v.stars,
       CASE WHEN v.stars IS NOT NULL THEN v.completed_at + interval '1 day' END,
       CASE WHEN v.stars IS NOT NULL THEN v.uscc END
FROM ({visits_select(plan, year)}) v
JOIN province_task t ON t.kind = v.kind AND t.year = {year} AND t.city = left(v.district, 4)
    AND t.dept = CASE WHEN v.kind = 'random' THEN v.da ELSE '' END
"""


def insert_visit_signals(plan: province.Plan, year: int) -> str:
    """Risk's ``visit`` and ``rating`` signals of year ``year``'s visits, one per visit (or rating) and
    department (as bench/province_inspection.py's ``_enterprise`` makes them)."""
    columns = ", ".join(pi.SIGNAL_COLUMNS)
    return f"""
INSERT INTO unit_signal ({columns})
SELECT s.kind, v.visit_id::text, d.dept || '-' || v.district, '{pi.INSPECTION_DOMAIN}', NULL, s.at,
       (s.at AT TIME ZONE 'Asia/Shanghai')::date, s.value, s.detail
FROM ({visits_select(plan, year)}) v
CROSS JOIN LATERAL (VALUES (v.da), (v.db)) d(dept)
CROSS JOIN LATERAL (
    VALUES ('visit', v.completed_at, NULL::integer, v.uscc || '（' || v.kind || '）'),
           ('rating', v.completed_at + interval '1 day', v.stars, '')
) s(kind, at, value, detail)
WHERE d.dept IS NOT NULL AND (s.kind = 'visit' OR v.stars IS NOT NULL)
"""


def refusals_select(plan: province.Plan, year: int) -> str:
    """Year ``year``'s refused entries, one for each ``refused`` enterprise-year."""
    first_day, days = pi.calendar_year(plan, year)
    s = plan.seed * 100 + 50
    k = f"(e.idx::bigint * {plan.years} + {year})"
    return f"""
SELECT md5('{plan.seed}:r:' || e.idx || ':{year}')::uuid AS refusal_id, e.uscc, e.district,
       ({CODES})[1 + {_draw(k, s + 1)} % {len(pi.REFUSAL_CODES)}] AS code,
       ({DEPTS})[1 + {_draw(k, s + 2)} % 7] AS dept,
       lpad(({_draw(k, s + 3)} % 1000)::text, 3, '0') AS cert_serial,
       date '{first_day.isoformat()}' + ({_draw(k, s + 4)} % {days})::int AS day,
       ({_draw(k, s + 5)} % 32400) * interval '1 second' AS after
FROM province_enterprise e
WHERE (e.idx + {year}) % {pi.REFUSAL_EVERY} = 7
"""


def insert_refusals(plan: province.Plan, year: int) -> str:
    columns = ", ".join(pi.REFUSAL_COLUMNS)
    return f"""
INSERT INTO entry_refusal ({columns})
SELECT r.refusal_id, r.code, 403, r.code, 'entry_code', t.task_id, r.uscc, r.dept, r.district,
       ARRAY['LN' || r.district || r.dept || r.cert_serial], 'LN' || r.district || r.dept || r.cert_serial,
       'officer', r.day::timestamp AT TIME ZONE 'UTC' + r.after
FROM ({refusals_select(plan, year)}) r
JOIN province_task t ON t.kind = 'random' AND t.year = {year} AND t.city = left(r.district, 4) AND t.dept = r.dept
"""


def insert_refusal_signals(plan: province.Plan, year: int) -> str:
    columns = ", ".join(pi.SIGNAL_COLUMNS)
    return f"""
INSERT INTO unit_signal ({columns})
SELECT 'refused_entry', r.refusal_id::text, r.dept || '-' || r.district, '{pi.INSPECTION_DOMAIN}', NULL,
       r.day::timestamp AT TIME ZONE 'UTC' + r.after, r.day, NULL, r.code
FROM ({refusals_select(plan, year)}) r
"""


def enterprise_rows(plan: province.Plan, first: int, stop: int) -> list[tuple[object, ...]]:
    """``province_enterprise``'s rows for the enterprises ``first`` … ``stop - 1``."""
    return [(i, province.uscc_of(plan, i), province.district_of(plan, i)) for i in range(first, stop)]


def task_rows(plan: province.Plan) -> list[tuple[object, ...]]:
    """``province_task``'s rows: bench/province_inspection.py's tasks by (kind, year, city, department)."""
    rows: list[tuple[object, ...]] = []
    for year in range(plan.years):
        for city in pi.cities(plan):
            rows += [
                ("random", year, city, d, pi.task_id("random", year, city, d)) for d in province.DEPARTMENTS
            ]
            rows += [(kind, year, city, "", pi.task_id(kind, year, city)) for kind in pi.OTHER_KINDS]
    return rows


# The decisions (penalty's ``decided_case``, credit_repair's records and publications, risk's ``risk_case``):
# case ``i`` (0-based; its number ``n`` is ``i + 1``) draws everything from ``hashint8extended(i, salt)``, so the
# three databases' statements agree on every case without a row crossing between them.
TIER_NAMES = _array(province.TIERS)
CASE_CHUNK = 500_000  # decisions a statement
TIERS_EN = "CASE tier " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in pi.TIERS_EN.items()) + " END"
DEPT_NAMES = _array(tuple(province.DEPARTMENT_NAMES[d] for d in province.DEPARTMENTS))
CITY_VALUES = ", ".join(f"('{code}', '{name}')" for code, name in province.CITY_NAMES.items())


def cases_select(plan: province.Plan, first: int, stop: int) -> str:
    """The decisions ``first`` … ``stop - 1`` (``province.py``'s docstring gives their shape): the enterprise a
    square of a uniform draw (a few enterprises decided against again and again), the item, the fact pattern
    (whose tier is fixed except for 0.5 % of the decisions), a fine in its tier except 0.5 % just above and
    0.5 % just below it, a department, a day of the period; every 100th inactive, every ``publish_every``-th
    not published."""
    s = plan.seed * 100 + 70
    days = (plan.until - plan.since).days + 1
    return f"""
SELECT c.i, c.i + 1 AS n, c.case_id, e.uscc, e.district, city.name AS city_name, c.d, ({DEPTS})[c.d] AS dept,
       c.item, c.pattern, c.tier, c.low, c.high,
       CASE WHEN c.r1 < 5 THEN c.high + 1 + floor(c.r2 * 100)::bigint
            WHEN c.r1 < 10 THEN greatest(c.low - 1 - floor(c.r2 * 100)::bigint, 0)
            ELSE c.low + floor((c.high - c.low) * c.r2)::bigint END AS fine,
       c.decided_on, c.i % 100 <> 99 AS active, c.i % {plan.publish_every} <> {plan.publish_every - 1} AS published
FROM (
    SELECT g.i, md5('{plan.seed}:c:' || g.i)::uuid AS case_id,
           floor({plan.enterprises} * ({_draw("g.i", s + 1)}::float8 / 2147483648.0) ^ 2)::int AS enterprise,
           1 + {_draw("g.i", s + 2)} % 7 AS d, x.item, x.pattern,
           ({TIER_NAMES})[1 + CASE WHEN {_draw("g.i", s + 5)} % 200 = 0 THEN {_draw("g.i", s + 6)} % 3
                                   ELSE x.pattern % 3 END] AS tier,
           x.item * 100000::bigint AS low, x.item * 100000::bigint * (2 + x.item % 5) AS high,
           {_draw("g.i", s + 7)} % 1000 AS r1, {_draw("g.i", s + 8)}::float8 / 2147483648.0 AS r2,
           date '{plan.since.isoformat()}' + ({_draw("g.i", s + 9)} % {days})::int AS decided_on
    FROM generate_series({first}::bigint, {stop - 1}::bigint) AS g(i)
    CROSS JOIN LATERAL (
        SELECT 1 + {_draw("g.i", s + 3)} % {province.ITEMS} AS item, {_draw("g.i", s + 4)} % {province.PATTERNS} AS pattern
        OFFSET 0
    ) x
) c
JOIN province_enterprise e ON e.idx = c.enterprise
JOIN (VALUES {CITY_VALUES}) city(code, name) ON city.code = left(e.district, 4)
"""


def _benchmark_code(c: str) -> str:
    return f"'LN-' || {c}.dept || '-' || lpad({c}.item::text, 4, '0')"


def insert_decided(plan: province.Plan, first: int, stop: int) -> str:
    """Penalty's ``decided_case`` rows of the decisions ``first`` … ``stop - 1``."""
    columns = ", ".join(province.DECIDED_COLUMNS)
    return f"""
INSERT INTO decided_case ({columns})
SELECT c.case_id, c.dept, c.district, {_benchmark_code("c")}, 1, c.tier, c.low, c.high, c.fine, true,
       'k' || c.pattern, c.decided_on, c.active, c.decided_on
FROM ({cases_select(plan, first, stop)}) c
"""


def insert_credit(plan: province.Plan, first: int, stop: int) -> str:
    """Credit_repair's ``credit_record`` and ``publication`` of the published decisions ``first`` …
    ``stop - 1``: a general-procedure fine, class general, published from its decision date for the sample
    rules' 3 years (29 February's three years end on 28 February, as ``add_years`` has it), its public list
    number ``seq`` the decision's number (the identity goes on after the highest one, ``CREDIT_SEQUENCE``)."""
    records = ", ".join(province.RECORD_COLUMNS)
    publications = ", ".join(("seq", *province.PUBLICATION_COLUMNS))
    return f"""
WITH c AS MATERIALIZED (
    SELECT c.*, md5('{plan.seed}:record:' || c.i)::uuid AS record_id,
           '辽' || left(c.district, 4) || '罚〔' || extract(year FROM c.decided_on) || '〕' || c.n || '号' AS decision_no,
           c.city_name || '样例企业' || c.n || '有限公司' AS party_name,
           c.city_name || ({DEPT_NAMES})[c.d] AS dept_name
    FROM ({cases_select(plan, first, stop)}) c
    WHERE c.published
), r AS (
    INSERT INTO credit_record ({records})
    SELECT record_id, case_id, 1, decision_no, decided_on, 'organisation', uscc, party_name, dept, dept_name,
           district, '样例', 'market_regulation', {_benchmark_code("c")}, ARRAY['fine'], fine, 'general', false,
           'general', true, '', '{province.RULE_SET}', false, ARRAY[]::text[], ARRAY['信用中国'], 1, 'in_force'
    FROM c
)
INSERT INTO publication ({publications})
SELECT n, md5('{plan.seed}:publication:' || i)::uuid, record_id, case_id, decision_no, 'organisation', uscc,
       party_name, dept, dept_name, district, 'general', '{province.RULE_SET}', ARRAY['信用中国'], decided_on,
       decided_on + 90, decided_on + 90, (decided_on + interval '3 years')::date, decided_on, 'general',
       {province.FINE_BIT}, fine, false, 'in_force'
FROM c
"""


CREDIT_SEQUENCE = (
    "SELECT setval('publication_seq_seq', coalesce((SELECT max(seq) FROM publication), 0) + 1, false)"
)


def insert_risk_cases(plan: province.Plan, first: int, stop: int) -> str:
    """Risk's ``risk_case`` of the decisions ``first`` … ``stop - 1`` (the same ids, units, districts and days
    as penalty's ``decided_case``), and an ``overdue_procedure`` signal for every ``OVERDUE_EVERY``-th."""
    cases = ", ".join(pi.CASE_COLUMNS)
    signals = ", ".join(pi.SIGNAL_COLUMNS)
    domains = _array(tuple(pi.DOMAINS[d] for d in province.DEPARTMENTS))
    return f"""
WITH c AS MATERIALIZED (
    SELECT c.*, c.dept || '-' || c.district AS unit, ({domains})[c.d] AS domain
    FROM ({cases_select(plan, first, stop)}) c
), r AS (
    INSERT INTO risk_case ({cases})
    SELECT case_id, '辽' || left(district, 4) || '罚〔' || extract(year FROM decided_on) || '〕' || n || '号', unit,
           district, domain, uscc,
           {TIERS_EN}, decided_on,
           NOT fine BETWEEN low AND high, CASE WHEN active THEN 'issued' ELSE 'revoked' END, 1,
           CASE WHEN active THEN 1 END, CASE WHEN NOT active THEN decided_on + 30 END, {_benchmark_code("c")}
    FROM c
)
INSERT INTO unit_signal ({signals})
SELECT 'overdue_procedure', case_id || ':decision', unit, domain, case_id, decided_on::timestamp AT TIME ZONE 'UTC',
       decided_on, 1, '决定送达超期'
FROM c
WHERE n % {pi.OVERDUE_EVERY} = 0
"""
