// The supervisors' console (监督驾驶舱): a hash-routed single page on the gateway's JSON APIs.
import { CONSOLE_ROLES, el, errorState, loading, session, signOut, unitOf } from "./lib.js";
import * as cleanups from "./pages/cleanups.js";
import * as consistency from "./pages/consistency.js";
import * as inspections from "./pages/inspections.js";
import * as login from "./pages/login.js";
import * as matters from "./pages/matters.js";
import * as overview from "./pages/overview.js";
import * as reviews from "./pages/reviews.js";
import * as unit from "./pages/unit.js";

const ROLE_LABELS = { supervisor: "监督人员", officer: "部门负责人", admin: "管理员" };

// Which pages a role sees: supervisors and administrators all of them; a department head (officer) their
// own unit, its supervision matters and the review campaigns. The services enforce the same (a page the role
// may not read says so).
function navigation(claims) {
  if (claims.role === "officer") {
    const own = unitOf(claims);
    return [
      { route: "unit", href: `#/unit/${own}`, label: "本单位" },
      { route: "matters", href: "#/matters", label: "监督事项" },
      { route: "reviews", href: "#/reviews", label: "评查活动" },
    ];
  }
  return [
    { route: "overview", href: "#/overview", label: "全市概览" },
    { route: "unit", href: "#/unit", label: "单位详情" },
    { route: "matters", href: "#/matters", label: "监督事项" },
    { route: "inspections", href: "#/inspections", label: "检查监督" },
    { route: "consistency", href: "#/consistency", label: "类案不同罚" },
    { route: "cleanups", href: "#/cleanups", label: "信用松绑" },
    { route: "reviews", href: "#/reviews", label: "评查活动" },
  ];
}

const PAGES = { overview, unit, matters, inspections, consistency, cleanups, reviews };

function scopeText(claims) {
  if (claims.role === "supervisor") return claims.scope === "city" ? "全市" : `辖区 ${claims.scope}`;
  if (claims.role === "officer") return `单位 ${unitOf(claims) || "—"}`;
  return "全市";
}

async function render() {
  const root = document.getElementById("app");
  const [path] = location.hash.replace(/^#\/?/, "").split("?");
  const [route, ...rest] = path.split("/");
  const current = session();
  if (route === "login" || !current || !CONSOLE_ROLES.includes(current.claims.role)) {
    root.replaceChildren(login.render());
    return;
  }
  const nav = navigation(current.claims);
  const page = PAGES[route] && nav.some((n) => n.route === route) ? route : nav[0].route;
  if (page !== route) {
    location.replace(nav.find((n) => n.route === page).href);
    return;
  }
  const main = el("main", { class: "main" }, loading());
  const claims = current.claims;
  root.replaceChildren(
    el(
      "aside",
      { class: "side" },
      el("div", { class: "brand" }, el("div", { class: "brand-title" }, "执法监督驾驶舱"), el("div", { class: "brand-sub" }, "沈阳市行政执法监督平台")),
      el("nav", {}, nav.map((n) => el("a", { href: n.href, class: n.route === page ? "active" : null }, n.label))),
      el(
        "div",
        { class: "who" },
        el("div", { class: "who-name" }, claims.name || claims.sub),
        el("div", { class: "who-role" }, `${ROLE_LABELS[claims.role] || claims.role} · ${scopeText(claims)}`),
        el("button", { type: "button", class: "link-button", onclick: () => { signOut(); location.hash = "#/login"; } }, "退出登录"),
      ),
    ),
    main,
  );
  try {
    main.replaceChildren(await PAGES[page].render({ claims, args: rest.filter(Boolean) }));
  } catch (error) {
    main.replaceChildren(errorState(error));
  }
}

window.addEventListener("hashchange", render);
render();
