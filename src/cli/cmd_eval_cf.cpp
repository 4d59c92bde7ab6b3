// muse eval cf-split --input user_artists.dat --train OUT --test OUT [--fraction 0.2] [--seed 1]
// muse eval cf --train FILE --test FILE [--methods popularity,item_knn,rp3beta,als,ease,blend]
//   [--blend item_knn=1,als=1,...] [--blend-search] [-k 10] [--json]
// Offline evaluation of the collaborative-filtering models on user-item files (Last.fm layout).
// Models trained here live in memory only: nothing is written to the Muse home.
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <unordered_set>

#include "cf/als.h"
#include "cf/ease.h"
#include "cf/item_knn.h"
#include "cf/metrics.h"
#include "cf/rp3beta.h"
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
  if (how == "bm25-items") return cf::bm25_weight_items(x, 100.f, 0.8f);
  MUSE_THROW(ErrorCode::kInvalidArgument,
             "weighting must be raw, binary, log, bm25 or bm25-items, got '{}'", how);
}

struct CfOpts {
  std::string train, test,
      methods = "popularity,item_knn,als,ease", weighting = "log", als_weighting = "binary",
      ease_weighting = "binary", rp3_weighting = "binary",
      blend = "item_knn=0.75,rp3beta=0.5,als=1,ease=0.5,als_bm25=1";  // searched on validation
  std::string blend_norm = "max";  // per-user scaling of each member: max or zscore
  bool blend_search = false;
  int k = 10;
  bool json = false;
  cf::ItemKnnConfig knn;
  // Tuned on validation (docs/continuation.md): 128 factors, reg 50, alpha 10, 30 iterations.
  cf::AlsConfig als{128, 50.f, 10.f, 30, 3, 42};
  cf::AlsConfig als_bm25{128, 100.f, 0.05f, 15, 3, 43};  // validation: 0.1766 alone
  cf::EaseConfig ease{100.f, 1, 20000};   // lambda 100 over all items, tuned on validation
  cf::Rp3BetaConfig rp3{300, 1.f, 0.2f};  // neighbours, alpha, beta: tuned on validation
};

/// A model and the value weighting of the training matrix (and queries) it sees.
std::pair<std::unique_ptr<cf::Recommender>, std::string> make_model(const CfOpts& o,
                                                                    const std::string& name) {
  if (name == "popularity") return {std::make_unique<cf::Popularity>(), o.weighting};
  if (name == "item_knn") return {std::make_unique<cf::ItemKnn>(o.knn), o.weighting};
  if (name == "rp3beta") return {std::make_unique<cf::Rp3Beta>(o.rp3), o.rp3_weighting};
  if (name == "als") return {std::make_unique<cf::Als>(o.als), o.als_weighting};
  if (name == "ease") return {std::make_unique<cf::Ease>(o.ease), o.ease_weighting};
  // A second ALS on implicit-style BM25 values, as a blend member that errs differently.
  if (name == "als_bm25") return {std::make_unique<cf::Als>(o.als_bm25), "bm25-items"};
  MUSE_THROW(ErrorCode::kInvalidArgument,
             "unknown method '{}' (popularity, item_knn, rp3beta, als, als_bm25, ease, blend)",
             name);
}

/// Queries (each user's training row under one weighting) for the users that have both
/// training and held-out items.
std::vector<cf::Query> user_queries(const cf::Interactions& x,
                                    const std::vector<std::unordered_set<int32_t>>& held,
                                    std::vector<int32_t>* users) {
  std::vector<cf::Query> queries;
  users->clear();
  for (int32_t u = 0; u < x.rows(); ++u) {
    if (held[u].empty() || x.row_size(u) == 0) continue;
    auto idx = x.row_indices(u);
    auto val = x.row_values(u);
    queries.push_back({{idx.begin(), idx.end()}, {val.begin(), val.end()}});
    users->push_back(u);
  }
  return queries;
}

