// `muse serve` as real processes: two replicas sharing one PostgreSQL see each other's
// listeners and feedback at once; a server SIGKILLed again and again under concurrent
// feedback loses no write it acknowledged with a 201.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "server/server_helpers.h"
#include "storage/store.h"

extern char** environ;

namespace muse::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// One `muse serve --port 0` child process; the port is read from its first stdout line.
class ServeProcess {
 public:
  ServeProcess(const fs::path& home, const std::string& store_url, const fs::path& log)
      : home_(home), store_(store_url), log_(log) {}
  ~ServeProcess() { kill(SIGKILL); }

  /// Starts the process and waits until /readyz answers 200.
  void start() {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, log_.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::vector<std::string> args = {MUSE_BINARY,
                                     "--home",
                                     home_.string(),
                                     "--store",
                                     store_,
                                     "-q",
                                     "serve",
                                     "--port",
                                     "0",
                                     "--no-access-log",
                                     "--rate-limit",
                                     "0",
                                     "--create-limit",
                                     "0",
                                     "--threads",
                                     "16"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&pid_, MUSE_BINARY, &fa, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    std::string line;
    char ch;
    while (line.find('\n') == std::string::npos && ::read(out[0], &ch, 1) == 1) line += ch;
    ::close(out[0]);  // the server writes nothing else to stdout
    auto at = line.find("http://127.0.0.1:");
    ASSERT_NE(at, std::string::npos) << "unexpected first line: " << line;
    port_ = std::stoi(line.substr(at + 17));
    for (int i = 0; i < 600; ++i) {
      httplib::Client c("127.0.0.1", port_);
      auto r = c.Get("/readyz");
      if (r && r->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "server on port " << port_ << " not ready after 30 s";
  }

  void kill(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  int port() const { return port_; }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(2);
    c.set_read_timeout(5);
    return c;
  }

 private:
  fs::path home_;
  std::string store_;
  fs::path log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

struct Who {
  int64_t id = 0;
  std::string token;
};

httplib::Headers auth(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

std::vector<std::string> fixture_track_ids() {
  std::ifstream in(fs::path(MUSE_FIXTURES) / "server" / "tracks.csv");
  std::string line;
  std::vector<std::string> ids;
  std::getline(in, line);  // header
  while (std::getline(in, line)) ids.push_back(line.substr(0, line.find(',')));
  return ids;
}

class ListenerProcess : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = temp_dir("muse-proc-test");
    if (GetParam() == "postgresql") {
      std::string why;
      url_ = fresh_pg_url(&why);
      if (url_.empty()) GTEST_SKIP() << why;
    } else {
      url_ = (dir_ / "muse.db").string();
    }
    fs::create_directories(dir_ / "home_a");
    std::string cmd = std::string("'") + MUSE_BINARY + "' -q --home '" +
                      (dir_ / "home_a").string() + "' --store '" + url_ + "' import tracks '" +
                      (fs::path(MUSE_FIXTURES) / "server" / "tracks.csv").string() + "' > '" +
                      (dir_ / "import.log").string() + "' 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  void TearDown() override {
    std::error_code ec;
    if (!HasFailure())
      fs::remove_all(dir_, ec);
    else
      std::fprintf(stderr, "server logs kept in %s\n", dir_.c_str());
  }

  Who create(httplib::Client c, const std::string& name) {
    auto r = c.Post("/api/v1/listeners", json{{"name", name}}.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 201);
    if (!r || r->status != 201) return {};
    auto j = json::parse(r->body);
    return {j["listener"]["id"].get<int64_t>(), j["token"].get<std::string>()};
  }

  fs::path dir_;
  std::string url_;
};

TEST_P(ListenerProcess, TwoReplicasSharingPostgresSeeEachOthersWritesAtOnce) {
  if (GetParam() != "postgresql") GTEST_SKIP() << "replicas share a PostgreSQL store";
  fs::create_directories(dir_ / "home_b");
  ServeProcess a(dir_ / "home_a", url_, dir_ / "a.log"), b(dir_ / "home_b", url_, dir_ / "b.log");
  a.start();
  b.start();
  ASSERT_NE(a.port(), b.port());
  auto ca = a.client(), cb = b.client();
  auto r = ca.Post("/api/v1/listeners", R"({"name":"made on A"})", "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201);
  auto made = json::parse(r->body);
  std::string token = made["token"];
  std::string base = "/api/v1/listeners/" + made["listener"]["id"].dump();

  // The token made on A authenticates on B.
  r = cb.Get("/api/v1/listeners/me", auth(token));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["listener"]["name"], "made on A");

  // Feedback written on B is visible on A at once, and learnt from there.
  auto ids = fixture_track_ids();
  std::set<int64_t> written;
  for (int i = 0; i < 5; ++i) {
    r = cb.Post(base + "/feedback", auth(token),
                json{{"track_id", ids[12 + i]}, {"kind", "like"}}.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
    written.insert(json::parse(r->body)["feedback"]["id"].get<int64_t>());
    r = ca.Get(base + "/feedback?limit=100", auth(token));
    ASSERT_TRUE(r);
    std::set<int64_t> seen;
    for (const auto& f : json::parse(r->body)["feedback"]) seen.insert(f["id"].get<int64_t>());
    EXPECT_EQ(seen, written) << "after write " << i;
  }
  r = ca.Get(base + "/recommendations?limit=3", auth(token));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["feedback_events"], 5);

  // An undo on A shows on B; a listener deleted on B is gone on A.
  r = ca.Delete(base + "/feedback/" + std::to_string(*written.begin()), auth(token));
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(cb.Get("/api/v1/listeners/me", auth(token))->body)["feedback_count"], 4);
  ASSERT_EQ(cb.Delete(base, auth(token))->status, 200);
  EXPECT_EQ(ca.Get("/api/v1/listeners/me", auth(token))->status, 401);
}

TEST_P(ListenerProcess, EveryAcknowledgedWriteSurvivesRepeatedSigkill) {
  const int kRounds = 6, kClients = 6;
  auto ids = fixture_track_ids();
  std::vector<Who> listeners;
  std::vector<std::set<int64_t>> acked(kClients);
  std::vector<Who> created_later;
  int64_t attempted_total = 0, acked_total = 0;
  std::mt19937 rng(7);
  for (int round = 0; round < kRounds; ++round) {
    ServeProcess srv(dir_ / "home_a", url_, dir_ / "serve.log");
    srv.start();
    if (HasFatalFailure()) return;
    // Listeners are created over HTTP too; their 201s must survive like feedback.
    if (round == 0) {
      for (int c = 0; c < kClients; ++c)
        listeners.push_back(create(srv.client(), "client " + std::to_string(c)));
    }
    created_later.push_back(create(srv.client(), "round " + std::to_string(round)));
    std::atomic<int64_t> attempted{0}, ok{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < kClients; ++c) {
      threads.emplace_back([&, c] {
        auto cl = srv.client();
        std::string base = "/api/v1/listeners/" + std::to_string(listeners[c].id) + "/feedback";
        for (int i = 0;; ++i) {
          json body = {
              {"track_id", ids[(c * 7 + i) % ids.size()]},
              {"kind", i % 3 == 0 ? "skip" : "like"},
              {"request_id", fmt::format("r{}-c{}-{}", round, c, i)},
              {"context",
               {{"source", "recommendations"}, {"list_id", fmt::format("crash-{}", round)}}}};
          ++attempted;
          auto r = cl.Post(base, auth(listeners[c].token), body.dump(), "application/json");
          if (!r) break;  // the server is gone
          if (r->status != 201) {
            ADD_FAILURE() << "status " << r->status << ": " << r->body;
            break;
          }
          acked[c].insert(json::parse(r->body)["feedback"]["id"].get<int64_t>());
          ++ok;
        }
      });
    }
    // Let the writers run, then kill the server mid-stream, without warning.
    int64_t want = ok.load() + 50;
    for (int w = 0; w < 400 && ok.load() < want; ++w)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 300));
    srv.kill(SIGKILL);
    for (auto& t : threads) t.join();
    EXPECT_GT(ok.load(), 0) << "round " << round << " wrote nothing before the kill";
    attempted_total += attempted.load();
    acked_total += ok.load();
  }

