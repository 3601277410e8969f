"""Who may enter which enterprise to inspect what: tasks, their approval, and every refusal of SPEC §2.3.

行政处罚法 第四十二条: 行政处罚应当由具有行政执法资格的执法人员实施。执法人员不得少于两人.
行政处罚法 第五十五条: officers must show their certificates, and the party may refuse an inspection by
officers who do not. The scan is how that check becomes real: ``check_entry`` is the one place that decides,
and every refusal is a ``EntryRefused`` subclass with a stable code, an HTTP status and a Chinese detail that
names the person, certificate or item concerned. The service stores and publishes every refusal
(``inspection.entry.refused``): refused attempts are the signal of 乱检查.

Refusal table (code, HTTP status, title):

=========================  ======  ==========================================
TASK_NOT_APPROVED          403     检查任务未经批准或不在有效期内
ENTERPRISE_NOT_IN_TASK     403     该企业不在本检查任务范围内
NOT_CERTIFIED              403     未取得行政执法证件，不得从事行政检查
OFFICER_IN_RETRAINING      403     执法人员离岗轮训中，暂停执法
CERT_SUSPENDED             403     执法证已暂扣
CERT_REVOKED               403     执法证已收缴
CERT_EXPIRED               403     执法证已过期
OFFICER_OUT_OF_AUTHORITY   403     执法人员不属于本任务的执法部门
TRAINING_HOURS_SHORT       403     执法人员年度培训学时不足  (from a configured date; off by default)
TOO_FEW_OFFICERS           403     在场持证执法人员少于两人
NO_ITEMS                   422     未列明检查事项
ITEM_NOT_IN_CATALOGUE      403     检查事项不在行政检查事项清单中
ITEM_NOT_ON_SITE           403     该检查事项不实施入企现场检查
ITEM_NOT_IN_TASK           403     检查事项不在本检查任务范围内
ITEM_OUT_OF_AUTHORITY      403     检查事项超出在场执法人员的职权
QUIET_PERIOD               403     企业处于无事不扰期
FREQUENCY_CAP_REACHED      403     企业年度检查次数已达上限
CODE_INVALID               403     检查码无效  (entry_code.py)
CODE_EXPIRED               403     检查码已过期  (entry_code.py)
CODE_USED                  409     检查码已使用  (entry_code.py)
CODE_WRONG_ENTERPRISE      403     检查码不是为本企业签发的  (entry_code.py)
=========================  ======  ==========================================

Checks run in the order of that table, so the first refusal reported is the most fundamental one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from services.common.clock import local_date
from services.inspection.domain import qualifications
from services.inspection.domain.frequency import (
    DEFAULT_POLICY,
    TASK_KIND_ZH,
    EnterpriseYear,
    FrequencyPolicy,
    QuietWindow,
    cap_breach,
    quiet_reason,
    year_of,
)
from services.inspection.domain.frequency import TaskKind as TaskKind  # re-exported: tasks live here
from services.inspection.domain.registry import (
    Catalogue,
    Enterprise,
    InspectionItem,
    Officer,
    OfficerStatus,
    validate_uscc,
)
from services.inspection.errors import (
    ApprovalNotAllowed,
    CertExpired,
    CertRevoked,
    CertSuspended,
    EnterpriseNotInTask,
    EntryRefused,
    FrequencyCapReached,
    InvalidTask,
    ItemNotInCatalogue,
    ItemNotInTask,
    ItemNotOnSite,
    ItemOutOfAuthority,
    NoItems,
    NotCertified,
    OfficerInRetraining,
    OfficerOutOfAuthority,
    QuietPeriod,
    TaskNotApproved,
    TaskStateConflict,
    TooFewOfficers,
    TrainingHoursShort,
)

DEPARTMENT_NAMES: Mapping[str, str] = {
    "SJ": "市场监管",
    "ST": "生态环境",
    "CG": "城市管理综合执法",
    "JT": "交通运输",
    "YJ": "应急管理",
    "WJ": "卫生健康",
    "XF": "消防救援",
}


# ---------------------------------------------------------------------------------------------------------
# Tasks


class TaskStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


APPROVER_ROLES = frozenset({"supervisor", "dept_head"})


@dataclass(frozen=True, slots=True)
class EntryConfig:
    min_officers: int = 2  # 行政处罚法 第四十二条
    # Each department whose items are inspected brings its own two officers: on a joint visit every department
    # acts in its own name, and 第四十二条 binds each of them. A local rule may lower it to 1 for joint teams.
    min_officers_per_department: int = 2
    urgent_approval_window: timedelta = timedelta(hours=24)
    frequency: FrequencyPolicy = DEFAULT_POLICY
    # 辽政办发〔2023〕18号 二(一)2 (60 学时 a year); the rule is off until ``training_enforced_from``
    training_required_hours: Decimal = qualifications.DEFAULT_YEARLY_HOURS
    training_enforced_from: date | None = None


DEFAULT_CONFIG = EntryConfig()


@dataclass(frozen=True, slots=True)
class Task:
    task_id: str
    kind: TaskKind
    lead_dept: str
    dept_codes: frozenset[str]  # participating departments; {lead_dept} unless joint
    enterprises: frozenset[str]  # USCCs
    created_at: datetime
    created_by: str
    item_codes: frozenset[str] = frozenset()  # empty: any catalogue item of the participating departments
    status: TaskStatus = TaskStatus.PENDING_APPROVAL
    starts_on: date | None = None
    ends_on: date | None = None
    urgent: bool = False  # complaint tasks only: may proceed before approval
    lead_id: str | None = None  # 线索 (hotline or report) for complaint tasks
    requested_by_enterprise: bool = False
    approved_at: datetime | None = None
    approved_by: str | None = None
    status_reason: str = ""
    draw_fingerprint: str | None = None  # random tasks: the published draw this task was built from


def new_task(
    *,
    task_id: str,
    kind: TaskKind,
    lead_dept: str,
    enterprises: Iterable[str],
    created_at: datetime,
    created_by: str,
    dept_codes: Iterable[str] = (),
    item_codes: Iterable[str] = (),
    catalogue: Catalogue | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    urgent: bool = False,
    lead_id: str | None = None,
    requested_by_enterprise: bool = False,
    draw_fingerprint: str | None = None,
) -> Task:
    """A task awaiting approval, validated: kinds, departments, enterprises, items, dates."""
    problems: list[tuple[str, str]] = []  # (Chinese, English)
    depts = frozenset(dept_codes) | {lead_dept}
    if kind is TaskKind.JOINT and len(depts) < 2:
        problems.append(
            ("联合检查（综合查一次）须有两个以上部门参加", "a joint task needs two departments or more")
        )
    if kind is not TaskKind.JOINT and depts != {lead_dept}:
        problems.append(("仅联合检查任务可以有多个部门参加", "only a joint task has several departments"))
    if kind is TaskKind.COMPLAINT and not (lead_id or "").strip():
        problems.append(("投诉举报核查任务须关联线索编号", "a complaint task needs the lead's number"))
    if urgent and kind is not TaskKind.COMPLAINT:
        problems.append(
            (
                "仅投诉举报核查任务可以标记为紧急（先检查后补批）",
                "only a complaint task can be urgent (inspected first, approved after)",
            )
        )
    usccs: set[str] = set()
    for uscc in enterprises:
        usccs.add(validate_uscc(uscc))
    if kind is TaskKind.RANDOM and usccs:
        # A 双随机 task names nobody when it is created: its enterprises are drawn after approval, from a
        # commitment published before the pool is fixed (domain/sampling.py, commit-reveal-v1).
        problems.append(
            ("双随机抽查任务的检查对象由抽取产生，不能指定", "a random task's enterprises are drawn")
        )
    if kind is TaskKind.RANDOM and requested_by_enterprise:
        # A visit the enterprise asked for (企业申请) is a 个案检查 and exempt from the caps and quiet periods; a
        # 双随机 draw (优化营商环境条例 第五十四条: 随机抽取检查对象) picks enterprises that asked for nothing, so
        # the flag would only lift the caps from every drawn enterprise.
        problems.append(
            (
                "双随机抽查任务的检查对象由随机抽取产生，不能标记为企业申请的检查",
                "a random task's enterprises are drawn: it cannot be a visit the enterprise asked for",
            )
        )
    if kind is not TaskKind.RANDOM and not usccs:
        problems.append(("检查任务须列明检查对象", "a task names the enterprises it inspects"))
    if starts_on and ends_on and ends_on < starts_on:
        problems.append(("任务结束日期不能早于开始日期", "the task cannot end before it starts"))
    codes = frozenset(item_codes)
    if catalogue is not None:
        problems += _task_item_problems(codes, catalogue, starts_on or local_date(created_at), depts)
    if problems:
        raise InvalidTask(
            "；".join(zh for zh, _ in problems),
            detail_en="; ".join(en for _, en in problems),
            extra={"problems": [zh for zh, _ in problems]},
        )
    return Task(
        task_id=task_id,
        kind=kind,
        lead_dept=lead_dept,
        dept_codes=depts,
        enterprises=frozenset(usccs),
        created_at=created_at,
        created_by=created_by,
        item_codes=codes,
        starts_on=starts_on,
        ends_on=ends_on,
        urgent=urgent,
        lead_id=lead_id,
        requested_by_enterprise=requested_by_enterprise,
        draw_fingerprint=draw_fingerprint,
    )


def _task_item_problems(
    codes: Iterable[str], catalogue: Catalogue, day: date, depts: frozenset[str]
) -> list[tuple[str, str]]:
    """Each item of a task is in the catalogue on its first day and within a participating department."""
    problems: list[tuple[str, str]] = []
    for code in sorted(codes):
        item = catalogue.get(code, day)
        if item is None:
            problems.append(
                (f"检查事项 {code} 不在行政检查事项清单中", f"item {code} is not in the item catalogue")
            )
        elif item.dept_code not in depts:
            problems.append(
                (
                    f"检查事项 {code} 属于{_dept(item.dept_code)}，该部门未参加本任务",
                    f"item {code} belongs to {item.dept_code}, which does not take part in the task",
                )
            )
    return problems


def approve(
    task: Task, *, approver_id: str, approver_role: str, approver_dept: str | None, now: datetime
) -> Task:
    """Approval by a supervisor or the head of the lead department; nobody approves their own task."""
    if approver_role not in APPROVER_ROLES:
        raise _approver_needed(approver_role)
    if approver_role == "dept_head" and approver_dept != task.lead_dept:
        raise ApprovalNotAllowed(
            f"部门负责人只能审批本部门牵头的任务，本任务由{_dept(task.lead_dept)}牵头",
            detail_en=f"A head of department approves only tasks their department leads; {task.lead_dept} "
            "leads this one",
            extra={"lead_dept": task.lead_dept},
        )
    if approver_id == task.created_by:
        raise ApprovalNotAllowed(
            "不得审批本人发起的检查任务", detail_en="Nobody approves a task they created"
        )
    if task.status is not TaskStatus.PENDING_APPROVAL:
        raise _state_conflict(task, "不能审批", "cannot be approved")
    return replace(task, status=TaskStatus.APPROVED, approved_at=now, approved_by=approver_id)


def reject(task: Task, *, approver_id: str, approver_role: str, reason: str, now: datetime) -> Task:
    if approver_role not in APPROVER_ROLES:
        raise _approver_needed(approver_role)
    if not reason.strip():
        raise InvalidTask("退回检查任务须说明理由", detail_en="Sending a task back needs a reason")
    if task.status is not TaskStatus.PENDING_APPROVAL:
        raise _state_conflict(task, "不能退回", "cannot be sent back")
    return replace(task, status=TaskStatus.REJECTED, approved_by=approver_id, status_reason=reason.strip())


def complete(task: Task, *, now: datetime) -> Task:
    """An approved task whose visits are done; a 双随机 task's results are published from then on."""
    if task.status is not TaskStatus.APPROVED:
        raise _state_conflict(task, "不能办结", "cannot be completed")
    return replace(task, status=TaskStatus.COMPLETED)


