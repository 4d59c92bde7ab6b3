// Like / dislike / 1–5 rating / hide-artist controls for any track in any recommendation list.
// One word per track from this UI: a new word replaces the old one (the old feedback is deleted
// after the new one is stored), clicking the active word again deletes it (undo). The listener's
// stored feedback is loaded once per session so every list shows the state it already has, and
// every control of the same track (in any list) updates together.
import { api } from "./api.js";
import { session } from "./session.js";
import { el } from "./ui.js";

const TRACK_KINDS = new Set(["like", "dislike", "rating"]);

function uuid() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return "r" + Math.random().toString(36).slice(2) + Date.now().toString(36);
}

/// A list id for lists the server does not name (Discover, diary, …): source + time.
export function newListId(source) {
  return `${source}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

class FeedbackCache extends EventTarget {
  constructor() {
    super();
    this.byTrack = new Map();   // track_id -> [feedback, newest first]
    this.byArtist = new Map();  // artist -> [dislike feedback]
    this.loaded = null;         // promise of the current session's load
    session.addEventListener("change", () => this.reset());
  }
  reset() {
    this.byTrack.clear();
    this.byArtist.clear();
    this.loaded = null;
    this.dispatchEvent(new CustomEvent("change", { detail: {} }));
  }
  /// Loads the listener's recent feedback (the newest 1,000, the server's page limit) once per session.
  load() {
    if (!session.signedIn) return Promise.resolve();
    if (!this.loaded) {
      this.loaded = (async () => {
        const r = await api.get(`${session.base}/feedback`, { limit: 1000 });
        const all = r.feedback;
        for (const f of all.reverse()) this.remember(f);  // oldest first, so unshift keeps newest first
        this.dispatchEvent(new CustomEvent("change", { detail: {} }));
      })().catch((e) => {
        this.loaded = null;
        throw e;
      });
    }
    return this.loaded;
  }
  remember(f) {
    if (f.track_id && TRACK_KINDS.has(f.kind)) {
      if (!this.byTrack.has(f.track_id)) this.byTrack.set(f.track_id, []);
      const list = this.byTrack.get(f.track_id);
      if (!list.some((g) => g.id === f.id)) list.unshift(f);  // a click during the load stored it already
    } else if (!f.track_id && f.artist && f.kind === "dislike") {
      if (!this.byArtist.has(f.artist)) this.byArtist.set(f.artist, []);
      this.byArtist.get(f.artist).unshift(f);
    }
  }
  /// The track's current word: {kind, rating} or null.
  state(trackId) {
    const list = this.byTrack.get(trackId);
    return list && list.length ? list[0] : null;
  }
  artistHidden(artist) {
    const list = this.byArtist.get(artist);
    return !!(list && list.length);
  }
  async post(body) {
    const r = await api.post(`${session.base}/feedback`, { ...body, request_id: uuid() });
    return r.feedback;
  }
  async removeAll(list) {
    for (const f of [...list]) {
      await api.del(`${session.base}/feedback/${f.id}`);
      const i = list.indexOf(f);
      if (i >= 0) list.splice(i, 1);
    }
  }
  /// Sets the track's word (kind like|dislike|rating); the same word again (or kind null) undoes.
  async setTrack(track, kind, rating, context) {
    const id = track.track_id;
    const old = this.byTrack.get(id) || [];
    const cur = old[0];
    const same = cur && cur.kind === kind && (kind !== "rating" || cur.rating === rating);
    if (!kind || same) {
      await this.removeAll(old);
    } else {
      const body = { track_id: id, kind, context };
      if (kind === "rating") body.rating = rating;
      const f = await this.post(body);
      const previous = [...old];
      this.byTrack.set(id, [f]);
      await this.removeAll(previous).catch(() => {});  // the new word already wins (newest first)
    }
    this.dispatchEvent(new CustomEvent("change", { detail: { track_id: id } }));
    return this.state(id);
  }
  /// Hides (dislikes) an artist, or shows them again.
  async toggleArtist(artist, context) {
    const list = this.byArtist.get(artist) || [];
    if (list.length) {
      await this.removeAll(list);
    } else {
      const f = await this.post({ artist, kind: "dislike", context });
      this.byArtist.set(artist, [f]);
    }
    this.dispatchEvent(new CustomEvent("change", { detail: { artist } }));
    return this.artistHidden(artist);
  }
}

export const feedback = new FeedbackCache();

/// The controls for one track. opts: {source, listId, ctx (for toasts and sign-in)}.
export function feedbackControls(track, { source, listId, ctx }) {
  const name = track.name || track.track_id;
  const artist = (track.artists || [])[0] || "";
  const context = { source, list_id: listId };
  const like = el("button", { type: "button", class: "fb-btn fb-like", "aria-pressed": "false",
    "aria-label": `Like ${name}`, title: "Like" }, "♥ Like");
  const dislike = el("button", { type: "button", class: "fb-btn fb-dislike", "aria-pressed": "false",
    "aria-label": `Dislike ${name}`, title: "Dislike (never recommend it again)" }, "Dislike");
  const stars = [1, 2, 3, 4, 5].map((n) => el("button", { type: "button", class: "fb-star", "data-rating": n,
    "aria-pressed": "false", "aria-label": `Rate ${name} ${n} of 5`, title: `${n} of 5` }, "★"));
  const hide = artist ? el("button", { type: "button", class: "fb-btn fb-artist", "aria-pressed": "false",
    "aria-label": `No more songs by ${artist}`, title: `No more songs by ${artist}` }, "Hide artist") : null;
  const box = el("div", { class: "fb", role: "group", "aria-label": `Your opinion of ${name}`,
    "data-track": track.track_id },
    like, dislike, el("span", { class: "fb-stars" }, ...stars), hide);
  // Clicks must not select the list item the controls sit in.
  box.addEventListener("click", (e) => e.stopPropagation());
  box.addEventListener("keydown", (e) => e.stopPropagation());

  function render() {
    const s = session.signedIn ? feedback.state(track.track_id) : null;
    like.setAttribute("aria-pressed", String(!!s && s.kind === "like"));
    dislike.setAttribute("aria-pressed", String(!!s && s.kind === "dislike"));
    const r = s && s.kind === "rating" ? s.rating : 0;
    stars.forEach((b, i) => {
      b.classList.toggle("on", i < r);
      b.setAttribute("aria-pressed", String(i + 1 === r));
    });
    if (hide) hide.setAttribute("aria-pressed", String(session.signedIn && feedback.artistHidden(artist)));
    box.classList.toggle("signed-out", !session.signedIn);
    box.dataset.state = s ? (s.kind === "rating" ? `rating-${s.rating}` : s.kind) : "";
  }

  async function act(fn, done) {
    if (!session.signedIn) {
      ctx.toast("Sign in to like, dislike and rate songs: Muse learns from them.", "info");
      if (ctx.openAccount) ctx.openAccount();
      return;
    }
    box.classList.add("busy");
    for (const b of box.querySelectorAll("button")) b.disabled = true;
    try {
      const v = await fn();
      if (done) done(v);
    } catch (e) {
      ctx.toast(ctx.errorText(e));
    } finally {
      box.classList.remove("busy");
      for (const b of box.querySelectorAll("button")) b.disabled = false;
      render();
    }
  }
  like.addEventListener("click", () => act(() => feedback.setTrack(track, "like", 0, context)));
  dislike.addEventListener("click", () => act(() => feedback.setTrack(track, "dislike", 0, context),
    (s) => { if (s) ctx.toast(`Muse will not recommend “${name}” again`, "ok"); }));
  stars.forEach((b, i) => b.addEventListener("click",
    () => act(() => feedback.setTrack(track, "rating", i + 1, context))));
  if (hide) {
    hide.addEventListener("click", () => act(() => feedback.toggleArtist(artist, context),
      (hidden) => ctx.toast(hidden ? `No more songs by ${artist}` : `${artist} may come back`, "ok")));
  }

  // Lists are re-rendered often: a control that has left the page drops its listener at the
  // next change (one not yet attached keeps it).
  const onChange = (e) => {
    if (!box.isConnected) {
      if (box.dataset.attached) feedback.removeEventListener("change", onChange);
      return;
    }
    box.dataset.attached = "1";
    const d = e.detail || {};
    if ((!d.track_id && !d.artist) || d.track_id === track.track_id || d.artist === artist) render();
  };
  feedback.addEventListener("change", onChange);
  queueMicrotask(() => { if (box.isConnected) box.dataset.attached = "1"; });
  render();
  if (session.signedIn) feedback.load().catch(() => {});
  return box;
}
