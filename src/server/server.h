#pragma once
/// The HTTP service over the App: JSON API routes (self-registered, see router.h), built-in
/// health/metrics/OpenAPI routes and the static web app. One place maps exceptions to JSON
/// errors; every response carries an X-Request-Id that the access log repeats.
#include <filesystem>
#include <memory>
#include <string>

#include "server/router.h"
#include "util/error.h"

namespace muse::app {
class App;
}

namespace muse::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                  ///< 0 = any free port (see Server::port())
  std::string web_root;             ///< "" = $MUSE_WEB_ROOT, source tree web/, or next to the binary
  std::string vendor_root;          ///< npm packages served under /vendor/ ("" = build dir)
  int threads = 0;                  ///< worker threads (one per open connection); 0 = default 64
  size_t max_body_bytes = 1 << 20;  ///< larger bodies get 413
  int read_timeout_s = 5;           ///< slow clients are cut off after this
  int write_timeout_s = 5;
  int keep_alive_timeout_s = 3;
  bool access_log = true;           ///< one spdlog line per request
  /// Requests per minute per listener token (token bucket, bursts up to the same number);
  /// 0 = off. Per replica: each process counts on its own.
  int rate_limit_per_minute = 600;
  /// Listener creations per minute per client IP; 0 = off. The admin token is exempt from both.
  int create_limit_per_minute = 30;
};

class Server {
 public:
  Server(app::App& app, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and starts serving on a background thread; returns the bound port.
  /// Throws kUnavailable if the address cannot be bound.
  int start();
  /// Stops accepting, lets in-flight requests finish, joins the workers. Idempotent.
  void stop();

  int port() const;
  std::string url() const;
  const Router& router() const;
  const std::filesystem::path& web_root() const;

  /// Why the catalogue is not loaded (shown by /readyz while not ready).
  void set_not_ready_reason(const std::string& reason);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// HTTP status for a Muse error code.
int http_status(ErrorCode code);

}  // namespace muse::server