def cancel(task: Task, *, reason: str, now: datetime) -> Task:
    """Withdraw a task that is pending or approved; the reason is kept."""
    if not reason.strip():
        raise InvalidTask("撤销检查任务须说明理由", detail_en="Cancelling a task needs a reason")
    if task.status not in (TaskStatus.PENDING_APPROVAL, TaskStatus.APPROVED):
        raise _state_conflict(task, "不能撤销", "cannot be cancelled")
    return replace(task, status=TaskStatus.CANCELLED, status_reason=reason.strip())


def _approver_needed(role: str) -> ApprovalNotAllowed:
    return ApprovalNotAllowed(
        "检查任务须由执法监督人员或部门负责人审批",
        detail_en="A task is approved by a supervisor or a head of department",
        extra={"role": role},
    )


def _state_conflict(task: Task, zh: str, en: str) -> TaskStateConflict:
    return TaskStateConflict(
        f"任务当前状态为“{TASK_STATUS_ZH[task.status]}”，{zh}",
        detail_en=f"The task is {task.status.value.replace('_', ' ')}: it {en}",
    )


TASK_STATUS_ZH: Mapping[TaskStatus, str] = {
    TaskStatus.PENDING_APPROVAL: "待审批",
    TaskStatus.APPROVED: "已批准",
    TaskStatus.REJECTED: "已退回",
    TaskStatus.COMPLETED: "已完成",
    TaskStatus.CANCELLED: "已撤销",
}


