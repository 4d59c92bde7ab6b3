// Mood diary: write about your day (English or Korean), see the emotions as a pie chart with
// the sentences that drove them, pick match or lift, get songs (with feedback controls).
// Signed in, every analysis is also kept in the listener's mood history (the server does it when
// the request carries the token). #/mood?text=…&mode=lift pre-fills the form and runs.
import { emotionPie, sentenceList } from "../emotions.js";
import { newListId } from "../feedback.js";
import { trackList } from "../tracks.js";
import { el } from "../ui.js";

export async function mount(root, ctx) {
  const { api, session, errorText } = ctx;
  const text = el("textarea", { id: "mood-text", rows: 6, class: "textarea",
    placeholder: "I missed the bus and my boss yelled at me. But my sister called with great news!" });
  const mode = (v, label, checked) => el("label", { class: "radio" },
    el("input", { type: "radio", name: "mood-mode", value: v, checked }), ` ${label}`);
  const limit = el("input", { id: "mood-limit", type: "number", min: 1, max: 50, value: 10, class: "num" });
  const seed = el("input", { id: "mood-seed", type: "number", min: 0, value: 0, class: "num" });
  const useMine = el("input", { id: "mood-mine", type: "checkbox" });
  const taste = el("input", { id: "mood-taste", type: "range", min: 0, max: 1, step: 0.1, value: 0.3 });
  const tasteVal = el("span", { class: "muted small" }, "0.3");
  taste.addEventListener("input", () => { tasteVal.textContent = taste.value; });
  const go = el("button", { id: "mood-go", class: "btn primary", type: "submit" }, "Find music");
  const status = el("span", { class: "muted small", id: "mood-status", role: "status" });
  const out = el("div", { id: "mood-out" });

  const form = el("form", { class: "card mood-form", id: "mood-form" },
    el("label", { for: "mood-text" }, "Write about your day — English or Korean (한국어도 됩니다)."),
    text,
    el("div", { class: "row" },
      el("fieldset", { class: "inline" }, el("legend", { class: "sr-only" }, "Mode"),
        mode("match", "Match my mood", true), mode("lift", "Lift my mood (gradually)", false)),
      el("label", { for: "mood-limit" }, "Songs "), limit,
      el("label", { for: "mood-seed" }, "Variety seed "), seed),
    el("div", { class: "row" },
      el("label", {}, useMine, ` Blend with my songs (${ctx.store.songs.length} on Discover)`),
      el("label", { for: "mood-taste" }, "Taste weight "), taste, tasteVal),
    el("div", { class: "row" }, go, status,
      el("span", { class: "muted small" }, session.signedIn
        ? `Signed in: this mood is kept in your history.` : "Sign in to keep your moods in your history.")));

  root.append(
    el("section", { class: "hero" }, el("h1", {}, "Mood diary"),
      el("p", { class: "muted" }, "Muse reads the emotions in what you write and finds music that feels the same — " +
        "or gently lifts you.")),
    form, out);

  async function run(e) {
    if (e) e.preventDefault();
    const body = {
      text: text.value,
      mode: form.querySelector("input[name=mood-mode]:checked").value,
      limit: Number(limit.value) || 10,
      seed: Number(seed.value) || 0,
    };
    if (useMine.checked && ctx.store.songs.length) {
      body.tracks = ctx.store.songs.map((s) => s.track_id);
      body.taste = Number(taste.value);
    }
    go.disabled = true;
    status.textContent = "Reading…";
    status.className = "muted small";
    try {
      const j = await api.post("/api/v1/mood", body);
      render(j);
      status.textContent = `${j.timing_ms.total.toFixed(2)} ms on the server` +
        (j.mood_id !== undefined ? " · kept in your history" : "");
    } catch (err) {
      status.textContent = errorText(err);
      status.className = "error small";
    } finally {
      go.disabled = false;
    }
  }

  function render(j) {
    const listId = newListId("mood");
    out.replaceChildren(
      el("div", { class: "card mood-analysis" },
        el("div", {},
          emotionPie(j.distribution, { id: "mood-pie" }),
          el("p", { class: "muted small", id: "mood-va" },
            `valence ${j.valence.toFixed(2)}, arousal ${j.arousal.toFixed(2)} — ${j.quadrant}`)),
        el("div", {}, el("h2", {}, "The sentences that drove it"), sentenceList(j.sentences))),
      el("section", { class: "card" },
        el("h2", { id: "mood-target" }, `${j.mode === "lift" ? "Lifting" : "Matching"} — target: ${j.target.quadrant}`),
        trackList(j.tracks, { id: "mood-tracks", source: "mood", listId, ctx,
          empty: "No tracks (is a catalogue imported?)" })));
  }

  form.addEventListener("submit", run);
  const params = ctx.routeParams();
  if (params.get("text")) {
    text.value = params.get("text");
    if (params.get("mode") === "lift") form.querySelector("input[value=lift]").checked = true;
    await run();
  } else {
    text.focus();
  }
}
