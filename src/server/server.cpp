#include "server/server.h"

// Eigen (via app.h) must come before httplib.h: <resolv.h> defines a `_res` macro.
#include "app/app.h"

#include <httplib.h>
#include <omp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "server/auth.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"
#include "util/text.h"

namespace muse::server {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kDataLoss: return 500;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

namespace {

/// Per-request state. httplib serves one request at a time per worker thread, from routing
/// to the logger callback, so a thread_local carries it without locks.
struct RequestState {
  bool active = false;
  std::string id;
  Clock::time_point t0;
  size_t slot = SIZE_MAX;
  bool observed = false;  ///< metrics recorded (post-routing hook)
  double secs = 0;
};
thread_local RequestState tl_state;

std::string new_request_id() {
  static const uint32_t prefix = std::random_device{}();
  static std::atomic<uint64_t> counter{0};
  return fmt::format("{:08x}-{:08x}", prefix, counter.fetch_add(1, std::memory_order_relaxed) + 1);
}

/// A client-supplied X-Request-Id is kept if it is short and plain.
bool acceptable_request_id(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  }
  return true;
}

std::string error_body(std::string_view code, std::string_view message, const std::string& id) {
  nlohmann::json j = {{"error", {{"code", code}, {"message", message}, {"request_id", id}}}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const char* code_for_status(int status) {
  switch (status) {
    case 400: return "invalid_argument";
    case 401: return "unauthenticated";
    case 403: return "permission_denied";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 414: return "uri_too_long";
    case 416: return "range_not_satisfiable";
    case 429: return "resource_exhausted";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "invalid_argument";
  }
}

const char* message_for_status(int status) {
  switch (status) {
    case 400: return "malformed HTTP request";
    case 404: return "no such route or file";
    case 413: return "request body too large";
    case 414: return "request URI too long";
    case 416: return "requested range not satisfiable";
    default: return status >= 500 ? "internal error" : "request failed";
  }
}

std::string mime_for(const fs::path& p) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},           {".map", "application/json"},
      {".svg", "image/svg+xml"},               {".png", "image/png"},
      {".ico", "image/x-icon"},                {".webp", "image/webp"},
      {".woff2", "font/woff2"},                {".txt", "text/plain; charset=utf-8"}};
  auto it = kTypes.find(p.extension().string());
  return it == kTypes.end() ? "" : it->second;
}

fs::path exe_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : p.parent_path();
}

fs::path resolve_web_root(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("MUSE_WEB_ROOT"); env && *env) return env;
  std::vector<fs::path> candidates = {exe_dir() / "web", exe_dir() / ".." / "share" / "muse" / "web"};
#ifdef MUSE_SOURCE_DIR
  candidates.insert(candidates.begin(), fs::path(MUSE_SOURCE_DIR) / "web");
#endif
  for (const auto& c : candidates) {
    if (fs::exists(c / "index.html")) return c;
  }
  return candidates.front();
}

fs::path resolve_vendor_root(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("MUSE_VENDOR_ROOT"); env && *env) return env;
  std::vector<fs::path> candidates = {exe_dir() / "web-deps" / "node_modules"};
#ifdef MUSE_BUILD_DIR
  candidates.push_back(fs::path(MUSE_BUILD_DIR) / "web-deps" / "node_modules");
#endif
  for (const auto& c : candidates) {
    if (fs::exists(c)) return c;
  }
  return candidates.front();
}

/// Runtime npm packages (package.json "dependencies" next to node_modules): only these
/// are served under /vendor/, never test tools.
std::set<std::string> vendor_packages(const fs::path& node_modules) {
  std::set<std::string> out;
  std::ifstream in(node_modules.parent_path() / "package.json");
  if (!in) return out;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_object() && j.contains("dependencies") && j["dependencies"].is_object()) {
    for (auto& [k, v] : j["dependencies"].items()) out.insert(k);
  }
  return out;
}

bool read_file(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

/// Is `p` (canonical) inside `root` (canonical)?
bool inside(const fs::path& root, const fs::path& p) {
  auto r = root.begin(), q = p.begin();
  for (; r != root.end(); ++r, ++q) {
    if (q == p.end() || *r != *q) return false;
  }
  return true;
}

}  // namespace

