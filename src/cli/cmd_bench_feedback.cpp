// muse bench feedback [--store URL | --url http://host:port] [--clients 50] [--seconds 60] [--json]
// Load test of the feedback write path: N concurrent clients (one listener each) write
// feedback through one shared Store, as the server does, for a fixed time. Reports
// throughput and latency percentiles, then compares every client's acknowledged writes with
// what the store holds: errors and lost writes must both be zero. With --url the clients
// are HTTP clients of a running `muse serve` (one listener and keep-alive connection each).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "cli/command.h"
#include "cli/subcommand.h"
#include "server/feedback_load.h"
#include "storage/store.h"
#include "util/timer.h"

namespace muse::cli {
namespace {

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

struct BenchOpts {
  std::string store, url, admin_token;
  int clients = 50;
  double seconds = 60;
  bool json = false;
};

void run_http(const BenchOpts& o) {
  server::FeedbackLoadOptions lo;
  lo.url = o.url;
  lo.clients = o.clients;
  lo.seconds = o.seconds;
  lo.admin_token = o.admin_token;
  if (lo.admin_token.empty()) {
    const char* env = std::getenv("MUSE_ADMIN_TOKEN");
    if (env) lo.admin_token = env;
  }
  auto rep = server::run_feedback_load(lo);
  auto& all = rep.latency_ms;
  double p50 = percentile(all, 0.50), p95 = percentile(all, 0.95), p99 = percentile(all, 0.99);
  double mx = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  nlohmann::json j = {{"backend", "http"},
                      {"url", o.url},
                      {"clients", rep.clients},
                      {"seconds", rep.seconds},
                      {"requests", rep.requests},
                      {"acknowledged", rep.acknowledged},
                      {"stored", rep.stored},
                      {"errors", rep.errors},
                      {"retries", rep.retries},
                      {"lost", rep.lost},
                      {"unacknowledged_stored", rep.unacknowledged_stored},
                      {"writes_per_second", rep.acknowledged / rep.seconds},
                      {"latency_ms", {{"p50", p50}, {"p95", p95}, {"p99", p99}, {"max", mx}}}};
  if (!rep.first_errors.empty()) j["first_errors"] = rep.first_errors;
  if (o.json) {
    print_json(j);
  } else {
    std::printf("feedback load over HTTP: %s, %d clients, %.1f s\n", o.url.c_str(), rep.clients,
                rep.seconds);
    std::printf(
        "  requests %lld, acknowledged %lld, stored %lld, lost %lld, errors %lld (%.0f writes/s)\n",
        static_cast<long long>(rep.requests), static_cast<long long>(rep.acknowledged),
        static_cast<long long>(rep.stored), static_cast<long long>(rep.lost),
        static_cast<long long>(rep.errors), rep.acknowledged / rep.seconds);
    std::printf("  transport retries %lld (same request_id)\n",
                static_cast<long long>(rep.retries));
    std::printf("  latency ms: p50 %.2f  p95 %.2f  p99 %.2f  max %.2f\n", p50, p95, p99, mx);
    for (const auto& e : rep.first_errors) std::printf("  error: %s\n", e.c_str());
  }
  if (rep.errors > 0 || rep.lost > 0)
    MUSE_THROW(ErrorCode::kInternal, "feedback load test failed: {} errors, {} lost writes",
               rep.errors, rep.lost);
}

Command cmd([](CLI::App& root, Context& ctx) {
  auto o = std::make_shared<BenchOpts>();
  auto* bench = subcommand_group(root, "bench", "end-to-end measurements");
  auto* s = bench->add_subcommand(
      "feedback", "concurrent feedback writers against a store: errors, lost writes, latency");
  s->add_option(
      "--store", o->store,
      "store URL (SQLite path or postgresql://...); default: a fresh temporary SQLite file");
  s->add_option("--url", o->url,
                "write over HTTP to a running `muse serve` (http://host:port; start it with "
                "--rate-limit 0, or the per-token limit answers 429)")
      ->excludes("--store");
  s->add_option(
      "--admin-token", o->admin_token,
      "with --url: admin token for creating the bench listeners (default $MUSE_ADMIN_TOKEN)");
  s->add_option("--clients", o->clients, "concurrent writers (1..1000)")->default_val(50);
  s->add_option("--seconds", o->seconds, "how long to write")->default_val(60);
  s->add_flag("--json", o->json, "JSON output");
  s->callback([o] {
    MUSE_CHECK_ARG(o->clients >= 1 && o->clients <= 1000, "--clients must be 1..1000");
    MUSE_CHECK_ARG(o->seconds > 0 && o->seconds <= 3600, "--seconds must be in (0, 3600]");
    if (!o->url.empty()) return run_http(*o);
    std::filesystem::path tmp;
    std::string url = o->store;
    if (url.empty()) {
      tmp = std::filesystem::temp_directory_path() / fmt::format("muse-bench-{}", ::getpid());
      url = (tmp / "bench.db").string();
    }
    auto store = storage::open_store(url);
    std::vector<int64_t> listener(o->clients);
    for (auto& id : listener) id = store->create_listener("bench").listener.id;

    std::atomic<bool> stop{false};
    std::atomic<int64_t> errors{0};
    std::vector<int64_t> acked(o->clients, 0);
    std::vector<std::vector<double>> lat(o->clients);
    std::mutex err_mu;
    std::vector<std::string> first_errors;
    Timer wall;
    std::vector<std::thread> threads;
    for (int c = 0; c < o->clients; ++c) {
      threads.emplace_back([&, c] {
        std::mt19937 rng(c);
        for (int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
          listeners::Feedback f;
          int pick = static_cast<int>(rng() % 10);
          f.kind = pick < 5   ? listeners::FeedbackKind::kLike
                   : pick < 7 ? listeners::FeedbackKind::kRating
                   : pick < 9 ? listeners::FeedbackKind::kSkip
                              : listeners::FeedbackKind::kDislike;
          if (f.kind == listeners::FeedbackKind::kRating)
            f.rating = 1 + static_cast<int>(rng() % 5);
          f.track_id = fmt::format("bench-{:06d}", rng() % 100000);
          f.context =
              fmt::format(R"({{"source":"recommendations","list_id":"bench-{}-{}"}})", c, i / 10);
          Timer t;
          try {
            store->add_feedback(listener[c], f);
            lat[c].push_back(t.millis());
            ++acked[c];
          } catch (const std::exception& e) {
            ++errors;
            std::lock_guard g(err_mu);
            if (first_errors.size() < 5) first_errors.push_back(e.what());
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(o->seconds));
    stop = true;
    for (auto& t : threads) t.join();
    double elapsed = wall.seconds();

    int64_t total_acked = 0, total_stored = 0, lost = 0, extra = 0;
    for (int c = 0; c < o->clients; ++c) {
      int64_t stored = store->feedback_count(listener[c]);
      total_acked += acked[c];
      total_stored += stored;
      lost += std::max<int64_t>(0, acked[c] - stored);
      extra += std::max<int64_t>(0, stored - acked[c]);
    }
    std::vector<double> all;
    for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
    double p50 = percentile(all, 0.50), p95 = percentile(all, 0.95), p99 = percentile(all, 0.99);
    double mx = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
    nlohmann::json j = {{"backend", store->backend()},
                        {"clients", o->clients},
                        {"seconds", elapsed},
                        {"acknowledged", total_acked},
                        {"stored", total_stored},
                        {"errors", errors.load()},
                        {"lost", lost},
                        {"unacknowledged_stored", extra},
                        {"writes_per_second", total_acked / elapsed},
                        {"latency_ms", {{"p50", p50}, {"p95", p95}, {"p99", p99}, {"max", mx}}}};
    if (!first_errors.empty()) j["first_errors"] = first_errors;
    store.reset();
    if (!tmp.empty()) std::filesystem::remove_all(tmp);
    if (o->json) {
      print_json(j);
    } else {
      std::printf("feedback load: %s, %d clients, %.1f s\n",
                  j["backend"].get<std::string>().c_str(), o->clients, elapsed);
      std::printf(
          "  writes acknowledged %lld, stored %lld, lost %lld, errors %lld (%.0f writes/s)\n",
          static_cast<long long>(total_acked), static_cast<long long>(total_stored),
          static_cast<long long>(lost), static_cast<long long>(errors.load()),
          total_acked / elapsed);
      std::printf("  latency ms: p50 %.2f  p95 %.2f  p99 %.2f  max %.2f\n", p50, p95, p99, mx);
      for (const auto& e : first_errors) std::printf("  error: %s\n", e.c_str());
    }
    if (errors.load() > 0 || lost > 0) {
      MUSE_THROW(ErrorCode::kInternal, "feedback load test failed: {} errors, {} lost writes",
                 errors.load(), lost);
    }
  });
  (void)ctx;
});

}  // namespace
}  // namespace muse::cli