  // Everything acknowledged is there: compare the ids, not only the counts.
  auto store = storage::open_store(url_);
  int64_t stored_total = 0, lost = 0;
  for (int c = 0; c < kClients; ++c) {
    ASSERT_TRUE(store->authenticate(listeners[c].token)) << "listener " << c << " lost";
    std::set<int64_t> stored;
    for (const auto& f : store->all_feedback(listeners[c].id)) stored.insert(f.id);
    stored_total += static_cast<int64_t>(stored.size());
    for (int64_t id : acked[c]) {
      EXPECT_TRUE(stored.count(id)) << "acknowledged feedback " << id << " lost";
      lost += stored.count(id) ? 0 : 1;
    }
    // At most the request in flight at each kill was stored without its 201 reaching us.
    EXPECT_LE(stored.size(), acked[c].size() + kRounds);
  }
  for (const auto& w : created_later)
    EXPECT_TRUE(store->authenticate(w.token)) << "listener " << w.id << " lost";
  std::printf(
      "[crash] %s: %d SIGKILLs, %lld writes attempted, %lld acknowledged, %lld stored, %lld lost\n",
      GetParam().c_str(), kRounds, static_cast<long long>(attempted_total),
      static_cast<long long>(acked_total), static_cast<long long>(stored_total),
      static_cast<long long>(lost));
}

INSTANTIATE_TEST_SUITE_P(Backends, ListenerProcess, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace muse::test