struct Server::Impl {
  app::App& app;
  ServerOptions opt;
  Router router;
  std::unique_ptr<Metrics> metrics;
  size_t static_slot = 0, other_slot = 0;
  fs::path web_root, vendor_root;
  std::set<std::string> vendor_allowed;
  httplib::Server http;
  std::thread thread;
  std::atomic<bool> running{false};
  int port = 0;
  std::mutex reason_mu;
  std::string not_ready_reason = "loading the catalogue";
  Clock::time_point started = Clock::now();
  RateLimiter token_limiter, create_limiter;

  Impl(app::App& a, ServerOptions o)
      : app(a),
        opt(std::move(o)),
        token_limiter(opt.rate_limit_per_minute),
        create_limiter(opt.create_limit_per_minute) {}

  /// False (and a 429 with Retry-After written) when the caller is over a budget.
  bool within_limits(const Request& r, const Route& route, httplib::Response& res);

  void add_builtin_routes();
  void configure_http();
  void handle(const httplib::Request& req, httplib::Response& res);
  void serve_static(const httplib::Request& req, httplib::Response& res);
  void send_error(httplib::Response& res, int status, std::string_view code, std::string_view message);
  void record_metrics(const httplib::Response& res);
  void log_request(const httplib::Request& req, const httplib::Response& res);
  std::string gauges();
};

void Server::Impl::send_error(httplib::Response& res, int status, std::string_view code,
                              std::string_view message) {
  res.status = status;
  res.set_content(error_body(code, message, tl_state.id), "application/json; charset=utf-8");
}

namespace {
/// The rate-limit key of a bearer token: its public id part ("mt_<16 hex>"), so the secret
/// is not kept in the limiter; anything not shaped like a token is keyed by the peer's IP.
std::string limit_key(const std::string& token, const std::string& ip) {
  if (token.size() > 20 && token.rfind("mt_", 0) == 0 && token[19] == '_') return token.substr(0, 19);
  return "ip:" + ip;
}
}  // namespace

bool Server::Impl::within_limits(const Request& r, const Route& route, httplib::Response& res) {
  if (opt.rate_limit_per_minute == 0 && opt.create_limit_per_minute == 0) return true;
  if (route.path.rfind("/api/", 0) != 0) return true;
  std::string token = bearer_token(r);
  if (token.empty() && !route.spec.per_ip_limit) return true;
  if (is_admin(r, app)) return true;
  RateLimiter::Decision d;
  std::string what;
  if (!token.empty()) {
    d = token_limiter.take(limit_key(token, r.remote_addr()));
    what = fmt::format("this token's limit of {} requests per minute", opt.rate_limit_per_minute);
  }
  if (d.allowed && route.spec.per_ip_limit) {
    d = create_limiter.take(r.remote_addr());
    what = fmt::format("this address's limit of {} per minute on {} {}", opt.create_limit_per_minute,
                       route.method, route.path);
  }
  if (d.allowed) return true;
  metrics->error(ErrorCode::kResourceExhausted);
  res.set_header("Retry-After", std::to_string(d.retry_after_s));
  send_error(res, 429, "resource_exhausted",
             fmt::format("too many requests: over {}; retry in {} s", what, d.retry_after_s));
  return false;
}

