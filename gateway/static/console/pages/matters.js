// 监督事项: the supervision matters (个案监督: 监督意见书, 纠错通知书, 提级办理) across units, from the risk service
// (GET /api/v1/risk/supervision/matters, docs/api/supervision.md §1). A supervisor sees those of their scope and
// filters by status and unit; a department head (officer) sees their own unit's, as the service answers.
import { api, apiAll, dateTime, downloadButton, el, errorState, link, params, previousQuarter, quarterOf, setParam, table } from "../lib.js";

const API = "/api/v1/risk/supervision/matters";
const STATUSES = [
  ["pending", "待办（待答复及逾期）"],
  ["overdue", "逾期未答复"],
  ["open", "待答复"],
  ["answered", "已答复"],
  ["closed", "已办结"],
  ["all", "全部"],
];

function query(values) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) q.set(key, value);
  const text = q.toString();
  return text ? `${API}?${text}` : API;
}

// A deadline waiting for next year's holiday arrangement is null (due_note says so): last, as the service lists it.
const dueKey = (m) => m.due_on || "9999-12-31";
const byDue = (a, b) => dueKey(a).localeCompare(dueKey(b)) || a.id.localeCompare(b.id);

// Matters of one status (or the pending ones: open and overdue), of one unit or every unit in scope.
export async function loadMatters(status, unit) {
  if (status === "pending") {
    const [open, overdue] = await Promise.all([loadMatters("open", unit), loadMatters("overdue", unit)]);
    return [...overdue, ...open].sort(byDue);
  }
  return apiAll(query({ unit_code: unit, status: status === "all" ? "" : status }));
}

// The units' names from the last report the caller may read (supervisors); codes alone otherwise.
async function unitNames() {
  const now = quarterOf(new Date());
  for (const q of [previousQuarter(now), now]) {
    try {
      const report = await api(`/api/v1/risk/reports/${q}`);
      return new Map(report.units.map((u) => [u.unit_code, u.unit_name]));
    } catch {
      // a quarter the service cannot report: try the next one
    }
  }
  return new Map();
}

function statusCell(m) {
  const late = m.days_overdue > 0 ? `（逾期 ${m.days_overdue} 天）` : "";
  const answeredLate = m.status !== "open" && m.status !== "overdue" && m.answered_late ? "（逾期答复）" : "";
  return el("span", { class: m.days_overdue > 0 ? "overdue" : null }, m.status_label, late, answeredLate);
}

function documents(m) {
  const base = `${API}/${m.id}/documents`;
  return el(
    "span",
    {},
    downloadButton("HTML", `${base}/html`, `${m.document_no}.html`, { title: "下载文书（HTML）" }),
    downloadButton("PDF", `${base}/pdf`, `${m.document_no}.pdf`, { title: "下载文书（PDF，首次生成约需1秒）" }),
  );
}

// The matters as a table: number, kind (提级 flagged), title, [unit], status with overdue days, due date,
// documents.
export function mattersTable(items, { names = null, empty = "尚无监督事项" } = {}) {
  const columns = [
    { title: "文书编号", key: "document_no", class: "nowrap" },
    {
      title: "类型",
      class: "nowrap",
      render: (m) =>
        el("span", {}, m.kind_label, m.supervision_level === "city" && m.kind !== "escalation" ? el("span", { class: "badge escalated", title: "监督对象已提级至市级办理" }, "市级") : null),
    },
    {
      title: "事项",
      render: (m) => el("span", {}, m.kind === "escalation" ? el("span", { class: "badge escalated", title: "提级办理" }, "提级") : null, m.title),
    },
  ];
  if (names) {
    columns.push({ title: "被监督单位", render: (m) => link(`#/unit/${m.unit_code}`, names.get(m.unit_code) || m.unit_code) });
  }
  columns.push(
    { title: "状态", render: statusCell },
    { title: "答复期限", render: (m) => m.due_on || m.due_note, class: "nowrap" },
    { title: "下发时间", render: (m) => dateTime(m.opened_at) },
    { title: "文书", render: documents, class: "nowrap" },
  );
  return table(columns, items, { empty, rowClass: (m) => (m.days_overdue > 0 ? "overdue-row" : null) });
}

export async function render({ claims }) {
  const officer = claims.role === "officer";
  const q = params();
  const status = STATUSES.some(([key]) => key === q.get("status")) ? q.get("status") : "pending";
  const unit = officer ? "" : q.get("unit") || "";
  const names = officer ? new Map() : await unitNames();
  const body = el("div", { class: "section-body" }, el("p", { class: "state" }, "正在加载…"));
  const panel = el("section", { class: "panel", id: "matters-list" }, body);
  const counts = el("div", { class: "cards", id: "matter-counts" });
  (async () => {
    try {
      const items = await loadMatters(status, unit);
      body.replaceChildren(mattersTable(items, { names, empty: "没有符合条件的监督事项" }));
      const overdue = items.filter((m) => m.days_overdue > 0).length;
      const escalated = items.filter((m) => m.kind === "escalation").length;
      counts.replaceChildren(
        el("div", { class: "card" }, el("div", { class: "card-label" }, "监督事项"), el("div", { class: "card-value" }, items.length)),
        el("div", { class: "card" }, el("div", { class: "card-label" }, "逾期未答复"), el("div", { class: "card-value overdue" }, overdue)),
        el("div", { class: "card" }, el("div", { class: "card-label" }, "提级办理"), el("div", { class: "card-value" }, escalated)),
      );
    } catch (error) {
      body.replaceChildren(errorState(error));
    }
    panel.dataset.loaded = "true";
  })();
  const statusSelect = el(
    "select",
    { id: "matter-status", onchange: (e) => setParam("status", e.target.value) },
    STATUSES.map(([key, label]) => el("option", { value: key, selected: key === status }, label)),
  );
  const codes = [...names.keys()].sort();
  const unitSelect = officer
    ? null
    : el(
        "select",
        { id: "matter-unit", onchange: (e) => setParam("unit", e.target.value) },
        el("option", { value: "" }, "全部单位"),
        (codes.includes(unit) || !unit ? codes : [unit, ...codes]).map((code) => el("option", { value: code, selected: code === unit }, `${names.get(code) || code}（${code}）`)),
      );
  return el(
    "div",
    { class: "page", id: "page-matters" },
    el(
      "header",
      { class: "page-head" },
      el("h2", {}, "监督事项", el("span", { class: "muted" }, officer ? " 本单位" : " 个案监督与提级办理")),
      el(
        "div",
        { class: "tools filters" },
        el("label", { for: "matter-status" }, "状态"),
        statusSelect,
        unitSelect ? el("label", { for: "matter-unit" }, "单位") : null,
        unitSelect,
        downloadButton("导出台账", "/api/v1/risk/ledgers/supervision-matters.xlsx", "监督事项台账.xlsx", { title: "监督事项台账（xlsx）：可见范围内的全部监督事项" }),
      ),
    ),
    counts,
    panel,
    el("p", { class: "note" }, "监督意见书、纠错通知书由承办单位在期限内答复；提级办理的事项由市级执法监督机构办理。逾期天数为答复截止日之后的自然日数。"),
  );
}
