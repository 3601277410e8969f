// 检查监督: how often enterprises are inspected (year on year), enterprises over the yearly caps, emergency
// and back-filled visits, refusals, and the enterprises' ratings with the serious tags
// (GET /api/v1/inspection/supervision/*, /visits, /ratings).
import { api, apiAll, card, chart, dateTime, el, params, setParam, table } from "../lib.js";

// Tags that say an inspection went wrong (docs/api/inspection.md: the rating tags).
const SERIOUS = new Set(["扰企", "态度差", "索要财物", "推诿", "未出示证件", "超范围检查"]);
const MODES = { entry_code: "检查码", enterprise_code: "企业码", emergency: "紧急检查", backfilled: "系统故障补录" };

export async function render() {
  const thisYear = new Date().getFullYear();
  const year = Number(params().get("year")) || thisYear;
  const [summary, yoy, overCap, frequency, refusals, ratings, emergency, backfilled, departments] = await Promise.all([
    api(`/api/v1/inspection/supervision/summary?year=${year}`),
    api(`/api/v1/inspection/supervision/year-on-year?year=${year}`),
    api(`/api/v1/inspection/supervision/over-cap?year=${year}`),
    apiAll(`/api/v1/inspection/supervision/frequency?year=${year}`, 200),
    api(`/api/v1/inspection/supervision/refusals?year=${year}`),
    apiAll("/api/v1/inspection/ratings", 300),
    apiAll(`/api/v1/inspection/visits?year=${year}&mode=emergency`, 200),
    apiAll(`/api/v1/inspection/visits?year=${year}&mode=backfilled`, 200),
    api("/api/v1/inspection/departments").catch(() => []),
  ]);
  const deptName = (code) => (code === "*" ? "全部部门" : departments.find((d) => d.code === code)?.name || code);
  const select = el(
    "select",
    { id: "year", onchange: (e) => setParam("year", e.target.value) },
    [thisYear, thisYear - 1, thisYear - 2].map((y) => el("option", { value: y, selected: y === year }, `${y}年`)),
  );
  const mode = Object.fromEntries(summary.by_mode.map((m) => [m.mode, m.count]));
  const serious = ratings.filter((r) => r.tags.some((t) => SERIOUS.has(t)));
  const all = yoy.find((r) => r.dept_code === "*");
  return el(
    "div",
    { class: "page", id: "page-inspections" },
    el("header", { class: "page-head" }, el("h2", {}, "入企检查监督"), el("div", { class: "tools" }, select)),
    el(
      "div",
      { class: "cards" },
      card("入企检查", summary.visits, all ? `同比：${all.text_zh}` : null),
      card("紧急检查", mode.emergency || 0, "先检查后扫码"),
      card("补录检查", mode.backfilled || 0, "系统故障补录"),
      card("综合查一次占比", summary.joint_share.text === "n/a" ? "—" : summary.joint_share.text),
      card("超频次企业", summary.over_cap),
      card("拒绝入企", summary.refusals.reduce((a, r) => a + (r.count || 0), 0)),
      card("企业低评价", summary.low_ratings, `含严重标签 ${serious.length} 条`),
      card("紧急审批超时", summary.overdue_urgent_approvals),
    ),
    el(
      "div",
      { class: "grid-2" },
      el("section", { class: "panel" }, el("h3", {}, "各部门检查频次同比"), yearOnYear(yoy.filter((r) => r.dept_code !== "*"), deptName, year)),
      el("section", { class: "panel" }, el("h3", {}, "检查方式"), modes(summary.by_mode)),
    ),
    el(
      "section",
      { class: "panel", id: "ratings" },
      el("h3", {}, "企业评价（严重标签标红）"),
      table(
        [
          { title: "评价日期", key: "rated_on" },
          { title: "企业", render: (r) => r.enterprise_uscc || "（匿名）" },
          { title: "星级", render: (r) => el("span", { class: r.stars <= 2 ? "stars low" : "stars" }, "★".repeat(r.stars) + "☆".repeat(5 - r.stars)) },
          { title: "标签", render: (r) => el("span", {}, r.tags.map((t) => el("span", { class: SERIOUS.has(t) ? "tag serious" : "tag" }, t))) },
          { title: "意见", render: (r) => r.comment || "—" },
        ],
        ratings.sort((a, b) => a.stars - b.stars),
        { empty: "本年度尚无企业评价", rowClass: (r) => (r.tags.some((t) => SERIOUS.has(t)) ? "serious-row" : null) },
      ),
    ),
    el(
      "section",
      { class: "panel" },
      el("h3", {}, "紧急检查与补录"),
      table(
        [
          { title: "方式", render: (v) => MODES[v.mode] || v.mode },
          { title: "企业", render: (v) => v.enterprise_name },
          { title: "进入时间", render: (v) => dateTime(v.started_at) },
          { title: "登记时间", render: (v) => dateTime(v.recorded_at) },
          { title: "检查人员", render: (v) => v.officers.map((o) => o.name).join("、") },
          { title: "理由", render: (v) => v.reason || "—" },
        ],
        [...emergency, ...backfilled],
        { empty: "本年度无紧急检查或补录" },
      ),
    ),
    el(
      "div",
      { class: "grid-2" },
      el(
        "section",
        { class: "panel" },
        el("h3", {}, "超过年度检查上限的企业"),
        table(
          [
            { title: "企业", render: (e) => e.enterprise_name || e.enterprise_uscc },
            { title: "部门", render: (e) => (e.scope === "department" && e.dept_code ? deptName(e.dept_code) : "各部门合计") },
            { title: "计入上限的检查", class: "num", key: "count" },
            { title: "上限", class: "num", key: "limit" },
          ],
          overCap,
          { empty: "本年度无超过检查上限的企业" },
        ),
      ),
      el(
        "section",
        { class: "panel" },
        el("h3", {}, "检查频次最高的企业"),
        table(
          [
            { title: "企业", key: "enterprise_name" },
            { title: "部门", render: (e) => deptName(e.dept_code) },
            { title: "检查次数", key: "visits", class: "num" },
            { title: "计入上限", key: "capped_visits", class: "num" },
          ],
          [...frequency].sort((a, b) => b.visits - a.visits).slice(0, 10),
          { empty: "本年度尚无入企检查" },
        ),
      ),
    ),
    el(
      "section",
      { class: "panel" },
      el("h3", {}, "拒绝入企（按原因）"),
      table(
        [
          { title: "原因代码", key: "code" },
          { title: "说明", render: (r) => r.title || "—" },
          { title: "次数", key: "count", class: "num" },
        ],
        refusals,
        { empty: "本年度无拒绝入企记录" },
      ),
    ),
  );
}

function yearOnYear(rows, deptName, year) {
  return chart({
    legend: { top: 0 },
    grid: { left: 40, right: 20, top: 36, bottom: 40 },
    xAxis: { type: "category", data: rows.map((r) => deptName(r.dept_code)), axisLabel: { interval: 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: `${year - 1}年`, type: "bar", data: rows.map((r) => r.previous), itemStyle: { color: "#b7c4d6" } },
      { name: `${year}年`, type: "bar", data: rows.map((r) => r.current), itemStyle: { color: "#2f6fde" } },
    ],
  });
}

function modes(byMode) {
  return chart({
    tooltip: { trigger: "item", renderMode: "richText" },
    legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["35%", "65%"], label: { formatter: "{b}：{c}" }, data: byMode.map((m) => ({ name: MODES[m.mode] || m.mode, value: m.count })) }],
  });
}
