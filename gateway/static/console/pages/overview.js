// 全市概览: 红黄蓝 by unit and quarter, the trend, the district × department heat table, and every warned
// unit with the reasons and their numbers (GET /api/v1/risk/overview|reports/{quarter}).
import {
  api, availableQuarters, badge, card, chart, defaultQuarter, el, empty, lamp, link, PALETTE, params,
  quarterLabel, setParam, table,
} from "../lib.js";

const DEPARTMENT_ORDER = ["SJ", "CG", "ST", "YJ", "JT", "WJ", "XF"];

function rate(text) {
  return Number.parseFloat(String(text || "0").replace("%", "")) || 0;
}

export async function render() {
  const available = await availableQuarters((q) => api(`/api/v1/risk/overview/${q}`));
  if (available.length === 0) return empty("尚无可显示的季度");
  const chosen = params().get("q") || defaultQuarter(available);
  const current = available.find((a) => a.quarter === chosen) || available[available.length - 1];
  const quarters = available.map((a) => a.quarter);
  const [reports, districts, departments] = await Promise.all([
    Promise.all(quarters.map((q) => api(`/api/v1/risk/reports/${q}`))),
    api("/api/v1/inspection/districts").catch(() => []),
    api("/api/v1/inspection/departments").catch(() => []),
  ]);
  const report = reports[quarters.indexOf(current.quarter)];
  const o = current.data;
  const f = o.city.figures;
  const select = el(
    "select",
    { id: "quarter", onchange: (e) => setParam("q", e.target.value) },
    quarters.map((q) => el("option", { value: q, selected: q === current.quarter }, quarterLabel(q))),
  );
  const status = o.published ? "已发布" : o.provisional ? "本季度未结束（暂定数据）" : "未发布";
  return el(
    "div",
    { class: "page", id: "page-overview" },
    el("header", { class: "page-head" }, el("h2", {}, "全市执法监督概览"), el("div", { class: "tools" }, select, el("span", { class: "status" }, status))),
    el(
      "div",
      { class: "cards" },
      card("处罚决定", f.decisions, `${quarterLabel(current.quarter)}`),
      card("纠错（复议＋诉讼）", f.corrections, `复议纠错 ${f.reconsideration_corrections} · 诉讼败诉 ${f.litigation_losses}`),
      card("全市纠错率", f.correction_rate, `活跃单位 ${o.city.active_units} 个`),
      card("红 / 黄 / 蓝", `${o.units.red} / ${o.units.yellow} / ${o.units.blue}`, `无预警 ${o.units.none} 个单位`),
      card("亮灯单位", o.lit_units.length, `单位平均败诉 ${o.city.average_losses} 件`),
      card("12345 线索", Object.values(o.leads).reduce((a, b) => a + b, 0), `已移送 ${o.leads.transferred} · 已办结 ${o.leads.closed}`),
      card("整改", o.rectifications.pending + o.rectifications.submitted + o.rectifications.reopened, `已销号 ${o.rectifications.closed} · 逾期 ${o.rectifications.overdue}`),
    ),
    el(
      "div",
      { class: "grid-2" },
      el("section", { class: "panel" }, el("h3", {}, "预警趋势"), trend(available)),
      el("section", { class: "panel" }, el("h3", {}, "企业风险分类"), classes(o.enterprise_classes)),
    ),
    el("section", { class: "panel" }, el("h3", {}, `区县 × 部门预警热力表（${quarterLabel(current.quarter)}）`), heat(report, districts, departments)),
    el("section", { class: "panel", id: "warned" }, el("h3", {}, `预警单位及原因（${quarterLabel(current.quarter)}）`), warned(report, current.quarter)),
    el("details", { class: "panel", id: "by-quarter" }, el("summary", {}, el("h3", {}, "各单位各季度预警（展开）")), byQuarter(reports, quarters)),
  );
}

function trend(available) {
  const quarters = available.map((a) => a.quarter);
  const count = (c) => available.map((a) => a.data.units[c]);
  return chart({
    legend: { top: 0 },
    grid: { left: 40, right: 50, top: 36, bottom: 28 },
    xAxis: { type: "category", data: quarters },
    yAxis: [{ type: "value", name: "单位数", minInterval: 1 }, { type: "value", name: "纠错率%", axisLabel: { formatter: "{value}%" } }],
    series: [
      { name: "红色预警", type: "bar", stack: "c", data: count("red"), itemStyle: { color: PALETTE.red } },
      { name: "黄色预警", type: "bar", stack: "c", data: count("yellow"), itemStyle: { color: PALETTE.yellow } },
      { name: "蓝色预警", type: "bar", stack: "c", data: count("blue"), itemStyle: { color: PALETTE.blue } },
      { name: "全市纠错率", type: "line", yAxisIndex: 1, data: available.map((a) => rate(a.data.city.figures.correction_rate)), itemStyle: { color: PALETTE.line } },
    ],
  });
}

