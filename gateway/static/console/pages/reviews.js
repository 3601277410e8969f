// 评查活动: the case review campaigns (案卷评查), from the risk service at GET /api/v1/risk/reviews (issue #14):
// a supervisor sees the campaigns of their scope, a unit those reviewing it.
import { api, dateTime, el, section, table } from "../lib.js";

export async function render() {
  return el(
    "div",
    { class: "page", id: "page-reviews" },
    el("header", { class: "page-head" }, el("h2", {}, "案卷评查活动")),
    section(
      "评查活动",
      () => api("/api/v1/risk/reviews"),
      (page) =>
        table(
          [
            { title: "活动", render: (r) => r.title || r.name || r.id },
            { title: "范围", render: (r) => r.scope_label || r.scope || "—" },
            { title: "状态", render: (r) => r.status_label || r.status || "—" },
            { title: "开始", render: (r) => r.starts_on || dateTime(r.created_at) },
            { title: "进度", render: (r) => (r.reviewed !== undefined && r.total !== undefined ? `${r.reviewed} / ${r.total}` : "—") },
          ],
          page.items || page,
        ),
      { note: "抽取各执法单位的案卷，按评查标准逐项评分，结果计入执法质量评价。", id: "reviews" },
    ),
  );
}
