"""Development identities that match the sample data (used by ``zhifa up`` and the README).

The officers, the enterprise and the district are records of data/sample/*.json; ``services/inspection/
sample.py`` loads them and creates the approved demonstration tasks named here, so the tokens printed by
``zhifa up`` work against the running platform at once.
"""

from __future__ import annotations

import shlex
from typing import Any

#: 雷悦国 and 沈刚悦, two active certified officers of 市场监管 (SJ), city-level body SJ-210100.
OFFICER_CERT_NO = "辽A-0012340"
PARTNER_CERT_NO = "辽A-0012341"
#: 沈阳广源食品有限公司 (食品生产, 和平区): an enterprise of both demonstration tasks below.
ENTERPRISE_USCC = "91210102MALF0FGQ49"
DISTRICT_CODE = "210102"
#: The approved key-area task (市场监管重点领域, exempt from the yearly caps, so the demo can be repeated).
KEY_AREA_TASK_ID = "5a3e8f2c-7b1d-5e4a-9c6f-2d8b0a1e3f70"
#: The approved joint task (综合查一次: 市场监管 + 消防救援) for the same enterprise.
JOINT_TASK_ID = "5a3e8f2c-7b1d-5e4a-9c6f-2d8b0a1e3f71"
#: The approved 双随机 task of 市场监管 over 和平区, drawn from a published seed.
RANDOM_TASK_ID = "5a3e8f2c-7b1d-5e4a-9c6f-2d8b0a1e3f72"
DEMO_ITEM = "SJ-SP-001"

IDENTITIES: dict[str, dict[str, Any]] = {
    "officer": {
        "role": "officer",
        "sub": "officer-leiyueguo",
        "name": "雷悦国",
        "cert_no": OFFICER_CERT_NO,
        "dept_code": "SJ",
        "district_code": "210100",
    },
    "officer2": {
        "role": "officer",
        "sub": "officer-shengangyue",
        "name": "沈刚悦",
        "cert_no": PARTNER_CERT_NO,
        "dept_code": "SJ",
        "district_code": "210100",
    },
    "dept_head": {
        "role": "officer",
        "sub": "officer-sunna",
        "name": "孙娜（部门负责人）",
        "cert_no": "辽A-0012342",
        "dept_code": "SJ",
        "district_code": "210100",
        "dept_head": True,
    },
    "enterprise": {
        "role": "enterprise",
        "sub": "ent-guangyuan",
        "name": "沈阳广源食品有限公司",
        "uscc": ENTERPRISE_USCC,
    },
    "supervisor_district": {
        "role": "supervisor",
        "sub": "sup-heping",
        "name": "和平区执法监督员",
        "scope": DISTRICT_CODE,
    },
    "supervisor_city": {"role": "supervisor", "sub": "sup-city", "name": "市司法局监督员", "scope": "city"},
    "integration": {"role": "integration", "sub": "client-12345", "client": "12345"},
    "admin": {"role": "admin", "sub": "admin-1", "name": "平台管理员"},
}


def try_it(base: str, tokens_path: str = "var/tokens.json") -> str:
    """One line: the officer asks for an entry code for the sample key-area task, the enterprise checks in."""
    tokens = shlex.quote(tokens_path)
    body = (
        f'{{"task_id":"{KEY_AREA_TASK_ID}","enterprise_uscc":"{ENTERPRISE_USCC}",'
        f'"officers":["{PARTNER_CERT_NO}"],"item_codes":["{DEMO_ITEM}"]}}'
    )
    return (
        f"  curl -s -X POST {base}/api/v1/inspection/visits/entry-codes"
        f" -H \"Authorization: Bearer $(jq -r .officer {tokens})\" -H 'Content-Type: application/json'"
        f" -d {shlex.quote(body)} | jq -r .code"
        f" | xargs -I@ curl -s -X POST {base}/api/v1/inspection/visits/check-in"
        f" -H \"Authorization: Bearer $(jq -r .enterprise {tokens})\" -H 'Content-Type: application/json'"
        " -d '{\"code\":\"@\"}' | jq '{visit: .visit.visit_id, officers: [.visit.officers[].name], rights}'"
    )