def approval_deadline(task: Task, config: EntryConfig = DEFAULT_CONFIG) -> datetime | None:
    """For an urgent complaint task, when the after-the-fact approval is due; otherwise None."""
    if task.kind is TaskKind.COMPLAINT and task.urgent:
        return task.created_at + config.urgent_approval_window
    return None


def approval_overdue(task: Task, now: datetime, config: EntryConfig = DEFAULT_CONFIG) -> bool:
    """An urgent complaint task still unapproved after the window (24 h): flag it to supervisors."""
    deadline = approval_deadline(task, config)
    if deadline is None:
        return False
    if task.approved_at is not None:
        return task.approved_at > deadline
    return task.status is TaskStatus.PENDING_APPROVAL and now > deadline


# ---------------------------------------------------------------------------------------------------------
# The entry check


def check_entry(
    task: Task,
    enterprise: Enterprise,
    officers: Sequence[Officer],
    items: Sequence[str],
    catalogue: Catalogue,
    visit_counts: EnterpriseYear,
    enterprise_class: str | None,
    config: EntryConfig,
    now: datetime,
    *,
    accompanying: Sequence[Officer] = (),
    quiet_windows: Sequence[QuietWindow] = (),
    training_hours: Mapping[str, Decimal] | None = None,
) -> None:
    """Raise the first refusal that applies to this entry, or return None when it is lawful.

    ``officers`` are the people put forward as inspectors; ``accompanying`` are auxiliary staff
    (执法辅助人员) who may come along but never count. ``visit_counts`` are the enterprise's visits in the
    Asia/Shanghai year of ``now``; ``enterprise_class`` comes from the risk service (None: unclassified).
    ``training_hours`` are the inspectors' 学时 in the 365 days up to the day (by officer id), needed only
    once ``config.training_enforced_from`` has come.
    """
    day = local_date(now)
    if visit_counts.uscc != enterprise.uscc or visit_counts.year != year_of(now):
        raise ValueError("visit_counts must be the enterprise's counts for the year of now")
    _check_task(task, now, day, config)
    if enterprise.uscc not in task.enterprises:
        raise EnterpriseNotInTask(
            f"企业 {enterprise.name}（{enterprise.uscc}）不在检查任务 {task.task_id} 的检查对象范围内",
            detail_en=f"Enterprise {enterprise.name} ({enterprise.uscc}) is not among the enterprises of task "
            f"{task.task_id}",
            extra={"uscc": enterprise.uscc, "task_id": task.task_id},
        )

    inspectors = _check_people(task, officers, day, counted=True)
    _check_people(task, [p for p in accompanying if not p.auxiliary], day, counted=False)
    _check_training(inspectors, training_hours, day, config)
    _check_officer_count(inspectors, config)
    resolved = _check_items(task, items, catalogue, day, inspectors)
    _check_officers_per_department(inspectors, resolved, config)
    _check_quiet(task, enterprise, enterprise_class, now, quiet_windows, config.frequency)
    _check_cap(task, enterprise, visit_counts, resolved, config.frequency)


