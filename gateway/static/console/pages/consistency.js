// 类案不同罚: the penalty service's consistency flags (GET /api/v1/penalty/consistency), each with its cases
// side by side (GET /api/v1/penalty/cases/{id}).
import { api, apiAll, card, dateTime, el, empty, errorState, loading, table, yuan } from "../lib.js";

const bp = (v) => `${(v / 100).toFixed(1)}%`;

export async function render() {
  const report = await api("/api/v1/penalty/consistency?limit=100");
  const compare = el("section", { class: "panel", id: "compare" }, el("h3", {}, "并列比较"), empty("点击某一提示的“并列比较”查看案件"));
  // The flagged cases, and for a single flagged fine the other decisions of the same item and tier (同类案件).
  const show = async (title, flag) => {
    compare.replaceChildren(el("h3", {}, `并列比较：${title}`), loading());
    compare.scrollIntoView({ block: "start" });
    try {
      let peers = [];
      if (flag.tier && flag.case_ids.length < 3) {
        const decided = await apiAll("/api/v1/penalty/cases?state=decided", 500);
        peers = decided.filter((c) => c.benchmark_code === flag.benchmark_code && c.tier === flag.tier && !flag.case_ids.includes(c.id)).slice(0, 3).map((c) => c.id);
      }
      const cases = await Promise.all([...flag.case_ids.slice(0, 6), ...peers].map((id) => api(`/api/v1/penalty/cases/${id}`)));
      compare.replaceChildren(el("h3", {}, `并列比较：${title}`), sideBySide(cases, new Set(flag.case_ids)));
    } catch (error) {
      compare.replaceChildren(el("h3", {}, "并列比较"), errorState(error));
    }
  };
  const action = (title, flag) => el("button", { type: "button", class: "small", onclick: () => show(title, flag) }, `并列比较（${flag.case_ids.length}）`);
  return el(
    "div",
    { class: "page", id: "page-consistency" },
    el("header", { class: "page-head" }, el("h2", {}, "类案不同罚监测"), el("span", { class: "muted" }, `生成于 ${dateTime(report.generated_at)}`)),
    el(
      "div",
      { class: "cards" },
      card("纳入比对的处罚决定", report.decided_cases, report.scope === "city" ? "全市" : `辖区 ${report.scope}`),
      card("罚款超出档次幅度", report.outside_range_total),
      card("区县裁量位置偏离", report.district_position_total, `偏离阈值 ${bp(report.margin_bp)}，区县至少 ${report.min_cases} 件`),
      card("同案情不同档次", report.same_facts_total),
      card("记录认定事实被提出异议", report.contested_facts_total ?? 0),
    ),
    el(
      "section",
      { class: "panel", id: "outside-range" },
      el("h3", {}, "罚款超出裁量档次幅度"),
      table(
        [
          { title: "裁量基准", key: "benchmark_code" },
          { title: "档次", key: "tier" },
          { title: "部门 / 区县", render: (f) => `${f.dept_code} / ${f.district_code}` },
          { title: "罚款", class: "num", render: (f) => yuan(f.fine_fen) },
          { title: "档次幅度", render: (f) => `${yuan(f.tier_low_fen)} – ${yuan(f.tier_high_fen)}` },
          { title: "", render: (f) => action(`${f.benchmark_code} ${f.tier}`, f) },
        ],
        report.outside_range,
        { empty: "未发现超出档次幅度的罚款" },
      ),
    ),
    el(
      "section",
      { class: "panel" },
      el("h3", {}, "区县裁量位置偏离全市"),
      table(
        [
          { title: "裁量基准", key: "benchmark_code" },
          { title: "档次", key: "tier" },
          { title: "区县", key: "district_code" },
          { title: "区县中位位置", class: "num", render: (f) => `${bp(f.district_median_bp)}（${f.district_cases} 件）` },
          { title: "全市中位位置", class: "num", render: (f) => `${bp(f.city_median_bp)}（${f.city_cases} 件）` },
          { title: "偏离", class: "num", render: (f) => bp(f.difference_bp) },
          { title: "", render: (f) => action(`${f.benchmark_code} ${f.tier} ${f.district_code}`, f) },
        ],
        report.district_position,
        { empty: "未发现偏离全市的区县" },
      ),
    ),
    el(
      "section",
      { class: "panel" },
      el("h3", {}, "同一事项、相同情节而档次不同"),
      table(
        [
          { title: "裁量基准", key: "benchmark_code" },
          { title: "档次", render: (f) => f.tiers.join("、") },
          { title: "区县", render: (f) => f.districts.join("、") },
          { title: "案件数", key: "cases", class: "num" },
          { title: "", render: (f) => action(`${f.benchmark_code} 相同情节`, f) },
        ],
        report.same_facts_different_tier,
        { empty: "未发现相同情节而档次不同的案件" },
      ),
    ),
    contestedFacts(report.contested_facts || []),
    compare,
  );
}

