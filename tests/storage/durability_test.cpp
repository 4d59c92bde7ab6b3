// Crash and concurrency behaviour of both backends:
//  - a child process writes feedback and reports each acknowledged id through a pipe; it is
//    SIGKILLed mid-stream, repeatedly; every acknowledged id must be in the store afterwards;
//  - many threads write feedback at once: zero errors, exact counts.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <set>
#include <pqxx/pqxx>
#include <thread>

#include "storage/store_helpers.h"
#include "util/error.h"

namespace muse {
namespace {

using listeners::Feedback;
using listeners::FeedbackKind;

template <class B>
class DurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!backend_.setup(&why)) GTEST_SKIP() << why;
    backend_.open();  // create + migrate once, so children only open
  }
  B backend_;
};

using Backends = ::testing::Types<test::SqliteBackend, test::PgBackend>;
class BackendNames {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, test::SqliteBackend> ? "Sqlite" : "Postgres";
  }
};
TYPED_TEST_SUITE(DurabilityTest, Backends, BackendNames);

Feedback event(int round, int64_t seq) {
  Feedback f;
  f.kind = seq % 7 == 0 ? FeedbackKind::kRating : FeedbackKind::kLike;
  if (f.kind == FeedbackKind::kRating) f.rating = 1 + static_cast<int>(seq % 5);
  f.track_id = "r" + std::to_string(round) + "-" + std::to_string(seq);
  f.context = R"({"source":"recommendations","list_id":"crash-test"})";
  return f;
}

/// Child: opens its own store, writes until killed, reporting each acknowledged id.
[[noreturn]] void writer_child(const std::string& url, int64_t listener, int round, int fd) {
  try {
    auto store = storage::open_store(url);
    for (int64_t seq = 0;; ++seq) {
      int64_t id = store->add_feedback(listener, event(round, seq));
      int64_t msg[2] = {id, seq};
      if (::write(fd, msg, sizeof msg) != sizeof msg) ::_exit(3);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "writer child failed: %s\n", e.what());
    ::_exit(2);
  }
}

TYPED_TEST(DurabilityTest, AcknowledgedFeedbackSurvivesRepeatedSigkill) {
  int64_t listener;
  {
    auto store = this->backend_.open();
    listener = store->create_listener("crash test").listener.id;
  }  // closed before forking: children never inherit a live handle in use
  std::mt19937 rng(1234);
  std::map<int64_t, std::string> acked;  // id -> track id
  int rounds = 8, killed_mid_stream = 0;
  for (int round = 0; round < rounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      writer_child(this->backend_.url(), listener, round, fds[1]);
    }
    ::close(fds[1]);
    // Let it write a random number of events, then kill it without warning.
    int kill_after = 20 + static_cast<int>(rng() % 200);
    int seen = 0;
    int64_t msg[2];
    while (seen < kill_after && ::read(fds[0], msg, sizeof msg) == sizeof msg) {
      acked[msg[0]] = event(round, msg[1]).track_id;
      ++seen;
    }
    ASSERT_EQ(seen, kill_after) << "writer died early in round " << round;
    ::kill(pid, SIGKILL);
    // Acks already in the pipe were acknowledged before the kill: they count too.
    while (::read(fds[0], msg, sizeof msg) == sizeof msg)
      acked[msg[0]] = event(round, msg[1]).track_id;
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "round " << round << " exit status " << status;
    killed_mid_stream += WTERMSIG(status) == SIGKILL;
  }
  EXPECT_EQ(killed_mid_stream, rounds);
  auto store = this->backend_.open();
  auto all = store->all_feedback(listener);
  std::map<int64_t, std::string> stored;
  for (const auto& f : all) stored[f.id] = f.track_id;
  size_t missing = 0;
  for (const auto& [id, track] : acked) {
    auto it = stored.find(id);
    if (it == stored.end() || it->second != track) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged writes";
  // At most one unacknowledged write per round may have committed just before the kill.
  EXPECT_GE(stored.size(), acked.size());
  EXPECT_LE(stored.size(), acked.size() + rounds);
  std::printf("[ durability ] %s: %d SIGKILLs, %zu acknowledged writes, %zu stored, %zu missing\n",
              this->backend_.name(), rounds, acked.size(), stored.size(), missing);
}

