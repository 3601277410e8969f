// Small helpers of the console: DOM building (never innerHTML with data), the JSON API with the bearer
// token, quarters, colours, charts and the honest states (loading, empty, not yet enabled, forbidden).

export const TOKEN_KEY = "zhifa.console.token";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// -- the session --------------------------------------------------------------------------------------
export function claimsOf(token) {
  const part = (token || "").split(".")[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

export function session() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const claims = claimsOf(token);
  if (!claims || (claims.exp && claims.exp * 1000 < Date.now())) return null;
  return { token, claims };
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export const CONSOLE_ROLES = ["supervisor", "officer", "admin"];

export function unitOf(claims) {
  // An enforcement unit is <department>-<district> (docs/api/risk.md), or the unit_code claim.
  return claims.unit_code || (claims.dept_code && claims.district_code ? `${claims.dept_code}-${claims.district_code}` : null);
}

// -- the API ------------------------------------------------------------------------------------------
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code || null;
  }
  // 404 for the route itself (a feature that does not exist yet), not for a missing object.
  get routeMissing() {
    return this.status === 404 && (this.code === "NOT_FOUND" || !this.code);
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const current = session();
  const headers = { Accept: "application/json" };
  if (current) headers.Authorization = `Bearer ${current.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : null;
  if (response.status === 401) {
    signOut();
    location.hash = "#/login";
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Every page of a paginated list (cursor pagination), up to `max` items.
export async function apiAll(path, max = 500) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api(`${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

// A file the API answers (a 台账 xlsx, a document's PDF), fetched with the token and saved under `filename`
// (a link cannot carry the bearer token; the blob stays in this tab).
export async function download(path, filename) {
  const current = session();
  const response = await fetch(path, { headers: current ? { Authorization: `Bearer ${current.token}` } : {} });
  if (!response.ok) {
    const type = response.headers.get("content-type") || "";
    throw new ApiError(response.status, type.includes("json") ? await response.json() : null);
  }
  const url = URL.createObjectURL(await response.blob());
  const anchor = el("a", { href: url, download: filename, class: "hidden" });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function downloadButton(label, path, filename, { title } = {}) {
  const message = el("span", { class: "download-message", role: "status" });
  const button = el("button", { type: "button", class: "small", title }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    message.textContent = "";
    try {
      await download(path, typeof filename === "function" ? filename() : filename);
    } catch (error) {
      message.textContent = `下载失败：${error.message}`;
    } finally {
      button.disabled = false;
    }
  });
  return el("span", { class: "download" }, button, message);
}

// -- states ---------------------------------------------------------------------------------------------
export function loading() {
  return el("p", { class: "state" }, "正在加载…");
}

export function empty(text = "尚无数据") {
  return el("p", { class: "state empty" }, text);
}

export function errorState(error) {
  if (error instanceof ApiError) {
    if (error.status === 403) return el("p", { class: "state forbidden" }, `无权查看：${error.message}`);
    if (error.routeMissing) return notEnabled();
    return el("p", { class: "state error" }, `加载失败（${error.status}）：${error.message}`);
  }
  return el("p", { class: "state error" }, `加载失败：${error && error.message ? error.message : error}`);
}

export function notEnabled(what = "该功能") {
  return el("p", { class: "state empty not-enabled" }, `尚无数据：${what}尚未启用`);
}

// A section whose data may not exist yet (its API answers 404 for the route): data, or an honest state.
export function section(title, load, render, { note, id } = {}) {
  const body = el("div", { class: "section-body" }, loading());
  const node = el("section", { class: "panel", id }, el("h3", {}, title), note ? el("p", { class: "note" }, note) : null, body);
  (async () => {
    try {
      const data = await load();
      body.replaceChildren(render(data));
      node.dataset.loaded = "true";
    } catch (error) {
      body.replaceChildren(error instanceof ApiError && error.routeMissing ? notEnabled(title) : errorState(error));
      node.dataset.loaded = "true";
    }
  })();
  return node;
}

// -- formats ---------------------------------------------------------------------------------------------
export const COLOURS = { red: "红色预警", yellow: "黄色预警", blue: "蓝色预警", none: "无预警" };

export function badge(colour, label) {
  return el("span", { class: `badge c-${colour || "none"}` }, label || COLOURS[colour] || colour);
}

export function lamp(on) {
  return on ? el("span", { class: "badge lamp", title: "亮灯：诉讼败诉数高于全市平均" }, "亮灯") : null;
}

export function yuan(fen) {
  if (fen === null || fen === undefined) return "—";
  return `${(fen / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 })} 元`;
}

export function dateTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, "0");
  // Shown in Beijing time whatever the workstation's zone (the platform's dates are China's).
  const b = new Date(d.getTime() + 8 * 3600 * 1000);
  return `${b.getUTCFullYear()}-${p(b.getUTCMonth() + 1)}-${p(b.getUTCDate())} ${p(b.getUTCHours())}:${p(b.getUTCMinutes())}`;
}

export function table(columns, rows, { empty: emptyText = "尚无数据", rowClass } = {}) {
  if (!rows || rows.length === 0) return empty(emptyText);
  return el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, columns.map((c) => el("th", { class: c.class }, c.title)))),
      el(
        "tbody",
        {},
        rows.map((row) =>
          el("tr", { class: rowClass ? rowClass(row) : null }, columns.map((c) => el("td", { class: c.class }, c.render ? c.render(row) : row[c.key] ?? "—"))),
        ),
      ),
    ),
  );
}