/// Mean hold-out figures over the evaluated users (the `_warm` means are over users with at
/// least one held-out item seen in training).
struct Figures {
  double ndcg = 0, recall = 0, ndcg_cap = 0, ndcg_warm = 0, recall_warm = 0;
  size_t users = 0, warm_users = 0;
  void add(const cf::HoldoutScore& s) {
    ndcg += s.ndcg, recall += s.recall, ndcg_cap += s.ndcg_cap, ++users;
    if (s.warm > 0) ndcg_warm += s.ndcg_warm, recall_warm += s.recall_warm, ++warm_users;
  }
  void merge(const Figures& o) {
    ndcg += o.ndcg, recall += o.recall, ndcg_cap += o.ndcg_cap, ndcg_warm += o.ndcg_warm;
    recall_warm += o.recall_warm, users += o.users, warm_users += o.warm_users;
  }
  Figures mean() const {
    Figures m = *this;
    double n = std::max<size_t>(1, users), nw = std::max<size_t>(1, warm_users);
    m.ndcg /= n, m.recall /= n, m.ndcg_cap /= n, m.ndcg_warm /= nw, m.recall_warm /= nw;
    return m;
  }
  nlohmann::json to_json() const {
    return {{"ndcg", ndcg},
            {"recall", recall},
            {"ndcg_cap", ndcg_cap},
            {"ndcg_warm", ndcg_warm},
            {"recall_warm", recall_warm},
            {"users", users},
            {"warm_users", warm_users}};
  }
};

/// Hold-out figures of per-query score rows (training items excluded).
Figures score_rows(std::span<const float> scores, size_t n_items,
                   const std::vector<cf::Query>& queries, const std::vector<int32_t>& users,
                   const std::vector<std::unordered_set<int32_t>>& held, int k) {
  Figures total;
#pragma omp parallel
  {
    Figures local;
#pragma omp for schedule(dynamic, 16) nowait
    for (size_t q = 0; q < queries.size(); ++q) {
      auto top = cf::top_k(scores.subspan(q * n_items, n_items), k, queries[q].items);
      std::vector<int32_t> ranked;
      for (const auto& s : top) ranked.push_back(s.item);
      local.add(cf::holdout_score(ranked, held[users[q]], k));
    }
#pragma omp critical(muse_eval_cf_figures)
    total.merge(local);
  }
  return total.mean();
}