void Server::Impl::handle(const httplib::Request& req, httplib::Response& res) {
  RequestState& st = tl_state;
  try {
    // Path and query come percent-decoded; reject bytes no handler should see.
    MUSE_CHECK_ARG(is_valid_utf8(req.path), "request path is not valid UTF-8");
    for (const auto& [k, v] : req.params) {
      MUSE_CHECK_ARG(is_valid_utf8(k) && is_valid_utf8(v), "parameter '{}' is not valid UTF-8",
                     is_valid_utf8(k) ? k : std::string("?"));
    }
    Match m = router.match(req.method, req.path);
    if (!m.route) {
      if (!m.allowed.empty()) {
        std::string allow = join(m.allowed, ", ");
        res.set_header("Allow", req.method == "OPTIONS" ? allow + ", OPTIONS" : allow);
        if (req.method == "OPTIONS") {
          res.status = 204;
          return;
        }
        st.slot = other_slot;
        send_error(res, 405, "method_not_allowed",
                   fmt::format("{} is not allowed on {} (allowed: {})", req.method,
                               req.path.substr(0, 200), allow));
        return;
      }
      const bool api = req.path.rfind("/api/", 0) == 0;
      if (!api && (req.method == "GET" || req.method == "HEAD")) {
        st.slot = static_slot;
        serve_static(req, res);
        return;
      }
      st.slot = other_slot;
      if (api || req.method == "GET" || req.method == "HEAD") {
        send_error(res, 404, "not_found", fmt::format("no route {} {}", req.method, req.path.substr(0, 200)));
      } else {
        res.set_header("Allow", "GET, HEAD");
        send_error(res, 405, "method_not_allowed",
                   fmt::format("{} is not allowed on {}", req.method, req.path.substr(0, 200)));
      }
      return;
    }
    st.slot = m.route->index;
    res.set_header("X-Muse-Route", m.route->path);
    Request r(req, st.id);
    r.params_ = std::move(m.params);
    if (!within_limits(r, *m.route, res)) return;
    if (m.route->raw) {
      RawReply reply;
      m.route->raw(r, reply);
      for (auto& [k, v] : reply.headers) res.set_header(k, v);
      res.status = reply.status;
      res.body = std::move(reply.body);
      res.set_header("Content-Type", reply.content_type);
    } else {
      nlohmann::json j = m.route->json(r);
      res.status = r.status();
      res.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      res.set_header("Content-Type", "application/json; charset=utf-8");
    }
  } catch (const MuseError& e) {
    int status = http_status(e.code());
    metrics->error(e.code());
    if (status >= 500) {
      spdlog::error("request {} {} {} failed at {}: {}", st.id, req.method, req.path, e.where(), e.what());
    }
    send_error(res, status, error_code_name(e.code()),
               status >= 500 && e.code() == ErrorCode::kInternal
                   ? fmt::format("internal error (request id {})", st.id)
                   : std::string(e.what()));
  } catch (const nlohmann::json::exception& e) {
    // Malformed or wrongly-typed JSON read by a handler: the caller's input.
    metrics->error(ErrorCode::kInvalidArgument);
    send_error(res, 400, "invalid_argument", fmt::format("invalid JSON input: {}", e.what()));
  } catch (const std::exception& e) {
    metrics->error(ErrorCode::kInternal);
    spdlog::error("request {} {} {} failed: {}", st.id, req.method, req.path, e.what());
    send_error(res, 500, "internal", fmt::format("internal error (request id {})", st.id));
  } catch (...) {
    metrics->error(ErrorCode::kInternal);
    spdlog::error("request {} {} {} failed with a non-standard exception", st.id, req.method, req.path);
    send_error(res, 500, "internal", fmt::format("internal error (request id {})", st.id));
  }
}

void Server::Impl::serve_static(const httplib::Request& req, httplib::Response& res) {
  std::string path = req.path;
  fs::path root = web_root;
  std::string rel;
  if (path.rfind("/vendor/", 0) == 0) {
    root = vendor_root;
    rel = path.substr(8);
    std::string pkg = rel.substr(0, rel.find('/'));
    if (!pkg.empty() && pkg[0] == '@') {  // scoped package: @scope/name
      size_t s = rel.find('/', pkg.size() + 1);
      pkg = rel.substr(0, s);
    }
    if (!vendor_allowed.count(pkg)) {
      send_error(res, 404, "not_found", fmt::format("no vendor package '{}'", pkg.substr(0, 100)));
      return;
    }
  } else {
    rel = path.substr(1);
  }
  // No "..", no backslashes, no NUL: anything trying to leave the root is refused outright.
  if (rel.find('\0') != std::string::npos || rel.find('\\') != std::string::npos) {
    MUSE_THROW(ErrorCode::kInvalidArgument, "invalid characters in path");
  }
  for (const auto& seg : split(rel, '/')) {
    if (seg == "..") MUSE_THROW(ErrorCode::kInvalidArgument, "'..' is not allowed in paths");
    if (seg[0] == '.') {
      send_error(res, 404, "not_found", "no such file");
      return;
    }
  }
  std::error_code ec;
  fs::path file = root / rel;
  if (rel.empty() || fs::is_directory(file, ec)) file /= "index.html";
  fs::path canon_root = fs::weakly_canonical(root, ec);
  fs::path canon = fs::weakly_canonical(file, ec);
  std::string mime = mime_for(canon);
  std::string body;
  if (ec || !inside(canon_root, canon) || mime.empty() || !fs::is_regular_file(canon, ec) ||
      !read_file(canon, body)) {
    send_error(res, 404, "not_found", fmt::format("no such file: {}", path.substr(0, 200)));
    return;
  }
  res.status = 200;
  res.set_header("Cache-Control", root == vendor_root ? "public, max-age=3600" : "no-cache");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(std::move(body), mime);
}

