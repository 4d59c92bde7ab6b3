// Continue: build or paste a playlist (title, songs, tags) and extend it with more songs and tags.
import { feedbackControls, newListId } from "../feedback.js";
import { el, debounce, artistsText } from "../ui.js";

export async function mount(root, ctx) {
  const { api, toast } = ctx;
  const songs = [];  // {track_id, name, artists}
  const title = el("input", { id: "pl-title", type: "text", placeholder: "Playlist title, e.g. \"Summer dance hits\"" });
  const tags = el("input", { id: "pl-tags", type: "text", placeholder: "Tags, comma-separated (optional)" });
  const search = el("input", { id: "pl-search", type: "search", placeholder: "Add a song: search by name or artist…", autocomplete: "off" });
  const paste = el("textarea", { id: "pl-paste", rows: 3, placeholder: "…or paste track ids (one per line)" });
  const suggestions = el("ul", { class: "list", id: "pl-suggestions" });
  const list = el("ol", { class: "list", id: "pl-songs" });
  const out = el("div", { id: "pl-result" });
  const limit = el("input", { id: "pl-limit", type: "number", min: 1, max: 1000, value: 30 });

  function renderSongs() {
    list.replaceChildren(...songs.map((s, i) => el("li", {},
      `${s.name || s.track_id} — ${artistsText(s)} `,
      el("button", { class: "btn", onclick: () => { songs.splice(i, 1); renderSongs(); } }, "remove"))));
  }
  const lookup = debounce(async () => {
    const q = search.value.trim();
    if (!q) { suggestions.replaceChildren(); return; }
    try {
      const r = await api.get("/api/v1/tracks/search", { q, limit: 8 });
      suggestions.replaceChildren(...r.results.map((t) => el("li", {
        onclick: () => { songs.push({ track_id: t.id, name: t.name, artists: t.artists }); renderSongs(); search.value = ""; suggestions.replaceChildren(); },
      }, `${t.name} — ${artistsText(t)}`)));
    } catch (e) { toast(e.message); }
  }, 200);
  search.addEventListener("input", lookup);

  async function extend() {
    const ids = songs.map((s) => s.track_id)
      .concat(paste.value.split(/\s+/).map((x) => x.trim()).filter(Boolean));
    const body = {
      title: title.value, tracks: ids, limit: Number(limit.value) || 30,
      tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
    };
    out.replaceChildren(el("p", { class: "muted" }, "Thinking…"));
    try {
      const r = await api.post("/api/v1/playlists/continue", body);
      const listId = newListId("continue");
      out.replaceChildren(
        el("p", {}, "Tags: ", ...r.tags.map((t) => el("span", { class: "chip" }, t.tag, " "))),
        el("p", { class: "muted" }, (r.genres && r.genres.length ? `songs from the genres your title names: ${r.genres.join(", ")}; ` : "") +
          `strategy: ${r.strategy}; ${r.known_tracks} songs used, ${r.unknown_tracks} unknown ids skipped`),
        el("ol", { class: "list", id: "pl-continuation" }, ...r.songs.map((s) => el("li", {},
          `${s.name || s.track_id} — ${artistsText(s)}`,
          el("button", { class: "btn", onclick: () => { songs.push(s); renderSongs(); } }, "add"),
          feedbackControls(s, { source: "continue", listId, ctx })))));
    } catch (e) {
      out.replaceChildren(el("p", { class: "error" }, e.message));
    }
  }

  root.append(
    el("section", { class: "hero" }, el("h1", {}, "Continue a playlist"),
      el("p", { class: "muted" }, "Give a title and a few songs; Muse suggests what comes next and tags the playlist.")),
    el("section", { class: "card continue-form" }, title, tags, search, suggestions, paste,
      el("h3", {}, "Songs"), list,
      el("label", {}, "How many: ", limit),
      el("button", { class: "btn primary", id: "pl-extend", onclick: extend }, "Extend")),
    el("section", { class: "card" }, out));
}
