// Spend limits (owner; an auditor sees it read-only): the deployment default and its other
// windows, group limits, user overrides, group policy, and the audit log of changes.
"use strict";
(() => {
  const { API, api, h, money, parseDollars, dollarsInput, field, table, dialog, when } = TG;
  const LIMITS = `${API}/usage-limits`;
  const PERIODS = ["day", "week", "month"];
  const label = (p) => p[0].toUpperCase() + p.slice(1);

  function amount(input, name) {
    const micros = parseDollars(input.value);
    if (micros === null || micros <= 0) throw new Error(`${name}: enter an amount in dollars greater than zero, like 20 or 12.50.`);
    return micros;
  }

  function settings(cfg, readOnly, unpriced) {
    const c = cfg;
    let enabled = c.spend_limit_micros !== null;
    const sw = h("button", { type: "button", role: "switch", "aria-checked": String(enabled), id: "enable-limit", disabled: readOnly });
    sw.addEventListener("click", () => { enabled = !enabled; sw.setAttribute("aria-checked", String(enabled)); });
    const period = h("select", { disabled: readOnly }, PERIODS.map((p) => h("option", { value: p, selected: p === c.period }, label(p))));
    const limit = h("input", { inputmode: "decimal", value: dollarsInput(c.spend_limit_micros ?? c.windows[c.period]), disabled: readOnly });
    const policy = h("select", { disabled: readOnly }, ["lowest", "highest"].map((p) => h("option", { value: p, selected: p === c.group_policy }, label(p))));
    const others = Object.fromEntries(PERIODS.map((p) => [p, h("input", { inputmode: "decimal", value: dollarsInput(c.windows[p]), disabled: readOnly })]));
    const otherFields = h("div", { class: "row" });
    const showOthers = () => otherFields.replaceChildren(...PERIODS.filter((p) => p !== period.value)
      .map((p) => field(`${label(p)} limit (USD)`, others[p])));
    period.addEventListener("change", showOthers);
    showOthers();
    const saved = h("span", { role: "status", class: "muted" });
    const form = h("form", { class: "stack card", "aria-label": "Default limit" },
      h("div", { class: "switch" }, sw, h("label", { for: "enable-limit" }, "Enable spend limit")),
      unpriced > 0 ? h("p", { class: "warning" }, `${unpriced} enabled models do not have pricing configured. Usage of unpriced models cannot be tracked against the spend limit.`) : null,
      h("div", { class: "row" }, field("Period", period), field("Default limit (USD)", limit)),
      h("h2", {}, "Other windows"),
      h("p", { class: "muted" }, "Limits at the other periods apply at the same time; leave empty for none."),
      otherFields,
      h("div", { class: "row" }, field("Group policy", policy)),
      readOnly ? null : h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "Save"), saved));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      saved.textContent = "";
      try {
        const body = { group_policy: policy.value, period: period.value };
        if (enabled) body.spend_limit_micros = amount(limit, "Default limit");
        body.windows = {};
        for (const p of PERIODS.filter((p) => p !== period.value)) {
          body.windows[p] = others[p].value.trim() ? amount(others[p], `${label(p)} limit`) : null;
        }
        if (!enabled) body.windows = undefined;
        await api("PUT", LIMITS, body);
        saved.textContent = "Saved.";
        TG.pages.spend();
      } catch (err) {
        TG.showError(form, err);
      }
    });
    return form;
  }

  async function groupDialog(cfg, existing) {
    const orgs = await api("GET", "/api/v2/organizations");
    const groups = (await Promise.all(orgs.map((o) => api("GET", `/api/v2/organizations/${o.id}/groups`)))).flat();
    const limited = new Set(cfg.group_overrides.map((g) => g.group_id));
    const picker = h("select", { disabled: !!existing },
      groups.filter((g) => existing ? g.id === existing.group_id : !limited.has(g.id))
        .map((g) => h("option", { value: g.id }, g.display_name || g.name)));
    const limit = h("input", { inputmode: "decimal", value: existing ? dollarsInput(existing.spend_limit_micros) : "" });
    dialog(existing ? "Edit group limit" : "Add group limit", [field("Group", picker), field("Limit (USD)", limit)], "Save group limit", async () => {
      if (!picker.value) throw new Error("Every group already has a limit.");
      await api("PUT", `${LIMITS}/group-overrides/${picker.value}`, { spend_limit_micros: amount(limit, "Limit") });
      TG.pages.spend();
    });
  }

  async function userDialog(cfg, existing) {
    const users = (await api("GET", "/api/v2/users?limit=200")).users;
    const picker = h("select", { disabled: !!existing },
      users.filter((u) => !existing || u.id === existing.user_id).map((u) => h("option", { value: u.id }, u.username)));
    const limit = h("input", { inputmode: "decimal", value: existing ? dollarsInput(existing.spend_limit_micros) : "" });
    dialog(existing ? "Edit user override" : "Add user override", [field("User", picker), field("Limit (USD)", limit)], "Save user override", async () => {
      await api("PUT", `${LIMITS}/overrides/${picker.value}`, { spend_limit_micros: amount(limit, "Limit") });
      TG.pages.spend();
    });
  }

  const limitText = (micros) => (micros === null ? "No limit" : money(micros));
  function rowButtons(readOnly, edit, del) {
    if (readOnly) return "";
    return h("div", { class: "row" }, h("button", { type: "button", onclick: edit }, "Edit"),
      h("button", { type: "button", class: "danger", onclick: del }, "Delete"));
  }
  function titled(title, tableEl) {
    tableEl.querySelector("table").setAttribute("aria-label", title);
    return tableEl;
  }

  TG.pages.spend = async () => {
    const cfg = await api("GET", `${LIMITS}?limit=200`);
    const readOnly = !TG.owner;
    const del = (path) => async () => {
      try { await api("DELETE", path); TG.pages.spend(); } catch (err) { TG.showError(TG.content(), err); }
    };
    const groups = titled("Group limits", table("Group limits", ["Group", "Members", "Limit", ""],
      cfg.group_overrides.map((g) => [g.group_display_name || g.group_name, String(g.member_count), limitText(g.spend_limit_micros),
        rowButtons(readOnly, () => groupDialog(cfg, g), del(`${LIMITS}/group-overrides/${g.group_id}`))]), [1, 2]));
    const users = titled("User overrides", table("User overrides", ["User", "Limit", ""],
      cfg.overrides.map((o) => [o.username, limitText(o.spend_limit_micros),
        rowButtons(readOnly, () => userDialog(cfg, o), del(`${LIMITS}/overrides/${o.user_id}`))]), [1]));
    const audit = await api("GET", `${LIMITS}/audit?limit=50`).catch(() => ({ entries: [] }));
    const auditTable = titled("Audit log", table("Audit log", ["Time", "Who", "Action", "Target"],
      audit.entries.map((e) => [when(e.time), e.actor_username, e.action, e.target_name || ""])));
    TG.content().replaceChildren(
      readOnly ? h("p", { class: "muted" }, "You can see the limits; only an owner can change them.") : "",
      settings(cfg, readOnly, cfg.unpriced_model_count),
      h("h2", {}, "Group limits"), groups,
      readOnly ? "" : h("button", { type: "button", onclick: () => groupDialog(cfg) }, "Add group limit"),
      h("h2", {}, "User overrides"), users,
      readOnly ? "" : h("button", { type: "button", onclick: () => userDialog(cfg) }, "Add user override"),
      h("h2", {}, "Audit log"), auditTable);
    TG.refreshUsage();
  };
})();
