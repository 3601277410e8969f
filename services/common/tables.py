"""The tables every service database has: outbox, inbox, dead letters, idempotency keys, audit chain,
working-day calendar overrides, and the event-spine diagnostics.

Defined once here with SQLAlchemy Core; each service's first migration creates them through
``create_kernel_tables`` and each service's ``models.py`` registers them on its metadata so Alembic's
autogenerate sees them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID


def _columns(*, version: int = 4) -> dict[str, list[Any]]:
    """The kernel tables' columns; ``version=1`` is the shape the services' first migrations created (a
    unique index on ``outbox.seq``, which the ``*_outbox_indexes`` migrations drop: see ``_INDEXES``);
    ``version=3`` (the ``*_outbox_partitions`` migrations) partitions the outbox by day on ``created_at``,
    which joins its primary key (``services.common.partitions``); ``version=4`` (the ``*_audit_parts``
    migrations) partitions ``audit_entry`` by China month on ``at``, which joins its primary key."""
    return {
        "outbox": [
            sa.Column("id", UUID(as_uuid=True), primary_key=True),
            # An identity column: unique by construction; no index needs to enforce it (issue #16 item 4).
            sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False, unique=version == 1),
            sa.Column("type", sa.Text, nullable=False),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("subject", sa.Text, nullable=False),
            sa.Column("envelope", JSONB, nullable=False),
            # The database's now(), never the application's clock (services/common/partitions.py).
            sa.Column(
                "created_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.now(),
                primary_key=version >= 3,
            ),
            sa.Column("published_at", sa.DateTime(timezone=True)),
            sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
            sa.Column("last_error", sa.Text),
        ],
        "inbox": [
            sa.Column("consumer", sa.Text, primary_key=True),
            sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
            sa.Column("event_type", sa.Text, nullable=False),
            sa.Column(
                "received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
            ),
        ],
        "dead_letter": [
            sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
            sa.Column("consumer", sa.Text, nullable=False),
            sa.Column("event_id", sa.Text),
            sa.Column("nats_subject", sa.Text, nullable=False),
            sa.Column("payload", sa.Text, nullable=False),
            sa.Column("error", sa.Text, nullable=False),
            sa.Column("deliveries", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
            sa.Column("resolved_at", sa.DateTime(timezone=True)),
        ],
        "idempotency_key": [
            sa.Column("scope", sa.Text, primary_key=True),
            sa.Column("key", sa.Text, primary_key=True),
            sa.Column("request_hash", sa.Text, nullable=False),
            sa.Column("status_code", sa.Integer, nullable=False),
            sa.Column("content_type", sa.Text, nullable=False),
            sa.Column("body", sa.LargeBinary, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        ],
        "audit_entry": [
            sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False, primary_key=version >= 4),
            sa.Column("actor", sa.Text, nullable=False),
            sa.Column("actor_role", sa.Text, nullable=False),
            sa.Column("action", sa.Text, nullable=False),
            sa.Column("entity_type", sa.Text, nullable=False),
            sa.Column("entity_id", sa.Text, nullable=False),
            sa.Column("before", JSONB),
            sa.Column("after", JSONB),
            sa.Column("request_id", sa.Text),
            sa.Column("prev_hash", sa.Text, nullable=False),
            sa.Column("hash", sa.Text, nullable=False),
        ],
        "calendar_override": [
            sa.Column("day", sa.Date, primary_key=True),
            sa.Column("is_working_day", sa.Boolean, nullable=False),
            sa.Column("note", sa.Text, nullable=False, server_default=""),
        ],
        "calendar_year": [
            sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("source", sa.Text, nullable=False),
            sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        ],
        "diagnostic_ping": [
            sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
            sa.Column("event_id", UUID(as_uuid=True), nullable=False),
            sa.Column("source", sa.Text, nullable=False),
            sa.Column("note", sa.Text, nullable=False, server_default=""),
            sa.Column(
                "received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
            ),
        ],
    }


_IndexSpec = tuple[str, str, list[str], dict[str, Any]]

#: Version 1 of the kernel schema's indexes: what each service's ``*_0001_kernel`` migration creates.
_INDEXES_V1: list[_IndexSpec] = [
    ("ix_outbox_pending", "outbox", ["seq"], {"postgresql_where": sa.text("published_at IS NULL")}),
    ("ix_outbox_created_at", "outbox", ["created_at"], {}),
    ("ix_idempotency_key_expires_at", "idempotency_key", ["expires_at"], {}),
    ("ix_audit_entry_entity", "audit_entry", ["entity_type", "entity_id"], {}),
    ("ix_diagnostic_ping_event_id", "diagnostic_ping", ["event_id"], {}),
]

#: Version 2 (issue #16 item 4, the ``*_outbox_indexes`` migrations): ``ix_outbox_created_at`` is a BRIN
#: index (``zhifa outbox replay --since`` and the retention purge read a time range of an append-mostly
#: table: a BRIN index is a few pages and costs an insert next to nothing), and ``seq`` has no unique index.
_INDEXES: list[_IndexSpec] = [
    (name, table, cols, {"postgresql_using": "brin"} if name == "ix_outbox_created_at" else kw)
    for name, table, cols, kw in _INDEXES_V1
]

KERNEL_TABLE_NAMES = tuple(_columns())


def _guard_columns() -> dict[str, list[Any]]:
    """The audit guard's tables (issue #13), created by each service's ``*_audit_guard`` migration through
    ``create_audit_guard``: the signed checkpoints of the chain head and the position ``verify`` reached."""
    return {
        "audit_checkpoint": [
            sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("hash", sa.Text, nullable=False),
            sa.Column("entry_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("service", sa.Text, nullable=False),
            sa.Column("kid", sa.Text, nullable=False),
            sa.Column("signature", sa.Text, nullable=False),
        ],
        "audit_verified": [
            sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
            sa.Column("seq", sa.BigInteger, nullable=False),
            sa.Column("hash", sa.Text, nullable=False),
            sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        ],
    }


#: Tables no one may change or remove a row of (REVOKE from the service role, and a trigger for everyone).
APPEND_ONLY_TABLES = ("audit_entry", "audit_checkpoint")


def create_audit_guard(op: Any) -> None:
    """Inside an Alembic migration: the checkpoint tables, and ``audit_entry``/``audit_checkpoint`` made
    append-only by triggers that refuse UPDATE, DELETE and TRUNCATE whoever asks (the owner and a superuser
    included, until they drop or disable the trigger: which is what signed checkpoints are for)."""
    for name, cols in _guard_columns().items():
        op.create_table(name, *cols)
    op.execute(
        """
        CREATE OR REPLACE FUNCTION zhifa_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    for table in APPEND_ONLY_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION zhifa_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION zhifa_append_only()"
        )
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC")


