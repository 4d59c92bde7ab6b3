#include "cf/reranker.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "util/error.h"
#include "util/parallel_errors.h"

namespace muse::cf {
namespace {

constexpr int kRankCap = 1000;  // member ranks beyond this are all "far"
constexpr int kTopArtists = 5;  // history items the co-occurrence features look at

constexpr const char* kSharedFeatures[] = {
    "blend_score",       "blend_rank",     "blend_gap10",    "item_log_users", "item_pop_rank",
    "item_log_sum_logp", "item_mean_logp", "user_log_items", "user_log_plays", "user_mean_log_pop",
    "cross_pop_vs_user", "cross_cos_top1", "cross_cos_top5"};
static_assert(std::size(kSharedFeatures) == 13, "candidate_rows writes 13 shared values");

float log2p(double r) { return static_cast<float>(std::log2(1.0 + r)); }

}  // namespace

CandidateRows candidate_rows(const Interactions& counts, std::span<const Query> queries,
                             std::span<const RerankMember> members, int n_candidates,
                             std::span<const std::unordered_set<int32_t>> relevant) {
  MUSE_CHECK_ARG(n_candidates >= 1, "candidates per query must be at least 1, got {}",
                 n_candidates);
  MUSE_CHECK_ARG(!members.empty(), "the re-ranker needs at least one blend member");
  MUSE_CHECK_ARG(relevant.empty() || relevant.size() == queries.size(),
                 "{} relevance sets for {} queries", relevant.size(), queries.size());
  const size_t n_items = static_cast<size_t>(counts.cols());
  for (const auto& m : members)
    MUSE_CHECK_ARG(m.scores.size() == queries.size() * n_items,
                   "member '{}' has {} scores for {} queries x {} items", m.name, m.scores.size(),
                   queries.size(), n_items);

  CandidateRows out;
  for (const auto& m : members)
    for (const char* f : {"_score", "_rank", "_gap10"}) out.feature_names.push_back(m.name + f);
  for (const char* f : kSharedFeatures) out.feature_names.push_back(f);
  const int nf = static_cast<int>(out.feature_names.size());
  out.n_features = nf;

  // Item statistics of the training matrix.
  const auto users_of = counts.col_counts();
  std::vector<double> sum_logp(n_items, 0);
  for (size_t j = 0; j < counts.indices().size(); ++j)
    sum_logp[counts.indices()[j]] += std::log1p(std::max(0.f, counts.values()[j]));
  std::vector<float> log_users(n_items), pop_rank(n_items), log_sum_logp(n_items),
      mean_logp(n_items);
  {
    std::vector<int32_t> order(n_items);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int32_t a, int32_t b) { return users_of[a] > users_of[b]; });
    for (size_t r = 0; r < n_items; ++r) pop_rank[order[r]] = log2p(static_cast<double>(r));
  }
  for (size_t i = 0; i < n_items; ++i) {
    log_users[i] = static_cast<float>(std::log1p(users_of[i]));
    log_sum_logp[i] = static_cast<float>(std::log1p(sum_logp[i]));
    mean_logp[i] = users_of[i] ? static_cast<float>(sum_logp[i] / users_of[i]) : 0.f;
  }
  const Interactions xt = counts.transpose();

  // Candidates first (so every query's rows have a fixed place), then features in parallel.
  const size_t nq = queries.size();
  std::vector<std::vector<ScoredItem>> cands(nq);
  ParallelErrors errors;
#pragma omp parallel
  {
    std::vector<float> blend(n_items);
#pragma omp for schedule(dynamic, 8)
    for (size_t q = 0; q < nq; ++q) {
      errors.run([&] {
        std::fill(blend.begin(), blend.end(), 0.f);
        for (const auto& m : members) {
          const float* s = m.scores.data() + q * n_items;
          for (size_t i = 0; i < n_items; ++i) blend[i] += m.weight * s[i];
        }
        cands[q] = top_k(blend, n_candidates, queries[q].items);
      });
    }
  }
  errors.rethrow();
  out.offsets.assign(nq + 1, 0);
  for (size_t q = 0; q < nq; ++q) out.offsets[q + 1] = out.offsets[q] + cands[q].size();
  const size_t rows = out.offsets[nq];
  out.items.resize(rows);
  out.x.assign(rows * nf, 0.f);
  if (!relevant.empty()) out.labels.assign(rows, 0.f);

