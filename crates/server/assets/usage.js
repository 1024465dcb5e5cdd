// Usage: the user's windows in words (from the explain answer), daily spend over 30 days (SVG
// with a table fallback), cost by model and chat; owners and auditors pick any user and see
// everyone's spend.
"use strict";
(() => {
  const { API, api, h, money, day, table } = TG;
  const SVG = "http://www.w3.org/2000/svg";
  const PERIOD_WORDS = { day: "today", week: "this week", month: "this month" };

  // "$3.10 of $20.00 this week, from group interns; resets Mon 7 Dec"
  function windowWords(w) {
    if (w.effective_limit_micros === null) return `${money(w.spent_micros)} spent ${PERIOD_WORDS[w.period]}, no limit`;
    const from = w.source === "group" ? `group ${w.group_name}` : w.source === "user" ? "your own limit" : "the deployment default";
    return `${money(w.spent_micros)} of ${money(w.effective_limit_micros)} ${PERIOD_WORDS[w.period]}, from ${from}; resets ${day(w.resets_at)}`;
  }

  function svg(tag, attrs) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    return el;
  }

  function chart(days) {
    const max = Math.max(1, ...days.map((d) => d.micros));
    const w = 600, hgt = 160, step = w / days.length;
    const root = svg("svg", { viewBox: `0 0 ${w} ${hgt + 2}`, role: "img", "aria-label": "Daily spend, last 30 days" });
    root.append(svg("line", { x1: 0, y1: hgt, x2: w, y2: hgt }));
    days.forEach((d, i) => {
      const barH = Math.round((d.micros / max) * (hgt - 4));
      const rect = svg("rect", { x: i * step + 1, y: hgt - barH, width: Math.max(1, step - 2), height: barH });
      const title = svg("title", {});
      title.textContent = `${d.label}: ${money(d.micros)}`;
      rect.append(title);
      root.append(rect);
    });
    const fallback = h("details", {}, h("summary", {}, "Daily spend as a table"),
      table("Daily spend", ["Day", "Spend"], days.map((d) => [d.label, money(d.micros)]), [1]));
    return h("div", { class: "chart" }, root, fallback);
  }

  // One read of the day counters the limits use (GET …/cost/{user}/daily), today last.
  async function daily(user) {
    const spent = await api("GET", `${API}/cost/${encodeURIComponent(user)}/daily?days=30`);
    return spent.days.map((d) => ({ label: day(`${d.date}T00:00:00Z`), micros: d.spent_micros }));
  }

  async function show(user, holder) {
    const [explain, summary, days] = await Promise.all([
      api("GET", `${API}/usage-limits/explain?user=${encodeURIComponent(user)}`),
      api("GET", `${API}/cost/${encodeURIComponent(user)}/summary`),
      daily(user),
    ]);
    const windows = explain.windows.length
      ? h("ul", { class: "windows" }, explain.windows.map((w) => h("li", {}, windowWords(w))))
      : h("p", {}, "No spend limit applies.");
    holder.replaceChildren(
      h("section", { class: "card", "aria-label": "Limits" }, h("h2", {}, `Limits for ${explain.username}`),
        explain.blocked ? h("p", { class: "exceeded" }, "Limit exceeded") : null, windows),
      h("section", { class: "card", "aria-label": "Daily spend" }, h("h2", {}, "Daily spend, last 30 days"), chart(days)),
      h("h2", {}, "Cost by model"),
      table("Cost by model", ["Model", "Messages", "Cost"], summary.by_model.map((m) =>
        [m.display_name, String(m.priced_message_count + m.unpriced_message_count), money(m.total_cost_micros)]), [1, 2]),
      h("h2", {}, "Cost by chat"),
      table("Cost by chat", ["Chat", "Messages", "Cost"], summary.by_chat.map((c) =>
        [h("a", { href: `/chats/${c.chat_id}` }, c.title || "Untitled chat"), String(c.priced_message_count + c.unpriced_message_count), money(c.total_cost_micros)]), [1, 2]));
  }

  TG.pages.usage = async () => {
    const holder = h("div", {});
    const parts = [];
    if (TG.owner || TG.auditor) {
      const everyone = await api("GET", `${API}/cost/users?limit=200`);
      const picker = h("select", {}, h("option", { value: "me" }, "Me"),
        everyone.users.map((u) => h("option", { value: u.username }, u.username)));
      picker.addEventListener("change", () => show(picker.value, holder).catch((err) => TG.showError(holder, err)));
      parts.push(h("div", { class: "row" }, TG.field("User", picker)));
      parts.push(holder, h("h2", {}, "Every user's spend"),
        table("Every user's spend", ["User", "Messages", "Cost"], everyone.users.map((u) =>
          [u.username, String(u.priced_message_count + u.unpriced_message_count), money(u.total_cost_micros)]), [1, 2]));
    } else parts.push(holder);
    TG.content().replaceChildren(...parts);
    await show("me", holder);
  };
})();