def drop_audit_guard(op: Any) -> None:
    for table in reversed(APPEND_ONLY_TABLES):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    for name in reversed(tuple(_guard_columns())):
        op.drop_table(name)
    op.execute("DROP FUNCTION IF EXISTS zhifa_append_only()")


#: The kernel tables partitioned by range, with their key (version 3: the outbox by day; version 4: the audit
#: chain by month).
_PARTITIONED = {"outbox": "RANGE (created_at)", "audit_entry": "RANGE (at)"}


def register_kernel_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    """Define the kernel tables on a service's metadata (for autogenerate and typed queries)."""
    tables: dict[str, sa.Table] = {}
    for name, cols in {**_columns(), **_guard_columns()}.items():
        options: dict[str, Any] = (
            {"postgresql_partition_by": _PARTITIONED[name]} if name in _PARTITIONED else {}
        )
        tables[name] = sa.Table(name, metadata, *cols, **options)
    for ix_name, table, cols, kw in _INDEXES:
        sa.Index(ix_name, *(tables[table].c[c] for c in cols), **kw)
    return tables


def create_kernel_tables(op: Any) -> None:
    """Create the kernel tables inside an Alembic migration (version 1 of the kernel schema)."""
    for name, cols in _columns(version=1).items():
        op.create_table(name, *cols)
    for ix_name, table, cols, kw in _INDEXES_V1:
        op.create_index(ix_name, table, cols, **kw)


def outbox_indexes_v2(op: Any) -> None:
    """Inside an Alembic migration: the outbox's indexes from version 1 to version 2 (see ``_INDEXES``)."""
    op.drop_constraint("uq_outbox_seq", "outbox", type_="unique")
    op.drop_index("ix_outbox_created_at", table_name="outbox")
    op.create_index("ix_outbox_created_at", "outbox", ["created_at"], postgresql_using="brin")


def outbox_indexes_v1(op: Any) -> None:
    """The reverse of ``outbox_indexes_v2``."""
    op.drop_index("ix_outbox_created_at", table_name="outbox")
    op.create_index("ix_outbox_created_at", "outbox", ["created_at"])
    op.create_unique_constraint("uq_outbox_seq", "outbox", ["seq"])


_OUTBOX_COLUMNS = "id, seq, type, version, subject, envelope, created_at, published_at, attempts, last_error"


