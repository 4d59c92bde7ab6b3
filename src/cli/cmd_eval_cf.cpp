// muse eval cf-split --input user_artists.dat --train OUT --test OUT [--fraction 0.2] [--seed 1]
// muse eval cf --train FILE --test FILE [--methods popularity,item_knn,als,ease] [-k 10] [--json]
// Offline evaluation of the collaborative-filtering models on user-item files (Last.fm layout).
// Models trained here live in memory only: nothing is written to the Muse home.
#include <cmath>
#include <cstdio>
#include <functional>
#include <unordered_set>

#include "cf/als.h"
#include "cf/blend.h"
#include "cf/ease.h"
#include "cf/item_knn.h"
#include "cf/metrics.h"
#include "cf/user_item_file.h"
#include "cli/command.h"
#include "cli/subcommand.h"
#include "util/text.h"
#include "util/timer.h"

namespace muse::cli {
namespace {

cf::Interactions weighted(const cf::Interactions& x, const std::string& how) {
  if (how == "raw") return x;
  if (how == "binary") return x.map_values([](float) { return 1.f; });
  if (how == "log") return x.map_values([](float v) { return std::log1p(v); });
  if (how == "bm25") return cf::bm25_weight(x, 100.f, 0.8f);
  MUSE_THROW(ErrorCode::kInvalidArgument, "weighting must be raw, binary, log or bm25, got '{}'",
             how);
}

std::function<float(float)> value_fn(const std::string& how) {
  if (how == "raw") return {};
  if (how == "binary") return [](float) { return 1.f; };
  if (how == "log") return [](float v) { return std::log1p(v); };
  MUSE_THROW(ErrorCode::kInvalidArgument, "blend members take raw, binary or log values, got '{}'",
             how);
}

struct CfOpts {
  std::string train, test, methods = "popularity,item_knn,als,ease", weighting = "log",
                           als_weighting = "binary", ease_weighting = "binary",
                           blend = "item_knn=1,als=1,ease=1";
  int k = 10;
  bool json = false;
  cf::ItemKnnConfig knn;
  cf::AlsConfig als;
  cf::EaseConfig ease;
};

void run_eval_cf(Context& ctx, const CfOpts& o) {
  auto train_rows = cf::read_user_items(o.train);
  auto test_rows = cf::read_user_items(o.test);
  cf::IdMap ids;
  std::vector<cf::Triplet> t;
  for (const auto& r : train_rows) t.push_back({ids.user(r.user), ids.item(r.item), r.weight});
  const int32_t n_items = static_cast<int32_t>(ids.items.size());
  std::vector<std::unordered_set<int32_t>> held;
  size_t unknown_items = 0, unknown_users = 0;
  for (const auto& r : test_rows) {
    auto u = ids.users.find(r.user);
    if (u == ids.users.end()) {
      ++unknown_users;
      continue;
    }
    if (held.size() <= static_cast<size_t>(u->second)) held.resize(u->second + 1);
    auto it = ids.items.find(r.item);
    // Items never seen in training cannot be recommended but still count as relevant.
    held[u->second].insert(it == ids.items.end() ? -1 - static_cast<int32_t>(unknown_items++)
                                                 : it->second);
  }
  const int32_t n_users = static_cast<int32_t>(ids.users.size());
  held.resize(n_users);
  auto x_raw = cf::Interactions::from_triplets(n_users, n_items, std::move(t));

  nlohmann::json methods = nlohmann::json::object();
  for (const auto& name : split(o.methods, ',')) {
    std::unique_ptr<cf::Recommender> model;
    std::string how = o.weighting;
    if (name == "popularity") {
      model = std::make_unique<cf::Popularity>();
    } else if (name == "item_knn") {
      model = std::make_unique<cf::ItemKnn>(o.knn);
    } else if (name == "als") {
      model = std::make_unique<cf::Als>(o.als);
      how = o.als_weighting;
    } else if (name == "ease") {
      model = std::make_unique<cf::Ease>(o.ease);
      how = o.ease_weighting;
    } else if (name == "blend") {
      // Members see their own value transform of the raw counts.
      auto blend = std::make_unique<cf::Blend>();
      for (const auto& part : split(o.blend, ',')) {
        auto kv = split(part, '=');
        MUSE_CHECK_ARG(kv.size() == 2, "--blend wants name=weight pairs, got '{}'", part);
        float w = std::stof(kv[1]);
        if (kv[0] == "item_knn")
          blend->add(std::make_unique<cf::ItemKnn>(o.knn), w, value_fn(o.weighting));
        else if (kv[0] == "als")
          blend->add(std::make_unique<cf::Als>(o.als), w, value_fn(o.als_weighting));
        else if (kv[0] == "ease")
          blend->add(std::make_unique<cf::Ease>(o.ease), w, value_fn(o.ease_weighting));
        else
          MUSE_THROW(ErrorCode::kInvalidArgument, "unknown blend member '{}'", kv[0]);
      }
      model = std::move(blend);
      how = "raw";
    } else {
      MUSE_THROW(ErrorCode::kInvalidArgument,
                 "unknown method '{}' (popularity, item_knn, als, ease, blend)", name);
    }
    auto x = weighted(x_raw, how);
    Timer fit_t;
    model->fit(x, ctx.progress(name));
    double fit_s = fit_t.seconds();
    std::vector<cf::Query> queries;
    std::vector<int32_t> users;
    for (int32_t u = 0; u < n_users; ++u) {
      if (held[u].empty() || x.row_size(u) == 0) continue;
      auto idx = x.row_indices(u);
      auto val = x.row_values(u);
      queries.push_back({{idx.begin(), idx.end()}, {val.begin(), val.end()}});
      users.push_back(u);
    }
    Timer rec_t;
    auto recs = model->recommend(queries, o.k);
    double rec_s = rec_t.seconds();
    double sum_ndcg = 0, sum_recall = 0;
    for (size_t q = 0; q < queries.size(); ++q) {
      std::vector<int32_t> ranked;
      for (const auto& s : recs[q]) ranked.push_back(s.item);
      auto hits = cf::hit_vector(ranked, held[users[q]], o.k);
      sum_ndcg += cf::ndcg(hits, held[users[q]].size(), o.k);
      sum_recall += cf::recall(hits, std::min<size_t>(held[users[q]].size(), o.k));
    }
    double n = std::max<size_t>(1, queries.size());
    methods[name] = {{"ndcg", sum_ndcg / n},       {"recall", sum_recall / n},
                     {"users", queries.size()},    {"fit_seconds", fit_s},
                     {"recommend_seconds", rec_s}, {"weighting", how}};
    if (!o.json) {
      std::printf("%-10s nDCG@%d %.4f  recall@%d %.4f  (%zu users, fit %.1fs)\n", name.c_str(), o.k,
                  sum_ndcg / n, o.k, sum_recall / n, queries.size(), fit_s);
      std::fflush(stdout);
    }
  }
  std::string best;
  double best_v = -1;
  for (auto& [k, v] : methods.items())
    if (v["ndcg"].get<double>() > best_v) best_v = v["ndcg"].get<double>(), best = k;
  nlohmann::json out = {{"k", o.k},
                        {"users", n_users},
                        {"items", n_items},
                        {"train_rows", train_rows.size()},
                        {"test_rows", test_rows.size()},
                        {"test_users_unknown", unknown_users},
                        {"test_items_unseen", unknown_items},
                        {"best", best},
                        {"methods", methods},
                        {"params",
                         {{"knn_neighbours", o.knn.neighbours},
                          {"als_factors", o.als.factors},
                          {"als_reg", o.als.regularization},
                          {"als_alpha", o.als.alpha},
                          {"als_iterations", o.als.iterations},
                          {"ease_lambda", o.ease.lambda}}}};
  if (o.json) print_json(out);
}

Command cmd([](CLI::App& root, Context& ctx) {
  auto* ev = subcommand_group(root, "eval", "offline evaluations");
  {
    struct SplitOpts {
      std::string input, train, test;
      double fraction = 0.2;
      uint64_t seed = 1;
    };
    auto o = std::make_shared<SplitOpts>();
    auto* s = ev->add_subcommand("cf-split",
                                 "per-user hold-out split of a user-item file (Last.fm layout)");
    s->add_option("--input", o->input,
                  "user<TAB>item<TAB>weight file, e.g. lastfm_2k/user_artists.dat")
        ->required()
        ->check(CLI::ExistingFile);
    s->add_option("--train", o->train, "output: training rows")->required();
    s->add_option("--test", o->test, "output: held-out rows")->required();
    s->add_option("--fraction", o->fraction, "share of each user's items held out")
        ->default_val(0.2);
    s->add_option("--seed", o->seed, "random seed")->default_val(1);
    s->callback([o] {
      auto rows = cf::read_user_items(o->input);
      std::vector<cf::UserItemRow> train, test;
      cf::split_per_user(rows, o->fraction, o->seed, &train, &test);
      cf::write_user_items(o->train, train);
      cf::write_user_items(o->test, test);
      std::printf("%zu rows -> %zu train (%s), %zu test (%s)\n", rows.size(), train.size(),
                  o->train.c_str(), test.size(), o->test.c_str());
    });
  }
  auto o = std::make_shared<CfOpts>();
  auto* s = ev->add_subcommand(
      "cf", "recall@k / nDCG@k of the CF models on a user-item train/test split");
  s->add_option("--train", o->train, "training rows (user_artists.dat layout)")
      ->required()
      ->check(CLI::ExistingFile);
  s->add_option("--test", o->test, "held-out rows (same layout)")
      ->required()
      ->check(CLI::ExistingFile);
  s->add_option("--methods", o->methods, "comma-separated: popularity,item_knn,als,ease,blend")
      ->capture_default_str();
  s->add_option("-k", o->k, "cut-off")->default_val(10);
  s->add_option("--weighting", o->weighting, "values for item-kNN: raw, binary, log, bm25")
      ->capture_default_str();
  s->add_option("--als-weighting", o->als_weighting, "values for ALS: raw, binary, log, bm25")
      ->capture_default_str();
  s->add_option("--ease-weighting", o->ease_weighting, "values for EASE: raw, binary, log, bm25")
      ->capture_default_str();
  s->add_option("--blend", o->blend, "blend members and weights, e.g. item_knn=1,als=1,ease=1")
      ->capture_default_str();
  s->add_option("--knn-neighbours", o->knn.neighbours, "item-kNN neighbours per item")
      ->capture_default_str();
  s->add_option("--knn-k1", o->knn.k1, "item-kNN BM25 k1")->capture_default_str();
  s->add_option("--knn-b", o->knn.b, "item-kNN BM25 b")->capture_default_str();
  s->add_option("--factors", o->als.factors, "ALS factors")->capture_default_str();
  s->add_option("--reg", o->als.regularization, "ALS regularisation")->capture_default_str();
  s->add_option("--alpha", o->als.alpha, "ALS confidence scale")->capture_default_str();
  s->add_option("--iterations", o->als.iterations, "ALS iterations")->capture_default_str();
  s->add_option("--ease-lambda", o->ease.lambda, "EASE L2 penalty")->capture_default_str();
  s->add_option("--ease-min-count", o->ease.min_count,
                "EASE: only items in at least this many rows")
      ->capture_default_str();
  s->add_flag("--json", o->json, "JSON output");
  s->callback([&ctx, o] { run_eval_cf(ctx, *o); });
});

}  // namespace
}  // namespace muse::cli
