// muse bench knn: import, index build, exact vs HNSW latency/throughput and recall on the
// imported catalogue, and on a synthetic catalogue of any size for the growth curve.
#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <set>

#include "cli/command.h"
#include "cli/subcommand.h"
#include "index/exact_index.h"
#include "index/hnsw_index.h"
#include "util/stats.h"
#include "util/timer.h"

namespace muse::cli {
namespace {

struct KnnOpts {
  int queries = 1000;
  int k = 10;
  int ef = 32;
  int m = 16;
  int ef_construction = 200;
  int64_t synthetic = 0;
  std::string import_file;
  std::string check_file;
  bool json = false;
  unsigned seed = 7;
};

struct LatencyStats {
  double p50_us = 0, p99_us = 0, qps = 0;
};

/// One query at a time, as a request handler would issue them.
LatencyStats time_queries(const index::VectorIndex& idx, const std::vector<float>& q, int nq, int k,
                          std::vector<index::SearchResult>* out) {
  std::vector<double> lat;
  lat.reserve(nq);
  Timer total;
  for (int i = 0; i < nq; ++i) {
    Timer t;
    auto r = idx.search(&q[static_cast<size_t>(i) * idx.dim()], 1, k);
    lat.push_back(t.micros());
    if (out) out->push_back(std::move(r));
  }
  double secs = total.seconds();
  return {percentile(lat, 50), percentile(lat, 99), nq / secs};
}

double max_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

void run(Context& ctx, const KnnOpts& o) {
  MUSE_CHECK_ARG(o.queries >= 1 && o.queries <= 1000000, "--queries must be 1..1e6");
  MUSE_CHECK_ARG(o.k >= 1 && o.k <= 1000, "--k must be 1..1000");
  MUSE_CHECK_ARG(o.synthetic >= 0 && o.synthetic <= 100000000, "--synthetic must be 0..1e8");
  nlohmann::json out;
  auto progress = ctx.progress("bench");
  if (!o.import_file.empty()) {
    // Import into a throwaway home so the figure is a cold import, not an update.
    auto tmp = std::filesystem::temp_directory_path() / ("muse_bench_import_" + std::to_string(::getpid()));
    std::filesystem::remove_all(tmp);
    app::Options opt;
    opt.home = tmp.string();
    opt.data_dir = ctx.options.data_dir;
    {
      app::App fresh(opt);
      auto sum = fresh.import_tracks({o.import_file}, progress, /*build_index=*/false);
      out["import_seconds"] = sum.parse_seconds + sum.store_seconds;
      out["import_parse_seconds"] = sum.parse_seconds;
      out["import_store_seconds"] = sum.store_seconds;
      out["import_rows"] = sum.report.rows;
    }
    std::filesystem::remove_all(tmp);
  }
  auto snap = ctx.app().content();
  const auto& cat = *snap->catalog;
  const int d = snap->space->dim();
  catalog::RowMatrix x = snap->space->transform_all(cat);
  std::mt19937 rng(o.seed);
  std::vector<float> data;
  int64_t n = static_cast<int64_t>(cat.size());
  if (o.synthetic > 0) {
    // Synthetic tracks: real catalogue rows plus Gaussian noise (0.25 sd in z units), so the
    // data keeps the catalogue's shape while growing to any size.
    n = o.synthetic;
    data.resize(static_cast<size_t>(n) * d);
    std::uniform_int_distribution<int64_t> pick(0, static_cast<int64_t>(cat.size()) - 1);
    std::normal_distribution<float> noise(0.f, 0.25f);
    for (int64_t i = 0; i < n; ++i) {
      auto src = x.row(pick(rng));
      for (int j = 0; j < d; ++j) data[i * d + j] = src[j] + noise(rng);
    }
    out["synthetic"] = true;
  } else {
    data.assign(x.data(), x.data() + x.size());
    out["synthetic"] = false;
  }
  out["tracks"] = n;
  out["dim"] = d;
  // Queries: held-out perturbations of random tracks (like a listener's mean vector).
  std::vector<float> q(static_cast<size_t>(o.queries) * d);
  {
    std::uniform_int_distribution<int64_t> pick(0, n - 1);
    std::normal_distribution<float> noise(0.f, 0.1f);
    for (int i = 0; i < o.queries; ++i) {
      int64_t r = pick(rng);
      for (int j = 0; j < d; ++j) q[static_cast<size_t>(i) * d + j] = data[r * d + j] + noise(rng);
    }
  }
  index::ExactIndex exact(d);
  exact.add(data.data(), n);
  index::HnswParams hp;
  hp.m = o.m;
  hp.ef_construction = o.ef_construction;
  hp.ef_search = o.ef;
  Timer build;
  index::HnswIndex hnsw(d, n, hp);
  constexpr int64_t kChunk = 16384;
  for (int64_t s = 0; s < n; s += kChunk) {
    int64_t len = std::min(kChunk, n - s);
    hnsw.add(data.data() + s * d, len);
    report(progress, "hnsw", s + len, n);
  }
  out["index_build_seconds"] = build.seconds();
  out["hnsw_m"] = o.m;
  out["hnsw_ef_construction"] = o.ef_construction;
  out["hnsw_ef_search"] = o.ef;
  std::vector<index::SearchResult> truth, got;
  auto es = time_queries(exact, q, o.queries, o.k, &truth);
  auto hs = time_queries(hnsw, q, o.queries, o.k, &got);
  double hits = 0;
  for (int i = 0; i < o.queries; ++i) {
    std::set<index::idx_t> t(truth[i].labels.begin(), truth[i].labels.end());
    for (auto l : got[i].labels) hits += t.count(l);
  }
  out["exact_p50_us"] = es.p50_us;
  out["exact_p99_us"] = es.p99_us;
  out["exact_qps"] = es.qps;
  out["hnsw_p50_us"] = hs.p50_us;
  out["hnsw_p99_us"] = hs.p99_us;
  out["hnsw_qps"] = hs.qps;
  out["recall_at_10"] = hits / (static_cast<double>(o.queries) * o.k);
  out["k"] = o.k;
  out["queries"] = o.queries;
  if (o.synthetic == 0) {
    // End to end "more like these" (3 seeds, filters, reasons) on the serving recommender, with
    // the default style weight and with sound only (no second, genre-restricted search).
    for (const auto& [key, style] :
         {std::pair<std::string, float>{"recommend", recommend::ContentQuery::kDefaultStyleWeight},
          std::pair<std::string, float>{"recommend_sound_only", 0.f}}) {
      std::vector<double> lat;
      std::mt19937_64 qrng(o.seed);
      std::uniform_int_distribution<size_t> pick(0, cat.size() - 1);
      for (int i = 0; i < std::min(o.queries, 2000); ++i) {
        recommend::ContentQuery cq;
        for (int s = 0; s < 3; ++s) cq.track_ids.push_back(cat.track(pick(qrng)).id);
        cq.n = 10;
        cq.style_weight = style;
        Timer t;
        auto r = snap->recommender->recommend(cq);
        lat.push_back(t.micros());
      }
      out[key + "_p50_us"] = percentile(lat, 50);
      out[key + "_p99_us"] = percentile(lat, 99);
    }
  }
  if (!o.check_file.empty() && o.synthetic == 0) {
    // Equal results: the peer's top-10 (query track excluded) vs Muse's exact index.
    std::ifstream in(o.check_file);
    MUSE_CHECK_ARG(in.good(), "cannot read {}", o.check_file);
    nlohmann::json peer;
    try {
      peer = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "{} is not valid JSON: {}", o.check_file, e.what());
    }
    double same = 0, total = 0;
    for (auto& [qid, ids] : peer.items()) {
      auto row = cat.find(qid);
      if (!row) continue;
      auto r = exact.search(x.row(*row).data(), 1, 11);
      std::set<std::string> mine;
      for (auto l : r.labels) {
        if (l >= 0 && static_cast<size_t>(l) != *row && mine.size() < 10) mine.insert(cat.track(l).id);
      }
      for (const auto& id : ids) {
        same += mine.count(id.get<std::string>());
        total += 1;
      }
    }
    out["peer_agreement_at_10"] = total > 0 ? same / total : 0.0;
  }
  out["max_rss_mb"] = max_rss_mb();
  if (o.json) {
    print_json(out);
    return;
  }
  std::printf("tracks %lld (dim %d%s)\n", static_cast<long long>(n), d, o.synthetic ? ", synthetic" : "");
  if (out.contains("import_seconds")) {
    std::printf("import          %.2f s (parse %.2f, store %.2f)\n", out["import_seconds"].get<double>(),
                out["import_parse_seconds"].get<double>(), out["import_store_seconds"].get<double>());
  }
  std::printf("hnsw build      %.2f s (M=%d, efC=%d)\n", out["index_build_seconds"].get<double>(), o.m, o.ef_construction);
  std::printf("exact  p50 %7.1f us  p99 %7.1f us  %9.0f q/s\n", es.p50_us, es.p99_us, es.qps);
  std::printf("hnsw   p50 %7.1f us  p99 %7.1f us  %9.0f q/s  (ef=%d)\n", hs.p50_us, hs.p99_us, hs.qps, o.ef);
  std::printf("recall@%d vs exact: %.4f\n", o.k, out["recall_at_10"].get<double>());
  if (out.contains("recommend_p50_us")) {
    std::printf("recommend (3 seeds, n=10) p50 %.1f us  p99 %.1f us\n", out["recommend_p50_us"].get<double>(),
                out["recommend_p99_us"].get<double>());
  }
  if (out.contains("peer_agreement_at_10")) {
    std::printf("agreement with peer's top-10: %.4f\n", out["peer_agreement_at_10"].get<double>());
  }
  std::printf("max RSS %.0f MB\n", out["max_rss_mb"].get<double>());
}

Command cmd([](CLI::App& root, Context& ctx) {
  auto* bench = subcommand_group(root, "bench", "benchmarks (end-to-end figures)");
  auto o = std::make_shared<KnnOpts>();
  auto* knn = bench->add_subcommand("knn", "nearest-neighbour search: exact vs HNSW on the catalogue");
  knn->add_option("--queries", o->queries, "queries to time")->default_val(1000);
  knn->add_option("--k", o->k, "neighbours per query")->default_val(10);
  knn->add_option("--ef", o->ef, "HNSW ef_search")->default_val(32);
  knn->add_option("--m", o->m, "HNSW M")->default_val(16);
  knn->add_option("--ef-construction", o->ef_construction, "HNSW ef_construction")->default_val(200);
  knn->add_option("--synthetic", o->synthetic, "benchmark N synthetic tracks instead of the catalogue");
  knn->add_option("--import", o->import_file, "also time a cold import of this file")->check(CLI::ExistingFile);
  knn->add_option("--check-neighbours", o->check_file,
                  "JSON {query_track_id: [10 neighbour ids]} from another system (exact search only)")
      ->check(CLI::ExistingFile);
  knn->add_option("--seed", o->seed, "random seed")->default_val(7);
  knn->add_flag("--json", o->json, "one JSON object");
  knn->callback([&ctx, o] { run(ctx, *o); });
});

}  // namespace
}  // namespace muse::cli