def _check_officer_count(inspectors: Sequence[Officer], config: EntryConfig) -> None:
    """行政处罚法 第四十二条: 执法人员不得少于两人."""
    if len(inspectors) < config.min_officers:
        raise TooFewOfficers(
            f"在场持证执法人员仅{len(inspectors)}名{_names(inspectors)}，行政检查不得少于"
            f"{config.min_officers}名持证执法人员（行政处罚法第四十二条）",
            detail_en=f"Only {len(inspectors)} certified officer(s) present{_names_en(inspectors)}; an "
            f"inspection needs at least {config.min_officers} (行政处罚法 第四十二条)",
            extra={"count": len(inspectors), "required": config.min_officers},
        )


def _check_officers_per_department(
    inspectors: Sequence[Officer], items: Sequence[InspectionItem], config: EntryConfig
) -> None:
    """行政处罚法 第四十二条 binds each department acting in its own name on a joint visit."""
    for dept in sorted({item.dept_code for item in items}):
        present = [o for o in inspectors if o.dept_code == dept]
        if len(present) < config.min_officers_per_department:
            raise TooFewOfficers(
                f"{_dept(dept)}部门在场持证执法人员仅{len(present)}名{_names(present)}，"
                f"实施该部门检查事项不得少于{config.min_officers_per_department}名（行政处罚法第四十二条）",
                detail_en=f"Only {len(present)} certified officer(s) of {dept} present{_names_en(present)}; "
                f"its items need at least {config.min_officers_per_department} (行政处罚法 第四十二条)",
                extra={
                    "dept_code": dept,
                    "count": len(present),
                    "required": config.min_officers_per_department,
                },
            )