def _copy_outbox(op: Any, target: str) -> None:
    """Copy ``outbox`` into ``target`` under a lock that lets reads go on and makes writers wait (the outbox
    keeps ~14 days: one statement), check the counts per China day, and continue the identity after the
    highest ``seq``."""
    op.execute("LOCK TABLE outbox IN EXCLUSIVE MODE")
    op.execute(
        f"INSERT INTO {target} ({_OUTBOX_COLUMNS}) OVERRIDING SYSTEM VALUE"
        f" SELECT {_OUTBOX_COLUMNS} FROM outbox"
    )
    per_day = (
        "SELECT CAST(timezone('Asia/Shanghai', created_at) AS date) AS day, count(*) AS n FROM {} GROUP BY 1"
    )
    op.execute(
        "DO $$ BEGIN IF EXISTS ("
        f"({per_day.format('outbox')} EXCEPT {per_day.format(target)})"
        f" UNION ALL ({per_day.format(target)} EXCEPT {per_day.format('outbox')})"
        ") THEN RAISE EXCEPTION 'outbox copy differs from the outbox (counts per day)'; END IF; END $$"
    )
    op.execute(
        f"SELECT setval(pg_get_serial_sequence('{target}', 'seq'),"
        f" (SELECT coalesce(max(seq), 0) + 1 FROM {target}), false)"
    )


def _swap_outbox(op: Any, new: str) -> None:
    """Drop the old outbox (nothing references it; its rows were copied and counted in this transaction) and
    give ``new`` its name, its primary key's and its identity sequence's names."""
    op.execute("DROP TABLE outbox")
    op.execute(f"ALTER TABLE {new} RENAME TO outbox")
    op.execute(f"ALTER TABLE outbox RENAME CONSTRAINT pk_{new} TO pk_outbox")
    op.execute(f"ALTER SEQUENCE {new}_seq_seq RENAME TO outbox_seq_seq")
    for ix_name, table, cols, kw in _INDEXES:
        if table == "outbox":
            op.create_index(ix_name, table, cols, **kw)


def outbox_partitioned_v3(op: Any) -> None:
    """Inside an Alembic migration (under the migration's advisory lock): the outbox from version 2 (one
    table) to version 3, partitioned by China day on ``created_at`` with partitions from the oldest row's day
    to the days the kernel job keeps ahead (docs/scaling.md, "The migration path")."""
    from services.common import partitions

    for statement in partitions.PARTITION_FUNCTIONS:
        op.execute(statement)
    op.create_table(
        "outbox_p", *_columns(version=3)["outbox"], postgresql_partition_by=_PARTITIONED["outbox"]
    )
    conn = op.get_bind()
    spec = partitions.spec_of("outbox")
    oldest, newest, today = conn.execute(
        sa.text(
            "SELECT CAST(timezone('Asia/Shanghai', min(created_at)) AS date),"
            " CAST(timezone('Asia/Shanghai', max(created_at)) AS date),"
            " CAST(timezone('Asia/Shanghai', now()) AS date) FROM outbox"
        )
    ).one()
    last = today + timedelta(days=spec.ahead)
    partitions.create_partitions_sync(
        conn, spec, min(oldest or today, today), max(newest or last, last), parent="outbox_p"
    )
    _copy_outbox(op, "outbox_p")
    _swap_outbox(op, "outbox_p")


def outbox_unpartitioned_v2(op: Any) -> None:
    """The reverse of ``outbox_partitioned_v3``: one table again, the same rows."""
    from services.common import partitions

    op.create_table("outbox_u", *_columns(version=2)["outbox"])
    _copy_outbox(op, "outbox_u")
    _swap_outbox(op, "outbox_u")
    for statement in partitions.DROP_PARTITION_FUNCTIONS:
        op.execute(statement)


_AUDIT_COLUMNS = (
    "seq, at, actor, actor_role, action, entity_type, entity_id, before, after, request_id, prev_hash, hash"
)

#: Called as the owner by ``zhifa_create_partition`` for each new partition of ``audit_entry`` (and by the
#: migration for the partitions it makes): the row triggers of the parent are cloned onto a partition by
#: PostgreSQL, its statement-level ``TRUNCATE`` trigger is not, so a partition gets its own, and its
#: privileges revoked as the parent's are (``create_audit_guard``).
AUDIT_PARTITION_HOOK = """
CREATE OR REPLACE FUNCTION audit_entry_partition_created(part regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION zhifa_append_only()', part);
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM PUBLIC', part);
END
$$
"""


def _copy_audit(op: Any, target: str) -> None:
    """Copy ``audit_entry`` into ``target`` (the caller holds the table's EXCLUSIVE lock: reads go on, appends
    wait) and check the counts per China month in the same transaction."""
    op.execute(f"INSERT INTO {target} ({_AUDIT_COLUMNS}) SELECT {_AUDIT_COLUMNS} FROM audit_entry")
    per_month = (
        "SELECT date_trunc('month', timezone('Asia/Shanghai', at)) AS month, count(*) AS n FROM {} GROUP BY 1"
    )
    op.execute(
        "DO $$ BEGIN IF EXISTS ("
        f"({per_month.format('audit_entry')} EXCEPT {per_month.format(target)})"
        f" UNION ALL ({per_month.format(target)} EXCEPT {per_month.format('audit_entry')})"
        ") THEN RAISE EXCEPTION 'audit_entry copy differs from audit_entry (counts per month)'; END IF; END $$"
    )