// 初次违法 / 再次违法 come from the party's decision history; an officer overriding them with a reason is
// listed here for the supervisor (issue 13, docs/api/penalty.md §2).
function contestedFacts(flags) {
  const label = { first_offence: "初次违法", repeated: "再次违法" };
  const yes = (v) => (v ? "是" : "否");
  return el(
    "section",
    { class: "panel", id: "contested-facts" },
    el("h3", {}, "执法人员对记录认定的事实提出异议"),
    table(
      [
        { title: "裁量基准", key: "benchmark_code" },
        { title: "部门 / 区县", render: (f) => `${f.dept_code} / ${f.district_code}` },
        { title: "事实", render: (f) => label[f.fact] || f.fact },
        { title: "记录认定 / 执法人员认定", render: (f) => `${yes(f.derived)} / ${yes(f.claimed)}` },
        { title: "理由", key: "reason" },
        { title: "记录中的处罚决定", render: (f) => f.relied_on.map((d) => `${d.decision_no}（${d.decided_on}）`).join("；") || "—" },
        { title: "执法人员", key: "officer" },
        { title: "时间", render: (f) => dateTime(f.contested_at) },
      ],
      flags,
      { empty: "无异议" },
    ),
  );
}

// One column per case, one row per thing a supervisor compares.
function sideBySide(cases, flagged) {
  const rows = [
    ["立案编号", (c) => c.case_no],
    ["决定书文号", (c) => c.decision?.number || "—"],
    ["当事人", (c) => c.party?.name || "—"],
    ["部门 / 区县", (c) => `${c.dept_code} / ${c.district_code}`],
    ["违法行为", (c) => c.summary],
    ["裁量基准", (c) => `${c.benchmark_code} 第${c.benchmark_version}版`],
    ["裁量档次", (c) => c.tier || "—"],
    ["罚款", (c) => yuan(c.decision?.fine_fen)],
    ["超出档次", (c) => (c.decision?.outside_tier ? "是" : "否")],
    ["超出理由", (c) => c.procedure_record?.decision?.outside_range_reason || "—"],
    ["决定日期", (c) => c.decision?.decided_on || "—"],
    ["程序", (c) => (c.procedure === "simple" ? "简易程序" : "普通程序")],
  ];
  return el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      { class: "compare" },
      el("thead", {}, el("tr", {}, el("th", {}, ""), cases.map((c) => el("th", { class: flagged.has(c.id) ? "flagged" : null }, el("div", {}, c.case_no), el("div", { class: "muted" }, flagged.has(c.id) ? "提示案件" : "同类案件"))))),
      el("tbody", {}, rows.map(([label, get]) => el("tr", {}, el("th", {}, label), cases.map((c) => el("td", { class: label === "超出档次" && c.decision?.outside_tier ? "overdue" : null }, get(c)))))),
    ),
  );
}
