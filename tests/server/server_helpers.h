#pragma once
// A real Server on a loopback ephemeral port over a temporary Muse home holding the fixture
// catalogue (tests/fixtures/server/tracks.csv). One per test suite.
// Eigen (via app.h) must be included before httplib.h: <resolv.h> defines a `_res` macro.
// clang-format off
#include "app/app.h"
// clang-format on

#include <httplib.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "server/server.h"

namespace muse::test {

class TestServer {
 public:
  explicit TestServer(server::ServerOptions options = {});
  /// With App options too (store_url, admin_token); home and data_dir are always a temp dir.
  TestServer(server::ServerOptions options, app::Options app_options);
  ~TestServer();
  app::App& app() { return *app_; }
  server::Server& server() { return *server_; }
  int port() const { return server_->port(); }
  httplib::Client client() const;
  /// A fixture track id (first catalogue row) and the ids of one genre.
  std::string any_track_id();
  std::vector<std::string> ids_of_genre(const std::string& genre);

 private:
  std::filesystem::path home_;
  std::unique_ptr<app::App> app_;
  std::unique_ptr<server::Server> server_;
};

/// Parses a response body as JSON; fails the test (returns null) if it is not JSON.
nlohmann::json body_json(const httplib::Result& res);

/// Sends raw bytes on a new connection and returns everything read until the server closes
/// or `timeout_ms` passes.
std::string raw_http(int port, const std::string& bytes, int timeout_ms = 3000);

/// A connected TCP socket to 127.0.0.1:port (-1 on failure), and helpers to use it raw.
int connect_loopback(int port);
void send_all(int fd, const std::string& bytes);
std::string read_until_close(int fd, int timeout_ms);

/// A PostgreSQL URL with a fresh empty schema in the server named by $MUSE_TEST_PG_URL (the
/// CTest `muse_pg` fixture sets it), or "" with `why` when the variable is not set.
std::string fresh_pg_url(std::string* why);

/// Trains a small English emotion model from tests/fixtures/mood into HOME/emotion.model, so
/// the mood routes have a model (seconds, no real data).
void train_fixture_emotion_model(app::App& app);

/// A fresh empty directory under the system temp dir.
std::filesystem::path temp_dir(const std::string& prefix);

}  // namespace muse::test
