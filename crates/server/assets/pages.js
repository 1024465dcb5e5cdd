// Workspaces (list, resource tree), Models (providers, model configs with prices, default), Users.
"use strict";
(() => {
  const { API, api, h, table, dialog, field, when } = TG;

  TG.pages.workspaces = async () => {
    const { workspaces } = await api("GET", "/api/v2/workspaces");
    TG.content().replaceChildren(workspaces.length
      ? table("Workspaces", ["Workspace", "Owner", "Resources", "Updated"], workspaces.map((w) => [
        h("a", { href: `/workspaces/${w.id}` }, w.name), w.owner_name, String(w.latest_build.resources.length), when(w.updated_at)]))
      : h("p", { class: "muted" }, "No workspaces yet. Import one with `tollgate workspaces create`."));
  };

  const named = (kind, text, ...rest) => h("li", {}, h("span", { class: "muted" }, `${kind} `), text, ...rest);
  function agentParts(a) {
    return [
      ...a.apps.map((app) => named("app", app.display_name || app.slug, app.url ? ` · ${app.url}` : "")),
      ...a.scripts.map((s) => named("script", s.display_name || s.log_path || "script", s.run_on_start ? " · on start" : "", s.run_on_stop ? " · on stop" : "")),
      ...(a.devcontainers || []).map((d) => named("devcontainer", d.name, ` · ${d.workspace_folder}`,
        d.agent ? h("ul", {}, named("sub-agent", `${d.agent.name} (${d.agent.operating_system}/${d.agent.architecture})`,
          h("ul", {}, agentParts({ apps: d.agent.apps, scripts: d.agent.scripts })))) : null)),
    ];
  }

  TG.pages.workspace = async () => {
    const w = await api("GET", `/api/v2/workspaces/${TG.param}`);
    document.querySelector("main h1").textContent = w.name;
    const tree = h("ul", { class: "tree", "aria-label": "Resources" }, w.latest_build.resources.map((r) =>
      h("li", {}, h("strong", {}, `${r.type}.${r.name}`),
        h("ul", {},
          r.metadata.map((m) => named("metadata", `${m.key}: ${m.sensitive ? "••••••" : m.value}`)),
          r.agents.map((a) => named("agent", `${a.name} (${a.operating_system}/${a.architecture})`, h("ul", {}, agentParts(a))))))));
    TG.content().replaceChildren(
      h("p", { class: "muted" }, `Owner ${w.owner_name} · build ${w.latest_build.build_number} (${w.latest_build.transition})`),
      h("h2", {}, "Resources"), tree);
  };

  const price = (m, key) => {
    const cost = (m.model_config && m.model_config.cost) || {};
    return cost[key] === undefined || cost[key] === null ? "unpriced" : `$${cost[key]}`;
  };

  function addModel(providers) {
    const provider = h("select", {}, providers.map((p) => h("option", { value: p.provider }, p.provider)));
    const model = h("input", { required: true });
    const name = h("input", {});
    const context = h("input", { inputmode: "numeric", value: "128000" });
    const input = h("input", { inputmode: "decimal", placeholder: "e.g. 3" });
    const output = h("input", { inputmode: "decimal", placeholder: "e.g. 15" });
    dialog("Add model", [field("Provider", provider), field("Model", model), field("Display name", name), field("Context limit (tokens)", context),
      field("Input price per million tokens (USD)", input), field("Output price per million tokens (USD)", output)], "Add model", async () => {
      const cost = {};
      if (input.value.trim()) cost.input_price_per_million_tokens = input.value.trim();
      if (output.value.trim()) cost.output_price_per_million_tokens = output.value.trim();
      await api("POST", `${API}/model-configs`, {
        provider: provider.value, model: model.value.trim(), display_name: name.value.trim() || undefined,
        context_limit: Number(context.value),
        model_config: Object.keys(cost).length ? { cost } : undefined,
      });
      TG.pages.models();
    });
  }

  TG.pages.models = async () => {
    const [catalog, configured, models] = await Promise.all([
      api("GET", `${API}/models`), api("GET", `${API}/providers`), api("GET", `${API}/model-configs?limit=200`)]);
    const keys = new Map(configured.map((p) => [p.provider, p]));
    const setDefault = (m) => async () => {
      try { await api("PATCH", `${API}/model-configs/${m.id}`, { is_default: true }); TG.pages.models(); } catch (err) { TG.showError(TG.content(), err); }
    };
    TG.content().replaceChildren(
      h("h2", {}, "Providers"),
      table("Providers", ["Provider", "Available", "API key", "Base URL"], catalog.providers.map((p) => {
        const cfg = keys.get(p.provider);
        return [p.provider, p.available ? "yes" : `no — ${p.unavailable_reason || "not configured"}`,
          cfg ? (cfg.has_api_key ? "set" : "none") : "not needed or not set", (cfg && cfg.base_url) || ""];
      })),
      h("h2", {}, "Models"),
      table("Models", ["Model", "Provider", "Input / 1M tokens", "Output / 1M tokens", "Default"], models.map((m) =>
        [m.display_name || m.model, m.provider, price(m, "input_price_per_million_tokens"), price(m, "output_price_per_million_tokens"),
          m.is_default ? "Default" : h("button", { type: "button", onclick: setDefault(m) }, "Set as default")])),
      h("button", { type: "button", onclick: () => addModel(catalog.providers) }, "Add model"));
  };

  TG.pages.users = async () => {
    const { users } = await api("GET", "/api/v2/users?limit=200");
    TG.content().replaceChildren(table("Users", ["Username", "Email", "Roles", "Status"], users.map((u) =>
      [u.username, u.email, (u.roles || []).map((r) => r.name || r).join(", "), u.status])));
  };
})();