def _check_quiet(
    task: Task,
    enterprise: Enterprise,
    enterprise_class: str | None,
    now: datetime,
    windows: Sequence[QuietWindow],
    policy: FrequencyPolicy,
) -> None:
    """无事不扰: no entry without a lead in a quiet window or to a quiet class (SPEC §2.4)."""
    reason = quiet_reason(
        enterprise.uscc,
        enterprise_class,
        task.kind,
        now,
        has_lead=bool(task.lead_id),
        requested_by_enterprise=task.requested_by_enterprise,
        windows=windows,
        policy=policy,
    )
    if reason is not None:
        raise QuietPeriod(
            reason[0], detail_en=reason[1], extra={"uscc": enterprise.uscc, "risk_class": enterprise_class}
        )


def _check_cap(
    task: Task,
    enterprise: Enterprise,
    visit_counts: EnterpriseYear,
    items: Sequence[InspectionItem],
    policy: FrequencyPolicy,
) -> None:
    """The yearly caps per department and per enterprise (SPEC §2.4)."""
    breach = cap_breach(
        visit_counts,
        task.kind,
        {item.dept_code for item in items},
        requested_by_enterprise=task.requested_by_enterprise,
        policy=policy,
    )
    if breach is not None:
        raise FrequencyCapReached(
            f"{breach.message(DEPARTMENT_NAMES)}，{TASK_KIND_ZH[task.kind]}不得再次入企"
            "（投诉举报、重点领域及企业申请的检查除外）",
            detail_en=f"{breach.message_en()}; a {task.kind.value} task may not enter again (complaints, key "
            "areas and visits the enterprise asked for excepted)",
            extra={
                "uscc": enterprise.uscc,
                "scope": breach.scope,
                "dept_code": breach.dept_code,
                "count": breach.count,
                "limit": breach.limit,
            },
        )


