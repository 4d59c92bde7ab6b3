#include "cf/recommender.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "util/error.h"
#include "util/parallel_errors.h"

namespace muse::cf {

std::vector<ScoredItem> top_k(std::span<const float> scores, int k,
                              std::span<const int32_t> exclude) {
  std::vector<char> skip;
  if (!exclude.empty()) {
    skip.assign(scores.size(), 0);
    for (int32_t i : exclude)
      if (i >= 0 && static_cast<size_t>(i) < scores.size()) skip[i] = 1;
  }
  std::vector<ScoredItem> out;
  out.reserve(std::min<size_t>(scores.size(), static_cast<size_t>(std::max(k, 0)) * 2 + 16));
  auto better = [](const ScoredItem& a, const ScoredItem& b) {
    return a.score != b.score ? a.score > b.score : a.item < b.item;
  };
  if (k <= 0) return out;
  // Keep a min-heap of the best k.
  for (size_t i = 0; i < scores.size(); ++i) {
    float s = scores[i];
    if (!skip.empty() && skip[i]) continue;
    if (!(s > -std::numeric_limits<float>::infinity())) continue;
    ScoredItem c{static_cast<int32_t>(i), s};
    if (out.size() < static_cast<size_t>(k)) {
      out.push_back(c);
      std::push_heap(out.begin(), out.end(), better);
    } else if (better(c, out.front())) {
      std::pop_heap(out.begin(), out.end(), better);
      out.back() = c;
      std::push_heap(out.begin(), out.end(), better);
    }
  }
  std::sort(out.begin(), out.end(), better);
  return out;
}

std::vector<std::vector<ScoredItem>> Recommender::recommend(std::span<const Query> queries,
                                                            int k) const {
  MUSE_CHECK_ARG(k >= 1, "k must be at least 1, got {}", k);
  std::vector<std::vector<ScoredItem>> out(queries.size());
  const size_t n = static_cast<size_t>(n_items());
  constexpr size_t kBatch = 64;
  for (size_t b = 0; b < queries.size(); b += kBatch) {
    size_t e = std::min(queries.size(), b + kBatch);
    std::vector<float> buf((e - b) * n);
    score(queries.subspan(b, e - b), buf);
    ParallelErrors errors;
#pragma omp parallel for schedule(dynamic, 4) if (e - b > 1)
    for (size_t q = b; q < e; ++q) {
      errors.run([&] {
        out[q] = top_k(std::span<const float>(buf.data() + (q - b) * n, n), k, queries[q].items);
      });
    }
    errors.rethrow();
  }
  return out;
}

void Popularity::fit(const Interactions& x, const ProgressFn&) {
  count_.assign(x.cols(), 0.f);
  for (int32_t c : x.indices()) count_[c] += 1.f;
}

void Popularity::score(std::span<const Query> queries, std::span<float> out) const {
  const size_t n = count_.size();
  MUSE_CHECK(out.size() == queries.size() * n, "score buffer size");
  for (size_t q = 0; q < queries.size(); ++q)
    std::copy(count_.begin(), count_.end(), out.begin() + q * n);
}

Interactions bm25_weight(const Interactions& x, float k1, float b) {
  // Terms are columns: idf = log(N) - log(1 + df).
  const double n = std::max<int32_t>(1, x.rows());
  auto df = x.col_counts();
  std::vector<float> idf(x.cols());
  for (int32_t c = 0; c < x.cols(); ++c)
    idf[c] = static_cast<float>(std::log(n) - std::log1p(df[c]));
  double avg_len = 0;
  for (int32_t r = 0; r < x.rows(); ++r) avg_len += x.row_size(r);
  avg_len = x.rows() > 0 ? avg_len / x.rows() : 1.0;
  std::vector<Triplet> t;
  t.reserve(static_cast<size_t>(x.nnz()));
  for (int32_t r = 0; r < x.rows(); ++r) {
    float len_norm = static_cast<float>((1.0 - b) + b * x.row_size(r) / std::max(avg_len, 1e-9));
    auto idx = x.row_indices(r);
    auto val = x.row_values(r);
    for (size_t k = 0; k < idx.size(); ++k) {
      float v = val[k];
      t.push_back({r, idx[k], v * (k1 + 1.f) / (k1 * len_norm + v) * idf[idx[k]]});
    }
  }
  return Interactions::from_triplets(x.rows(), x.cols(), std::move(t));
}

Interactions bm25_weight_items(const Interactions& x, float k1, float b) {
  const double n_docs = std::max<int32_t>(1, x.cols());
  std::vector<double> len(x.cols(), 0.0);
  for (int64_t k = 0; k < x.nnz(); ++k) len[x.indices()[k]] += x.values()[k];
  double avg_len = 0;
  for (double l : len) avg_len += l;
  avg_len = x.cols() > 0 ? avg_len / x.cols() : 1.0;
  avg_len = std::max(avg_len, 1e-9);
  std::vector<Triplet> t;
  t.reserve(static_cast<size_t>(x.nnz()));
  for (int32_t r = 0; r < x.rows(); ++r) {
    const double idf = std::log(n_docs) - std::log1p(static_cast<double>(x.row_size(r)));
    auto idx = x.row_indices(r);
    auto val = x.row_values(r);
    for (size_t k = 0; k < idx.size(); ++k) {
      const double norm = (1.0 - b) + b * len[idx[k]] / avg_len;
      const double v = val[k];
      t.push_back({r, idx[k], static_cast<float>(v * (k1 + 1.0) / (k1 * norm + v) * idf)});
    }
  }
  return Interactions::from_triplets(x.rows(), x.cols(), std::move(t));
}

std::vector<int32_t> distinct_items(std::span<const int32_t> items, int32_t n_items) {
  std::vector<int32_t> out;
  for (int32_t i : items)
    if (i >= 0 && i < n_items) out.push_back(i);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void TrainingRows::index(const Interactions& x) {
  n_items_ = x.cols();
  rows_.clear();
  for (int32_t u = 0; u < x.rows(); ++u) {
    auto items = distinct_items(x.row_indices(u), n_items_);
    if (!items.empty()) rows_.emplace(std::move(items), u);
  }
}

int32_t TrainingRows::find(std::span<const int32_t> items) const {
  return find_distinct(distinct_items(items, n_items_));
}

int32_t TrainingRows::find_distinct(const std::vector<int32_t>& items) const {
  auto it = rows_.find(items);
  return it == rows_.end() ? -1 : it->second;
}

}  // namespace muse::cf
