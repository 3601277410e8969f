// 单位详情: one enforcement unit in a quarter — its colour and reasons, the decisions, corrections,
// litigation losses and complaints behind every number (GET /api/v1/risk/units/{unit}/quarters/{quarter}, a
// page of each list, the rest from .../evidence/{list}), its
// rectifications, its supervision matters (GET /api/v1/risk/supervision/matters?unit_code=) and the
// complaints to the bureau about it (GET /api/v1/risk/complaints?unit_code=; a department head sees those
// forwarded to the unit).
import {
  api, apiAll, availableQuarters, badge, card, chart, dateTime, defaultQuarter, el, empty, lamp, link,
  PALETTE, params, quarterLabel, quarterOf, section, setParam, table,
} from "../lib.js";
import { mattersTable } from "./matters.js";

const RECORDS = [
  ["decisions", "处罚决定"],
  ["reconsideration_corrections", "复议纠错"],
  ["litigation_losses", "诉讼败诉"],
  ["complaints", "12345 投诉"],
  ["refused_entries", "拒绝入企"],
  ["low_ratings", "企业低评价"],
  ["benchmark_deviations", "偏离裁量基准"],
  ["overdue_procedures", "程序超期"],
];

export async function render({ claims, args }) {
  const code = args[0];
  if (!code) return picker();
  const available = await availableQuarters((q) => api(`/api/v1/risk/units/${encodeURIComponent(code)}/quarters/${q}`));
  if (available.length === 0) return empty("尚无可显示的季度");
  // The quarter under way is provisional: show the last closed one unless asked.
  const closed = available.filter((x) => x.quarter !== quarterOf(new Date()));
  const chosen = params().get("q") || (closed.length ? closed : available)[(closed.length ? closed : available).length - 1].quarter;
  const current = available.find((a) => a.quarter === chosen) || available[available.length - 1];
  const d = current.data;
  const a = d.assessment;
  const f = a.figures;
  const select = el(
    "select",
    { id: "quarter", onchange: (e) => setParam("q", e.target.value) },
    available.map((x) => el("option", { value: x.quarter, selected: x.quarter === current.quarter }, quarterLabel(x.quarter))),
  );
  const mine = claims.role === "officer";
  return el(
    "div",
    { class: "page", id: "page-unit" },
    el(
      "header",
      { class: "page-head" },
      el("h2", {}, d.unit_name, el("span", { class: "muted" }, ` ${d.unit_code}`)),
      el("div", { class: "tools" }, select, mine ? null : link("#/unit", "切换单位")),
    ),
    el(
      "section",
      { class: "panel assessment" },
      el("div", { class: "assessment-head" }, badge(a.colour, a.colour_label), lamp(a.lamp), el("span", { class: "muted" }, quarterLabel(current.quarter))),
      a.reasons.length || a.lamp_reason
        ? el("ul", { class: "reasons" }, a.reasons.map((r) => el("li", {}, r.text)), a.lamp_reason ? el("li", {}, a.lamp_reason.text) : null)
        : el("p", { class: "muted" }, "本季度各项指标未达到预警条件"),
    ),
    el(
      "div",
      { class: "cards" },
      card("处罚决定", f.decisions),
      card("纠错率", f.correction_rate, `纠错 ${f.corrections} 件`),
      card("复议纠错", f.reconsideration_corrections),
      card("诉讼败诉", f.litigation_losses),
      card("12345 投诉", f.complaints),
      card("拒绝入企", f.refused_entries),
      card("偏离裁量基准", f.benchmark_deviations),
    ),
    el("section", { class: "panel" }, el("h3", {}, "各季度走势"), trend(available)),
    el("section", { class: "panel" }, el("h3", {}, "明细"), records(d)),
    section("整改", () => apiAll(`/api/v1/risk/rectifications?quarter=${current.quarter}`), (items) => rectifications(items.filter((r) => r.unit_code === d.unit_code)), { id: "rectifications" }),
    section(
      "监督事项",
      () => apiAll(`/api/v1/risk/supervision/matters?unit_code=${encodeURIComponent(d.unit_code)}`),
      (items) => mattersTable(items),
      { id: "matters", note: "个案监督（监督意见书、纠错通知书）和提级办理，全部状态，按答复期限排列" },
    ),
    section(
      "投诉举报",
      () => apiAll(`/api/v1/risk/complaints?unit_code=${encodeURIComponent(d.unit_code)}`),
      complaints,
      { id: "supervision-complaints", note: mine ? "执法监督机构转办本单位的投诉" : "企业和群众向执法监督机构投诉本单位的事项" },
    ),
  );
}

