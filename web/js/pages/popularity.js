// Popularity: how well the model predicts held-out tracks (scatter), what it relies on
// (importance bars) and why one track gets its number (SHAP waterfall). Plain SVG, no library.
import { el, artistsText } from "../ui.js";

const NS = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}
const fmt = (x, d = 1) => (x === null || x === undefined ? "—" : Number(x).toFixed(d));

function scatter(points, onPick) {
  const W = 420, H = 420, P = 40, S = (W - 2 * P) / 100;
  const x = (v) => P + Math.max(0, Math.min(100, v)) * S;
  const y = (v) => H - P - Math.max(0, Math.min(100, v)) * S;
  const g = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "pop-svg", role: "img",
    "aria-label": "Predicted versus actual popularity on held-out validation tracks" });
  for (const t of [0, 25, 50, 75, 100]) {
    g.append(svg("line", { x1: x(t), y1: y(0), x2: x(t), y2: y(100), class: "pop-grid" }),
      svg("line", { x1: x(0), y1: y(t), x2: x(100), y2: y(t), class: "pop-grid" }),
      svg("text", { x: x(t), y: H - P + 16, "text-anchor": "middle", class: "pop-tick" }, t),
      svg("text", { x: P - 6, y: y(t) + 4, "text-anchor": "end", class: "pop-tick" }, t));
  }
  g.append(svg("line", { x1: x(0), y1: y(0), x2: x(100), y2: y(100), class: "pop-diag" }),
    svg("text", { x: W / 2, y: H - 4, "text-anchor": "middle", class: "pop-axis" }, "actual popularity"),
    svg("text", { x: 12, y: H / 2, transform: `rotate(-90 12 ${H / 2})`, "text-anchor": "middle", class: "pop-axis" },
      "predicted"));
  for (const p of points) {
    g.append(svg("circle", { cx: x(p.actual), cy: y(p.predicted), r: 2.6, class: "pop-dot",
      onclick: () => onPick(p.track_id) }, svg("title", {}, `${p.track_id}: actual ${fmt(p.actual)}, predicted ${fmt(p.predicted)}`)));
  }
  return g;
}

function bars(items, unit) {
  const top = items.slice(0, 15);
  const max = Math.max(1e-9, ...top.map((i) => Math.abs(i.value)));
  return el("ol", { class: "pop-bars" }, ...top.map((i) => el("li", {},
    el("span", { class: "pop-bar-label", title: i.feature }, i.feature),
    el("span", { class: "pop-bar-track" },
      el("span", { class: "pop-bar", style: `width:${(100 * Math.max(0, i.value)) / max}%` })),
    el("span", { class: "pop-bar-value" }, unit === "mse" ? fmt(i.value, 2) : Number(i.value).toExponential(2)))));
}

function waterfall(e) {
  const shown = e.contributions.slice(0, 12);
  const rest = e.contributions.slice(12).reduce((s, c) => s + c.contribution, 0);
  const steps = [{ label: "average prediction (bias)", delta: e.bias, base: true }]
    .concat(shown.map((c) => ({ label: `${c.feature} = ${c.value === null ? "missing" : +Number(c.value).toPrecision(4)}`,
      delta: c.contribution })));
  if (e.contributions.length > 12) steps.push({ label: `${e.contributions.length - 12} other features`, delta: rest });
  let run = 0;
  const rows = steps.map((s) => {
    const from = s.base ? 0 : run;
    run += s.delta;
    return { ...s, from, to: run };
  });
  const lo = Math.min(0, ...rows.map((r) => Math.min(r.from, r.to)));
  const hi = Math.max(100, ...rows.map((r) => Math.max(r.from, r.to)));
  const W = 640, L = 250, R = 60, RH = 22, H = (rows.length + 1) * RH + 24;
  const sx = (v) => L + ((v - lo) / (hi - lo)) * (W - L - R);
  const g = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "pop-svg wide", role: "img",
    "aria-label": "Contributions of each feature to the prediction" });
  rows.forEach((r, i) => {
    const yy = 8 + i * RH;
    const cls = r.base ? "pop-base" : r.delta >= 0 ? "pop-up" : "pop-down";
    g.append(svg("text", { x: L - 8, y: yy + 15, "text-anchor": "end", class: "pop-tick" }, r.label),
      svg("rect", { x: Math.min(sx(r.from), sx(r.to)), y: yy + 3, height: RH - 6,
        width: Math.max(1, Math.abs(sx(r.to) - sx(r.from))), class: cls }),
      svg("text", { x: Math.max(sx(r.from), sx(r.to)) + 4, y: yy + 15, class: "pop-tick" },
        (r.base ? "" : r.delta >= 0 ? "+" : "") + fmt(r.delta, 2)));
  });
  const yy = 8 + rows.length * RH;
  g.append(svg("line", { x1: sx(e.prediction), x2: sx(e.prediction), y1: 4, y2: yy + 4, class: "pop-diag" }),
    svg("text", { x: L - 8, y: yy + 16, "text-anchor": "end", class: "pop-axis" }, "prediction"),
    svg("text", { x: sx(e.prediction) + 4, y: yy + 16, class: "pop-axis" }, fmt(e.prediction, 1)));
  return g;
}