#pragma omp parallel
  {
    std::vector<char> hist(n_items, 0);
    std::vector<float> sorted;
    std::vector<int32_t> co(n_items, 0);
#pragma omp for schedule(dynamic, 8)
    for (size_t q = 0; q < nq; ++q) {
      errors.run([&] {
        const Query& query = queries[q];
        const auto& cs = cands[q];
        if (cs.empty()) return;
        const size_t base = out.offsets[q];
        for (size_t r = 0; r < cs.size(); ++r) {
          out.items[base + r] = cs[r].item;
          if (!relevant.empty()) out.labels[base + r] = relevant[q].count(cs[r].item) ? 1.f : 0.f;
        }
        auto row = [&](size_t r) { return out.x.data() + (base + r) * nf; };
        for (int32_t i : query.items)
          if (i >= 0 && static_cast<size_t>(i) < n_items) hist[i] = 1;

        // Per member: scaled score, rank among the user's unseen items, gap to the 10th best.
        for (size_t mi = 0; mi < members.size(); ++mi) {
          const auto& m = members[mi];
          const int col = 3 * static_cast<int>(mi);
          const float* s = m.scores.data() + q * n_items;
          sorted.clear();
          for (size_t i = 0; i < n_items; ++i)
            if (!hist[i]) sorted.push_back(s[i]);
          const size_t top = std::min<size_t>(kRankCap, sorted.size());
          if (top == 0) continue;
          std::nth_element(sorted.begin(), sorted.begin() + (top - 1), sorted.end(),
                           std::greater<float>());
          std::sort(sorted.begin(), sorted.begin() + top, std::greater<float>());
          const float tenth = sorted[std::min<size_t>(9, top - 1)];
          for (size_t r = 0; r < cs.size(); ++r) {
            const float v = s[cs[r].item];
            size_t rank = static_cast<size_t>(
                std::lower_bound(sorted.begin(), sorted.begin() + top, v, std::greater<float>()) -
                sorted.begin());
            float* f = row(r);
            f[col] = v;
            f[col + 1] = log2p(static_cast<double>(rank));
            f[col + 2] = v - tenth;
          }
        }
        const int col = 3 * static_cast<int>(members.size());

        // User statistics.
        double plays = 0, pop = 0;
        for (size_t k = 0; k < query.items.size(); ++k) {
          plays += std::max(0.f, query.value(k));
          int32_t i = query.items[k];
          if (i >= 0 && static_cast<size_t>(i) < n_items) pop += log_users[i];
        }
        const float user_pop =
            query.items.empty() ? 0.f : static_cast<float>(pop / query.items.size());

        // Co-occurrence (cosine over users) with the most played history items.
        std::vector<size_t> by_plays(query.items.size());
        std::iota(by_plays.begin(), by_plays.end(), 0);
        std::stable_sort(by_plays.begin(), by_plays.end(),
                         [&](size_t a, size_t b) { return query.value(a) > query.value(b); });
        std::vector<float> cos1(cs.size(), 0.f), cos5(cs.size(), 0.f);
        int n_top = 0;
        for (size_t k = 0; k < by_plays.size() && n_top < kTopArtists; ++k) {
          const int32_t t = query.items[by_plays[k]];
          if (t < 0 || t >= xt.rows() || xt.row_size(t) == 0) continue;
          std::fill(co.begin(), co.end(), 0);
          for (int32_t v : xt.row_indices(t))
            for (int32_t j : counts.row_indices(v)) ++co[j];
          const double nt = static_cast<double>(xt.row_size(t));
          for (size_t r = 0; r < cs.size(); ++r) {
            const int32_t c = cs[r].item;
            const float cosv =
                users_of[c] ? static_cast<float>(co[c] / std::sqrt(nt * users_of[c])) : 0.f;
            if (n_top == 0) cos1[r] = cosv;
            cos5[r] += cosv;
          }
          ++n_top;
        }

        const float tenth = cs[std::min<size_t>(9, cs.size() - 1)].score;
        for (size_t r = 0; r < cs.size(); ++r) {
          const int32_t c = cs[r].item;
          float* f = row(r) + col;
          f[0] = cs[r].score;
          f[1] = log2p(static_cast<double>(r));
          f[2] = cs[r].score - tenth;
          f[3] = log_users[c];
          f[4] = pop_rank[c];
          f[5] = log_sum_logp[c];
          f[6] = mean_logp[c];
          f[7] = static_cast<float>(std::log1p(query.items.size()));
          f[8] = static_cast<float>(std::log1p(plays));
          f[9] = user_pop;
          f[10] = log_users[c] - user_pop;
          f[11] = cos1[r];
          f[12] = n_top ? cos5[r] / n_top : 0.f;
        }
        for (int32_t i : query.items)
          if (i >= 0 && static_cast<size_t>(i) < n_items) hist[i] = 0;
      });
    }
  }
  errors.rethrow();
  return out;
}

void CandidateRows::append(const CandidateRows& other) {
  if (offsets.empty()) {
    *this = other;
    return;
  }
  MUSE_CHECK_ARG(other.feature_names == feature_names, "candidate rows of other features");
  MUSE_CHECK_ARG(labels.empty() == other.labels.empty(),
                 "cannot mix labelled and unlabelled candidate rows");
  const size_t base = rows();
  items.insert(items.end(), other.items.begin(), other.items.end());
  for (size_t q = 1; q < other.offsets.size(); ++q) offsets.push_back(base + other.offsets[q]);
  x.insert(x.end(), other.x.begin(), other.x.end());
  labels.insert(labels.end(), other.labels.begin(), other.labels.end());
}