std::string Server::Impl::gauges() {
  std::string out;
  size_t tracks = 0;
  bool ready = app.content_ready();
  if (ready) tracks = app.content()->catalog->size();
  out += "# HELP muse_catalog_tracks Tracks in the loaded catalogue snapshot.\n";
  out += "# TYPE muse_catalog_tracks gauge\n";
  out += fmt::format("muse_catalog_tracks {}\n", tracks);
  out += "# HELP muse_ready 1 once the catalogue and indexes are loaded.\n# TYPE muse_ready gauge\n";
  out += fmt::format("muse_ready {}\n", ready ? 1 : 0);
  out += "# HELP muse_uptime_seconds Seconds since the server was created.\n# TYPE muse_uptime_seconds gauge\n";
  out += fmt::format("muse_uptime_seconds {:.3f}\n",
                     std::chrono::duration<double>(Clock::now() - started).count());
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_rss = 0;
  if (statm >> pages_total >> pages_rss) {
    out += "# HELP process_resident_memory_bytes Resident set size.\n# TYPE process_resident_memory_bytes gauge\n";
    out += fmt::format("process_resident_memory_bytes {}\n", pages_rss * ::sysconf(_SC_PAGESIZE));
  }
  return out;
}

void Server::Impl::add_builtin_routes() {
  router.get("/healthz", {.summary = "Liveness: the process answers", .tag = "ops"},
             [](Request&) { return nlohmann::json{{"status", "ok"}}; });
  router.get("/readyz", {.summary = "Readiness: 200 once store and indexes are loaded, else 503", .tag = "ops"},
             [this](Request&) {
               if (!app.content_ready()) {
                 std::lock_guard lock(reason_mu);
                 MUSE_THROW(ErrorCode::kUnavailable, "not ready: {}", not_ready_reason);
               }
               auto snap = app.content();
               return nlohmann::json{{"status", "ready"},
                                     {"tracks", snap->catalog->size()},
                                     {"index", snap->hnsw ? "hnsw" : "exact"}};
             });
  router.add_raw("GET", "/metrics",
                 {.summary = "Prometheus metrics: requests, latency histograms, errors, catalogue size",
                  .tag = "ops",
                  .produces = "text/plain"},
                 [this](Request&, RawReply& reply) {
                   reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
                   reply.body = metrics->render(gauges());
                 });
  router.get("/api/v1/openapi.json", {.summary = "This API as an OpenAPI 3 document", .tag = "meta"},
             [this](Request&) { return router.openapi("Muse API", "1"); });
}

void Server::Impl::record_metrics(const httplib::Response& res) {
  // Runs in httplib's post-routing hook, before the response is written, so a client that
  // reads /metrics right after a reply always sees that reply counted.
  RequestState& st = tl_state;
  st.secs = st.active ? std::chrono::duration<double>(Clock::now() - st.t0).count() : 0.0;
  size_t slot = st.slot == SIZE_MAX ? other_slot : st.slot;
  metrics->observe(slot, res.status, st.secs);
  st.observed = true;
}

void Server::Impl::log_request(const httplib::Request& req, const httplib::Response& res) {
  RequestState& st = tl_state;
  if (!st.observed) record_metrics(res);
  double secs = st.secs;
  if (opt.access_log) {
    // The path is client input (percent-decoded): no control characters into the log.
    std::string path = req.path.substr(0, 200);
    for (char& c : path) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '"') c = '?';
    }
    spdlog::info("{} {} \"{} {}\" {} {}B {:.2f}ms", st.id.empty() ? "-" : st.id, req.remote_addr,
                 req.method.substr(0, 16), path, res.status, res.body.size(), secs * 1e3);
  }
  if (st.active) metrics->in_flight(-1);
  st = RequestState{};
}

