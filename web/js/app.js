// App shell: builds the nav from pages.js, routes #/<page-id> to page modules, and hands each
// page a context (api, store, session, feedback, toast, openAccount).
import { mountAccount } from "./account.js";
import { api, ApiError } from "./api.js";
import { feedback } from "./feedback.js";
import { pages } from "./pages.js";
import { session } from "./session.js";
import { store } from "./store.js";
import { el } from "./ui.js";

const nav = document.getElementById("nav");
const main = document.getElementById("page");
const banner = document.getElementById("banner");
const toasts = document.getElementById("toasts");
let current = null;

function toast(message, kind = "error") {
  const t = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  toasts.append(t);
  while (toasts.children.length > 2) toasts.firstChild.remove();
  const ms = kind === "error" ? 5000 : 2200;
  setTimeout(() => t.classList.add("leaving"), ms);
  setTimeout(() => t.remove(), ms + 500);
}

function errorText(e) {
  if (e instanceof ApiError) return e.message + (e.requestId && e.status >= 500 ? ` (request ${e.requestId})` : "");
  return String(e && e.message ? e.message : e);
}

const ctx = { api, store, session, feedback, toast, errorText };
const account = mountAccount(document.getElementById("account"), ctx);
ctx.openAccount = account.open;

function buildNav() {
  nav.replaceChildren(
    ...pages.map((p) => el("a", { href: `#/${p.id}`, "data-page": p.id }, p.title)));
}

/// Query parameters of the hash route (#/mood?text=…).
ctx.routeParams = () => new URLSearchParams((location.hash.split("?")[1]) || "");

async function route() {
  const id = (location.hash.match(/^#\/([\w-]+)/) || [])[1] || pages[0].id;
  const page = pages.find((p) => p.id === id) || pages[0];
  for (const a of nav.querySelectorAll("a")) {
    if (a.dataset.page === page.id) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (current && current.mod.unmount) current.mod.unmount();
  main.replaceChildren(el("div", { class: "loading" }, "Loading…"));
  try {
    const mod = await import(page.module);
    main.replaceChildren();
    document.title = `${page.title} · Muse`;
    current = { page, mod };
    await mod.mount(main, ctx);
  } catch (e) {
    main.replaceChildren(el("div", { class: "card error" }, `Could not load this page: ${errorText(e)}`));
  }
}

async function checkReady() {
  try {
    const r = await api.get("/readyz");
    banner.hidden = true;
    document.getElementById("status").textContent = `${r.tracks.toLocaleString()} tracks`;
  } catch (e) {
    banner.hidden = false;
    banner.textContent = e instanceof ApiError && e.status === 503
      ? `Muse is not ready: ${e.message}`
      : `Muse server unreachable: ${errorText(e)}`;
    setTimeout(checkReady, 3000);
  }
}

buildNav();
window.addEventListener("hashchange", route);
// Signing in or out changes what every page shows: mount the current page again.
session.addEventListener("change", route);
route();
checkReady();
session.verify();