async function picker() {
  const available = await availableQuarters((q) => api(`/api/v1/risk/overview/${q}`));
  const q = defaultQuarter(available);
  const report = await api(`/api/v1/risk/reports/${q}`);
  const order = { red: 0, yellow: 1, blue: 2, none: 3 };
  const units = [...report.units].sort((a, b) => order[a.colour] - order[b.colour] || a.unit_code.localeCompare(b.unit_code));
  return el(
    "div",
    { class: "page", id: "page-unit-picker" },
    el("header", { class: "page-head" }, el("h2", {}, "单位详情"), el("span", { class: "muted" }, `选择执法单位（${quarterLabel(q)}）`)),
    el("div", { class: "unit-grid" }, units.map((u) => el("a", { class: `unit-tile c-${u.colour}`, href: `#/unit/${u.unit_code}?q=${q}` }, el("span", {}, u.unit_name), el("span", { class: "muted" }, `${u.unit_code} · 纠错率 ${u.figures.correction_rate}`)))),
  );
}

function trend(available) {
  const rate = (x) => Number.parseFloat(x.data.assessment.figures.correction_rate) || 0;
  return chart(
    {
      legend: { top: 0 },
      grid: { left: 40, right: 50, top: 36, bottom: 28 },
      xAxis: { type: "category", data: available.map((x) => x.quarter) },
      yAxis: [{ type: "value", name: "件", minInterval: 1 }, { type: "value", name: "纠错率%" }],
      series: [
        { name: "处罚决定", type: "bar", data: available.map((x) => x.data.assessment.figures.decisions), itemStyle: { color: "#8fa8c8" } },
        { name: "纠错", type: "bar", data: available.map((x) => x.data.assessment.figures.corrections), itemStyle: { color: PALETTE.red } },
        { name: "纠错率", type: "line", yAxisIndex: 1, data: available.map(rate), itemStyle: { color: PALETTE.line } },
      ],
    },
    { height: 240 },
  );
}

// Each list arrives with its first page, its total and the cursor of its next page: "加载更多" reads the next
// page of the list (GET .../quarters/{quarter}/evidence/{list}), so every record can be reached.
function records(d) {
  const tabs = el("div", { class: "tabs", role: "tablist" });
  const body = el("div", { class: "tab-body" });
  const loaded = Object.fromEntries(RECORDS.map(([key]) => [key, [...(d[key] || [])]]));
  const next = { ...(d.next_cursors || {}) };
  const total = (key) => (d.evidence_totals ? d.evidence_totals[key] : loaded[key].length);
  const more = async (key) => {
    const path = `/api/v1/risk/units/${encodeURIComponent(d.unit_code)}/quarters/${d.quarter}/evidence/${key}`;
    const page = await api(`${path}?limit=200&cursor=${encodeURIComponent(next[key])}`);
    loaded[key].push(...page.items);
    next[key] = page.next_cursor;
    show(key);
  };
  const show = (key) => {
    for (const b of tabs.children) b.classList.toggle("active", b.dataset.key === key);
    body.replaceChildren(
      table(
        [
          { title: "日期", key: "on" },
          { title: "执法领域", key: "domain" },
          { title: "内容", key: "detail" },
        ],
        loaded[key],
        { empty: "本季度无记录" },
      ),
      ...(next[key]
        ? [el("button", { type: "button", class: "more", onclick: () => more(key) }, `加载更多（已显示 ${loaded[key].length} / ${total(key)}）`)]
        : []),
    );
  };
  for (const [key, label] of RECORDS) {
    tabs.append(el("button", { type: "button", role: "tab", class: "tab", dataset: { key }, onclick: () => show(key) }, `${label}（${total(key)}）`));
  }
  show("decisions");
  return el("div", {}, tabs, body);
}

function rectifications(items) {
  return table(
    [
      { title: "季度", key: "quarter" },
      { title: "预警", render: (r) => el("span", {}, r.colour !== "none" ? badge(r.colour) : null, lamp(r.lamp)) },
      { title: "状态", render: (r) => el("span", { class: r.overdue ? "overdue" : null }, r.status_label, r.overdue ? `（逾期 ${r.days_overdue} 天）` : "") },
      { title: "整改期限", render: (r) => r.deadline || "待定（节假日安排未录入）" },
      { title: "报送措施", render: (r) => r.measures || "—" },
      { title: "报送时间", render: (r) => dateTime(r.submitted_at) },
    ],
    items,
    { empty: "本季度无整改事项" },
  );
}

function complaints(items) {
  return table(
    [
      { title: "受理编号", key: "ack_no", class: "nowrap" },
      { title: "收到时间", render: (c) => dateTime(c.received_at) },
      { title: "渠道", key: "source_label" },
      { title: "内容", key: "summary" },
      {
        title: "状态",
        render: (c) => el("span", { class: c.overdue || c.reply_overdue ? "overdue" : null }, c.status_label, c.overdue ? "（超过办理期限）" : c.reply_overdue ? "（超过回复期限）" : ""),
      },
      { title: "办理期限", key: "due_on", class: "nowrap" },
      { title: "答复", render: (c) => (c.answered_at ? `${dateTime(c.answered_at)} 已答复` : "—") },
    ],
    items,
    { empty: "尚无投诉" },
  );
}