function classes(counts) {
  const names = { A: "A类（低风险）", B: "B类", C: "C类", D: "D类（高风险）" };
  const colours = { A: "#3aa76d", B: "#2f6fde", C: "#f2b705", D: "#d93025" };
  return chart({
    tooltip: { trigger: "item", renderMode: "richText" },
    legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["35%", "65%"], label: { formatter: "{b}\n{c} 家" }, data: Object.entries(counts).map(([k, v]) => ({ name: names[k] || k, value: v, itemStyle: { color: colours[k] } })) }],
  });
}

// No licence-compatible GeoJSON of Shenyang's districts was found (docs/console.md): a heat table instead.
function heat(report, districts, departments) {
  const byCode = Object.fromEntries(report.units.map((u) => [u.unit_code, u]));
  const deptCodes = [...new Set(report.units.map((u) => u.unit_code.split("-")[0]))].sort((a, b) => (DEPARTMENT_ORDER.indexOf(a) + 99) % 99 - (DEPARTMENT_ORDER.indexOf(b) + 99) % 99 || a.localeCompare(b));
  const districtCodes = [...new Set(report.units.map((u) => u.district_code))].sort();
  const districtName = (code) => (code.endsWith("0100") ? "市本级" : districts.find((d) => d.code === code)?.name || code);
  const deptName = (code) => departments.find((d) => d.code === code)?.name || code;
  return el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      { class: "heat" },
      el("thead", {}, el("tr", {}, el("th", {}, "区县"), deptCodes.map((d) => el("th", {}, deptName(d))))),
      el(
        "tbody",
        {},
        districtCodes.map((district) =>
          el(
            "tr",
            {},
            el("th", {}, districtName(district)),
            deptCodes.map((dept) => {
              const unit = byCode[`${dept}-${district}`];
              if (!unit) return el("td", { class: "heat-cell absent" }, "");
              return el(
                "td",
                { class: `heat-cell c-${unit.colour}`, title: `${unit.unit_name}：${unit.colour_label}，纠错率 ${unit.figures.correction_rate}` },
                el("a", { href: `#/unit/${unit.unit_code}?q=${report.quarter}` }, unit.figures.correction_rate, unit.lamp ? " ●" : ""),
              );
            }),
          ),
        ),
      ),
    ),
    el("p", { class: "legend" }, badge("red"), badge("yellow"), badge("blue"), badge("none"), " 单元格为纠错率，● 为亮灯；点击进入单位详情"),
  );
}

function byQuarter(reports, quarters) {
  const rows = new Map();
  reports.forEach((r, i) => {
    for (const u of r.units) {
      if (u.colour === "none" && !u.lamp) continue;
      if (!rows.has(u.unit_code)) rows.set(u.unit_code, { unit: u, cells: {} });
      rows.get(u.unit_code).cells[quarters[i]] = u;
    }
  });
  const sorted = [...rows.values()].sort((a, b) => a.unit.unit_code.localeCompare(b.unit.unit_code));
  return table(
    [
      { title: "单位", render: (r) => link(`#/unit/${r.unit.unit_code}`, r.unit.unit_name) },
      ...quarters.map((q) => ({
        title: q,
        class: "center",
        render: (r) => {
          const u = r.cells[q];
          return u ? el("span", {}, u.colour !== "none" ? badge(u.colour, u.colour_label.replace("预警", "")) : null, lamp(u.lamp)) : "—";
        },
      })),
    ],
    sorted,
    { empty: "各季度均无预警单位" },
  );
}

function warned(report, quarter) {
  const units = report.units.filter((u) => u.colour !== "none" || u.lamp);
  const order = { red: 0, yellow: 1, blue: 2, none: 3 };
  units.sort((a, b) => order[a.colour] - order[b.colour] || a.unit_code.localeCompare(b.unit_code));
  return table(
    [
      { title: "单位", render: (u) => el("div", {}, link(`#/unit/${u.unit_code}?q=${quarter}`, u.unit_name), el("div", { class: "muted" }, u.unit_code)) },
      { title: "预警", render: (u) => el("span", {}, u.colour !== "none" ? badge(u.colour, u.colour_label) : null, lamp(u.lamp)) },
      { title: "处罚决定", key: "decisions", class: "num", render: (u) => u.figures.decisions },
      { title: "纠错", class: "num", render: (u) => u.figures.corrections },
      { title: "纠错率", class: "num", render: (u) => u.figures.correction_rate },
      {
        title: "原因",
        render: (u) => el("ul", { class: "reasons" }, u.reasons.map((r) => el("li", {}, badge(r.colour, { red: "红", yellow: "黄", blue: "蓝" }[r.colour] || r.colour), " ", r.text)), u.lamp_reason ? el("li", {}, lamp(true), " ", u.lamp_reason.text || u.lamp_reason) : null),
      },
    ],
    units,
    { empty: "本季度无预警单位" },
  );
}

