// JSON API client: one place that turns HTTP errors into ApiError with the server's message.
export class ApiError extends Error {
  constructor(status, code, message, requestId) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

// The signed-in listener's token (session.js sets it); sent as a bearer token on every call.
let bearer = "";
let onUnauthorized = null;
/// Called when the server rejects the stored token (revoked, deleted listener).
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}
export function setToken(token) {
  bearer = token || "";
}

async function request(method, path, { query, body, signal, token } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== "") params.set(k, v);
    }
    const qs = params.toString();
    if (qs) url += "?" + qs;
  }
  const init = { method, signal, headers: { Accept: "application/json" } };
  const t = token !== undefined ? token : bearer;
  if (t) init.headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, "network", "Cannot reach the Muse server", "");
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    const e = new ApiError(res.status, err.code || "http_" + res.status, err.message || res.statusText,
                           res.headers.get("X-Request-Id") || "");
    if (res.status === 429) e.retryAfter = Number(res.headers.get("Retry-After")) || 0;
    if (res.status === 401 && t && onUnauthorized) onUnauthorized(e);
    throw e;
  }
  return data;
}

export const api = {
  get: (path, query, opts = {}) => request("GET", path, { ...opts, query }),
  post: (path, body, opts = {}) => request("POST", path, { ...opts, body }),
  put: (path, body, opts = {}) => request("PUT", path, { ...opts, body }),
  del: (path, opts = {}) => request("DELETE", path, opts),
};
