#include "server/server_helpers.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <pqxx/pqxx>

#include "emotion/emotion_classifier.h"

namespace muse::test {
namespace fs = std::filesystem;

fs::path temp_dir(const std::string& prefix) {
  std::string tmpl = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  char* made = ::mkdtemp(tmpl.data());
  if (!made) throw std::runtime_error("mkdtemp failed");
  return made;
}

TestServer::TestServer(server::ServerOptions options)
    : TestServer(std::move(options), app::Options{}) {}

TestServer::TestServer(server::ServerOptions options, app::Options ao) {
  home_ = temp_dir("muse-server-test");
  ao.home = home_.string();
  ao.data_dir = home_.string();
  app_ = std::make_unique<app::App>(ao);
  app_->import_tracks({fs::path(MUSE_FIXTURES) / "server" / "tracks.csv"});
  app_->content();
  options.host = "127.0.0.1";
  options.port = 0;
  if (options.web_root.empty()) options.web_root = (fs::path(MUSE_SOURCE_DIR) / "web").string();
  server_ = std::make_unique<server::Server>(*app_, options);
  server_->start();
}

TestServer::~TestServer() {
  server_->stop();
  server_.reset();
  app_.reset();
  std::error_code ec;
  fs::remove_all(home_, ec);
}

std::string fresh_pg_url(std::string* why) {
  const char* env = std::getenv("MUSE_TEST_PG_URL");
  if (!env || !*env) {
    *why =
        "MUSE_TEST_PG_URL is not set: PostgreSQL cases skipped (ctest starts a server and sets it)";
    return "";
  }
  std::string base = env;
  static std::atomic<int> counter{0};
  std::string schema = "muse_srv_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  pqxx::connection c(base);
  pqxx::work w(c);
  w.exec("DROP SCHEMA IF EXISTS " + w.quote_name(schema) + " CASCADE");
  w.exec("CREATE SCHEMA " + w.quote_name(schema));
  w.commit();
  return base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

httplib::Client TestServer::client() const {
  httplib::Client c("127.0.0.1", port());
  c.set_connection_timeout(5);
  c.set_read_timeout(10);
  return c;
}

std::string TestServer::any_track_id() { return app_->content()->catalog->track(0).id; }

std::vector<std::string> TestServer::ids_of_genre(const std::string& genre) {
  std::vector<std::string> out;
  for (const auto& t : app_->content()->catalog->tracks()) {
    if (!t.genres.empty() && t.genres[0] == genre) out.push_back(t.id);
  }
  return out;
}

nlohmann::json body_json(const httplib::Result& res) {
  if (!res) {
    ADD_FAILURE() << "no response: " << httplib::to_string(res.error());
    return nullptr;
  }
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (j.is_discarded()) {
    ADD_FAILURE() << "body is not JSON: " << res->body.substr(0, 200);
    return nullptr;
  }
  return j;
}

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
}

std::string read_until_close(int fd, int timeout_ms) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (::poll(&p, 1, std::max(left, 1)) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string raw_http(int port, const std::string& bytes, int timeout_ms) {
  int fd = connect_loopback(port);
  if (fd < 0) return "<connect failed>";
  send_all(fd, bytes);
  std::string out = read_until_close(fd, timeout_ms);
  ::close(fd);
  return out;
}

void train_fixture_emotion_model(app::App& app) {
  auto dir = std::filesystem::path(MUSE_FIXTURES) / "mood";
  emotion::EmotionClassifier clf;
  emotion::TrainOptions o;
  o.features.hash_bits = 14;
  o.epochs = 20;
  o.learning_rate = 0.5f;
  clf.train(text::Language::kEnglish, emotion::read_labelled_tsv(dir / "emotion_train.tsv"),
            emotion::read_labelled_tsv(dir / "emotion_dev.tsv"), o);
  clf.save(app.path("emotion.model"));
}

}  // namespace muse::test