def _swap_audit(op: Any, new: str) -> None:
    """Drop the old ``audit_entry`` (nothing references it; its rows were copied and counted in this
    transaction) and give ``new`` its name, its key's and index's names and the append-only guard."""
    op.execute("DROP TABLE audit_entry")
    op.execute(f"ALTER TABLE {new} RENAME TO audit_entry")
    op.execute(f"ALTER TABLE audit_entry RENAME CONSTRAINT pk_{new} TO pk_audit_entry")
    for ix_name, table, cols, kw in _INDEXES:
        if table == "audit_entry":
            op.create_index(ix_name, table, cols, **kw)
    op.execute(
        "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION zhifa_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
        "FOR EACH STATEMENT EXECUTE FUNCTION zhifa_append_only()"
    )
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_entry FROM PUBLIC")


def audit_partitioned(op: Any) -> None:
    """Inside an Alembic migration: ``audit_entry`` from one table to version 4, partitioned by China month on
    ``at`` (primary key ``(seq, at)``), with partitions from the oldest entry's month to the months the kernel
    job keeps ahead; each partition refuses UPDATE and DELETE (the parent's row trigger, cloned) and TRUNCATE
    (its own trigger: ``AUDIT_PARTITION_HOOK``, which ``zhifa_create_partition`` now calls for every new
    partition). Docs: docs/scaling.md, "The audit chain"."""
    from services.common import partitions
    from services.common.dates import add_months

    op.execute(partitions.CREATE_PARTITION_FUNCTION_V2)
    op.execute(AUDIT_PARTITION_HOOK)
    op.create_table(
        "audit_entry_p",
        *_columns(version=4)["audit_entry"],
        postgresql_partition_by=_PARTITIONED["audit_entry"],
    )
    op.execute("LOCK TABLE audit_entry IN EXCLUSIVE MODE")  # before the range is read: no append in between
    conn = op.get_bind()
    spec = partitions.spec_of("audit_entry")
    oldest, newest, today = conn.execute(
        sa.text(
            "SELECT CAST(timezone('Asia/Shanghai', min(at)) AS date),"
            " CAST(timezone('Asia/Shanghai', max(at)) AS date),"
            " CAST(timezone('Asia/Shanghai', now()) AS date) FROM audit_entry"
        )
    ).one()
    last = add_months(partitions.period_start("month", today), spec.ahead)
    partitions.create_partitions_sync(
        conn, spec, min(oldest or today, today), max(newest or last, last), parent="audit_entry_p"
    )
    _copy_audit(op, "audit_entry_p")
    _swap_audit(op, "audit_entry_p")
    parts = conn.execute(
        sa.text("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'audit_entry'::regclass")
    ).scalars()
    for part in list(parts):
        op.execute(f"SELECT audit_entry_partition_created('{part}'::regclass)")


def audit_unpartitioned(op: Any) -> None:
    """The reverse of ``audit_partitioned``: one table again, the same entries, the same guard."""
    from services.common import partitions

    op.create_table("audit_entry_u", *_columns(version=3)["audit_entry"])
    op.execute("LOCK TABLE audit_entry IN EXCLUSIVE MODE")
    _copy_audit(op, "audit_entry_u")
    _swap_audit(op, "audit_entry_u")
    op.execute("DROP FUNCTION audit_entry_partition_created(regclass)")
    op.execute(partitions.PARTITION_FUNCTIONS[0])


def drop_kernel_tables(op: Any) -> None:
    for ix_name, table, _cols, _kw in reversed(_INDEXES_V1):
        op.drop_index(ix_name, table_name=table)
    for name in reversed(KERNEL_TABLE_NAMES):
        op.drop_table(name)


# Lightweight handles for kernel queries; they do not need a service's metadata.
_META = sa.MetaData()
T = register_kernel_tables(_META)
outbox_t = T["outbox"]
inbox_t = T["inbox"]
dead_letter_t = T["dead_letter"]
idempotency_t = T["idempotency_key"]
audit_t = T["audit_entry"]
calendar_override_t = T["calendar_override"]
calendar_year_t = T["calendar_year"]
diagnostic_ping_t = T["diagnostic_ping"]
checkpoint_t = T["audit_checkpoint"]
verified_t = T["audit_verified"]
