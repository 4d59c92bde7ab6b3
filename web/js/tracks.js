// A plain recommendation list (name, artists, reason, feedback controls), shared by the diary,
// For you, chat and history pages. Discover and the map keep their own richer layouts and add
// the same feedback controls.
import { feedbackControls } from "./feedback.js";
import { el, artistsText } from "./ui.js";

/// opts: {id, source, listId, ctx, empty, extra(track) -> node}
export function trackList(tracks, { id, source, listId, ctx, empty = "No songs.", extra } = {}) {
  if (!tracks || !tracks.length) return el("p", { class: "muted", id }, empty);
  return el("ol", { class: "track-list", id, "data-list-id": listId }, ...tracks.map((t) =>
    el("li", { class: "track-item", "data-id": t.track_id, "data-artist": (t.artists || [])[0] || "" },
      el("div", { class: "track-main" },
        el("div", { class: "rec-title" },
          el("span", { class: "s-name" }, t.name || t.track_id),
          el("span", { class: "s-meta" }, artistsText(t), t.album ? ` · ${t.album}` : "")),
        extra ? extra(t) : null,
        feedbackControls(t, { source, listId, ctx })),
      t.reason ? el("p", { class: "reason small" }, t.reason) : null)));
}
