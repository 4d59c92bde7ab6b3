// Chat: talk to Muse (English or Korean). Each message is read for emotions; a gauge fills as
// the conversation reveals more, and once it is full Muse shows the emotions of the whole
// conversation (the diary's pie chart) and songs that match or lift the mood.
import { signInCard } from "../account.js";
import { EMOTION_COLORS, dominant, emotionPie, sentenceList } from "../emotions.js";
import { trackList } from "../tracks.js";
import { el } from "../ui.js";

const MAX_CHARS = 4000;

export async function mount(root, ctx) {
  const { api, session, errorText, toast } = ctx;
  root.append(el("section", { class: "hero" }, el("h1", {}, "Chat with Muse"),
    el("p", { class: "muted" }, "Tell Muse how things are going. When it has heard enough, it shows how you feel " +
      "and picks songs for it.")));
  if (!session.signedIn) {
    root.append(signInCard(ctx, "Conversations are kept with your listener, so the chat needs you to sign in."));
    return;
  }

  let conversationId = null;
  const convList = el("ul", { class: "conv-list", id: "chat-conversations", "aria-label": "Your conversations" });
  const newConv = el("button", { class: "btn", type: "button", id: "chat-new" }, "New conversation");
  const thread = el("ol", { class: "chat-thread", id: "chat-thread", role: "log", "aria-live": "polite",
    "aria-label": "Conversation" });
  const gaugeFill = el("span", { class: "gauge-fill" });
  const gaugeText = el("span", { class: "muted small", id: "chat-gauge-text" });
  const gauge = el("div", { class: "gauge", id: "chat-gauge", role: "progressbar", "aria-label": "How much Muse has heard",
    "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": 0 }, gaugeFill);
  const input = el("textarea", { id: "chat-input", rows: 2, maxlength: MAX_CHARS, class: "textarea",
    placeholder: "How was your day?", "aria-describedby": "chat-hint" });
  const send = el("button", { id: "chat-send", class: "btn primary", type: "submit" }, "Send");
  const form = el("form", { class: "chat-form", id: "chat-form" },
    el("label", { for: "chat-input", class: "sr-only" }, "Your message"), input, send);
  const result = el("div", { id: "chat-result" });

  root.append(el("div", { class: "chat-layout" },
    el("aside", { class: "card" }, el("h2", {}, "Conversations"), newConv, convList),
    el("div", { class: "col" },
      el("section", { class: "card chat-card" },
        el("div", { class: "gauge-row" }, el("span", { class: "small" }, "Muse has heard"), gauge, gaugeText),
        thread, form,
        el("p", { class: "hint", id: "chat-hint" }, el("kbd", {}, "Enter"), " to send, ", el("kbd", {}, "Shift"), "+",
          el("kbd", {}, "Enter"), " for a new line")),
      result)));

  function setGauge(g) {
    const v = Math.max(0, Math.min(1, (g && g.value) || 0));
    gaugeFill.style.width = `${Math.round(v * 100)}%`;
    gauge.setAttribute("aria-valuenow", String(Math.round(v * 100)));
    gauge.classList.toggle("full", !!(g && g.full));
    gaugeText.textContent = g && g.full ? "enough — here is your mood" : `${Math.round(v * 100)}%`;
  }

  function bubble(role, text, analysis) {
    const d = analysis ? dominant(analysis.emotions || analysis.distribution) : null;
    return el("li", { class: `msg msg-${role === "muse" ? "muse" : "me"}` },
      el("div", { class: "bubble" }, text),
      d ? el("span", { class: "msg-emotion small muted" },
        el("span", { class: "swatch", style: `background:${EMOTION_COLORS[d] || "#ccc"}` }), d) : null);
  }

  function showResult(analysis, recs) {
    if (!analysis) { result.replaceChildren(); return; }
    const listId = `chat-${conversationId}`;
    const which = (m) => trackList((recs && recs[m]) || [], { id: `chat-${m}`, source: "chat", listId: `${listId}-${m}`,
      ctx, empty: "No songs (is a catalogue imported?)" });
    const tabs = el("div", { class: "seg", role: "group", "aria-label": "Songs that" });
    const box = el("div", { id: "chat-songs" });
    const pick = (m) => {
      for (const b of tabs.children) b.setAttribute("aria-pressed", String(b.dataset.mode === m));
      box.replaceChildren(which(m));
    };
    for (const [m, label] of [["match", "Match my mood"], ["lift", "Lift my mood"]]) {
      tabs.append(el("button", { type: "button", class: "btn", "data-mode": m, onclick: () => pick(m) }, label));
    }
    result.replaceChildren(
      el("section", { class: "card mood-analysis", id: "chat-analysis" },
        el("div", {}, emotionPie(analysis.distribution, { id: "chat-pie" }),
          el("p", { class: "muted small" }, `valence ${analysis.valence.toFixed(2)}, arousal ${analysis.arousal.toFixed(2)}`)),
        el("div", {}, el("h2", {}, "What Muse heard"), sentenceList(analysis.sentences))),
      recs ? el("section", { class: "card" }, el("div", { class: "card-head" }, el("h2", {}, "Songs for this mood"), tabs), box)
        : null);
    if (recs) pick("match");
  }

  async function loadConversations() {
    try {
      const r = await api.get("/api/v1/chat");
      convList.replaceChildren(...r.conversations.map((c) => el("li", {},
        el("button", { type: "button", class: "btn ghost conv", "aria-current": c.id === conversationId ? "true" : undefined,
          onclick: () => open(c.id) }, `#${c.id} · ${new Date(c.updated_ms).toLocaleString()}`))));
      if (!r.conversations.length) convList.append(el("li", { class: "muted small" }, "None yet."));
    } catch (e) {
      convList.replaceChildren(el("li", { class: "error small" }, errorText(e)));
    }
  }

  async function open(id) {
    try {
      const r = await api.get(`/api/v1/chat/${id}`);
      conversationId = r.conversation.id;
      thread.replaceChildren(...r.messages.map((m) => bubble(m.role, m.text, m.role === "listener" ? m.analysis : null)));
      setGauge(r.gauge);
      result.replaceChildren(r.gauge && r.gauge.full
        ? el("p", { class: "muted card" }, "This conversation is complete: write once more to see its mood and songs.")
        : "");
      await loadConversations();
      input.focus();
    } catch (e) {
      toast(errorText(e));
    }
  }

  function reset() {
    conversationId = null;
    thread.replaceChildren(el("li", { class: "msg msg-muse" }, el("div", { class: "bubble" },
      "Hi! How are you feeling today? Tell me about it — in English or Korean.")));
    setGauge({ value: 0, full: false });
    result.replaceChildren();
    loadConversations();
    input.focus();
  }

  async function sendMessage(e) {
    if (e) e.preventDefault();
    const message = input.value.trim();
    if (!message) return;
    if (message.length > MAX_CHARS) { toast(`A message is at most ${MAX_CHARS} characters.`); return; }
    const mine = bubble("listener", message, null);
    thread.append(mine);
    input.value = "";
    send.disabled = true;
    send.classList.add("busy");
    const typing = el("li", { class: "msg msg-muse typing" }, el("div", { class: "bubble" }, "…"));
    thread.append(typing);
    thread.scrollTop = thread.scrollHeight;
    try {
      const body = { message };
      if (conversationId !== null) body.conversation_id = conversationId;
      const r = await api.post("/api/v1/chat", body);
      const isNew = conversationId === null;
      conversationId = r.conversation_id;
      mine.replaceWith(bubble("listener", message, r.message_analysis));
      typing.replaceWith(bubble("muse", r.reply.text, null));
      setGauge(r.gauge);
      if (r.analysis) showResult(r.analysis, r.recommendations);
      if (isNew) loadConversations();
    } catch (err) {
      typing.remove();
      mine.classList.add("failed");
      input.value = message;  // nothing typed is lost
      toast(err.status === 429 && err.retryAfter ? `Too many messages: try again in ${err.retryAfter} s` : errorText(err));
    } finally {
      send.disabled = false;
      send.classList.remove("busy");
      thread.scrollTop = thread.scrollHeight;
      input.focus();
    }
  }

  form.addEventListener("submit", sendMessage);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) sendMessage(e);
  });
  newConv.addEventListener("click", reset);
  reset();
}