// One store shared by all threads (how the server uses it).
TYPED_TEST(DurabilityTest, ConcurrentWritersOnOneStoreLoseNothing) {
  auto store = this->backend_.open();
  constexpr int kThreads = 16, kEach = 60;
  int64_t shared = store->create_listener("shared").listener.id;
  std::vector<int64_t> own(kThreads);
  for (auto& id : own) id = store->create_listener("own").listener.id;
  std::atomic<int> errors{0};
  std::vector<std::vector<int64_t>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        try {
          ids[t].push_back(store->add_feedback(i % 2 ? shared : own[t], event(t, i)));
          if (i % 10 == 0) store->list_feedback(own[t], {5, 0});
        } catch (const std::exception& e) {
          ++errors;
          std::fprintf(stderr, "thread %d: %s\n", t, e.what());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  std::set<int64_t> unique;
  for (auto& v : ids) unique.insert(v.begin(), v.end());
  EXPECT_EQ(unique.size(), size_t{kThreads * kEach});
  EXPECT_EQ(store->feedback_count(shared), kThreads * kEach / 2);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(store->feedback_count(own[t]), kEach / 2);
}

// Writes committed together (SQLite group commit) keep their own outcomes: a write for a
// listener that does not exist fails alone, its neighbours in the batch succeed.
TYPED_TEST(DurabilityTest, ConcurrentBadWritesFailAlone) {
  auto store = this->backend_.open();
  int64_t real = store->create_listener("real").listener.id;
  constexpr int kThreads = 12, kEach = 50;
  std::atomic<int> ok{0}, not_found{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        try {
          store->add_feedback(t % 3 == 0 ? real + 1000 + t : real, event(t, i));
          ++ok;
        } catch (const MuseError& e) {
          (e.code() == ErrorCode::kNotFound ? not_found : other)++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(not_found.load(), 4 * kEach);
  EXPECT_EQ(ok.load(), 8 * kEach);
  EXPECT_EQ(store->feedback_count(real), 8 * kEach);
}

// One store per thread: separate SQLite connections / separate PostgreSQL pools, like
// several processes or replicas writing at once.
TYPED_TEST(DurabilityTest, ConcurrentWritersWithSeparateConnectionsLoseNothing) {
  constexpr int kThreads = 8, kEach = 40;
  int64_t shared;
  {
    auto store = this->backend_.open();
    shared = store->create_listener("shared").listener.id;
  }
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        auto store = storage::open_store(this->backend_.url());
        for (int i = 0; i < kEach; ++i) store->add_feedback(shared, event(100 + t, i));
      } catch (const std::exception& e) {
        ++errors;
        std::fprintf(stderr, "thread %d: %s\n", t, e.what());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(this->backend_.open()->feedback_count(shared), kThreads * kEach);
}

}  // namespace
}  // namespace muse

namespace muse {
namespace {

// The server drops every pooled connection (restart, failover, idle timeout): the next calls
// reconnect instead of failing, and nothing is lost or duplicated.
TEST(PgStoreRecovery, ReconnectsAfterTheServerDropsPooledConnections) {
  test::PgBackend backend;
  std::string why;
  if (!backend.setup(&why)) GTEST_SKIP() << why;
  std::string app = "muse_recovery_" + std::to_string(::getpid());
  auto store = storage::open_store(backend.url() + "&application_name=" + app + "&pool_size=4");
  int64_t me = store->create_listener("r").listener.id;
  // Fill the pool with several live connections.
  std::vector<std::thread> warm;
  for (int t = 0; t < 4; ++t) warm.emplace_back([&] { store->feedback_count(me); });
  for (auto& th : warm) th.join();

  pqxx::connection admin(std::getenv("MUSE_TEST_PG_URL"));
  pqxx::work w(admin);
  auto killed = w.exec_params(
      "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE application_name = $1) k",
      app)[0][0].as<int>();
  w.commit();
  EXPECT_GE(killed, 1);

  for (int i = 0; i < 10; ++i) {
    listeners::Feedback f;
    f.kind = listeners::FeedbackKind::kLike;
    f.track_id = "after-restart-" + std::to_string(i);
    EXPECT_NO_THROW(store->add_feedback(me, f)) << i;
  }
  EXPECT_EQ(store->feedback_count(me), 10);
}

}  // namespace
}  // namespace muse
