// The account area of the shell: a button in the top bar and a dialog to create a listener
// (the token is shown once), sign in with a token, or sign out.
import { session } from "./session.js";
import { el } from "./ui.js";

export function mountAccount(container, ctx) {
  const button = el("button", { type: "button", id: "account-button", class: "btn account-btn",
    "aria-haspopup": "dialog" });
  const dialog = el("dialog", { id: "account-dialog", class: "account-dialog", "aria-labelledby": "account-title" });
  container.append(button);
  document.body.append(dialog);

  function renderButton() {
    button.textContent = session.signedIn ? session.listener.name : "Sign in";
    button.classList.toggle("signed-in", session.signedIn);
    button.setAttribute("aria-label", session.signedIn
      ? `Signed in as ${session.listener.name}: account` : "Sign in or create a listener");
  }

  function close() {
    dialog.close();
    button.focus();
  }

  function field(id, label, input) {
    return el("div", { class: "field" }, el("label", { for: id }, label), input);
  }

  function signedOutView() {
    const name = el("input", { id: "account-name", type: "text", maxlength: 100, autocomplete: "nickname",
      placeholder: "e.g. Ann", required: true });
    const token = el("input", { id: "account-token", type: "password", autocomplete: "off",
      spellcheck: "false", placeholder: "mt_…" });
    const createMsg = el("p", { class: "muted small", role: "status" });
    const tokenMsg = el("p", { class: "muted small", role: "status" });
    const create = el("form", { class: "account-form", id: "account-create" },
      el("h3", {}, "New listener"),
      field("account-name", "Your name", name),
      el("button", { class: "btn primary", type: "submit" }, "Create"), createMsg);
    const paste = el("form", { class: "account-form", id: "account-signin" },
      el("h3", {}, "I have a token"),
      field("account-token", "Token", token),
      el("button", { class: "btn", type: "submit" }, "Sign in"), tokenMsg);
    create.addEventListener("submit", async (e) => {
      e.preventDefault();
      const n = name.value.trim();
      if (!n) { createMsg.textContent = "Type a name first."; name.focus(); return; }
      createMsg.textContent = "Creating…";
      try {
        const t = await session.create(n);
        showToken(t);
      } catch (err) {
        createMsg.textContent = ctx.errorText(err);
        createMsg.className = "error small";
      }
    });
    paste.addEventListener("submit", async (e) => {
      e.preventDefault();
      tokenMsg.textContent = "Checking…";
      try {
        await session.useToken(token.value);
        ctx.toast(`Signed in as ${session.listener.name}`, "ok");
        close();
      } catch (err) {
        tokenMsg.textContent = err.status === 401 ? "This token is not valid." : ctx.errorText(err);
        tokenMsg.className = "error small";
      }
    });
    return [
      el("p", { class: "muted" }, "Sign in so Muse can learn from your likes, dislikes and ratings, keep your moods, " +
        "and chat with you. No e-mail or password: a token is your key."),
      el("div", { class: "account-forms" }, create, paste),
    ];
  }

  // The token exists only in this browser from now on: show it once, with a copy button.
  function showToken(token) {
    const out = el("input", { id: "account-new-token", type: "text", readonly: true, value: token,
      "aria-label": "Your token", spellcheck: "false" });
    const copy = el("button", { class: "btn", type: "button", onclick: async () => {
      out.select();
      try {
        await navigator.clipboard.writeText(token);
        ctx.toast("Token copied", "ok");
      } catch {
        document.execCommand && document.execCommand("copy");
      }
    } }, "Copy");
    body.replaceChildren(
      el("p", {}, `Welcome, ${session.listener.name}! You are signed in.`),
      el("p", { class: "warn" }, "This is your token. Muse shows it only now: copy it somewhere safe to sign in " +
        "from another browser. It is kept in this browser until you sign out."),
      el("div", { class: "token-row" }, out, copy),
      el("div", { class: "dialog-actions" }, el("button", { class: "btn primary", type: "button", id: "account-done",
        onclick: close }, "Done")));
    out.focus();
    out.select();
  }

  function signedInView() {
    const l = session.listener;
    const stats = el("p", { class: "muted small", id: "account-stats" }, "…");
    ctx.api.get("/api/v1/listeners/me").then((r) => {
      stats.textContent = `${r.feedback_count} feedback events · listener #${r.listener.id} · since ` +
        new Date(r.listener.created_ms).toLocaleDateString();
    }).catch((e) => { stats.textContent = ctx.errorText(e); });
    return [
      el("p", {}, "Signed in as ", el("b", {}, l.name)), stats,
      el("div", { class: "dialog-actions" },
        el("button", { class: "btn", type: "button", id: "account-signout", onclick: () => {
          session.signOut();
          ctx.toast("Signed out. Your token still works if you saved it.", "info");
          close();
        } }, "Sign out")),
    ];
  }

  const body = el("div", { class: "account-body" });
  dialog.append(
    el("div", { class: "card-head" }, el("h2", { id: "account-title" }, "Your account"),
      el("button", { class: "icon-btn", type: "button", "aria-label": "Close", onclick: close }, "×")),
    body);
  dialog.addEventListener("click", (e) => { if (e.target === dialog) close(); });  // backdrop

  function open() {
    body.replaceChildren(...(session.signedIn ? signedInView() : signedOutView()));
    if (!dialog.open) dialog.showModal();
    const first = body.querySelector("input, button");
    if (first) first.focus();
  }
  button.addEventListener("click", open);
  session.addEventListener("change", () => {
    renderButton();
    if (!session.signedIn && session.reason) {
      ctx.toast(session.reason, "info");
      session.reason = "";
    }
  });
  renderButton();
  return { open };
}

/// A card for pages that need a listener: says why and opens the account dialog.
export function signInCard(ctx, what) {
  return el("section", { class: "card sign-in-card" },
    el("h2", {}, "Sign in first"),
    el("p", { class: "muted" }, what),
    el("button", { class: "btn primary", type: "button", onclick: () => ctx.openAccount() }, "Sign in"));
}
