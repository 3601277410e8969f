// 评查活动: the case review campaigns (案卷评查), from the risk service (docs/api/supervision.md §4): each one's
// scope, status and files reviewed / drawn (GET /api/v1/risk/reviews), and its scores per unit
// (GET /api/v1/risk/reviews/{id}/results) with the scores ledger (xlsx). A supervisor sees the campaigns of
// their scope, a department head those reviewing their unit (and their unit's results only).
import { api, apiAll, downloadButton, el, section, table } from "../lib.js";

function progress(r) {
  const share = r.total ? Math.round((100 * r.reviewed) / r.total) : 0;
  const bar = el("div", { class: "bar" });
  bar.style.width = `${share}%`; // CSSOM, allowed by the console's style-src 'self'
  return el(
    "div",
    { class: `progress s-${r.status === "completed" ? "completed" : "running"}`, title: `已评查 ${r.reviewed} 件，共抽取 ${r.total} 件` },
    bar,
    el("span", { class: "progress-text" }, `${r.reviewed} / ${r.total}`),
  );
}

function campaigns(items) {
  return table(
    [
      { title: "活动", key: "title" },
      { title: "范围", key: "scope_label" },
      { title: "状态", key: "status_label" },
      { title: "开始", key: "starts_on" },
      { title: "已评查 / 抽取", render: progress },
    ],
    items,
    { empty: "尚无评查活动" },
  );
}

function unitScores(results) {
  return table(
    [
      { title: "执法单位", render: (u) => el("a", { href: `#/unit/${u.unit_code}` }, u.unit_code) },
      { title: "抽取", key: "files", class: "num" },
      { title: "已评查", key: "reviewed", class: "num" },
      { title: "平均分", render: (u) => u.mean ?? "—", class: "num" },
      { title: "最低分", render: (u) => u.minimum ?? "—", class: "num" },
      { title: "优秀", key: "excellent", class: "num" },
      { title: "合格", key: "passed", class: "num" },
      { title: "不合格", key: "failed", class: "num" },
      { title: "等级", render: (u) => el("span", { class: u.grade === "fail" ? "overdue" : null }, u.grade_label || "尚未评查") },
    ],
    results.units,
    { empty: "尚无评查结果" },
  );
}

function campaign(r) {
  return section(
    r.title,
    () => api(`/api/v1/risk/reviews/${r.id}/results`),
    (results) =>
      el(
        "div",
        {},
        el(
          "div",
          { class: "review-head" },
          el("span", { class: "muted" }, `${r.scope_label} · ${r.status_label} · 合格 ${results.pass_mark} 分，优秀 ${results.excellent_mark} 分 · 由评查发现启动监督事项 ${results.matters_opened} 件`),
          downloadButton("导出得分台账", `/api/v1/risk/ledgers/reviews/${r.id}/scores.xlsx`, `评查得分台账-${r.title}.xlsx`, { title: "各案卷逐项得分、总分、等级和发现问题（xlsx）" }),
        ),
        unitScores(results),
      ),
    { id: `review-${r.id}`, note: "各单位得分：平均分保留两位小数（四舍五入），等级按平均分评定" },
  );
}

export async function render() {
  const items = await apiAll("/api/v1/risk/reviews", 100);
  const list = section("评查活动", async () => items, campaigns, {
    note: "抽取各执法单位的案卷，按评查标准逐项评分，结果计入执法质量评价。",
    id: "reviews",
  });
  return el(
    "div",
    { class: "page", id: "page-reviews" },
    el("header", { class: "page-head" }, el("h2", {}, "案卷评查活动")),
    list,
    items.map(campaign),
  );
}
