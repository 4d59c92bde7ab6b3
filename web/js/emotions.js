// Emotion colours and the emotion pie chart (SVG, no library), shared by the diary, the chat
// and the history pages.
import { el } from "./ui.js";

export const EMOTION_COLORS = {
  anger: "#d9534f", disgust: "#8e6c3a", fear: "#7b4fa0", joy: "#f0ad4e",
  neutral: "#9aa0a6", sadness: "#3f7fbf", surprise: "#2bb3a3",
};
const SVG = "http://www.w3.org/2000/svg";

/// The label with the largest share of {label: p}.
export function dominant(dist) {
  const e = Object.entries(dist || {}).sort((x, y) => y[1] - x[1]);
  return e.length ? e[0][0] : "neutral";
}

/// A pie of {label: p} with a legend; `id` names the figure for tests and labels.
export function emotionPie(dist, { id = "", size = 220 } = {}) {
  const entries = Object.entries(dist || {}).filter(([, v]) => v > 0.001).sort((x, y) => y[1] - x[1]);
  const summary = entries.map(([l, v]) => `${l} ${(100 * v).toFixed(0)}%`).join(", ");
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "-1.1 -1.1 2.2 2.2");
  svg.setAttribute("width", size);
  svg.setAttribute("height", size);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Emotions: ${summary || "none"}`);
  svg.classList.add("emotion-pie");
  let a = -Math.PI / 2;
  for (const [label, v] of entries) {
    const b = a + v * 2 * Math.PI;
    const slice = document.createElementNS(SVG, v > 0.999 ? "circle" : "path");
    if (v > 0.999) {
      slice.setAttribute("r", "1");
    } else {
      const large = b - a > Math.PI ? 1 : 0;
      slice.setAttribute("d", `M0 0 L${Math.cos(a)} ${Math.sin(a)} A1 1 0 ${large} 1 ${Math.cos(b)} ${Math.sin(b)} Z`);
    }
    slice.setAttribute("fill", EMOTION_COLORS[label] || "#ccc");
    slice.dataset.label = label;
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${label} ${(100 * v).toFixed(0)}%`;
    slice.append(title);
    svg.append(slice);
    a = b;
  }
  const legend = el("ul", { class: "emotion-legend" }, ...entries.map(([l, v]) => el("li", {},
    el("span", { class: "swatch", style: `background:${EMOTION_COLORS[l] || "#ccc"}` }),
    `${l} ${(100 * v).toFixed(0)}%`)));
  return el("figure", { class: "emotion-figure", id: id || undefined }, svg, legend);
}

/// The sentences that drove a mood, strongest first, each bordered in its top emotion's colour.
export function sentenceList(sentences) {
  const sorted = [...(sentences || [])].sort((x, y) => (y.weight ?? 0) - (x.weight ?? 0));
  return el("div", { class: "sentences" }, ...sorted.map((s) => {
    const top = dominant(s.shares || s.probs);
    const meta = [(s.labels || []).join(", "), s.language, s.weight !== undefined ? `weight ${s.weight.toFixed(2)}` : ""]
      .filter(Boolean).join(" · ");
    return el("div", { class: "sent", style: `border-color:${EMOTION_COLORS[top] || "#ccc"}` },
      s.text, el("div", { class: "muted small" }, meta));
  }));
}
