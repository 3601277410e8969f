"""Settings of the credit_repair service (environment prefix ``ZHIFA_CREDIT_REPAIR_``) and the context the
running service builds from them (``CreditRepairContext``)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pydantic import Field

from services.common.settings import settings_class
from services.credit_repair.domain.rules import RuleSet, department_root

# Department codes (data/sample/departments.json) -> the department domains the rule sets speak of.
DEFAULT_DEPARTMENT_DOMAINS = {
    "SJ": "market_regulation",  # 市场监管: 总局令第45号 binds these departments
    "ST": "ecology_environment",  # 生态环境
    "CG": "urban_management",  # 城市管理综合执法
    "JT": "transport",  # 交通运输
    "YJ": "emergency_management",  # 应急管理
    "WJ": "health",  # 卫生健康
    "XF": "fire_rescue",  # 消防救援
}

# 机关代字 of the 信用修复提示书 per department (沈阳 + the department's short form + 信修提).
DEFAULT_NOTICE_PREFIXES = {
    "SJ": "沈市监信修提",
    "ST": "沈环信修提",
    "CG": "沈城执信修提",
    "JT": "沈交信修提",
    "YJ": "沈应急信修提",
    "WJ": "沈卫健信修提",
    "XF": "沈消信修提",
}


class CreditRepairSettings(settings_class("credit_repair")):  # type: ignore[misc]
    """Every field can be set as ``ZHIFA_CREDIT_REPAIR_<FIELD>``; shared ones as ``ZHIFA_<FIELD>``."""

    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/zhifa_credit_repair",
        description="SQLAlchemy URL of the credit_repair database",
    )
    port: int = Field(8103, description="HTTP port")
    # The notice must follow the decision within 250 ms (p99). The kernel relay clears its wake-up flag
    # after a round, so a NOTIFY that arrives during a round waits for the next NOTIFY or this poll: keep it
    # short (one indexed query per 50 ms when idle).
    relay_poll_interval_s: float = Field(0.05, description="polling fallback when no NOTIFY arrives")
    consumer_concurrency: int = Field(8, description="messages handled at once per consumer")
    department_domains: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_DEPARTMENT_DOMAINS),
        description="department code (the part before '-') -> rule-set domain key, e.g. SJ -> market_regulation",
    )
    notice_prefixes: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_NOTICE_PREFIXES),
        description="department code -> 机关代字 of its 信用修复提示书 numbers (沈市监信修提〔2026〕1号)",
    )
    default_notice_prefix: str = Field("沈信修提", description="机关代字 for departments not listed")
    sweep_interval_s: float = Field(
        3600.0, description="how often the sweep ends publications past their maximum period (idempotent)"
    )
    cleanup_poll_interval_s: float = Field(1.0, description="how often the worker looks for clean-up runs")
    # 200,000: at 1,000,000 publications, steps of 200,000 two at a time cost a median 18.3 s of PostgreSQL CPU
    # against 21.5 s for 100,000 (5 runs each, load 3.5-7.4; one step of everything 15 s, but on one core):
    # likely because each step visits every leaf page of the outbox's and the ends' primary keys again
    # (random uuids); steps of 200,000 still keep both cores busy and lose little to a crash
    # (docs/benchmarks/cleanup-plans.md, round four)
    cleanup_chunk_size: int = Field(
        200_000, ge=100, description="publications judged per committed step of a clean-up run (resume unit)"
    )
    cleanup_parallelism: int = Field(2, ge=1, le=16, description="clean-up steps run at once")
    announce_interval_s: float = Field(
        0.5, description="how often the worker publishes the events of new clean-up ends (from the feed)"
    )
    announce_batch_size: int = Field(
        1000, ge=1, description="feed entries read per round when publishing clean-up ends' events"
    )


RULE_SETS_TTL_S = 30.0


@dataclass
class RuleSetCache:
    """The rule sets as read at most ``ttl`` seconds ago, per database, for the consumer's hot path: rule
    sets are added days before they take effect and never edited, and the process that adds one forgets
    its copy (``forget``)."""

    ttl: float = RULE_SETS_TTL_S
    _read: dict[str, tuple[float, list[RuleSet]]] = field(default_factory=dict)

    async def recent(self, database: str, read: Callable[[], Awaitable[list[RuleSet]]]) -> list[RuleSet]:
        """The cached rule sets of ``database``, or ``read()`` when none were read in the last ``ttl`` s."""
        now = time.monotonic()
        cached = self._read.get(database)
        if cached is None or now - cached[0] > self.ttl:
            cached = self._read[database] = (now, await read())
        return cached[1]

    def forget(self) -> None:
        self._read.clear()


@dataclass(frozen=True)
class CreditRepairContext:
    """What the running service resolves once from its settings: the department → rule-set domain and
    notice-prefix maps, and the rule-set cache its consumers share (``app.state.runtime.context``)."""

    settings: CreditRepairSettings
    rule_sets: RuleSetCache = field(default_factory=RuleSetCache)

    @classmethod
    def from_settings(cls, settings: CreditRepairSettings) -> CreditRepairContext:
        return cls(settings)

    def domain_key(self, department_code: str) -> str:
        """The rule sets' domain of a department: SJ and SJ-210102 -> market_regulation."""
        root = department_root(department_code)
        return str(self.settings.department_domains.get(root, root))

    def notice_prefix(self, department_code: str) -> str:
        """机关代字 of the department's 信用修复提示书 (沈市监信修提 for SJ and SJ-210102)."""
        return str(
            self.settings.notice_prefixes.get(
                department_root(department_code), self.settings.default_notice_prefix
            )
        )
