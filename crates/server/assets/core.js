// tollgate console: shared helpers. Every read and write goes through the JSON API, signed in by
// the session cookie; state-changing calls carry the page's CSRF token.
"use strict";
window.TG = (() => {
  const API = "/api/experimental/chats";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const body = document.body.dataset;

  class ApiError extends Error {
    constructor(status, data) {
      super((data && data.message) || `HTTP ${status}`);
      this.status = status;
      this.data = data || {};
    }
  }

  async function api(method, path, payload) {
    const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (method !== "GET") init.headers["X-Tollgate-Csrf"] = csrf;
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    const resp = await fetch(path, init);
    const text = await resp.text();
    const data = text ? JSON.parse(text) : null;
    if (!resp.ok) throw new ApiError(resp.status, data);
    return data;
  }

  // Builds an element: h("td", {class: "num"}, "text", child...).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "value") el.value = v;
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
    return el;
  }

  // Money is integer micro-dollars; shown exactly as core's `Micros` Display does: at least two
  // decimals, more only when the amount has them.
  function money(micros) {
    const n = BigInt(micros);
    const sign = n < 0n ? "-" : "";
    const abs = n < 0n ? -n : n;
    let frac = (abs % 1000000n).toString().padStart(6, "0");
    frac = frac.replace(/0+$/, "");
    while (frac.length < 2) frac += "0";
    return `${sign}$${abs / 1000000n}.${frac}`;
  }

  // Dollars typed by a person ("12.50") to micro-dollars, exactly; null when it is not money.
  function parseDollars(text) {
    const m = /^\s*\$?(\d+)(?:\.(\d{0,6}))?\s*$/.exec(text);
    if (!m) return null;
    return Number(BigInt(m[1]) * 1000000n + BigInt((m[2] || "").padEnd(6, "0")));
  }

  function dollarsInput(micros) {
    return micros === null || micros === undefined ? "" : money(micros).slice(1);
  }

  const dateFmt = new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
  const day = (iso) => dateFmt.format(new Date(iso));
  const when = (iso) => new Date(iso).toISOString().slice(0, 16).replace("T", " ") + " UTC";

  function table(caption, headers, rows, numeric = []) {
    return h("div", { class: "table-wrap" }, h("table", {},
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, headers.map((t, i) => h("th", { scope: "col", class: numeric.includes(i) ? "num" : null }, t)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => h("td", { class: numeric.includes(i) ? "num" : null }, c)))))));
  }

  function showError(where, err) {
    where.querySelectorAll(":scope > .alert").forEach((a) => a.remove());
    where.prepend(h("div", { role: "alert", class: "alert" }, err.message));
  }

  // A modal dialog built from `fields`; `onsave` gets the form and may throw to keep it open.
  function dialog(title, fields, saveLabel, onsave) {
    const form = h("form", { method: "dialog", class: "stack" }, h("h2", {}, title), fields,
      h("div", { class: "row" },
        h("button", { type: "submit", class: "primary" }, saveLabel),
        h("button", { type: "button", onclick: () => dlg.close() }, "Cancel")));
    const dlg = h("dialog", { "aria-label": title }, form);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await onsave(form);
        dlg.close();
      } catch (err) {
        showError(form, err);
      }
    });
    dlg.addEventListener("close", () => dlg.remove());
    document.body.append(dlg);
    dlg.showModal();
    return dlg;
  }

  function field(label, input) {
    const id = `f-${Math.random().toString(36).slice(2, 9)}`;
    input.id = id;
    return h("div", { class: "field" }, h("label", { for: id }, label), input);
  }

  // The usage indicator (spend-limits.md §11): "$X of $Y", the bar's colour, the reset date.
  async function refreshUsage() {
    const box = document.getElementById("usage");
    if (!box) return;
    const status = await api("GET", `${API}/usage-limits/status`).catch(() => null);
    const text = box.querySelector(".usage-text");
    const bar = box.querySelector(".bar");
    const fill = bar.querySelector(".fill");
    if (!status || !status.is_limited || status.spend_limit_micros === null) {
      text.textContent = "No limit";
      bar.setAttribute("aria-valuenow", "0");
      fill.style.width = "0";
      return;
    }
    const limit = status.spend_limit_micros;
    const spent = status.current_spend;
    const pct = limit > 0 ? Math.floor((spent * 100) / limit) : 100;
    text.replaceChildren(`${money(spent)} of ${money(limit)} used`,
      pct >= 100 ? h("span", { class: "exceeded" }, " · Limit exceeded") : "",
      status.period_end ? ` · resets ${day(status.period_end)}` : "");
    bar.setAttribute("aria-valuenow", String(Math.min(pct, 100)));
    fill.style.width = `${Math.min(pct, 100)}%`;
    fill.classList.toggle("orange", pct >= 75 && pct < 90);
    fill.classList.toggle("red", pct >= 90);
  }

  function setupMenu() {
    const button = document.getElementById("menu-button");
    const nav = document.getElementById("nav");
    if (!button || !nav) return;
    button.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", String(open));
    });
  }

  return {
    API, api, h, money, parseDollars, dollarsInput, day, when, table, showError, dialog, field,
    refreshUsage, setupMenu, ApiError,
    owner: body.owner === "true", auditor: body.auditor === "true", param: body.param,
    content: () => document.getElementById("content"), pages: {},
  };
})();
