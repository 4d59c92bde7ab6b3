// Map: the whole catalogue laid out in 2-D (tracks that sound alike sit together), coloured by
// micro-genre. Only the points of the visible region are fetched (thinned by the server), so
// panning and zooming stay smooth; hover shows a track, click opens its micro-genre and lets the
// listener add the track to "my songs", which are highlighted on the map.
import { feedbackControls, newListId } from "../feedback.js";
import { el, debounce, artistsText } from "../ui.js";

const LIMIT = 4000;          // points per view
const HOVER_PX = 7;

const palette = new Map();  // "c/alpha" -> CSS colour, so frames do not format strings per point
function colour(c, alpha = 1) {
  const key = c * 8 + (alpha === 1 ? 0 : alpha > 0.5 ? 1 : 2);
  let v = palette.get(key);
  if (!v) {
    const h = (c * 137.508) % 360;            // golden-angle hues: neighbours differ
    const l = 42 + ((c * 7) % 3) * 9;
    v = `hsla(${h.toFixed(1)}, 68%, ${l}%, ${alpha})`;
    palette.set(key, v);
  }
  return v;
}

let cleanup = [];
export function unmount() {
  for (const fn of cleanup) fn();
  cleanup = [];
}

export async function mount(root, ctx) {
  const { api, store, toast, errorText } = ctx;
  const canvas = el("canvas", { id: "map-canvas", class: "map-canvas", tabindex: "0",
    role: "img", "aria-label": "Map of the catalogue: drag to pan, wheel or +/- to zoom" });
  const tip = el("div", { class: "map-tip", hidden: true, role: "tooltip" });
  const status = el("p", { class: "muted small", id: "map-status", role: "status" });
  const zoomIn = el("button", { class: "icon-btn", type: "button", "aria-label": "Zoom in" }, "+");
  const zoomOut = el("button", { class: "icon-btn", type: "button", "aria-label": "Zoom out" }, "−");
  const reset = el("button", { class: "btn ghost", type: "button", id: "reset-view" }, "Reset view");
  const panel = el("div", { id: "cluster-panel", class: "cluster-panel" },
    el("p", { class: "muted" }, "Click a point to see its micro-genre."));
  const search = el("select", { id: "cluster-select", "aria-label": "Jump to a micro-genre" },
    el("option", { value: "" }, "Jump to a micro-genre…"));

  root.append(
    el("section", { class: "hero" },
      el("h1", {}, "The map of the music"),
      el("p", { class: "muted", id: "map-intro" },
        "Every song in the catalogue, placed so that songs that sound alike sit together. Colours are micro-genres: " +
        "fine-grained clusters found by k-means on the audio features.")),
    el("div", { class: "map-layout" },
      el("section", { class: "card map-card" },
        el("div", { class: "map-tools" }, zoomIn, zoomOut, reset, search, status),
        el("div", { class: "map-wrap" }, canvas, tip)),
      el("aside", { class: "card" }, panel)));

  let meta;
  try {
    meta = await api.get("/api/v1/clusters");
  } catch (e) {
    panel.replaceChildren(el("p", { class: "error" }, errorText(e)));
    status.textContent = "";
    canvas.remove();
    return;
  }
  if (meta.cooc && meta.cooc.factors > 0) {
    root.querySelector("#map-intro").textContent =
      "Every song in the catalogue, placed so that songs that sound alike sit together. Colours are micro-genres: " +
      "fine-grained clusters found by k-means on the audio features and on which songs share playlists " +
      `(${meta.cooc.playlists.toLocaleString()} playlists), so a cluster can span sounds its listeners put together.`;
  }
  const clusters = new Map(meta.clusters.map((c) => [c.id, c]));
  for (const c of [...meta.clusters].sort((a, b) => a.name.localeCompare(b.name))) {
    search.append(el("option", { value: c.id }, `${c.name} (${c.size})`));
  }

  // ------------------------------------------------------------ view state
  const B = meta.view || meta.bounds;  // central 99% of the points: outliers stay off-screen
  let view = { cx: (B.x0 + B.x1) / 2, cy: (B.y0 + B.y1) / 2, scale: 1 };
  let points = { id: [], x: [], y: [], c: [], name: [], artist: [] };
  let total = 0;
  let mine = [];           // listener's songs on the map
  let hover = -1;
  let selectedCluster = -1;
  let selectedTrack = null;
  const stats = { frames: 0, drawMs: 0, maxDrawMs: 0, fetches: 0, lastFetchMs: 0, firstLoadMs: 0, points: 0, mine: 0 };
  const mountedAt = performance.now();
  // For the browser test: timings, and where point i is drawn (CSS px inside the canvas).
  window.__museMap = stats;
  window.__museMapPoint = (i) => {
    const { w, h } = size();
    const [sx, sy] = toScreen(points.x[i], points.y[i], w, h);
    return { x: sx, y: sy, id: points.id[i], c: points.c[i], n: points.id.length };
  };

  const dpr = () => window.devicePixelRatio || 1;
  function size() {
    const r = canvas.getBoundingClientRect();
    return { w: r.width, h: r.height };
  }
  function fit() {
    const { w, h } = size();
    view.scale = 0.92 * Math.min(w / Math.max(B.x1 - B.x0, 1e-6), h / Math.max(B.y1 - B.y0, 1e-6));
  }
  const toScreen = (x, y, w, h) => [(x - view.cx) * view.scale + w / 2, (view.cy - y) * view.scale + h / 2];
  const toMap = (sx, sy, w, h) => [(sx - w / 2) / view.scale + view.cx, view.cy - (sy - h / 2) / view.scale];
  function visible() {
    const { w, h } = size();
    const [x0, y1] = toMap(0, 0, w, h);
    const [x1, y0] = toMap(w, h, w, h);
    return { x0, y0, x1, y1 };
  }

  // ------------------------------------------------------------ drawing
  let raf = 0;
  function draw() {
    raf = 0;
    const t0 = performance.now();
    const { w, h } = size();
    const ratio = dpr();
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    const r = Math.max(1.6, Math.min(4, 1.2 + Math.log2(view.scale / 10 + 1)));
    const n = points.id.length;
    for (let i = 0; i < n; i++) {
      const [sx, sy] = toScreen(points.x[i], points.y[i], w, h);
      if (sx < -5 || sy < -5 || sx > w + 5 || sy > h + 5) continue;
      const c = points.c[i];
      const faded = selectedCluster >= 0 && c !== selectedCluster;
      g.fillStyle = colour(c, faded ? 0.18 : 0.85);
      g.fillRect(sx - r / 2, sy - r / 2, r, r);
    }
    if (selectedCluster >= 0) {  // selected cluster on top, larger
      g.fillStyle = colour(selectedCluster, 1);
      for (let i = 0; i < n; i++) {
        if (points.c[i] !== selectedCluster) continue;
        const [sx, sy] = toScreen(points.x[i], points.y[i], w, h);
        g.fillRect(sx - r, sy - r, 2 * r, 2 * r);
      }
    }
    g.lineWidth = 2;
    for (const p of mine) {
      const [sx, sy] = toScreen(p.x, p.y, w, h);
      g.strokeStyle = "#fff";
      g.beginPath(); g.arc(sx, sy, 7, 0, 2 * Math.PI); g.stroke();
      g.strokeStyle = "#7c3aed";
      g.beginPath(); g.arc(sx, sy, 5.5, 0, 2 * Math.PI); g.stroke();
    }
    if (hover >= 0 && hover < n) {
      const [sx, sy] = toScreen(points.x[hover], points.y[hover], w, h);
      g.strokeStyle = "#111";
      g.beginPath(); g.arc(sx, sy, 5, 0, 2 * Math.PI); g.stroke();
    }
    const ms = performance.now() - t0;
    stats.frames++;
    stats.drawMs += ms;
    stats.maxDrawMs = Math.max(stats.maxDrawMs, ms);
  }
  const redraw = () => { if (!raf) raf = requestAnimationFrame(draw); };
  window.__museMapDraw = draw;  // synchronous frame, for the browser test's timing

  // ------------------------------------------------------------ data
  let inflight = null;
  async function load() {
    const v = visible();
    if (inflight) inflight.abort();
    inflight = new AbortController();
    const t0 = performance.now();
    try {
      const res = await api.get("/api/v1/map", { ...v, limit: LIMIT }, { signal: inflight.signal });
      points = res.points;
      total = res.total;
      hover = -1;
      tip.hidden = true;
      stats.fetches++;
      stats.lastFetchMs = performance.now() - t0;
      stats.points = points.id.length;
      if (!stats.firstLoadMs) stats.firstLoadMs = performance.now() - mountedAt;
      status.textContent = `${points.id.length.toLocaleString()} of ${total.toLocaleString()} tracks in view` +
        (points.id.length < total ? " (zoom in for more)" : "");
      redraw();
    } catch (e) {
      if (e.name !== "AbortError") toast(errorText(e));
    }
  }
  const loadSoon = debounce(load, 120);

  async function locateMine() {
    const ids = store.songs.map((s) => s.track_id);
    if (!ids.length) { mine = []; stats.mine = 0; redraw(); return; }
    try {
      mine = (await api.post("/api/v1/map/locate", { tracks: ids })).points;
      stats.mine = mine.length;
      redraw();
    } catch (e) { toast(errorText(e)); }
  }

  // ------------------------------------------------------------ cluster panel
  async function showCluster(id, track) {
    selectedCluster = id;
    selectedTrack = track || null;
    search.value = String(id);
    redraw();
    panel.replaceChildren(el("p", { class: "muted" }, "Loading…"));
    try {
      const c = await api.get(`/api/v1/clusters/${id}`, { tracks: 8 });
      const kids = [];
      if (track) {
        const add = el("button", { class: "btn primary", type: "button", id: "add-track" },
          store.has(track.id) ? "In my songs" : "Add to my songs");
        add.disabled = store.has(track.id);
        add.addEventListener("click", async () => {
          try {
            const full = await api.get(`/api/v1/tracks/${encodeURIComponent(track.id)}`);
            if (store.add(full)) toast(`Added ${full.name}`, "ok");
            add.textContent = "In my songs";
            add.disabled = true;
          } catch (e) { toast(errorText(e)); }
        });
        kids.push(el("div", { class: "picked" },
          el("div", { class: "s-name" }, track.name), el("div", { class: "s-meta" }, track.artist), add));
      }
      kids.push(
        el("h2", { id: "cluster-name" }, el("i", { class: "swatch", style: `background:${colour(c.id)}` }), c.name),
        el("p", { class: "muted small" }, `micro-genre ${c.id} · ${c.size.toLocaleString()} tracks`),
        el("p", {}, c.profile),
        c.genres.length ? el("p", {}, ...c.genres.map((gn) => el("span", { class: "chip" },
          `${gn.genre} ${Math.round(gn.share * 100)}%`))) : el("p", { class: "muted small" }, "no dominant genre"),
        el("h3", { class: "chart-title" }, "Popular here"),
        el("ol", { class: "cluster-tracks" }, ...c.top_tracks.map((t) =>
          el("li", {}, el("span", { class: "s-name" }, t.name), el("span", { class: "s-meta" }, artistsText(t)),
            feedbackControls(t, { source: "map", listId: `map-cluster-${c.id}`, ctx })))));
      const more = el("button", { class: "btn", type: "button", id: "more-like" }, "More from this micro-genre");
      const moreList = el("ol", { class: "cluster-tracks", id: "more-list" });
      more.addEventListener("click", async () => {
        const seeds = track ? [track.id] : c.top_tracks.slice(0, 1).map((t) => t.track_id);
        try {
          const r = await api.post("/api/v1/clusters/recommendations", { tracks: seeds, limit: 8 });
          const listId = newListId("map");
          moreList.replaceChildren(...r.recommendations.map((t) =>
            el("li", {}, el("span", { class: "s-name" }, t.name), el("span", { class: "s-meta" }, artistsText(t)),
              feedbackControls(t, { source: "map", listId, ctx }))));
        } catch (e) { toast(errorText(e)); }
      });
      kids.push(more, moreList);
      panel.replaceChildren(...kids);
    } catch (e) {
      panel.replaceChildren(el("p", { class: "error" }, errorText(e)));
    }
  }

  // ------------------------------------------------------------ interaction
  function nearest(sx, sy) {
    const { w, h } = size();
    let best = -1, bd = HOVER_PX * HOVER_PX;
    for (let i = 0; i < points.id.length; i++) {
      const [px, py] = toScreen(points.x[i], points.y[i], w, h);
      const d = (px - sx) ** 2 + (py - sy) ** 2;
      if (d < bd) { bd = d; best = i; }
    }
    return best;
  }
  let drag = null;
  const onDown = (e) => { drag = { x: e.clientX, y: e.clientY, cx: view.cx, cy: view.cy, moved: false }; canvas.setPointerCapture(e.pointerId); };
  const onMove = (e) => {
    const rect = canvas.getBoundingClientRect();
    if (drag) {
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      view.cx = drag.cx - dx / view.scale;
      view.cy = drag.cy + dy / view.scale;
      tip.hidden = true;
      redraw();
      loadSoon();
      return;
    }
    const i = nearest(e.clientX - rect.left, e.clientY - rect.top);
    if (i !== hover) { hover = i; redraw(); }
    if (i >= 0) {
      const c = clusters.get(points.c[i]);
      tip.replaceChildren(el("strong", {}, points.name[i]), el("span", {}, points.artist[i]),
        el("span", { class: "muted" }, c ? c.name : ""));
      tip.style.left = `${e.clientX - rect.left + 12}px`;
      tip.style.top = `${e.clientY - rect.top + 12}px`;
      tip.hidden = false;
    } else {
      tip.hidden = true;
    }
  };
  const onUp = (e) => {
    const wasDrag = drag && drag.moved;
    drag = null;
    if (wasDrag) return;
    const rect = canvas.getBoundingClientRect();
    const i = nearest(e.clientX - rect.left, e.clientY - rect.top);
    if (i >= 0) showCluster(points.c[i], { id: points.id[i], name: points.name[i], artist: points.artist[i] });
  };
  function zoomAt(factor, sx, sy) {
    const { w, h } = size();
    const [mx, my] = toMap(sx, sy, w, h);
    view.scale = Math.min(Math.max(view.scale * factor, 0.2), 1e5);
    const [nx, ny] = toMap(sx, sy, w, h);
    view.cx += mx - nx;
    view.cy += my - ny;
    redraw();
    loadSoon();
  }
  const onWheel = (e) => {
    e.preventDefault();
    const rect = canvas.getBoundingClientRect();
    zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - rect.left, e.clientY - rect.top);
  };
  const center = () => { const { w, h } = size(); return [w / 2, h / 2]; };
  const onKey = (e) => {
    if (e.key === "+" || e.key === "=") zoomAt(1.4, ...center());
    else if (e.key === "-") zoomAt(1 / 1.4, ...center());
    else return;
    e.preventDefault();
  };
  canvas.addEventListener("pointerdown", onDown);
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerup", onUp);
  canvas.addEventListener("pointerleave", () => { tip.hidden = true; if (hover >= 0) { hover = -1; redraw(); } });
  canvas.addEventListener("wheel", onWheel, { passive: false });
  canvas.addEventListener("keydown", onKey);
  zoomIn.addEventListener("click", () => zoomAt(1.5, ...center()));
  zoomOut.addEventListener("click", () => zoomAt(1 / 1.5, ...center()));
  reset.addEventListener("click", () => { view.cx = (B.x0 + B.x1) / 2; view.cy = (B.y0 + B.y1) / 2; fit(); selectedCluster = -1; redraw(); load(); });
  search.addEventListener("change", () => {
    const c = clusters.get(Number(search.value));
    if (!c) return;
    view.cx = c.x;
    view.cy = c.y;
    const { w, h } = size();
    view.scale = Math.max(view.scale, 8 * Math.min(w / (B.x1 - B.x0), h / (B.y1 - B.y0)));
    showCluster(c.id);
    load();
  });
  const onResize = debounce(() => { redraw(); load(); }, 150);
  window.addEventListener("resize", onResize);
  const onStore = () => locateMine();
  store.addEventListener("change", onStore);
  cleanup.push(() => {
    window.removeEventListener("resize", onResize);
    store.removeEventListener("change", onStore);
    if (inflight) inflight.abort();
    if (raf) cancelAnimationFrame(raf);
    delete window.__museMap;
    delete window.__museMapPoint;
    delete window.__museMapDraw;
  });

  fit();
  await load();
  locateMine();
}