/// The blend of --blend members, each fitted on its own weighting of the training matrix and
/// scaled per query to a max of 1 (as cf::Blend does). With --blend-search the weights are
/// found by coordinate ascent on the given split: run it on a validation split carved from
/// the training data, never on the test split, then pass the weights it prints to --blend.
nlohmann::json eval_blend(Context& ctx, const CfOpts& o, const cf::Interactions& x_raw,
                          const std::vector<std::unordered_set<int32_t>>& held) {
  std::vector<std::string> names;
  std::vector<float> weights;
  for (const auto& part : split(o.blend, ',')) {
    auto kv = split(part, '=');
    MUSE_CHECK_ARG(kv.size() == 2, "--blend wants name=weight pairs, got '{}'", part);
    MUSE_CHECK_ARG(kv[0] != "blend", "a blend cannot contain itself");
    names.push_back(kv[0]);
    weights.push_back(std::stof(kv[1]));
  }
  MUSE_CHECK_ARG(!names.empty(), "--blend names no members");
  const size_t n_items = static_cast<size_t>(x_raw.cols());
  std::vector<int32_t> users;
  std::vector<cf::Query> queries;
  std::vector<std::vector<float>> member_scores;
  Timer fit_t;
  for (const auto& name : names) {
    auto [model, how] = make_model(o, name);
    auto x = weighted(x_raw, how);
    model->fit(x, ctx.progress(name));
    auto qs = user_queries(x, held, &users);
    std::vector<float> sc(qs.size() * n_items);
    model->score(qs, sc);
#pragma omp parallel for schedule(static)
    for (size_t q = 0; q < qs.size(); ++q) {
      float* b = sc.data() + q * n_items;
      if (o.blend_norm == "zscore") {
        // Mean 0, standard deviation 1 over the user's finite scores; others at the minimum.
        double sum = 0, sq = 0, lo = std::numeric_limits<double>::infinity();
        size_t cnt = 0;
        for (size_t i = 0; i < n_items; ++i)
          if (std::isfinite(b[i])) sum += b[i], sq += double(b[i]) * b[i], ++cnt;
        const double mean = cnt ? sum / cnt : 0;
        const double sd = cnt ? std::sqrt(std::max(0.0, sq / cnt - mean * mean)) : 0;
        for (size_t i = 0; i < n_items; ++i)
          if (std::isfinite(b[i])) lo = std::min(lo, (b[i] - mean) / (sd > 0 ? sd : 1));
        for (size_t i = 0; i < n_items; ++i)
          b[i] = std::isfinite(b[i]) ? static_cast<float>((b[i] - mean) / (sd > 0 ? sd : 1))
                                     : static_cast<float>(cnt ? lo : 0);
        continue;
      }
      float mx = 0;
      for (size_t i = 0; i < n_items; ++i)
        if (std::isfinite(b[i])) mx = std::max(mx, std::fabs(b[i]));
      for (size_t i = 0; i < n_items; ++i) b[i] = std::isfinite(b[i]) && mx > 0 ? b[i] / mx : 0.f;
    }
    member_scores.push_back(std::move(sc));
    if (queries.empty()) queries = std::move(qs);
  }
  double fit_s = fit_t.seconds();
  std::vector<float> mix(queries.size() * n_items);
  auto evaluate = [&](const std::vector<float>& w) {
    std::fill(mix.begin(), mix.end(), 0.f);
    for (size_t m = 0; m < w.size(); ++m) {
      if (w[m] == 0.f) continue;
      const float* sc = member_scores[m].data();
#pragma omp parallel for schedule(static)
      for (size_t i = 0; i < mix.size(); ++i) mix[i] += w[m] * sc[i];
    }
    return score_rows(mix, n_items, queries, users, held, o.k);
  };
  Figures best = evaluate(weights);
  if (o.blend_search) {
    const float grid[] = {0.f, 0.25f, 0.5f, 0.75f, 1.f, 1.5f, 2.f, 3.f};
    for (int round = 0; round < 2; ++round) {
      for (size_t m = 0; m < weights.size(); ++m) {
        for (float g : grid) {
          auto w = weights;
          w[m] = g;
          if (std::all_of(w.begin(), w.end(), [](float v) { return v == 0.f; })) continue;
          auto r = evaluate(w);
          if (r.ndcg > best.ndcg + 1e-6) best = r, weights = w;
        }
      }
    }
  }
  std::string spec;
  for (size_t m = 0; m < names.size(); ++m)
    spec += fmt::format("{}{}={:g}", m ? "," : "", names[m], weights[m]);
  if (!o.json) {
    std::printf(
        "%-10s nDCG@%d %.4f  recall@%d %.4f  warm nDCG %.4f  (%zu users, fit %.1fs)  %s%s\n",
        "blend", o.k, best.ndcg, o.k, best.recall, best.ndcg_warm, queries.size(), fit_s,
        spec.c_str(), o.blend_search ? " (searched on this split)" : "");
    std::fflush(stdout);
  }
  auto j = best.to_json();
  j["fit_seconds"] = fit_s;
  j["blend"] = spec;
  j["searched"] = o.blend_search;
  return j;
}

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

  // The best nDCG@k any ranking of training items can reach: cold held-out items cap it.
  double cap = 0;
  bool cap_printed = false;
  nlohmann::json methods = nlohmann::json::object();
  for (const auto& name : split(o.methods, ',')) {
    if (name == "blend") {
      methods[name] = eval_blend(ctx, o, x_raw, held);
      if (!cap_printed) cap = methods[name]["ndcg_cap"].get<double>(), cap_printed = true;
      continue;
    }
    auto [model, how] = make_model(o, name);
    auto x = weighted(x_raw, how);
    Timer fit_t;
    model->fit(x, ctx.progress(name));
    double fit_s = fit_t.seconds();
    std::vector<int32_t> users;
    auto queries = user_queries(x, held, &users);
    Timer rec_t;
    auto recs = model->recommend(queries, o.k);
    double rec_s = rec_t.seconds();
    Figures fig;
    for (size_t q = 0; q < queries.size(); ++q) {
      std::vector<int32_t> ranked;
      for (const auto& s : recs[q]) ranked.push_back(s.item);
      fig.add(cf::holdout_score(ranked, held[users[q]], o.k));
    }
    fig = fig.mean();
    if (!cap_printed) cap = fig.ndcg_cap, cap_printed = true;
    auto j = fig.to_json();
    j["fit_seconds"] = fit_s;
    j["recommend_seconds"] = rec_s;
    j["weighting"] = how;
    methods[name] = j;
    if (!o.json) {
      std::printf("%-10s nDCG@%d %.4f  recall@%d %.4f  warm nDCG %.4f  (%zu users, fit %.1fs)\n",
                  name.c_str(), o.k, fig.ndcg, o.k, fig.recall, fig.ndcg_warm, queries.size(),
                  fit_s);
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
                        {"ndcg_cap", cap},
                        {"best", best},
                        {"methods", methods},
                        {"params",
                         {{"knn_neighbours", o.knn.neighbours},
                          {"als_factors", o.als.factors},
                          {"als_reg", o.als.regularization},
                          {"als_alpha", o.als.alpha},
                          {"als_iterations", o.als.iterations},
                          {"ease_lambda", o.ease.lambda},
                          {"rp3_neighbours", o.rp3.neighbours},
                          {"rp3_alpha", o.rp3.alpha},
                          {"rp3_beta", o.rp3.beta}}}};
  if (o.json)
    print_json(out);
  else
    std::printf("%zu of %zu held-out rows are items unseen in training: nDCG@%d cap %.4f\n",
                unknown_items, test_rows.size() - unknown_users, o.k, cap);
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
  // Defaults tuned on a validation split carved from the Last.fm training file (see
  // docs/continuation.md); they are starting points, not test-set fits.
  s->add_option("--train", o->train, "training rows (user_artists.dat layout)")
      ->required()
      ->check(CLI::ExistingFile);
  s->add_option("--test", o->test, "held-out rows (same layout)")
      ->required()
      ->check(CLI::ExistingFile);
  s->add_option("--methods", o->methods,
                "comma-separated: popularity,item_knn,rp3beta,als,als_bm25,ease,blend")
      ->capture_default_str();
  s->add_option("-k", o->k, "cut-off")->default_val(10);
  s->add_option("--weighting", o->weighting,
                "values for item-kNN: raw, binary, log, bm25, bm25-items")
      ->capture_default_str();
  s->add_option("--als-weighting", o->als_weighting,
                "values for ALS: raw, binary, log, bm25, bm25-items")
      ->capture_default_str();
  s->add_option("--ease-weighting", o->ease_weighting,
                "values for EASE: raw, binary, log, bm25, bm25-items")
      ->capture_default_str();
  s->add_option("--blend", o->blend, "blend members and weights, e.g. item_knn=1,als=1,ease=1")
      ->capture_default_str();
  s->add_option("--blend-norm", o->blend_norm,
                "per-user scaling of each blend member: max (divide by the largest |score|) or "
                "zscore (mean 0, standard deviation 1)")
      ->check(CLI::IsMember({"max", "zscore"}))
      ->capture_default_str();
  s->add_flag("--blend-search", o->blend_search,
              "fit the blend weights on this split (use a validation split, never the test one)");
  s->add_option("--rp3-weighting", o->rp3_weighting,
                "values for RP3beta: raw, binary, log, bm25, bm25-items")
      ->capture_default_str();
  s->add_option("--rp3-neighbours", o->rp3.neighbours, "RP3beta neighbours per item")
      ->capture_default_str();
  s->add_option("--rp3-alpha", o->rp3.alpha, "RP3beta transition exponent")->capture_default_str();
  s->add_option("--rp3-beta", o->rp3.beta, "RP3beta popularity penalty")->capture_default_str();
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