def check_assignment(task: Task, uscc: str, assigned: Iterable[str], inspectors: Sequence[Officer]) -> None:
    """For a 双随机 task, every inspector must belong to the group drawn for this enterprise.

    优化营商环境条例 第五十四条: 随机选派执法检查人员 — an officer who was not drawn for the enterprise may not
    stand in for one who was; a drawn officer who cannot inspect (suspended, ...) is refused by ``check_entry``
    and the task is redrawn or reassigned by its department.
    """
    if task.kind is not TaskKind.RANDOM:
        return
    group = frozenset(assigned)
    for person in inspectors:
        if person.cert_no not in group:
            raise OfficerOutOfAuthority(
                f"执法证 {person.cert_no}（{person.name}）不是双随机抽查任务 {task.task_id} 为该企业随机选派的"
                f"检查人员（选派：{'、'.join(sorted(group)) or '无'}）",
                detail_en=f"Certificate {person.cert_no} ({person.name}) was not drawn for this enterprise in "
                f"random task {task.task_id} (drawn: {', '.join(sorted(group)) or 'none'})",
                extra={"cert_no": person.cert_no, "uscc": uscc, "assigned": sorted(group)},
            )


def _check_task(task: Task, now: datetime, day: date, config: EntryConfig) -> None:
    extra = {"task_id": task.task_id, "status": task.status.value}
    if task.status is TaskStatus.PENDING_APPROVAL:
        deadline = approval_deadline(task, config)
        if deadline is None:
            raise TaskNotApproved(
                f"检查任务 {task.task_id} 尚未批准，不得签发检查码或入企检查",
                detail_en=f"Task {task.task_id} is not approved: no entry code, no entry",
                extra=extra,
            )
        if now > deadline:
            raise TaskNotApproved(
                f"紧急投诉核查任务 {task.task_id} 已超过{_hours(config.urgent_approval_window)}小时未补办审批，"
                "不得继续入企检查",
                detail_en=f"Urgent complaint task {task.task_id} is still unapproved after "
                f"{_hours(config.urgent_approval_window)} hours: no further entry",
                extra=extra,
            )
    elif task.status is not TaskStatus.APPROVED:
        raise TaskNotApproved(
            f"检查任务 {task.task_id} 状态为“{TASK_STATUS_ZH[task.status]}”，不得入企检查",
            detail_en=f"Task {task.task_id} is {task.status.value.replace('_', ' ')}: no entry",
            extra=extra,
        )
    if task.starts_on is not None and day < task.starts_on:
        raise TaskNotApproved(
            f"检查任务 {task.task_id} 自{task.starts_on.isoformat()}起执行，尚未开始",
            detail_en=f"Task {task.task_id} runs from {task.starts_on.isoformat()}; it has not started",
            extra=extra,
        )
    if task.ends_on is not None and day > task.ends_on:
        raise TaskNotApproved(
            f"检查任务 {task.task_id} 已于{task.ends_on.isoformat()}结束，不得入企检查",
            detail_en=f"Task {task.task_id} ended on {task.ends_on.isoformat()}: no entry",
            extra=extra,
        )


