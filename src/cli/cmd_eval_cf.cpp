// muse eval cf-split --input user_artists.dat --train OUT --test OUT [--fraction 0.2] [--seed 1]
// muse eval cf --train FILE --test FILE [--methods popularity,item_knn,user_knn,rp3beta,als,
//   als_bm25,ease,edlae,gfcf,mult_dae,mult_vae,lightgcn,blend,rerank]
//   [--blend item_knn=1,als=1,...] [--blend-search | --blend-folds N] [--rerank-candidates N]
//   [-k 10] [--json]
// Offline evaluation of the collaborative-filtering models on user-item files (Last.fm layout).
// Models trained here live in memory only: nothing is written to the Muse home.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <unordered_set>

#include "cf/als.h"
#include "cf/ease.h"
#include "cf/graph_filter.h"
#include "cf/item_knn.h"
#include "cf/light_gcn.h"
#include "cf/metrics.h"
#include "cf/mult_dae.h"
#include "cf/mult_vae.h"
#include "cf/reranker.h"
#include "cf/rp3beta.h"
#include "cf/user_item_file.h"
#include "cf/user_ease.h"
#include "cf/user_knn.h"
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
      // Searched on validation with the frequency-scaled ALS and Mult-DAE (docs/continuation.md);
      // the zero-weight member still gives the re-ranker its features. LightGCN is not in it:
      // its validation gain was one seed's luck (three seeds: 0.1889 against 0.1887).
      blend = "item_knn=0.75,rp3beta=0.75,als=1.5,ease=0,als_bm25=0.5,mult_dae=3";
  std::string blend_norm = "max";  // per-user scaling of each member: max, minmax or zscore
  bool blend_search = false;
  /// --blend-folds N: learn the weights on N inner splits of the training rows (seeds
  /// blend_seed, +1, ...), never on the file being scored.
  int blend_folds = 0;
  uint64_t blend_seed = 3;
  int k = 10;
  bool json = false;
  cf::ItemKnnConfig knn;
  cf::UserKnnConfig uknn{100, 1.f};  // validation: 0.1643 alone (bm25 values)
  std::string uknn_weighting = "bm25";
  cf::UserEaseConfig uease{150.f};  // validation alone: 0.1702 (binary, lambda 160), 0.1698 (120)
  std::string uease_weighting = "binary";
  // Tuned on validation (docs/continuation.md): 128 factors, reg 40 scaled per item by
  // ((n_i + 1) / (mean + 1))^0.3, alpha 10, 30 iterations.
  cf::AlsConfig als{128, 40.f, 10.f, 30, 3, 42, 0.3f};
  cf::AlsConfig als_bm25{128, 100.f, 0.05f, 15, 3, 43};  // validation: 0.1766 alone
  cf::EaseConfig ease{100.f, 1, 20000};  // lambda 100 over all items, tuned on validation
  // Validation alone 0.1687 (EASE 0.1653): lambda 50, drop 0.67 (lambda, min count, max, drop)
  cf::EaseConfig edlae{50.f, 1, 20000, 0.67f};
  cf::GraphFilterConfig gfcf{256, 0.3f};  // GF-CF paper defaults
  // Mult-DAE: the library defaults, with log values (validation 0.1766 alone)
  cf::MultDaeConfig dae;
  std::string dae_weighting = "log";
  cf::MultVaeConfig vae;  // the paper's shape and settings
  std::string vae_weighting = "log";
  // LightGCN: the paper's 64 factors, 3 layers, penalty 1e-4; Adam 5e-3 on 4096-triple batches
  // for 150 epochs (validation 0.1663 alone, seeds 43 / 44 0.1649; 128 factors 0.1698).
  cf::LightGcnConfig lgcn;
  std::string gfcf_weighting = "binary";
  cf::Rp3BetaConfig rp3{300, 1.f, 0.2f};  // neighbours, alpha, beta: tuned on validation
  // Re-ranker over the blend's candidates (docs/continuation.md): trained on an inner split
  // of the training rows.
  // Chosen on validation: LambdaMART, depth 3, 150 rounds, correcting the blend score.
  cf::RerankerConfig rerank{100, {"rank:ndcg", 150, 3, 0.05f, 0.8f, 0.8f, 1.f, 2, 7}, {}, 1.f};
  uint64_t rerank_seed = 3;
  int rerank_folds = 3;  ///< inner splits the ranker's training rows come from
  bool rerank_inner_check = false;
  double rerank_fraction = 0.2;  ///< share of each user's training items an inner split holds out
  std::string rerank_grid, rerank_drop;
  /// --friends FILE: user<TAB>friend links (Last.fm user_friends.dat), by internal user index,
  /// both directions. Side data for the `friends` blend member only.
  std::string friends_file;
  std::shared_ptr<const std::vector<std::vector<int32_t>>> friends;
};