export async function mount(root, ctx) {
  const explainBox = el("div", { class: "pop-explain" },
    el("p", { class: "muted" }, "Click a point in the scatter plot or enter a track id."));
  const idInput = el("input", { class: "search-input", placeholder: "Spotify track id", "aria-label": "Track id" });
  const form = el("form", { class: "pop-form", onsubmit: (ev) => { ev.preventDefault(); explain(idInput.value.trim()); } },
    idInput, el("button", { class: "btn primary", type: "submit" }, "Explain"));

  root.append(el("section", { class: "hero" }, el("h1", {}, "Popularity"),
    el("p", { class: "muted" }, "Gradient-boosted trees predict a track's Spotify popularity (0–100); " +
      "SHAP values show what each feature adds to or takes from the prediction.")));

  let info;
  try {
    info = await ctx.api.get("/api/v1/popularity/model");
  } catch (e) {
    root.append(el("section", { class: "card error" }, e.message));
    return;
  }
  const v = info.validation;
  const metric = (name, m) => el("tr", {}, el("td", {}, name), el("td", {}, fmt(m.mse, 1)), el("td", {}, fmt(m.mae, 2)),
    el("td", {}, fmt(m.r2, 3)));
  const importanceBox = el("div", {});
  const showImportance = (kind) => {
    importanceBox.replaceChildren(bars(info.importance[kind], kind === "permutation" ? "mse" : "gain"),
      el("p", { class: "muted small" }, kind === "permutation"
        ? "Increase of validation MSE when the feature is shuffled (genre columns shuffled together)."
        : "XGBoost total gain of the splits on each feature."));
  };
  const kindSel = el("select", { "aria-label": "Importance kind", onchange: (ev) => showImportance(ev.target.value) },
    el("option", { value: "permutation" }, "Permutation (validation)"), el("option", { value: "total_gain" }, "Total gain"));
  showImportance("permutation");

  root.append(el("div", { class: "pop-grid" },
    el("section", { class: "card" }, el("h2", {}, `Held-out validation tracks (${info.features} features)`),
      scatter(info.points, (id) => { idInput.value = id; explain(id); }),
      el("table", { class: "routes" }, el("thead", {}, el("tr", {}, el("th", {}, "model"), el("th", {}, "MSE"),
        el("th", {}, "MAE"), el("th", {}, "R²"))),
        el("tbody", {}, metric("XGBoost", v.xgboost), metric("ridge", v.ridge), metric("mean", v.mean))),
      el("p", { class: "muted small" }, `${v.xgboost.n} validation rows; trained on ${info.train_tracks} tracks.`)),
    el("section", { class: "card" }, el("div", { class: "card-head" }, el("h2", {}, "Feature importance"), kindSel),
      importanceBox)),
  el("section", { class: "card" }, el("h2", {}, "Why this prediction?"), form, explainBox));

  // Deep link: #/popularity?track=ID opens that track's explanation.
  const linked = new URLSearchParams(location.hash.split("?")[1] || "").get("track");
  if (linked) {
    idInput.value = linked;
    explain(linked);
  }

  async function explain(id) {
    if (!id) return;
    explainBox.replaceChildren(el("p", { class: "muted" }, "Loading…"));
    try {
      const e = await ctx.api.get(`/api/v1/popularity/explain/${encodeURIComponent(id)}`, { top: 15 });
      const sum = e.bias + e.contributions.reduce((s, c) => s + c.contribution, 0);
      explainBox.replaceChildren(
        el("p", {}, el("strong", {}, e.track.name), " — ", artistsText(e.track), " · predicted ",
          el("strong", {}, fmt(e.prediction)), e.track.popularity >= 0 ? ` · actual ${e.track.popularity}` : "",
          el("span", { class: "muted small" }, ` (bias + contributions = ${fmt(sum, 2)})`)),
        waterfall(e));
    } catch (err) {
      explainBox.replaceChildren(el("p", { class: "card error" }, err.message));
    }
  }
}
