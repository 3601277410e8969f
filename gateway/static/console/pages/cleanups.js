// 信用松绑: the credit clean-up runs with their live progress (GET /api/v1/credit/cleanups, polled while a run
// is pending or running); a supervisor may start a dry run, an administrator also a real one.
import { api, apiAll, dateTime, el, errorState, table } from "../lib.js";

const STATUS = { pending: "排队中", running: "执行中", completed: "已完成", failed: "失败" };
const POLL_MS = 2000;

export async function render({ claims }) {
  const list = el("div", {}, el("p", { class: "state" }, "正在加载…"));
  const message = el("p", { class: "note", role: "status" });
  let timer = null;
  const refresh = async () => {
    if (!document.body.contains(list) && timer !== null) return; // the user left the page
    try {
      const runs = await apiAll("/api/v1/credit/cleanups", 100);
      list.replaceChildren(runsTable(runs));
      const live = runs.some((r) => r.status === "pending" || r.status === "running");
      list.dataset.live = live ? "true" : "false";
      if (live) timer = setTimeout(refresh, POLL_MS);
    } catch (error) {
      list.replaceChildren(errorState(error));
    }
  };
  const start = async (dryRun) => {
    try {
      const run = await api("/api/v1/credit/cleanups", { method: "POST", body: { dry_run: dryRun } });
      message.textContent = `已提交${dryRun ? "预演" : "正式"}清理（${run.id.slice(0, 8)}），进度实时更新`;
      clearTimeout(timer);
      refresh();
    } catch (error) {
      message.textContent = `提交失败：${error.message}`;
    }
  };
  refresh();
  return el(
    "div",
    { class: "page", id: "page-cleanups" },
    el(
      "header",
      { class: "page-head" },
      el("h2", {}, "信用松绑（失信信息清理）"),
      el(
        "div",
        { class: "tools" },
        el("button", { type: "button", id: "dry-run", onclick: () => start(true) }, "预演清理"),
        claims.role === "admin" ? el("button", { type: "button", class: "danger", onclick: () => confirm("正式清理将结束符合条件的公示，确定执行？") && start(false) }, "正式清理") : null,
      ),
    ),
    el("p", { class: "note" }, "按现行规则检查全部在公示的行政处罚信息，结束不应继续公示的记录。预演只统计，不作改动；正式清理须由管理员执行。"),
    message,
    el("section", { class: "panel" }, el("h3", {}, "清理任务"), list),
  );
}

function progress(run) {
  const bar = el("div", { class: "bar" });
  bar.style.width = `${Math.round((run.progress || 0) * 100)}%`; // CSSOM: allowed by style-src 'self'
  return el("div", { class: `progress s-${run.status}`, title: `${Math.round((run.progress || 0) * 100)}%` }, bar, el("span", { class: "progress-text" }, `${Math.round((run.progress || 0) * 100)}%`));
}

function runsTable(runs) {
  return table(
    [
      { title: "提交时间", render: (r) => dateTime(r.requested_at) },
      { title: "类型", render: (r) => (r.dry_run ? "预演" : "正式") },
      { title: "状态", render: (r) => el("span", { class: `status s-${r.status}` }, STATUS[r.status] || r.status) },
      { title: "进度", render: progress },
      { title: "已检查", key: "examined", class: "num" },
      { title: "符合清理条件", key: "matched", class: "num" },
      { title: "按原因", render: (r) => (r.counts.length ? el("ul", { class: "plain" }, r.counts.map((c) => el("li", {}, `${c.label}（${c.department_code}）：${c.count}`))) : "—") },
      { title: "规则集", key: "rule_set_id" },
      { title: "提交人", key: "requested_by" },
    ],
    runs,
    { empty: "尚无清理任务" },
  );
}