/// A model and the value weighting of the training matrix (and queries) it sees.
std::pair<std::unique_ptr<cf::Recommender>, std::string> make_model(const CfOpts& o,
                                                                    const std::string& name) {
  if (name == "popularity") return {std::make_unique<cf::Popularity>(), o.weighting};
  if (name == "item_knn") return {std::make_unique<cf::ItemKnn>(o.knn), o.weighting};
  if (name == "user_knn") return {std::make_unique<cf::UserKnn>(o.uknn), o.uknn_weighting};
  if (name == "user_ease") return {std::make_unique<cf::UserEase>(o.uease), o.uease_weighting};
  if (name == "rp3beta") return {std::make_unique<cf::Rp3Beta>(o.rp3), o.rp3_weighting};
  if (name == "als") return {std::make_unique<cf::Als>(o.als), o.als_weighting};
  if (name == "als256") {
    auto c = o.als;
    c.factors = 256;
    return {std::make_unique<cf::Als>(c), o.als_weighting};
  }
  if (name == "ease") return {std::make_unique<cf::Ease>(o.ease), o.ease_weighting};
  if (name == "gfcf") return {std::make_unique<cf::GraphFilter>(o.gfcf), o.gfcf_weighting};
  if (name == "mult_dae") return {std::make_unique<cf::MultDae>(o.dae), o.dae_weighting};
  if (name == "mult_vae") return {std::make_unique<cf::MultVae>(o.vae), o.vae_weighting};
  if (name == "lightgcn") return {std::make_unique<cf::LightGcn>(o.lgcn), "binary"};
  // EASE with the denoising (EDLAE) penalty: popular artists shrunk more.
  if (name == "edlae") return {std::make_unique<cf::Ease>(o.edlae), o.ease_weighting};
  // A second ALS on implicit-style BM25 values, as a blend member that errs differently.
  if (name == "als_bm25") return {std::make_unique<cf::Als>(o.als_bm25), "bm25-items"};
  MUSE_THROW(ErrorCode::kInvalidArgument,
             "unknown method '{}' (popularity, item_knn, rp3beta, als, als_bm25, ease, edlae, "
             "gfcf, mult_dae, mult_vae, lightgcn, user_knn, user_ease, "
             "blend, rerank)",
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
  // Sum of squared per-user nDCG; mean() turns it into the standard error of the mean, so a
  // difference between methods can be read against the noise of the user sample.
  double ndcg_sq = 0, ndcg_se = 0;
  size_t users = 0, warm_users = 0;
  void add(const cf::HoldoutScore& s) {
    ndcg += s.ndcg, recall += s.recall, ndcg_cap += s.ndcg_cap, ++users;
    ndcg_sq += s.ndcg * s.ndcg;
    if (s.warm > 0) ndcg_warm += s.ndcg_warm, recall_warm += s.recall_warm, ++warm_users;
  }
  void merge(const Figures& o) {
    ndcg += o.ndcg, recall += o.recall, ndcg_cap += o.ndcg_cap, ndcg_warm += o.ndcg_warm;
    recall_warm += o.recall_warm, users += o.users, warm_users += o.warm_users;
    ndcg_sq += o.ndcg_sq;
  }
  Figures mean() const {
    Figures m = *this;
    double n = std::max<size_t>(1, users), nw = std::max<size_t>(1, warm_users);
    m.ndcg /= n, m.recall /= n, m.ndcg_cap /= n, m.ndcg_warm /= nw, m.recall_warm /= nw;
    if (users >= 2) {
      const double var = std::max(0.0, (ndcg_sq - n * m.ndcg * m.ndcg) / (n - 1));
      m.ndcg_se = std::sqrt(var / n);
    }
    return m;
  }
  /// "nDCG@k 0.2594 ± 0.0050  recall@k …  warm nDCG …" for the text output.
  std::string summary(int k) const {
    return fmt::format("nDCG@{} {:.4f} ± {:.4f}  recall@{} {:.4f}  warm nDCG {:.4f}", k, ndcg,
                       ndcg_se, k, recall, ndcg_warm);
  }
  nlohmann::json to_json() const {
    return {{"ndcg", ndcg},         {"ndcg_se", ndcg_se},      {"recall", recall},
            {"ndcg_cap", ndcg_cap}, {"ndcg_warm", ndcg_warm},  {"recall_warm", recall_warm},
            {"users", users},       {"warm_users", warm_users}};
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

/// The --blend spec as member names and weights.
/// `v` as a number of type T, or a clear error naming `what` (std::stoi's "stoi" is not one).
template <class T>
T number(const std::string& v, const std::string& what) {
  T out{};
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  MUSE_CHECK_ARG(ec == std::errc() && end == v.data() + v.size(), "{}: '{}' is not a number", what,
                 v);
  return out;
}

void parse_blend(const std::string& spec, std::vector<std::string>* names,
                 std::vector<float>* weights) {
  for (const auto& part : split(spec, ',')) {
    auto kv = split(part, '=');
    MUSE_CHECK_ARG(kv.size() == 2, "--blend wants name=weight pairs, got '{}'", part);
    MUSE_CHECK_ARG(kv[0] != "blend" && kv[0] != "rerank", "a blend cannot contain '{}'", kv[0]);
    names->push_back(kv[0]);
    weights->push_back(number<float>(kv[1], "--blend " + kv[0]));
  }
  MUSE_CHECK_ARG(!names->empty(), "--blend names no members");
}

/// NAME_xN: the base model name and N (the mean of N fits with other seeds); plain NAME: 1.
std::pair<std::string, int> split_copies(const std::string& name) {
  if (auto at = name.rfind("_x"); at != std::string::npos && at + 2 < name.size() &&
                                  std::all_of(name.begin() + at + 2, name.end(), ::isdigit)) {
    const int copies = std::stoi(name.substr(at + 2));
    MUSE_CHECK_ARG(copies >= 1 && copies <= 16, "'{}': 1 to 16 copies", name);
    return {name.substr(0, at), copies};
  }
  return {name, 1};
}

/// Every method and blend member name checked before the first fit, so a typo in the last
/// name does not cost the minutes of training before it.
void check_names(const CfOpts& o) {
  bool blend_used = false;
  for (const auto& name : split(o.methods, ',')) {
    if (name == "blend" || name == "rerank") {
      blend_used = true;
      continue;
    }
    make_model(o, name);
  }
  if (!blend_used) return;
  std::vector<std::string> names;
  std::vector<float> weights;
  parse_blend(o.blend, &names, &weights);
  for (const auto& member : names) {
    auto [base, copies] = split_copies(member);
    if (base == "friends")
      MUSE_CHECK_ARG(!o.friends_file.empty(), "the 'friends' member needs --friends FILE");
    else
      make_model(o, base);
  }
}

/// One user's scores scaled as --blend-norm says; non-finite scores (the user's own items)
/// end at 0, or at the minimum for zscore.
void scale_scores(std::span<float> b, const std::string& how) {
  const size_t n = b.size();
  if (how == "zscore") {
    // Mean 0, standard deviation 1 over the user's finite scores; others at the minimum.
    double sum = 0, sq = 0, lo = std::numeric_limits<double>::infinity();
    size_t cnt = 0;
    for (size_t i = 0; i < n; ++i)
      if (std::isfinite(b[i])) sum += b[i], sq += double(b[i]) * b[i], ++cnt;
    const double mean = cnt ? sum / cnt : 0;
    const double sd = cnt ? std::sqrt(std::max(0.0, sq / cnt - mean * mean)) : 0;
    for (size_t i = 0; i < n; ++i)
      if (std::isfinite(b[i])) lo = std::min(lo, (b[i] - mean) / (sd > 0 ? sd : 1));
    for (size_t i = 0; i < n; ++i)
      b[i] = std::isfinite(b[i]) ? static_cast<float>((b[i] - mean) / (sd > 0 ? sd : 1))
                                 : static_cast<float>(cnt ? lo : 0);
    return;
  }
  if (how == "minmax") {
    // 0 at the user's lowest finite score, 1 at the highest: an offset in a member's scores
    // (a softmax model's logits have one per user) no longer changes its weight.
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (size_t i = 0; i < n; ++i)
      if (std::isfinite(b[i])) lo = std::min(lo, b[i]), hi = std::max(hi, b[i]);
    const float span = hi > lo ? hi - lo : 1.f;
    for (size_t i = 0; i < n; ++i) b[i] = std::isfinite(b[i]) ? (b[i] - lo) / span : 0.f;
    return;
  }
  float mx = 0;  // max: divided by the largest |score|, as cf::Blend does
  for (size_t i = 0; i < n; ++i)
    if (std::isfinite(b[i])) mx = std::max(mx, std::fabs(b[i]));
  for (size_t i = 0; i < n; ++i) b[i] = std::isfinite(b[i]) && mx > 0 ? b[i] / mx : 0.f;
}

/// One member fitted on its weighting of x_raw, scoring the users with held-out items; each
/// user's row is scaled as --blend-norm says (scale_scores).
std::vector<float> member_scores(Context& ctx, const CfOpts& o, const std::string& name,
                                 const cf::Interactions& x_raw,
                                 const std::vector<std::unordered_set<int32_t>>& held,
                                 std::vector<int32_t>* users, std::vector<cf::Query>* queries) {
  const size_t n_items = static_cast<size_t>(x_raw.cols());
  // NAME_xN: the mean of N fits of NAME with other seeds (ALS starts from random factors, so
  // the average has less variance than one fit).
  auto [base, copies] = split_copies(name);
  std::vector<float> sc;
  std::vector<cf::Query> qs;
  if (base == "friends") {
    // What the user's friends have in this split's training rows: each friend's artists vote 1.
    MUSE_CHECK_ARG(o.friends != nullptr, "the 'friends' member needs --friends FILE");
    MUSE_CHECK_ARG(copies == 1, "'friends' has no seeds to average");
    qs = user_queries(x_raw, held, users);
    sc.assign(qs.size() * n_items, 0.f);
#pragma omp parallel for schedule(dynamic, 16)
    for (size_t q = 0; q < qs.size(); ++q) {
      float* b = sc.data() + q * n_items;
      for (int32_t f : (*o.friends)[(*users)[q]])
        for (int32_t i : x_raw.row_indices(f)) b[i] += 1.f;
    }
    copies = 0;  // skips the model loop below
  }
  for (int c = 0; c < copies; ++c) {
    CfOpts oc = o;
    oc.als.seed += 1000 * c, oc.als_bm25.seed += 1000 * c, oc.dae.seed += 1000 * c;
    oc.vae.seed += 1000 * c, oc.lgcn.seed += 1000 * c;
    auto [model, how] = make_model(oc, base);
    auto x = weighted(x_raw, how);
    model->fit(x, ctx.progress(name));
    qs = user_queries(x, held, users);
    std::vector<float> one(qs.size() * n_items);
    model->score(qs, one);
    if (c == 0) {
      sc = std::move(one);
      continue;
    }
    for (size_t i = 0; i < sc.size(); ++i) sc[i] += one[i];
  }
#pragma omp parallel for schedule(static)
  for (size_t q = 0; q < qs.size(); ++q)
    scale_scores(std::span<float>(sc.data() + q * n_items, n_items), o.blend_norm);
  if (queries) *queries = std::move(qs);
  return sc;
}

/// A split of the training rows: each user's fraction of items held out (seed), users and
/// items keeping the outer ids. Items nobody has in the inner training part are cold there, as
/// unseen test items are (negative ids: relevant, never recommendable).
struct InnerSplit {
  cf::Interactions x;
  std::vector<std::unordered_set<int32_t>> held;
};
InnerSplit inner_split(const std::vector<cf::UserItemRow>& train_rows, const cf::IdMap& ids,
                       const cf::Interactions& x_raw, double fraction, uint64_t seed) {
  std::vector<cf::UserItemRow> inner_train, inner_val;
  cf::split_per_user(train_rows, fraction, seed, &inner_train, &inner_val);
  std::vector<cf::Triplet> t;
  for (const auto& r : inner_train)
    t.push_back({ids.users.at(r.user), ids.items.at(r.item), r.weight});
  InnerSplit out{cf::Interactions::from_triplets(x_raw.rows(), x_raw.cols(), std::move(t)),
                 std::vector<std::unordered_set<int32_t>>(x_raw.rows())};
  const auto counts = out.x.col_counts();
  int32_t cold = 0;
  for (const auto& r : inner_val) {
    const int32_t i = ids.items.at(r.item);
    out.held[ids.users.at(r.user)].insert(counts[i] > 0 ? i : -1 - cold++);
  }
  return out;
}

/// Every --blend member's scaled scores on one split, and the hold-out figures of any weighting.
class MemberScores {
 public:
  MemberScores(Context& ctx, const CfOpts& o, const std::vector<std::string>& names,
               const cf::Interactions& x, const std::vector<std::unordered_set<int32_t>>& held)
      : held_(held), k_(o.k), n_items_(static_cast<size_t>(x.cols())) {
    for (const auto& name : names)
      sc_.push_back(
          member_scores(ctx, o, name, x, held, &users_, queries_.empty() ? &queries_ : nullptr));
    mix_.resize(queries_.size() * n_items_);
  }
  Figures evaluate(const std::vector<float>& w) {
    std::fill(mix_.begin(), mix_.end(), 0.f);
    for (size_t m = 0; m < w.size(); ++m) {
      if (w[m] == 0.f) continue;
      const float* sc = sc_[m].data();
#pragma omp parallel for schedule(static)
      for (size_t i = 0; i < mix_.size(); ++i) mix_[i] += w[m] * sc[i];
    }
    return score_rows(mix_, n_items_, queries_, users_, held_, k_);
  }
  size_t queries() const { return queries_.size(); }

 private:
  const std::vector<std::unordered_set<int32_t>>& held_;
  int k_;
  size_t n_items_;
  std::vector<int32_t> users_;
  std::vector<cf::Query> queries_;
  std::vector<std::vector<float>> sc_;
  std::vector<float> mix_;
};

/// Coordinate ascent on the weights from `weights` (grid 0..3, two rounds), keeping a change
/// only when `objective` (a mean nDCG) rises.
template <class F>
double search_weights(std::vector<float>* weights, double best, F&& objective) {
  const float grid[] = {0.f, 0.25f, 0.5f, 0.75f, 1.f, 1.5f, 2.f, 3.f};
  for (int round = 0; round < 2; ++round)
    for (size_t m = 0; m < weights->size(); ++m)
      for (float g : grid) {
        auto w = *weights;
        w[m] = g;
        if (std::all_of(w.begin(), w.end(), [](float v) { return v == 0.f; })) continue;
        if (const double r = objective(w); r > best + 1e-6) best = r, *weights = w;
      }
  return best;
}

/// The blend of --blend members, each fitted on its own weighting of the training matrix and
/// scaled per query (--blend-norm). With --blend-search the weights are searched on the split
/// being scored (for a validation split only); with --blend-folds N they are searched on N
/// inner splits of the training rows, then every member is refitted on all of them, so the
/// scored file never takes part in choosing the weights.
nlohmann::json eval_blend(Context& ctx, const CfOpts& o,
                          const std::vector<cf::UserItemRow>& train_rows, const cf::IdMap& ids,
                          const cf::Interactions& x_raw,
                          const std::vector<std::unordered_set<int32_t>>& held) {
  std::vector<std::string> names;
  std::vector<float> weights;
  parse_blend(o.blend, &names, &weights);
  MUSE_CHECK_ARG(!(o.blend_search && o.blend_folds > 0),
                 "--blend-search and --blend-folds both choose the weights: pick one");
  MUSE_CHECK_ARG(o.blend_folds >= 0 && o.blend_folds <= 10, "--blend-folds must be 0 to 10");
  nlohmann::json inner = nlohmann::json::object();
  if (o.blend_folds > 0) {
    Timer fold_t;
    std::vector<InnerSplit> splits;
    splits.reserve(o.blend_folds);  // MemberScores keeps a reference to each held set
    std::vector<std::unique_ptr<MemberScores>> folds;
    for (int f = 0; f < o.blend_folds; ++f) {
      splits.push_back(inner_split(train_rows, ids, x_raw, 0.2, o.blend_seed + f));
      folds.push_back(
          std::make_unique<MemberScores>(ctx, o, names, splits.back().x, splits.back().held));
    }
    // The mean over the folds' users (each fold has about the same users).
    auto objective = [&](const std::vector<float>& w) {
      double s = 0;
      size_t n = 0;
      for (auto& f : folds) {
        const auto r = f->evaluate(w);
        s += r.ndcg * r.users, n += r.users;
      }
      return n ? s / n : 0.0;
    };
    const double start = objective(weights);
    const double best = search_weights(&weights, start, objective);
    inner = {{"folds", o.blend_folds}, {"seed", o.blend_seed},       {"start_ndcg", start},
             {"ndcg", best},           {"fit_seconds", fold_t.seconds()}};
    if (!o.json) {
      std::printf("blend      inner folds %d: nDCG@%d %.4f from %.4f (start weights), %.1fs\n",
                  o.blend_folds, o.k, best, start, fold_t.seconds());
      std::fflush(stdout);
    }
  }
  Timer fit_t;
  MemberScores outer(ctx, o, names, x_raw, held);
  const double fit_s = fit_t.seconds();
  if (o.blend_search)
    search_weights(&weights, outer.evaluate(weights).ndcg,
                   [&](const std::vector<float>& w) { return outer.evaluate(w).ndcg; });
  const Figures best = outer.evaluate(weights);
  std::string spec;
  for (size_t m = 0; m < names.size(); ++m)
    spec += fmt::format("{}{}={:g}", m ? "," : "", names[m], weights[m]);
  if (!o.json) {
    std::printf("%-10s %s  (%zu users, fit %.1fs)  %s%s\n", "blend", best.summary(o.k).c_str(),
                outer.queries(), fit_s, spec.c_str(),
                o.blend_search      ? " (searched on this split)"
                : o.blend_folds > 0 ? " (weights from the inner folds)"
                                    : "");
    std::fflush(stdout);
  }
  auto j = best.to_json();
  j["fit_seconds"] = fit_s;
  j["blend"] = spec;
  j["searched"] = o.blend_search;
  if (o.blend_folds > 0) j["inner"] = inner;
  return j;
}

/// The --blend members' scores for the users with items in `held`, as re-ranker candidates.
cf::CandidateRows blend_candidates(Context& ctx, const CfOpts& o, const cf::Interactions& x_raw,
                                   const std::vector<std::unordered_set<int32_t>>& held,
                                   int n_candidates, bool labelled, std::vector<int32_t>* users) {
  std::vector<std::string> names;
  std::vector<float> weights;
  parse_blend(o.blend, &names, &weights);
  std::vector<cf::RerankMember> members;
  for (size_t m = 0; m < names.size(); ++m)
    members.push_back(
        {names[m], weights[m], member_scores(ctx, o, names[m], x_raw, held, users, nullptr)});
  auto queries = user_queries(x_raw, held, users);  // raw play counts, for the user features
  std::vector<std::unordered_set<int32_t>> relevant;
  if (labelled)
    for (int32_t u : *users) relevant.push_back(held[u]);
  return cf::candidate_rows(x_raw, queries, members, n_candidates, relevant);
}

/// One ranker setting: the --rerank-* options, overridden by a --rerank-grid entry
/// ("depth=4,eta=0.1,candidates=50,objective=rank:pairwise,drop=cross_|user_").
cf::RerankerConfig rerank_config(const CfOpts& o, const std::string& overrides) {
  cf::RerankerConfig c = o.rerank;
  for (const auto& part : split(overrides, ',')) {
    if (part.empty()) continue;
    auto kv = split(part, '=');
    MUSE_CHECK_ARG(kv.size() == 2, "--rerank-grid wants key=value pairs, got '{}'", part);
    const auto &k = kv[0], &v = kv[1];
    if (k == "objective")
      c.ranker.objective = v;
    else if (k == "depth")
      c.ranker.max_depth = number<int>(v, "--rerank-grid " + k);
    else if (k == "rounds")
      c.ranker.rounds = number<int>(v, "--rerank-grid " + k);
    else if (k == "eta")
      c.ranker.eta = number<float>(v, "--rerank-grid " + k);
    else if (k == "subsample")
      c.ranker.subsample = number<float>(v, "--rerank-grid " + k);
    else if (k == "colsample")
      c.ranker.colsample = number<float>(v, "--rerank-grid " + k);
    else if (k == "min_child")
      c.ranker.min_child_weight = number<float>(v, "--rerank-grid " + k);
    else if (k == "candidates")
      c.candidates = number<int>(v, "--rerank-grid " + k);
    else if (k == "drop")
      c.drop = split(v, '|');
    else if (k == "margin")
      c.margin = number<float>(v, "--rerank-grid " + k);
    else
      MUSE_THROW(ErrorCode::kInvalidArgument,
                 "--rerank-grid key must be objective, depth, rounds, eta, subsample, "
                 "colsample, min_child, candidates, margin or drop, got '{}'",
                 k);
  }
  MUSE_CHECK_ARG(c.candidates >= o.k, "re-ranker candidates ({}) must be at least k ({})",
                 c.candidates, o.k);
  return c;
}

std::string describe(const cf::RerankerConfig& c) {
  std::string d;
  for (const auto& x : c.drop) d += (d.empty() ? "" : "|") + x;
  return fmt::format("{} depth {} rounds {} eta {:g} min_child {:g} N {} margin {:g}{}",
                     c.ranker.objective, c.ranker.max_depth, c.ranker.rounds, c.ranker.eta,
                     c.ranker.min_child_weight, c.candidates, c.margin,
                     d.empty() ? "" : " drop " + d);
}

/// Learning-to-rank over the blend's candidates. The ranker is trained on inner splits of the
/// TRAINING rows only (--rerank-folds splits, seeds from --rerank-seed): members fitted on each
/// user's other items, labels = the held-out --rerank-fraction (20%). Then the members are
/// refitted on all training rows and the ranker reorders the held-out users' candidates. The
/// test file is only read for the final figures.
nlohmann::json eval_rerank(Context& ctx, const CfOpts& o,
                           const std::vector<cf::UserItemRow>& train_rows, const cf::IdMap& ids,
                           const cf::Interactions& x_raw,
                           const std::vector<std::unordered_set<int32_t>>& held) {
  std::vector<cf::RerankerConfig> configs{rerank_config(o, "")};
  std::vector<std::string> variants{""};
  if (!o.rerank_grid.empty())
    for (const auto& v : split(o.rerank_grid, ';')) {
      configs.push_back(rerank_config(o, v));
      variants.push_back(v);
    }
  int n_cand = 0;
  for (const auto& c : configs) n_cand = std::max(n_cand, c.candidates);

  Timer all_t;
  // Inner splits of the training rows (one per fold, seeds rerank_seed + f); their users and
  // items keep the outer ids.
  cf::CandidateRows inner_rows;
  std::vector<int32_t> inner_query_users;  // the user of each inner query
  MUSE_CHECK_ARG(o.rerank_folds >= 1, "--rerank-folds must be at least 1");
  Timer inner_t;
  for (int f = 0; f < o.rerank_folds; ++f) {
    auto [x_inner, inner_held] =
        inner_split(train_rows, ids, x_raw, o.rerank_fraction, o.rerank_seed + f);
    std::vector<int32_t> inner_users;
    inner_rows.append(blend_candidates(ctx, o, x_inner, inner_held, n_cand, true, &inner_users));
    inner_query_users.insert(inner_query_users.end(), inner_users.begin(), inner_users.end());
  }
  const double inner_s = inner_t.seconds();

  // Optional check inside the training rows: rankers trained on the inner queries of even
  // users, scored on the odd users' (nDCG over the relevant items among the candidates).
  nlohmann::json inner_check = nlohmann::json::array();
  if (o.rerank_inner_check) {
    std::vector<size_t> even, odd;
    for (size_t q = 0; q < inner_rows.queries(); ++q)
      (inner_query_users[q] % 2 ? odd : even).push_back(q);
    const auto a = inner_rows.select(even), b = inner_rows.select(odd);
    auto mean_ndcg = [&](const cf::CandidateRows& r,
                         const std::vector<std::vector<int32_t>>& ranked) {
      double s = 0;
      for (size_t q = 0; q < r.queries(); ++q) {
        std::unordered_set<int32_t> rel;
        for (size_t i = r.offsets[q]; i < r.offsets[q + 1]; ++i)
          if (r.labels[i] > 0) rel.insert(r.items[i]);
        s += cf::holdout_score(ranked[q], rel, o.k).ndcg;
      }
      return r.queries() ? s / r.queries() : 0.0;
    };
    std::vector<std::vector<int32_t>> blend_order(b.queries());
    for (size_t q = 0; q < b.queries(); ++q)
      blend_order[q].assign(b.items.begin() + b.offsets[q], b.items.begin() + b.offsets[q + 1]);
    const double blend_b = mean_ndcg(b, blend_order);
    for (const auto& c : configs) {
      cf::Reranker rr;
      rr.train(a, c);
      const double rr_b = mean_ndcg(b, rr.rank(b));
      inner_check.push_back({{"ranker", describe(c)}, {"ndcg", rr_b}, {"blend_ndcg", blend_b}});
      if (!o.json) {
        std::printf(
            "inner check (odd inner users, candidate-restricted nDCG@%d): ranker %.4f, "
            "blend order %.4f  %s\n",
            o.k, rr_b, blend_b, describe(c).c_str());
        std::fflush(stdout);
      }
    }
  }
  Timer train_t;
  std::vector<std::unique_ptr<cf::Reranker>> rankers;
  for (const auto& c : configs) {
    rankers.push_back(std::make_unique<cf::Reranker>());
    rankers.back()->train(inner_rows, c);
  }
  const double train_s = train_t.seconds();
  const size_t inner_queries = rankers.front()->train_queries();
  inner_rows = {};

  Timer outer_t;
  std::vector<int32_t> users;
  auto rows = blend_candidates(ctx, o, x_raw, held, n_cand, false, &users);
  const double outer_s = outer_t.seconds();

  // Candidate recall: share of held-out items (cold ones included) among the candidates.
  size_t in_cand = 0, n_held = 0;
  Figures blend_fig;
  for (size_t q = 0; q < rows.queries(); ++q) {
    const auto& h = held[users[q]];
    n_held += h.size();
    std::vector<int32_t> ranked(rows.items.begin() + rows.offsets[q],
                                rows.items.begin() + rows.offsets[q + 1]);
    for (int32_t i : ranked) in_cand += h.count(i);
    blend_fig.add(cf::holdout_score(ranked, h, o.k));
  }
  blend_fig = blend_fig.mean();
  const double cand_recall = n_held ? double(in_cand) / n_held : 0;

  nlohmann::json out, list = nlohmann::json::array();
  double rank_s = 0;
  for (size_t v = 0; v < configs.size(); ++v) {
    Timer rank_t;
    auto ranked = rankers[v]->rank(rows);
    rank_s += rank_t.seconds();
    Figures fig;
    for (size_t q = 0; q < ranked.size(); ++q)
      fig.add(cf::holdout_score(ranked[q], held[users[q]], o.k));
    fig = fig.mean();
    auto j = fig.to_json();
    j["ranker"] = describe(configs[v]);
    if (v == 0) {
      out = j;
    } else {
      j["grid"] = variants[v];
      list.push_back(j);
    }
    if (!o.json) {
      std::printf("%-10s %s  (%zu users)  %s%s\n", v == 0 ? "rerank" : "  grid",
                  fig.summary(o.k).c_str(), ranked.size(), describe(configs[v]).c_str(),
                  v == 0 ? "" : " (chosen on this split only if it is a validation split)");
      std::fflush(stdout);
    }
  }
  const double all_s = all_t.seconds();
  if (!o.json) {
    std::printf(
        "           candidates %d: recall %.4f, blend order nDCG@%d %.4f; ranker trained on %zu "
        "inner users (%zu rows); fit %.1fs (inner members+features %.1fs, rankers %.1fs, "
        "members+features %.1fs, ranking %.1fs)\n",
        n_cand, cand_recall, o.k, blend_fig.ndcg, inner_queries, rankers.front()->train_rows(),
        all_s, inner_s, train_s, outer_s, rank_s);
    std::fflush(stdout);
  }
  out["fit_seconds"] = all_s;
  out["inner_fit_seconds"] = inner_s;
  out["ranker_train_seconds"] = train_s;
  out["outer_fit_seconds"] = outer_s;
  out["rank_seconds"] = rank_s;
  out["candidates"] = n_cand;
  out["candidate_recall"] = cand_recall;
  out["blend_order_ndcg"] = blend_fig.ndcg;
  out["inner_users"] = inner_queries;
  out["rerank_seed"] = o.rerank_seed;
  out["rerank_folds"] = o.rerank_folds;
  out["rerank_fraction"] = o.rerank_fraction;
  out["blend"] = o.blend;
  out["features"] = rows.feature_names;
  if (!list.empty()) out["grid"] = list;
  if (!inner_check.empty()) out["inner_check"] = inner_check;
  return out;
}

void run_eval_cf(Context& ctx, const CfOpts& o) {
  check_names(o);
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
  CfOpts with_friends;
  if (!o.friends_file.empty()) {
    auto adj = std::make_shared<std::vector<std::vector<int32_t>>>(n_users);
    size_t links = 0;
    for (const auto& r : cf::read_user_items(o.friends_file)) {
      auto a = ids.users.find(r.user), b = ids.users.find(r.item);
      if (a == ids.users.end() || b == ids.users.end() || a->second == b->second) continue;
      (*adj)[a->second].push_back(b->second);
      (*adj)[b->second].push_back(a->second);
      ++links;
    }
    for (auto& v : *adj) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
    }
    with_friends = o;
    with_friends.friends = adj;
    if (!o.json) std::printf("%zu friend links between training users\n", links);
  }
  const CfOpts& opts = o.friends_file.empty() ? o : with_friends;

  // The best nDCG@k any ranking of training items can reach: cold held-out items cap it.
  double cap = 0;
  bool cap_printed = false;
  nlohmann::json methods = nlohmann::json::object();
  for (const auto& name : split(o.methods, ',')) {
    if (name == "rerank") {
      methods[name] = eval_rerank(ctx, opts, train_rows, ids, x_raw, held);
      if (!cap_printed) cap = methods[name]["ndcg_cap"].get<double>(), cap_printed = true;
      continue;
    }
    if (name == "blend") {
      methods[name] = eval_blend(ctx, opts, train_rows, ids, x_raw, held);
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
      std::printf("%-10s %s  (%zu users, fit %.1fs)\n", name.c_str(), fig.summary(o.k).c_str(),
                  queries.size(), fit_s);
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
  s->add_option(
       "--methods", o->methods,
       "comma-separated: "
       "popularity,item_knn,user_knn,rp3beta,als,als_bm25,ease,edlae,gfcf,mult_dae,mult_vae,"
       "lightgcn,blend,rerank")
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
                "per-user scaling of each blend member: max (divide by the largest |score|), "
                "minmax (lowest 0, highest 1) or zscore (mean 0, standard deviation 1)")
      ->check(CLI::IsMember({"max", "minmax", "zscore"}))
      ->capture_default_str();
  s->add_flag("--blend-search", o->blend_search,
              "fit the blend weights on this split (use a validation split, never the test one)");
  s->add_option("--blend-folds", o->blend_folds,
                "learn the blend weights on N inner 80/20 splits of the training rows, starting "
                "from --blend, then refit the members on all of them (0: use --blend as given)")
      ->capture_default_str();
  s->add_option("--blend-seed", o->blend_seed,
                "seed of the first inner split --blend-folds carves (then +1, ...)")
      ->capture_default_str();
  s->add_option("--rp3-weighting", o->rp3_weighting,
                "values for RP3beta: raw, binary, log, bm25, bm25-items")
      ->capture_default_str();
  s->add_option("--rp3-neighbours", o->rp3.neighbours, "RP3beta neighbours per item")
      ->capture_default_str();
  s->add_option("--rp3-alpha", o->rp3.alpha, "RP3beta transition exponent")->capture_default_str();
  s->add_option("--rp3-beta", o->rp3.beta, "RP3beta popularity penalty")->capture_default_str();
  s->add_option("--knn-neighbours", o->knn.neighbours, "item-kNN neighbours per item")
      ->capture_default_str();
  s->add_option("--uknn-neighbours", o->uknn.neighbours, "user-kNN neighbours per query")
      ->capture_default_str();
  s->add_option("--uknn-exponent", o->uknn.exponent, "user-kNN similarity exponent")
      ->capture_default_str();
  s->add_option("--uknn-weighting", o->uknn_weighting,
                "values for user-kNN: raw, binary, log, bm25, bm25-items")
      ->capture_default_str();
  s->add_option("--uease-lambda", o->uease.lambda, "user-EASE ridge penalty")
      ->capture_default_str();
  s->add_option("--uease-weighting", o->uease_weighting,
                "values for user-EASE: raw, binary, log, bm25, bm25-items")
      ->capture_default_str();
  s->add_option("--knn-k1", o->knn.k1, "item-kNN BM25 k1")->capture_default_str();
  s->add_option("--knn-b", o->knn.b, "item-kNN BM25 b")->capture_default_str();
  s->add_option("--factors", o->als.factors, "ALS factors")->capture_default_str();
  s->add_option("--reg", o->als.regularization, "ALS regularisation")->capture_default_str();
  s->add_option("--bm25-reg", o->als_bm25.regularization, "als_bm25: regularisation")
      ->capture_default_str();
  s->add_option("--bm25-item-reg-exponent", o->als_bm25.item_reg_exponent,
                "als_bm25: frequency-scaled item penalty exponent (see --item-reg-exponent)")
      ->capture_default_str();
  s->add_option("--als-seed", o->als.seed, "ALS random initial factors")->capture_default_str();
  s->add_option("--item-reg-exponent", o->als.item_reg_exponent,
                "ALS: item i's penalty is reg * ((n_i + 1) / (mean + 1))^exponent (0 = uniform)")
      ->capture_default_str();
  s->add_option("--dae-hidden", o->dae.hidden, "mult_dae: hidden units")->capture_default_str();
  s->add_option("--dae-epochs", o->dae.epochs, "mult_dae: epochs")->capture_default_str();
  s->add_option("--dae-batch", o->dae.batch, "mult_dae: users per batch")->capture_default_str();
  s->add_option("--dae-lr", o->dae.learning_rate, "mult_dae: Adam learning rate")
      ->capture_default_str();
  s->add_option("--dae-dropout", o->dae.dropout, "mult_dae: input dropout")->capture_default_str();
  s->add_option("--dae-decay", o->dae.weight_decay, "mult_dae: L2 penalty on the weights")
      ->capture_default_str();
  s->add_option("--dae-weighting", o->dae_weighting, "mult_dae: input values")
      ->capture_default_str();
  s->add_option("--vae-hidden", o->vae.hidden, "mult_vae: tanh layer width (0: none)")
      ->capture_default_str();
  s->add_option("--vae-latent", o->vae.latent, "mult_vae: latent size")->capture_default_str();
  s->add_option("--vae-epochs", o->vae.epochs, "mult_vae: epochs")->capture_default_str();
  s->add_option("--vae-beta", o->vae.beta, "mult_vae: cap of the KL weight")->capture_default_str();
  s->add_option("--vae-anneal", o->vae.anneal,
                "mult_vae: share of the updates over which the KL weight rises to its cap")
      ->capture_default_str();
  s->add_option("--vae-dropout", o->vae.dropout, "mult_vae: input dropout")->capture_default_str();
  s->add_option("--vae-decay", o->vae.weight_decay, "mult_vae: L2 penalty on the weights")
      ->capture_default_str();
  s->add_option("--vae-lr", o->vae.learning_rate, "mult_vae: Adam learning rate")
      ->capture_default_str();
  s->add_option("--vae-weighting", o->vae_weighting, "mult_vae: input values")
      ->capture_default_str();
  s->add_option("--lgcn-factors", o->lgcn.factors, "lightgcn: embedding size")
      ->capture_default_str();
  s->add_option("--lgcn-layers", o->lgcn.layers, "lightgcn: propagation layers")
      ->capture_default_str();
  s->add_option("--lgcn-epochs", o->lgcn.epochs, "lightgcn: epochs")->capture_default_str();
  s->add_option("--lgcn-batch", o->lgcn.batch, "lightgcn: BPR triples per step")
      ->capture_default_str();
  s->add_option("--lgcn-lr", o->lgcn.learning_rate, "lightgcn: Adam learning rate")
      ->capture_default_str();
  s->add_option("--lgcn-seed", o->lgcn.seed, "lightgcn: initial embeddings and negatives")
      ->capture_default_str();
  s->add_option("--lgcn-reg", o->lgcn.reg, "lightgcn: L2 on the layer-0 embeddings")
      ->capture_default_str();
  s->add_option("--alpha", o->als.alpha, "ALS confidence scale")->capture_default_str();
  s->add_option("--iterations", o->als.iterations, "ALS iterations")->capture_default_str();
  s->add_option("--ease-lambda", o->ease.lambda, "EASE L2 penalty")->capture_default_str();
  s->add_option(
       "--friends", o->friends_file,
       "user<TAB>friend file (Last.fm user_friends.dat): side data for the 'friends' blend "
       "member (what a user's friends play in the training rows)")
      ->check(CLI::ExistingFile);
  s->add_option("--edlae-lambda", o->edlae.lambda, "EDLAE (denoising EASE) uniform L2 penalty")
      ->capture_default_str();
  s->add_option("--edlae-drop", o->edlae.drop,
                "EDLAE dropout p: item j's penalty grows by p / (1 - p) * its squared column sum")
      ->capture_default_str();
  s->add_option("--gfcf-rank", o->gfcf.rank,
                "GF-CF: singular vectors in the ideal low-pass filter (0 = linear filter only)")
      ->capture_default_str();
  s->add_option("--gfcf-alpha", o->gfcf.alpha, "GF-CF: weight of the ideal low-pass filter")
      ->capture_default_str();
  s->add_option("--gfcf-weighting", o->gfcf_weighting,
                "values for GF-CF: raw, binary, log, bm25, bm25-items")
      ->capture_default_str();
  s->add_option("--ease-min-count", o->ease.min_count,
                "EASE: only items in at least this many rows")
      ->capture_default_str();
  s->add_option("--rerank-candidates", o->rerank.candidates,
                "rerank: the blend's top-N candidates per user the ranker reorders")
      ->capture_default_str();
  s->add_option("--rerank-seed", o->rerank_seed,
                "rerank: seed of the inner 20% split of the training rows the ranker learns on")
      ->capture_default_str();
  s->add_option("--rerank-folds", o->rerank_folds,
                "rerank: inner splits (seeds rerank-seed, +1, ...) whose candidates train the "
                "ranker")
      ->capture_default_str();
  s->add_option("--rerank-fraction", o->rerank_fraction,
                "rerank: share of each user's training items an inner split holds out as labels")
      ->capture_default_str();
  s->add_flag("--rerank-inner-check", o->rerank_inner_check,
              "rerank: also train on half the inner users and report the ranker against the "
              "blend order on the other half (inside the training rows)");
  s->add_option("--rerank-margin", o->rerank.margin,
                "rerank: the trees correct margin x blend score (0 = rank from scratch)")
      ->capture_default_str();
  s->add_option("--rerank-objective", o->rerank.ranker.objective,
                "rerank: XGBoost objective (rank:ndcg, rank:pairwise, rank:map)")
      ->capture_default_str();
  s->add_option("--rerank-depth", o->rerank.ranker.max_depth, "rerank: tree depth")
      ->capture_default_str();
  s->add_option("--rerank-rounds", o->rerank.ranker.rounds, "rerank: boosting rounds")
      ->capture_default_str();
  s->add_option("--rerank-eta", o->rerank.ranker.eta, "rerank: learning rate")
      ->capture_default_str();
  s->add_option("--rerank-min-child", o->rerank.ranker.min_child_weight,
                "rerank: minimum hessian weight per leaf")
      ->capture_default_str();
  s->add_option("--rerank-drop", o->rerank_drop,
                "rerank: features left out, '|'-separated name substrings (e.g. cross_|user_)");
  s->add_option("--rerank-grid", o->rerank_grid,
                "rerank: extra ranker settings to compare, ';'-separated, each "
                "key=value,... (objective, depth, rounds, eta, subsample, colsample, min_child, "
                "candidates, drop); for a validation split only");
  s->add_flag("--json", o->json, "JSON output");
  s->callback([&ctx, o] {
    if (!o->rerank_drop.empty()) o->rerank.drop = split(o->rerank_drop, '|');
    run_eval_cf(ctx, *o);
  });
});

}  // namespace
}  // namespace muse::cli