def _check_people(task: Task, people: Sequence[Officer], day: date, *, counted: bool) -> list[Officer]:
    seen: set[str] = set()
    valid: list[Officer] = []
    for person in people:
        if person.officer_id in seen:
            continue
        seen.add(person.officer_id)
        extra = {"officer_id": person.officer_id, "cert_no": person.cert_no, "name": person.name}
        if person.auxiliary:
            raise NotCertified(
                f"{person.name}为执法辅助人员，可以随同协助，但不得作为检查人员实施行政检查",
                detail_en=f"{person.name} is auxiliary staff: may assist, never inspect",
                extra=extra,
            )
        if not person.cert_no:
            raise NotCertified(
                f"{person.name}未取得行政执法证件，不得从事行政检查",
                detail_en=f"{person.name} holds no enforcement certificate: no inspection",
                extra=extra,
            )
        status = person.status_on(day)
        since = f"已于{person.status_since.isoformat()}" if person.status_since else "已被"
        since_en = f" on {person.status_since.isoformat()}" if person.status_since else ""
        if status is OfficerStatus.REVOKED:
            raise CertRevoked(
                f"执法证 {person.cert_no}（{person.name}）{since}收缴，不得从事行政检查",
                detail_en=f"Certificate {person.cert_no} ({person.name}) was revoked{since_en}: no inspection",
                extra=extra,
            )
        if status is OfficerStatus.SUSPENDED and person.retraining:
            # 沈法治发〔2021〕7号 12 (建立轮训制度): 暂扣行政执法证件，进行短期轮训，合格后返还执法证件
            raise OfficerInRetraining(
                f"执法证 {person.cert_no}（{person.name}）{since}暂扣并离岗轮训，轮训后考试合格前不得从事行政检查"
                f"（{qualifications.SEED_RETRAINING}）",
                detail_en=f"Certificate {person.cert_no} ({person.name}) was suspended for retraining{since_en}: "
                "no inspection until an exam is passed after the suspension",
                extra=extra,
            )
        if status is OfficerStatus.SUSPENDED:
            raise CertSuspended(
                f"执法证 {person.cert_no}（{person.name}）{since}暂扣，不得从事行政检查",
                detail_en=f"Certificate {person.cert_no} ({person.name}) was suspended{since_en}: no inspection",
                extra=extra,
            )
        if status is OfficerStatus.EXPIRED:
            until = f"有效期至{person.valid_until.isoformat()}，" if person.valid_until else ""
            until_en = f" (valid until {person.valid_until.isoformat()})" if person.valid_until else ""
            raise CertExpired(
                f"执法证 {person.cert_no}（{person.name}）{until}已过期，不得从事行政检查",
                detail_en=f"Certificate {person.cert_no} ({person.name}){until_en} has expired: no inspection",
                extra=extra,
            )
        if person.dept_code not in task.dept_codes:
            where = (
                "未参加本次联合检查"
                if task.kind is TaskKind.JOINT
                else f"不是本任务牵头部门{_dept(task.lead_dept)}"
            )
            where_en = (
                "does not take part in this joint inspection"
                if task.kind is TaskKind.JOINT
                else f"is not the task's lead department {task.lead_dept}"
            )
            raise OfficerOutOfAuthority(
                f"执法证 {person.cert_no}（{person.name}）所属部门{_dept(person.dept_code)}{where}，"
                "不得参加本次检查",
                detail_en=f"Certificate {person.cert_no} ({person.name}): department {person.dept_code} "
                f"{where_en}; may not take part",
                extra={**extra, "dept_code": person.dept_code},
            )
        if counted:
            valid.append(person)
    return valid


def _check_training(
    inspectors: Sequence[Officer], hours: Mapping[str, Decimal] | None, day: date, config: EntryConfig
) -> None:
    """辽政办发〔2023〕18号 二(一)2: 每人每年不少于60学时 — from the configured date on, an inspector below the
    yearly hours in the 365 days up to the day is refused (off by default)."""
    if not qualifications.training_rule_applies(config.training_enforced_from, day):
        return
    required = config.training_required_hours
    short = qualifications.short_of_hours([o.officer_id for o in inspectors], hours or {}, required)
    if short:
        officer_id, had = short[0]
        person = next(o for o in inspectors if o.officer_id == officer_id)
        raise TrainingHoursShort(
            f"执法证 {person.cert_no}（{person.name}）近一年培训{_hours_text(had)}学时，不足{_hours_text(required)}"
            f"学时，不得从事行政检查（{qualifications.SEED_60_HOURS}）",
            detail_en=f"Certificate {person.cert_no} ({person.name}) has {had} training hours in the last 365 "
            f"days, below the {required} required",
            extra={
                "officer_id": person.officer_id,
                "cert_no": person.cert_no,
                "hours": float(had),
                "required": float(required),
            },
        )


def _hours_text(hours: Decimal) -> str:
    return f"{hours.normalize():f}"


