// History: the listener's past moods (diary and chat) as a timeline of valence and arousal,
// each point coloured by its dominant emotion, and the songs they liked (with undo).
import { signInCard } from "../account.js";
import { EMOTION_COLORS, dominant } from "../emotions.js";
import { trackList } from "../tracks.js";
import { el } from "../ui.js";

const SVG = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs = {}, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text !== undefined) n.textContent = text;
  return n;
}
const when = (ms) => new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });

/// Two stacked panels (valence, arousal in -1..1) sharing a time axis; oldest on the left.
function timeline(moods) {
  const W = 820, H = 300, L = 64, R = 16, T = 14, GAP = 34;
  const ph = (H - T - GAP - 26) / 2;
  const sorted = [...moods].sort((a, b) => a.created_ms - b.created_ms);
  const t0 = sorted[0].created_ms, t1 = sorted[sorted.length - 1].created_ms;
  const x = (t) => (t1 === t0 ? L + (W - L - R) / 2 : L + ((t - t0) / (t1 - t0)) * (W - L - R));
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "timeline", id: "mood-timeline", role: "img",
    "aria-label": `Mood timeline: ${moods.length} moods from ${when(t0)} to ${when(t1)}` });
  [["valence", "Valence", T], ["arousal", "Arousal", T + ph + GAP]].forEach(([key, label, top]) => {
    const y = (v) => top + ((1 - Math.max(-1, Math.min(1, v))) / 2) * ph;
    svg.append(svgEl("rect", { x: L, y: top, width: W - L - R, height: ph, class: "tl-panel" }));
    svg.append(svgEl("line", { x1: L, x2: W - R, y1: y(0), y2: y(0), class: "tl-zero" }));
    svg.append(svgEl("text", { x: 6, y: top + ph / 2 + 4, class: "tl-label" }, label));
    svg.append(svgEl("text", { x: L - 6, y: top + 10, class: "tl-tick", "text-anchor": "end" }, "+1"));
    svg.append(svgEl("text", { x: L - 6, y: top + ph, class: "tl-tick", "text-anchor": "end" }, "−1"));
    if (sorted.length > 1) {
      svg.append(svgEl("polyline", { class: "tl-line",
        points: sorted.map((m) => `${x(m.created_ms).toFixed(1)},${y(m[key]).toFixed(1)}`).join(" ") }));
    }
    for (const m of sorted) {
      const d = dominant(m.emotions);
      const c = svgEl("circle", { cx: x(m.created_ms).toFixed(1), cy: y(m[key]).toFixed(1), r: 6,
        fill: EMOTION_COLORS[d] || "#ccc", class: `tl-point tl-${key}`, "data-emotion": d, "data-source": m.source });
      c.append(svgEl("title", {}, `${when(m.created_ms)} · ${m.source} · ${d} · ${label.toLowerCase()} ${m[key].toFixed(2)}`));
      svg.append(c);
    }
  });
  svg.append(svgEl("text", { x: L, y: H - 6, class: "tl-tick" }, when(t0)));
  if (t1 !== t0) svg.append(svgEl("text", { x: W - R, y: H - 6, class: "tl-tick", "text-anchor": "end" }, when(t1)));
  return svg;
}

export async function mount(root, ctx) {
  const { api, session, feedback, errorText, toast } = ctx;
  root.append(el("section", { class: "hero" }, el("h1", {}, "Your history"),
    el("p", { class: "muted" }, "How you have felt, from the diary and the chat, and the songs you liked.")));
  if (!session.signedIn) {
    root.append(signInCard(ctx, "Your moods and liked songs are kept for your listener only."));
    return;
  }
  const moodsBox = el("div", { id: "history-moods" }, el("p", { class: "muted" }, "Loading…"));
  const likesBox = el("div", { id: "history-likes" }, el("p", { class: "muted" }, "Loading…"));
  root.append(
    el("section", { class: "card" }, el("h2", {}, "Moods over time"), moodsBox),
    el("section", { class: "card" }, el("h2", {}, "Liked songs"), likesBox));

  const legend = () => el("ul", { class: "emotion-legend inline" }, ...Object.entries(EMOTION_COLORS).map(([l, c]) =>
    el("li", {}, el("span", { class: "swatch", style: `background:${c}` }), l)));

  async function loadMoods() {
    try {
      const r = await api.get(`${session.base}/moods`, { limit: 50 });
      if (!r.moods.length) {
        moodsBox.replaceChildren(el("p", { class: "muted", id: "history-no-moods" }, "No moods yet: write in the ",
          el("a", { href: "#/mood" }, "diary"), " or ", el("a", { href: "#/chat" }, "chat"), " while signed in."));
        return;
      }
      moodsBox.replaceChildren(
        el("div", { class: "timeline-wrap" }, timeline(r.moods)), legend(),
        el("details", {}, el("summary", {}, `All ${r.moods.length} moods as a table`),
          el("table", { class: "routes", id: "history-mood-table" },
            el("thead", {}, el("tr", {}, ...["When", "From", "Dominant", "Valence", "Arousal"].map((h) => el("th", {}, h)))),
            el("tbody", {}, ...r.moods.map((m) => el("tr", { "data-source": m.source },
              el("td", {}, when(m.created_ms)), el("td", {}, m.source), el("td", {}, dominant(m.emotions)),
              el("td", {}, m.valence.toFixed(2)), el("td", {}, m.arousal.toFixed(2))))))));
    } catch (e) {
      moodsBox.replaceChildren(el("p", { class: "error" }, errorText(e)));
    }
  }

  async function loadLikes() {
    try {
      const r = await api.get(`${session.base}/likes`, { limit: 100 });
      await feedback.load().catch(() => {});
      likesBox.replaceChildren(trackList(r.tracks, {
        id: "history-liked", source: "recommendations", listId: "history-likes", ctx,
        empty: "No liked songs yet.",
        extra: (t) => el("span", { class: "chips" },
          el("span", { class: "chip" }, t.kind === "rating" ? `rated ${t.rating}/5` : "liked"),
          el("span", { class: "muted small" }, when(t.created_ms)),
          el("button", { class: "btn ghost undo", type: "button", "aria-label": `Undo: forget that you liked ${t.name}`,
            onclick: async (e) => {
              const b = e.currentTarget;
              b.disabled = true;
              try {
                await feedback.setTrack(t, null, 0);
                toast(`Forgot “${t.name}”`, "ok");
                await loadLikes();
              } catch (err) {
                toast(errorText(err));
                b.disabled = false;
              }
            } }, "Undo")),
      }));
    } catch (e) {
      likesBox.replaceChildren(el("p", { class: "error" }, errorText(e)));
    }
  }
  await Promise.all([loadMoods(), loadLikes()]);
}