CandidateRows CandidateRows::select(std::span<const size_t> qs) const {
  CandidateRows out;
  out.n_features = n_features;
  out.feature_names = feature_names;
  out.offsets.push_back(0);
  for (size_t q : qs) {
    MUSE_CHECK_ARG(q < queries(), "query {} of {}", q, queries());
    const size_t b = offsets[q], e = offsets[q + 1];
    out.items.insert(out.items.end(), items.begin() + b, items.begin() + e);
    out.x.insert(out.x.end(), x.begin() + b * n_features, x.begin() + e * n_features);
    if (!labels.empty())
      out.labels.insert(out.labels.end(), labels.begin() + b, labels.begin() + e);
    out.offsets.push_back(out.items.size());
  }
  return out;
}

size_t Reranker::gather(const CandidateRows& rows, size_t q, std::vector<float>* out) const {
  const size_t b = rows.offsets[q], e = rows.offsets[q + 1];
  const size_t n = candidates_ > 0 ? std::min<size_t>(e - b, candidates_) : e - b;
  for (size_t r = b; r < b + n; ++r) {
    const float* f = rows.x.data() + r * rows.n_features;
    for (int c : columns_) out->push_back(f[c]);
  }
  return n;
}

void Reranker::train(const CandidateRows& rows, const RerankerConfig& config) {
  MUSE_CHECK_ARG(config.candidates >= 0, "ranker candidates must be >= 0, got {}",
                 config.candidates);
  MUSE_CHECK_ARG(rows.labels.size() == rows.rows(),
                 "the re-ranker needs labelled candidate rows ({} labels for {} rows)",
                 rows.labels.size(), rows.rows());
  columns_.clear();
  for (int c = 0; c < rows.n_features; ++c) {
    const auto& name = rows.feature_names[c];
    bool dropped = std::any_of(config.drop.begin(), config.drop.end(), [&](const std::string& d) {
      return name.find(d) != std::string::npos;
    });
    if (!dropped) columns_.push_back(c);
  }
  MUSE_CHECK_ARG(!columns_.empty(), "every re-ranker feature was dropped");
  candidates_ = config.candidates;
  n_features_ = rows.n_features;
  margin_ = config.margin;
  auto mc = std::find(rows.feature_names.begin(), rows.feature_names.end(), "blend_score");
  MUSE_CHECK_ARG(mc != rows.feature_names.end(), "candidate rows have no blend_score");
  margin_column_ = static_cast<int>(mc - rows.feature_names.begin());
  std::vector<float> x, y, base;
  std::vector<unsigned> groups;
  for (size_t q = 0; q < rows.queries(); ++q) {
    const size_t b = rows.offsets[q];
    const size_t n = candidates_ > 0 ? std::min<size_t>(rows.offsets[q + 1] - b, candidates_)
                                     : rows.offsets[q + 1] - b;
    if (std::none_of(rows.labels.begin() + b, rows.labels.begin() + b + n,
                     [](float l) { return l > 0; }))
      continue;
    gather(rows, q, &x);
    y.insert(y.end(), rows.labels.begin() + b, rows.labels.begin() + b + n);
    if (margin_ != 0.f)
      for (size_t r = b; r < b + n; ++r)
        base.push_back(margin_ * rows.x[r * rows.n_features + margin_column_]);
    groups.push_back(static_cast<unsigned>(n));
  }
  MUSE_CHECK_ARG(groups.size() >= 2,
                 "the re-ranker needs at least two training queries with a relevant candidate, "
                 "got {} of {} queries",
                 groups.size(), rows.queries());
  train_queries_ = groups.size();
  train_rows_ = y.size();
  gbdt_.train(x, static_cast<int>(columns_.size()), y, groups, config.ranker, base);
}

std::vector<std::vector<int32_t>> Reranker::rank(const CandidateRows& rows) const {
  MUSE_CHECK(gbdt_.trained(), "re-ranker not trained");
  MUSE_CHECK_ARG(rows.n_features == n_features_, "candidate rows have {} features, ranker {}",
                 rows.n_features, n_features_);
  std::vector<float> x;
  std::vector<size_t> kept(rows.queries());
  for (size_t q = 0; q < rows.queries(); ++q) kept[q] = gather(rows, q, &x);
  auto scores = gbdt_.predict(x.data(), x.size() / columns_.size());
  if (margin_ != 0.f) {
    size_t at = 0;
    for (size_t q = 0; q < rows.queries(); ++q)
      for (size_t r = rows.offsets[q]; r < rows.offsets[q] + kept[q]; ++r)
        scores[at++] += margin_ * rows.x[r * rows.n_features + margin_column_];
  }
  std::vector<std::vector<int32_t>> out(rows.queries());
  size_t at = 0;
  for (size_t q = 0; q < rows.queries(); ++q) {
    std::vector<size_t> order(kept[q]);
    std::iota(order.begin(), order.end(), 0);
    // Ties keep the blend's order.
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return scores[at + a] > scores[at + b]; });
    for (size_t r : order) out[q].push_back(rows.items[rows.offsets[q] + r]);
    at += kept[q];
  }
  return out;
}

}  // namespace muse::cf