def _check_items(
    task: Task, items: Sequence[str], catalogue: Catalogue, day: date, inspectors: Sequence[Officer]
) -> list[InspectionItem]:
    codes = list(dict.fromkeys(code.strip().upper() for code in items if code.strip()))
    if not codes:
        raise NoItems(
            "须列明本次检查的事项（行政检查事项清单编码）",
            detail_en="Name the items of this inspection (codes of the item catalogue)",
        )
    present_depts = {o.dept_code for o in inspectors}
    resolved: list[InspectionItem] = []
    for code in codes:
        item = catalogue.get(code, day)
        if item is None:
            raise ItemNotInCatalogue(
                f"检查事项 {code} 不在现行行政检查事项清单中，不得实施检查",
                detail_en=f"Item {code} is not in the item catalogue in force: it may not be inspected",
                extra={"item_code": code},
            )
        extra = {"item_code": code, "item_name": item.name, "dept_code": item.dept_code}
        if not item.on_site:
            raise ItemNotOnSite(
                f"检查事项 {code}（{item.name}）以书面核查等非现场方式实施，不得据此入企检查",
                detail_en=f"Item {code} ({item.name}) is checked off site (on paper): no entry for it",
                extra=extra,
            )
        if task.item_codes and code not in task.item_codes:
            raise ItemNotInTask(
                f"检查事项 {code}（{item.name}）不在检查任务 {task.task_id} 批准的事项范围内",
                detail_en=f"Item {code} ({item.name}) is not among the items approved for task {task.task_id}",
                extra=extra,
            )
        if task.kind is TaskKind.KEY_AREA and not item.key_area:
            # 优化营商环境条例 第五十四条: full-coverage 重点监管 is for the 特殊行业、重点领域 that directly concern
            # public safety and life and health; every other market-regulation inspection is 双随机. A key-area
            # task is exempt from the yearly caps and quiet periods only for those items, so it may not carry
            # another item in, even when it lists no items (any item of the department).
            raise ItemNotInTask(
                f"检查事项 {code}（{item.name}）不是重点领域检查事项，不得以重点领域检查任务 {task.task_id} "
                "实施（优化营商环境条例第五十四条）",
                detail_en=f"Item {code} ({item.name}) is not a key-area item: key-area task {task.task_id} may "
                "not inspect it (优化营商环境条例 第五十四条)",
                extra=extra,
            )
        if item.dept_code not in task.dept_codes or item.dept_code not in present_depts:
            raise ItemOutOfAuthority(
                f"检查事项 {code}（{item.name}）属于{_dept(item.dept_code)}部门职权，"
                f"在场执法人员中没有该部门的持证执法人员",
                detail_en=f"Item {code} ({item.name}) is within the authority of {item.dept_code}, and no "
                "certified officer of that department is present",
                extra=extra,
            )
        resolved.append(item)
    return resolved


def _dept(code: str) -> str:
    return DEPARTMENT_NAMES.get(code, code)


def _names(people: Sequence[Officer]) -> str:
    return f"（{'、'.join(p.name for p in people)}）" if people else ""


def _names_en(people: Sequence[Officer]) -> str:
    return f" ({', '.join(p.name for p in people)})" if people else ""


def _hours(window: timedelta) -> int:
    return int(window.total_seconds() // 3600)


REFUSALS: tuple[type[EntryRefused], ...] = (
    TaskNotApproved,
    EnterpriseNotInTask,
    NotCertified,
    CertSuspended,
    CertRevoked,
    CertExpired,
    OfficerOutOfAuthority,
    TooFewOfficers,
    NoItems,
    ItemNotInCatalogue,
    ItemNotOnSite,
    ItemNotInTask,
    ItemOutOfAuthority,
    QuietPeriod,
    FrequencyCapReached,
)

#: The refusals of officers' qualifications (issue #14 item 5), checked with the people: 轮训 before 暂扣,
#: the yearly hours after the certificates.
QUALIFICATION_REFUSALS: tuple[type[EntryRefused], ...] = (OfficerInRetraining, TrainingHoursShort)
