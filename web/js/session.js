// The signed-in listener: token + listener record kept in localStorage, shared by every page.
// Pages listen for "change" (sign in, sign out) through ctx.session; the shell re-mounts the
// current page on change so no page has to handle it itself.
import { api, setToken, setUnauthorizedHandler } from "./api.js";

const KEY = "muse.session.v1";

class Session extends EventTarget {
  constructor() {
    super();
    this.token = "";
    this.listener = null;  // {id, name, created_ms}
    try {
      const s = JSON.parse(localStorage.getItem(KEY) || "null");
      if (s && typeof s.token === "string" && s.listener && Number.isInteger(s.listener.id)) {
        this.token = s.token;
        this.listener = s.listener;
      }
    } catch {
      /* unreadable: signed out */
    }
    setToken(this.token);
    setUnauthorizedHandler(() => this.signOut("Your sign-in is no longer valid; please sign in again."));
  }
  get signedIn() {
    return !!this.token && !!this.listener;
  }
  /// Path prefix of the listener's own routes, e.g. /api/v1/listeners/7.
  get base() {
    return this.listener ? `/api/v1/listeners/${this.listener.id}` : "";
  }
  /// Creates a listener; resolves to the token (the server shows it only this once).
  async create(name) {
    const r = await api.post("/api/v1/listeners", { name }, { token: "" });
    this.set(r.token, r.listener);
    return r.token;
  }
  /// Signs in with an existing token: asks the server who it belongs to.
  async useToken(token) {
    token = token.trim();
    if (!token) throw new Error("Paste a token first");
    const r = await api.get("/api/v1/listeners/me", undefined, { token });
    this.set(token, r.listener);
    return r;
  }
  /// Re-checks the stored token (on load): a deleted listener or revoked token signs out.
  async verify() {
    if (!this.signedIn) return null;
    try {
      const r = await api.get("/api/v1/listeners/me");
      this.listener = r.listener;
      this.save();
      return r;
    } catch {
      return null;  // 401 signs out through the handler; network errors keep the session
    }
  }
  set(token, listener) {
    this.token = token;
    this.listener = listener;
    setToken(token);
    this.save();
    this.dispatchEvent(new Event("change"));
  }
  signOut(reason = "") {
    if (!this.token && !this.listener) return;
    this.token = "";
    this.listener = null;
    setToken("");
    this.reason = reason;
    try {
      localStorage.removeItem(KEY);
    } catch {
      /* ignore */
    }
    this.dispatchEvent(new Event("change"));
  }
  save() {
    try {
      localStorage.setItem(KEY, JSON.stringify({ token: this.token, listener: this.listener }));
    } catch {
      /* private mode: this tab only */
    }
  }
}

export const session = new Session();