export function card(label, value, sub) {
  return el("div", { class: "card" }, el("div", { class: "card-label" }, label), el("div", { class: "card-value" }, value), sub ? el("div", { class: "card-sub" }, sub) : null);
}

export function link(href, text) {
  return el("a", { href }, text);
}

// -- quarters and years -------------------------------------------------------------------------------
export function quarterOf(date) {
  return `${date.getFullYear()}Q${Math.floor(date.getMonth() / 3) + 1}`;
}

export function previousQuarter(q) {
  const [y, n] = q.split("Q").map(Number);
  return n === 1 ? `${y - 1}Q4` : `${y}Q${n - 1}`;
}

// The last `n` quarters up to the current one, oldest first.
export function recentQuarters(n, now = new Date()) {
  const out = [quarterOf(now)];
  while (out.length < n) out.unshift(previousQuarter(out[0]));
  return out;
}

export function quarterLabel(q) {
  const [y, n] = q.split("Q");
  return `${y}年第${"一二三四"[Number(n) - 1]}季度`;
}

// Quarters the risk service can report (a quarter not started, or before the first configuration, is 422).
export async function availableQuarters(load, n = 6) {
  const quarters = recentQuarters(n);
  const settled = await Promise.allSettled(quarters.map((q) => load(q)));
  const out = [];
  settled.forEach((s, i) => {
    if (s.status === "fulfilled") out.push({ quarter: quarters[i], data: s.value });
    else if (!(s.reason instanceof ApiError && s.reason.status === 422)) throw s.reason;
  });
  return out;
}

export function defaultQuarter(available) {
  const closed = available.filter((a) => !a.data.provisional);
  return (closed.length ? closed[closed.length - 1] : available[available.length - 1])?.quarter;
}

// -- charts (Apache ECharts, served locally) ------------------------------------------------------------
export const PALETTE = { red: "#d93025", yellow: "#f2b705", blue: "#2f6fde", none: "#c9ced6", line: "#1f2d3d" };

export function chart(option, { height = 300 } = {}) {
  const node = el("div", { class: "chart" });
  node.style.height = `${height}px`; // CSSOM, allowed by the console's style-src 'self'
  requestAnimationFrame(() => {
    if (!window.echarts) {
      node.replaceChildren(errorState(new Error("图表库未加载")));
      return;
    }
    const instance = window.echarts.init(node, null, { renderer: "canvas" });
    instance.setOption({
      animation: false,
      textStyle: { fontFamily: "'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
      // Tooltips drawn on the canvas: no HTML with inline styles (the console's CSP forbids them).
      tooltip: { trigger: "axis", renderMode: "richText" },
      ...option,
    });
    new ResizeObserver(() => instance.resize()).observe(node);
    node.dataset.rendered = "true";
  });
  return node;
}

export function params() {
  const query = location.hash.split("?")[1] || "";
  return new URLSearchParams(query);
}

export function setParam(name, value) {
  const [path] = location.hash.split("?");
  const q = params();
  q.set(name, value);
  location.hash = `${path}?${q.toString()}`;
}