void Server::Impl::configure_http() {
  const int threads = opt.threads > 0 ? opt.threads : 64;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http.set_payload_max_length(opt.max_body_bytes);
  http.set_read_timeout(opt.read_timeout_s, 0);
  http.set_write_timeout(opt.write_timeout_s, 0);
  http.set_keep_alive_timeout(opt.keep_alive_timeout_s);
  http.set_keep_alive_max_count(10000);
  http.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which lets a second server bind the same port
  // silently; SO_REUSEADDR alone keeps fast restarts without that.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });

  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    // Request handlers run on this thread: keep OpenMP/Eigen from fanning out inside them.
    thread_local bool single = (omp_set_num_threads(1), true);
    (void)single;
    RequestState& st = tl_state;
    st.active = true;
    st.t0 = Clock::now();
    st.slot = SIZE_MAX;
    std::string given = req.get_header_value("X-Request-Id");
    st.id = acceptable_request_id(given) ? given : new_request_id();
    metrics->in_flight(1);
    res.set_header("X-Request-Id", st.id);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto h = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  http.Get(".*", h);
  http.Post(".*", h);
  http.Put(".*", h);
  http.Patch(".*", h);
  http.Delete(".*", h);
  http.Options(".*", h);
  // Errors httplib produces itself (413, 400 on bad request lines, ...) get the JSON shape too.
  http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request&,
                                                                      httplib::Response& res) {
    RequestState& st = tl_state;
    if (st.id.empty()) st.id = new_request_id();
    if (!res.has_header("X-Request-Id")) res.set_header("X-Request-Id", st.id);
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (res.status == 413) metrics->error(ErrorCode::kPayloadTooLarge);
    else if (res.status >= 500) metrics->error(ErrorCode::kInternal);
    else metrics->error(ErrorCode::kInvalidArgument);
    send_error(res, res.status, code_for_status(res.status),
               res.status == 413 ? fmt::format("request body too large (limit {} bytes)", opt.max_body_bytes)
                                 : std::string(message_for_status(res.status)));
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
    metrics->error(ErrorCode::kInternal);
    send_error(res, 500, "internal", fmt::format("internal error (request id {})", tl_state.id));
  });
  http.set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) { record_metrics(res); });
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) { log_request(req, res); });
}

Server::Server(app::App& app, ServerOptions options) : impl_(std::make_unique<Impl>(app, std::move(options))) {
  Impl& m = *impl_;
  m.add_builtin_routes();
  for (const auto& setup : route_setups()) setup(m.router, app);
  std::vector<std::pair<std::string, std::string>> labels;
  for (const auto& r : m.router.routes()) labels.emplace_back(r->method, r->path);
  m.static_slot = labels.size();
  labels.emplace_back("GET", "static");
  m.other_slot = labels.size();
  labels.emplace_back("*", "unmatched");
  m.metrics = std::make_unique<Metrics>(std::move(labels));
  m.web_root = resolve_web_root(m.opt.web_root);
  m.vendor_root = resolve_vendor_root(m.opt.vendor_root);
  m.vendor_allowed = vendor_packages(m.vendor_root);
  m.configure_http();
}

Server::~Server() { stop(); }

int Server::start() {
  Impl& m = *impl_;
  MUSE_CHECK(!m.running, "server already started");
  MUSE_CHECK_ARG(m.opt.port >= 0 && m.opt.port <= 65535, "port must be 0..65535, got {}", m.opt.port);
  if (m.opt.port == 0) {
    m.port = m.http.bind_to_any_port(m.opt.host);
    if (m.port <= 0) MUSE_THROW(ErrorCode::kUnavailable, "cannot bind to {} on any port", m.opt.host);
  } else {
    if (!m.http.bind_to_port(m.opt.host, m.opt.port)) {
      MUSE_THROW(ErrorCode::kUnavailable, "cannot listen on {}:{} (in use or not permitted)", m.opt.host,
                 m.opt.port);
    }
    m.port = m.opt.port;
  }
  if (!fs::exists(m.web_root / "index.html")) {
    spdlog::warn("web app not found at {} (use --web-root); the API works without it", m.web_root.string());
  }
  m.running = true;
  m.thread = std::thread([&m] { m.http.listen_after_bind(); });
  // httplib's stop() is a no-op until the accept loop has marked itself running: wait for
  // that, or a stop() right after start() would leave the loop blocked in accept() forever.
  while (!m.http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return m.port;
}

void Server::stop() {
  Impl& m = *impl_;
  if (!m.running.exchange(false)) return;
  m.http.stop();  // closes the listening socket; workers finish their current request
  if (m.thread.joinable()) m.thread.join();
}

int Server::port() const { return impl_->port; }
std::string Server::url() const {
  std::string host = impl_->opt.host == "0.0.0.0" ? "127.0.0.1" : impl_->opt.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return fmt::format("http://{}:{}/", host, impl_->port);
}
const Router& Server::router() const { return impl_->router; }
const fs::path& Server::web_root() const { return impl_->web_root; }
void Server::set_not_ready_reason(const std::string& reason) {
  std::lock_guard lock(impl_->reason_mu);
  impl_->not_ready_reason = reason;
}

}  // namespace muse::server
