// API: the HTTP routes, read from /api/v1/openapi.json (so the list always matches the server).
import { el } from "../ui.js";

export async function mount(root, ctx) {
  const doc = await ctx.api.get("/api/v1/openapi.json");
  const rows = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      rows.push({ path, method: method.toUpperCase(), op });
    }
  }
  rows.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  root.append(
    el("section", { class: "hero" },
      el("h1", {}, "Muse API"),
      el("p", { class: "muted" }, "JSON over HTTP. Errors look like ",
        el("code", {}, '{"error":{"code":"…","message":"…"}}'), ". The full OpenAPI 3 document: ",
        el("a", { href: "/api/v1/openapi.json" }, "/api/v1/openapi.json"), ".")),
    el("section", { class: "card" },
      el("table", { class: "routes" },
        el("thead", {}, el("tr", {}, el("th", {}, "Method"), el("th", {}, "Path"), el("th", {}, "What it does"))),
        el("tbody", {}, ...rows.map((r) => el("tr", {},
          el("td", {}, el("span", { class: `method m-${r.method.toLowerCase()}` }, r.method)),
          el("td", {}, el("code", {}, r.path)),
          el("td", {}, r.op.summary || "")))))));
}
