#pragma once
/// The one interface every collaborative-filtering model implements: fit on a user x item
/// matrix, then score or recommend for batches of queries (a query is a bag of items, e.g.
/// a user's history or a playlist's seed songs — it need not be a row of the training data).
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cf/interactions.h"
#include "util/progress.h"

namespace muse::cf {

struct Query {
  std::vector<int32_t> items;
  std::vector<float> values;  ///< one per item; empty = all 1
  float value(size_t i) const { return values.empty() ? 1.f : values[i]; }
};

struct ScoredItem {
  int32_t item = 0;
  float score = 0;
};

class Recommender {
 public:
  virtual ~Recommender() = default;
  virtual std::string name() const = 0;
  virtual void fit(const Interactions& x, const ProgressFn& progress = {}) = 0;
  virtual int32_t n_items() const = 0;
  /// Scores all items for each query: out is queries.size() x n_items(), row-major.
  /// Query items outside [0, n_items) are ignored.
  virtual void score(std::span<const Query> queries, std::span<float> out) const = 0;
  /// Top-k items per query (query items excluded), best first. Parallel over queries.
  std::vector<std::vector<ScoredItem>> recommend(std::span<const Query> queries, int k) const;
};

/// A query's items in [0, n_items), sorted and without duplicates.
std::vector<int32_t> distinct_items(std::span<const int32_t> items, int32_t n_items);

/// Recognises a query as a training user: models with per-user state (LightGCN's embeddings,
/// user-EASE's zero self-weight) score such a query as that user, any other bag by fold-in.
class TrainingRows {
 public:
  void index(const Interactions& x);  ///< every non-empty row; the first of equal rows wins
  /// The training row whose item set equals the query's (order, duplicates and out-of-range
  /// items ignored), or -1.
  int32_t find(std::span<const int32_t> items) const;
  /// The same for items already passed through distinct_items.
  int32_t find_distinct(const std::vector<int32_t>& items) const;

 private:
  int32_t n_items_ = 0;
  std::map<std::vector<int32_t>, int32_t> rows_;  // sorted item set -> row
};

/// Top-k of a dense score vector, skipping `exclude` (sorted or not) and -inf scores.
std::vector<ScoredItem> top_k(std::span<const float> scores, int k,
                              std::span<const int32_t> exclude = {});

/// Ranks items by how many rows contain them (ties by id).
class Popularity : public Recommender {
 public:
  std::string name() const override { return "popularity"; }
  void fit(const Interactions& x, const ProgressFn& progress = {}) override;
  int32_t n_items() const override { return static_cast<int32_t>(count_.size()); }
  void score(std::span<const Query> queries, std::span<float> out) const override;
  const std::vector<float>& counts() const { return count_; }

 private:
  std::vector<float> count_;
};

/// BM25 weighting of a matrix whose rows are the "documents" (k1, b as in Okapi BM25).
Interactions bm25_weight(const Interactions& x, float k1 = 1.2f, float b = 0.75f);

/// BM25 with the items as the "documents" and the users as the "terms", as the `implicit`
/// library's Last.fm example weights its artist x user matrix: idf = log(items) - log1p(the
/// user's item count), document length = the item's summed values. Unlike bm25_weight this
/// damps items with many plays, which is what makes it a strong input for ALS on play counts.
/// Returns the user x item matrix (same shape as x).
Interactions bm25_weight_items(const Interactions& x, float k1 = 100.f, float b = 0.8f);

}  // namespace muse::cf
