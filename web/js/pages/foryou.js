// For you: recommendations from the listener's own feedback (top-rated songs seed "more like
// these", dislikes never come back), plus what listeners who felt alike liked. Feedback given
// here marks the list out of date; "Refresh" asks again and marks the songs that are new.
import { signInCard } from "../account.js";
import { trackList } from "../tracks.js";
import { el } from "../ui.js";

let cleanup = [];
export function unmount() {
  for (const fn of cleanup) fn();
  cleanup = [];
}

export async function mount(root, ctx) {
  const { api, session, feedback, errorText } = ctx;
  root.append(el("section", { class: "hero" }, el("h1", {}, "For you"),
    el("p", { class: "muted" }, "Songs picked from what you liked, disliked and rated. The more you tell Muse, " +
      "the better it gets.")));
  if (!session.signedIn) {
    root.append(signInCard(ctx, "For you is built from your likes, dislikes and ratings, so Muse needs to know who you are."));
    return;
  }
  const limitSel = el("select", { id: "fy-limit", "aria-label": "How many songs" },
    ...[10, 20, 30].map((n) => el("option", { value: n, selected: n === 10 }, `${n} songs`)));
  const refresh = el("button", { id: "fy-refresh", class: "btn primary", type: "button" }, "Refresh");
  const status = el("p", { class: "muted small", id: "fy-status", role: "status" });
  const stale = el("p", { class: "stale", id: "fy-stale", hidden: true },
    "Your feedback changed: refresh to see new songs.");
  const list = el("div", { id: "fy-list" });
  const neighbours = el("div", { id: "fy-neighbours" });
  root.append(
    el("section", { class: "card" },
      el("div", { class: "card-head" }, el("h2", {}, "Recommended for you"),
        el("div", { class: "controls" }, limitSel, refresh)),
      status, stale, list),
    el("section", { class: "card" },
      el("h2", {}, "Listeners who felt like you liked…"),
      el("p", { class: "muted small" }, "From listeners whose moods and likes are closest to yours."),
      neighbours));

  let previous = null;  // track ids of the last list, to mark what is new after a refresh
  async function load() {
    refresh.disabled = true;
    refresh.classList.add("busy");
    status.textContent = "Finding songs…";
    try {
      const r = await api.get(`${session.base}/recommendations`, { limit: limitSel.value, neighbours: 10 });
      const before = previous;
      previous = new Set(r.recommendations.map((t) => t.track_id));
      const isNew = (t) => before && !before.has(t.track_id);
      const fresh = r.recommendations.filter(isNew).length;
      list.replaceChildren(trackList(r.recommendations, {
        id: "fy-recs", source: "recommendations", listId: r.list_id, ctx,
        empty: "Nothing left to recommend: you have disliked a lot!",
        extra: (t) => el("span", { class: "chips" },
          isNew(t) ? el("span", { class: "chip new" }, "new") : null,
          typeof t.score === "number" ? el("span", { class: "match", title: "score" }, `${Math.round(t.score * 100)}%`) : null),
      }));
      neighbours.replaceChildren(trackList(r.neighbour_likes || [], {
        id: "fy-neighbour-likes", source: "recommendations", listId: r.list_id, ctx,
        empty: "No neighbours yet: other listeners' likes show up here once there are some.",
      }));
      status.textContent = `From ${r.feedback_events} feedback events` +
        (r.seeds && r.seeds.length ? `, seeded by ${r.seeds.length} of your songs` : "") +
        (r.banned_artists ? `; ${r.banned_artists} artists hidden` : "") +
        (before ? ` · refreshed: ${fresh} new` : "");
      stale.hidden = true;
    } catch (e) {
      if (e.status === 400) {
        list.replaceChildren(el("div", { class: "empty-state", id: "fy-empty" },
          el("p", {}, "Muse does not know your taste yet. Like or rate a few songs first — on ",
            el("a", { href: "#/discover" }, "Discover"), ", in the ", el("a", { href: "#/mood" }, "mood diary"),
            " or in the ", el("a", { href: "#/chat" }, "chat"), "."),
          el("p", { class: "muted small" }, errorText(e))));
        neighbours.replaceChildren();
        status.textContent = "";
      } else {
        status.textContent = errorText(e);
      }
    } finally {
      refresh.disabled = false;
      refresh.classList.remove("busy");
    }
  }
  const onFeedback = (e) => {
    const d = e.detail || {};
    if (previous && (d.track_id || d.artist)) stale.hidden = false;
  };
  feedback.addEventListener("change", onFeedback);
  cleanup.push(() => feedback.removeEventListener("change", onFeedback));
  refresh.addEventListener("click", load);
  limitSel.addEventListener("change", load);
  await load();
}
