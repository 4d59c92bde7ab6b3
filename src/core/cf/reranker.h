#pragma once
/// Learning-to-rank over a blend's candidates: each query's top-N items of a weighted blend of
/// recommenders get per-candidate features (every member's score, rank and gap to its 10th best,
/// the blend's, item popularity and play counts, the user's history size, co-occurrence with the
/// user's most played artists) and a gradient-boosted ranker (one group per query) reorders them.
/// Rank-type features are there because the ranker is trained on members fitted on less data
/// than the ones it is applied to: ranks transfer between the two fits better than raw scores.
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "cf/gbdt.h"
#include "cf/recommender.h"

namespace muse::cf {

/// One blend member's scores for a batch of queries.
struct RerankMember {
  std::string name;
  float weight = 1.f;         ///< blend weight
  std::vector<float> scores;  ///< queries x n_items, row-major, scaled per query (e.g. max 1)
};

/// Candidate rows of a batch of queries, one feature row per (query, candidate).
struct CandidateRows {
  int n_features = 0;
  std::vector<std::string> feature_names;
  std::vector<int32_t> items;   ///< one per row; each query's candidates in blend order
  std::vector<size_t> offsets;  ///< rows of query q are [offsets[q], offsets[q + 1])
  std::vector<float> x;         ///< rows x n_features
  std::vector<float> labels;    ///< 1 = relevant, 0 = not; empty when no relevance was given
  size_t queries() const { return offsets.empty() ? 0 : offsets.size() - 1; }
  size_t rows() const { return items.size(); }
  /// Appends another batch's rows (same features), e.g. a second inner split's.
  void append(const CandidateRows& other);
  /// The rows of the given queries, in that order.
  CandidateRows select(std::span<const size_t> queries) const;
};

/// Each query's top `n_candidates` items of the blend sum_m weight_m * scores_m (query items
/// excluded) with their features. `counts` is the training matrix of raw values (play counts)
/// the members were fitted on; query values are raw counts too. With `relevant` (one set per
/// query) the rows get labels.
CandidateRows candidate_rows(const Interactions& counts, std::span<const Query> queries,
                             std::span<const RerankMember> members, int n_candidates,
                             std::span<const std::unordered_set<int32_t>> relevant = {});

struct RerankerConfig {
  /// Candidates per query the ranker sees (at most those in the rows; 0 = all of them).
  int candidates = 0;
  GbdtParams ranker{"rank:ndcg", 300, 6, 0.05f, 0.8f, 0.8f, 1.f, 2, 7};
  /// Features left out: those whose name contains one of these (for ablations).
  std::vector<std::string> drop;
  /// The trees learn a correction to margin * blend_score (0 = they rank from scratch). A prior
  /// of the blend's own order keeps a ranker trained on little data from unlearning it.
  float margin = 0.f;
};

class Reranker {
 public:
  /// Trains on labelled rows, one group per query; queries without a relevant candidate carry
  /// no ranking signal and are skipped. Throws kInvalidArgument for unlabelled rows or fewer
  /// than two queries with a relevant candidate.
  void train(const CandidateRows& rows, const RerankerConfig& config);
  /// Each query's candidates (the first config.candidates of them), best first.
  std::vector<std::vector<int32_t>> rank(const CandidateRows& rows) const;
  bool trained() const { return gbdt_.trained(); }
  /// Queries and rows the last train() used (queries with a relevant candidate).
  size_t train_queries() const { return train_queries_; }
  size_t train_rows() const { return train_rows_; }

 private:
  /// The kept columns of the first `candidates_` rows of query q, appended to out.
  size_t gather(const CandidateRows& rows, size_t q, std::vector<float>* out) const;

  Gbdt gbdt_;
  std::vector<int> columns_;
  int candidates_ = 0;
  int n_features_ = 0;
  float margin_ = 0.f;
  int margin_column_ = -1;  // blend_score
  size_t train_queries_ = 0, train_rows_ = 0;
};

}  // namespace muse::cf
