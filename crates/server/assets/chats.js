// Chats: the list, a chat page whose answers stream over the chat WebSocket, the refusal alert
// (the typed text stays), Stop, and each answer's cost.
"use strict";
(() => {
  const { API, api, h, money, day } = TG;

  // "You've used $X of your $Y limit. Resets …" from a 409's body (spend-limits.md §11).
  function refusal(err) {
    const d = err.data || {};
    if (err.status === 409 && d.limit_micros !== undefined) {
      return `You've used ${money(d.spent_micros)} of your ${money(d.limit_micros)} limit. Resets ${day(d.resets_at)}.`;
    }
    return err.message;
  }

  function limitWords(d) {
    return `You've used ${money(d.spent_micros)} of your ${money(d.limit_micros)} limit. Resets ${day(d.resets_at)}.`;
  }

  // "You've used $X of your $Y limit. Resets …" from a 409's body (spend-limits.md §11).
  function refusal(err) {
    const d = err.data || {};
    return err.status === 409 && d.limit_micros !== undefined ? limitWords(d) : err.message;
  }

  // The Message box and Send; a refusal shows an alert and the typed text stays.
  function composer(onsend) {
    const alertBox = h("div", { class: "alert-slot" });
    const input = h("textarea", { id: "message", name: "message", rows: "3", required: true });
    const send = h("button", { type: "submit", class: "primary" }, "Send");
    const form = h("form", { class: "composer" },
      h("label", { for: "message" }, "Message"), input, send);
    const alert = (text) => alertBox.replaceChildren(h("div", { role: "alert", class: "alert" }, text));
    let lastSent = "";
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      alertBox.replaceChildren();
      send.disabled = true;
      try {
        await onsend(text);
        lastSent = input.value;
        input.value = "";
      } catch (err) {
        alert(refusal(err));
      } finally {
        send.disabled = false;
        TG.refreshUsage();
      }
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) form.requestSubmit();
    });
    // A run refused after its message was accepted: the same alert, and the text back in the box.
    const refused = (exceeded) => {
      alert(limitWords(exceeded));
      if (!input.value) input.value = lastSent;
    };
    return { el: h("div", {}, alertBox, form), alert, refused };
  }

  const content = (text) => [{ type: "text", text }];

  TG.pages.chats = async () => {
    const chats = await api("GET", API);
    const list = chats.length
      ? h("ul", { class: "chat-list" }, chats.map((c) => h("li", {}, h("a", { href: `/chats/${c.id}` }, c.title || "Untitled chat"),
        h("span", { class: "muted" }, ` · ${c.status} · ${TG.when(c.updated_at)}`))))
      : h("p", { class: "muted" }, "No chats yet. Write a message to start one.");
    TG.content().replaceChildren(
      h("section", { class: "card", "aria-label": "New chat" }, h("h2", {}, "New chat"),
        composer(async (text) => {
          const chat = await api("POST", API, { content: content(text) });
          location.assign(`/chats/${chat.id}`);
        }).el),
      h("h2", {}, "Your chats"), list);
  };

  TG.pages.chat = async () => {
    const id = TG.param;
    const chat = await api("GET", `${API}/${id}`);
    document.querySelector("main h1").textContent = chat.title || "Chat";
    const list = h("div", { class: "messages", "aria-live": "polite", "aria-label": "Messages" });
    const stop = h("button", { type: "button", class: "danger", disabled: true }, "Stop");
    const statusText = h("span", { class: "muted" }, chat.status);
    stop.addEventListener("click", () => api("POST", `${API}/${id}/interrupt`).catch((err) => TG.showError(TG.content(), err)));
    const shown = new Map();
    let streaming = null;

    function render(m) {
      const text = m.content.filter((p) => p.type === "text").map((p) => p.text).join("");
      const meta = m.role === "assistant"
        ? h("span", { class: "meta" }, m.total_cost_micros === null || m.total_cost_micros === undefined ? "Cost: unpriced" : `Cost: ${money(m.total_cost_micros)}`)
        : null;
      return h("div", { class: `msg ${m.role}`, "data-id": m.id }, text, meta);
    }
    function add(m) {
      if (m.role !== "user" && m.role !== "assistant") return;
      const el = render(m);
      if (shown.has(m.id)) shown.get(m.id).replaceWith(el);
      else {
        if (m.role === "assistant" && streaming) { streaming.remove(); streaming = null; }
        list.append(el);
      }
      shown.set(m.id, el);
    }
    const page = await api("GET", `${API}/${id}/messages?limit=200`);
    page.messages.sort((a, b) => a.id - b.id).forEach(add);
    const last = page.messages.reduce((n, m) => Math.max(n, m.id), 0);

    const box = composer((text) => api("POST", `${API}/${id}/messages`, { content: content(text) }));
    async function setStatus(s, initial) {
      statusText.textContent = s;
      stop.disabled = !(s === "running" || s === "pending");
      if (!stop.disabled) return;
      TG.refreshUsage();
      if (s !== "error" || initial) return;
      const now = await api("GET", `${API}/${id}`);
      if (now.usage_limit_exceeded) box.refused(now.usage_limit_exceeded);
      else if (now.last_error) box.alert(now.last_error);
    }
    setStatus(chat.status, true);
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${proto}://${location.host}${API}/${id}/stream?after_id=${last}`);
    let first = true;
    ws.addEventListener("message", (e) => {
      const frame = JSON.parse(e.data);
      const events = frame.type === "data" ? frame.data : [];
      for (const event of events) {
        if (event.type === "message_part" && event.message_part.role === "assistant") {
          if (!streaming) { streaming = h("div", { class: "msg assistant streaming" }); list.append(streaming); }
          streaming.append(event.message_part.part.text || "");
        } else if (event.type === "message" && event.message) add(event.message);
        else if (event.type === "status" && event.status) {
          setStatus(event.status.status, event === events[0] && first).catch((err) => box.alert(err.message));
        }
        else if (event.type === "error" && event.error) box.alert(event.error.message);
      }
      first = false;
    });
    TG.content().replaceChildren(list,
      h("div", { class: "row" }, h("span", {}, "Status: ", statusText), stop),
      box.el);
  };
})();
