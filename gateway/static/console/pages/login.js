// Sign in: paste a token (the platform's identity provider issues them), or in development pick one of the
// sample identities (the gateway's /auth/dev-identities and /auth/dev-token exist only when ZHIFA_ENV=dev).
import { api, claimsOf, CONSOLE_ROLES, el, TOKEN_KEY } from "../lib.js";

function accept(token, message) {
  const claims = claimsOf(token);
  if (!claims) {
    message.textContent = "令牌格式无效";
    return;
  }
  if (!CONSOLE_ROLES.includes(claims.role)) {
    message.textContent = "该身份不能使用监督驾驶舱（限监督人员、部门负责人和管理员）";
    return;
  }
  if (claims.exp && claims.exp * 1000 < Date.now()) {
    message.textContent = "令牌已过期，请重新获取";
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  location.hash = "#/";
}

export function render() {
  const message = el("p", { class: "login-message", role: "alert" });
  const input = el("textarea", { id: "token", rows: 5, placeholder: "粘贴访问令牌（Bearer token）", autocomplete: "off" });
  const dev = el("div", { class: "dev-identities" });
  api("/auth/dev-identities")
    .then((identities) => {
      dev.replaceChildren(
        el("h3", {}, "开发环境：选择样例身份"),
        el(
          "div",
          { class: "identity-list" },
          identities.map((identity) => {
            const { key, label, ...claims } = identity;
            return el(
              "button",
              {
                type: "button",
                class: "identity",
                dataset: { identity: key },
                onclick: async () => {
                  try {
                    const minted = await api("/auth/dev-token", { method: "POST", body: claims });
                    accept(minted.access_token, message);
                  } catch (error) {
                    message.textContent = `获取令牌失败：${error.message}`;
                  }
                },
              },
              el("span", { class: "identity-name" }, label),
              el("span", { class: "identity-role" }, claims.role === "supervisor" ? `监督人员 · ${claims.scope === "city" ? "全市" : claims.scope}` : claims.role === "officer" ? `执法部门 ${claims.dept_code}` : "管理员"),
            );
          }),
        ),
      );
    })
    .catch(() => dev.replaceChildren()); // not a development gateway: pasting a token is the only way
  return el(
    "div",
    { class: "login" },
    el(
      "form",
      {
        class: "login-box",
        onsubmit: (event) => {
          event.preventDefault();
          accept(input.value.trim().replace(/^Bearer\s+/i, ""), message);
        },
      },
      el("h1", {}, "执法监督驾驶舱"),
      el("p", { class: "note" }, "供市、区司法局执法监督人员和执法部门负责人使用。令牌仅保存在本浏览器标签页中，关闭即失效。"),
      el("label", { for: "token" }, "访问令牌"),
      input,
      el("button", { type: "submit", class: "primary" }, "登录"),
      message,
      dev,
    ),
  );
}
