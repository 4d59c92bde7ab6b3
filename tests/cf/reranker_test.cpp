#include "cf/reranker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <unordered_set>

#include "cf/metrics.h"
#include "util/error.h"

namespace muse::cf {
namespace {

/// 60 items; even items are popular in the training matrix and they are the only relevant
/// ones, but the single blend member scores every item at random: the blend cannot see the
/// signal, item popularity (a ranker feature) carries it.
struct Planted {
  static constexpr int32_t kItems = 60, kUsers = 240;
  Interactions counts;
  std::vector<Query> queries;
  std::vector<std::unordered_set<int32_t>> relevant;
  std::vector<RerankMember> members;
  Planted() {
    std::mt19937 rng(5);
    std::uniform_int_distribution<int32_t> item(0, kItems - 1);
    std::vector<Triplet> t;
    for (int32_t u = 0; u < kUsers; ++u) {
      Query q;
      std::unordered_set<int32_t> hist;
      while (hist.size() < 4) hist.insert(item(rng));
      for (int32_t i : hist) {
        q.items.push_back(i);
        q.values.push_back(static_cast<float>(1 + item(rng)));
        t.push_back({u, i, q.values.back()});
      }
      // Popular even items: every other user also played ten of them.
      if (u % 2 == 0)
        for (int k = 0; k < 10; ++k) t.push_back({u, 2 * (item(rng) / 2), 1.f});
      std::unordered_set<int32_t> rel;
      while (rel.size() < 3) {
        int32_t i = 2 * (item(rng) / 2);
        if (!hist.count(i)) rel.insert(i);
      }
      queries.push_back(std::move(q));
      relevant.push_back(std::move(rel));
    }
    counts = Interactions::from_triplets(kUsers, kItems, std::move(t));
    RerankMember m{"noise", 1.f, {}};
    std::uniform_real_distribution<float> unit(0.f, 1.f);
    for (size_t k = 0; k < size_t(kUsers) * kItems; ++k) m.scores.push_back(unit(rng));
    members.push_back(std::move(m));
  }
};

RerankerConfig small_config() {
  RerankerConfig c;
  c.ranker = {"rank:ndcg", 30, 3, 0.3f, 1.f, 1.f, 1.f, 1, 7};
  return c;
}

double mean_ndcg(const std::vector<std::vector<int32_t>>& ranked,
                 const std::vector<std::unordered_set<int32_t>>& relevant, size_t from) {
  double s = 0;
  for (size_t q = 0; q < ranked.size(); ++q)
    s += holdout_score(ranked[q], relevant[from + q], 10).ndcg;
  return s / ranked.size();
}

TEST(Reranker, LearnsASignalTheBlendIgnores) {
  Planted p;
  const size_t half = p.queries.size() / 2;
  auto slice = [&](size_t b, size_t e) {
    std::vector<RerankMember> m{{"noise", 1.f, {}}};
    m[0].scores.assign(p.members[0].scores.begin() + b * Planted::kItems,
                       p.members[0].scores.begin() + e * Planted::kItems);
    return m;
  };
  std::span<const Query> qs(p.queries);
  std::span<const std::unordered_set<int32_t>> rel(p.relevant);
  auto train =
      candidate_rows(p.counts, qs.subspan(0, half), slice(0, half), 30, rel.subspan(0, half));
  auto test = candidate_rows(p.counts, qs.subspan(half), slice(half, p.queries.size()), 30);
  ASSERT_EQ(train.queries(), half);
  ASSERT_EQ(train.labels.size(), train.rows());
  EXPECT_TRUE(test.labels.empty());
  EXPECT_EQ(train.n_features, 3 + 13);
  EXPECT_EQ(train.feature_names.front(), "noise_score");
  // Candidates never include the query's own items and come in blend order.
  for (size_t q = 0; q < test.queries(); ++q) {
    const auto& hist = p.queries[half + q].items;
    for (size_t r = test.offsets[q]; r < test.offsets[q + 1]; ++r)
      EXPECT_EQ(std::count(hist.begin(), hist.end(), test.items[r]), 0);
  }

  Reranker rr;
  rr.train(train, small_config());
  EXPECT_GT(rr.train_queries(), 10u);
  auto reranked = rr.rank(test);
  ASSERT_EQ(reranked.size(), test.queries());
  std::vector<std::vector<int32_t>> blend_order(test.queries());
  for (size_t q = 0; q < test.queries(); ++q)
    blend_order[q].assign(test.items.begin() + test.offsets[q],
                          test.items.begin() + test.offsets[q + 1]);
  const double blend = mean_ndcg(blend_order, p.relevant, half);
  const double ranker = mean_ndcg(reranked, p.relevant, half);
  EXPECT_GT(ranker, blend + 0.1) << "blend " << blend << ", ranker " << ranker;

  // Without the item features (and the cross ones built on popularity) the signal is gone.
  auto c = small_config();
  c.drop = {"item_", "cross_"};
  Reranker blind;
  blind.train(train, c);
  EXPECT_LT(mean_ndcg(blind.rank(test), p.relevant, half), ranker);

  // Correcting the blend score (base margin) instead of ranking from scratch: the noise it
  // starts from does not stop the trees from learning the signal.
  c = small_config();
  c.margin = 1.f;
  Reranker corrected;
  corrected.train(train, c);
  EXPECT_GT(mean_ndcg(corrected.rank(test), p.relevant, half), blend + 0.1);

  // A prefix of the candidates: each query gets at most that many back.
  c = small_config();
  c.candidates = 12;
  Reranker few;
  few.train(train, c);
  for (const auto& r : few.rank(test)) EXPECT_LE(r.size(), 12u);
}

TEST(Reranker, ErrorPaths) {
  Planted p;
  std::span<const Query> qs(p.queries);
  EXPECT_THROW(candidate_rows(p.counts, qs, p.members, 0), MuseError);
  EXPECT_THROW(candidate_rows(p.counts, qs, {}, 10), MuseError);
  EXPECT_THROW(candidate_rows(p.counts, qs.subspan(0, 3), p.members, 10), MuseError);

  Reranker rr;
  auto unlabelled = candidate_rows(p.counts, qs, p.members, 10);
  EXPECT_THROW(rr.train(unlabelled, small_config()), MuseError);
  // No relevant candidate anywhere: nothing to learn from.
  std::vector<std::unordered_set<int32_t>> none(p.queries.size());
  auto no_pos = candidate_rows(p.counts, qs, p.members, 10, none);
  try {
    rr.train(no_pos, small_config());
    FAIL() << "expected an error";
  } catch (const MuseError& e) {
    EXPECT_NE(std::string(e.what()).find("at least two training queries"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(rr.trained());
  EXPECT_THROW(rr.rank(unlabelled), MuseError);
  auto c = small_config();
  c.drop = {"_"};  // every feature name has an underscore
  auto labelled = candidate_rows(p.counts, qs, p.members, 10, p.relevant);
  EXPECT_THROW(rr.train(labelled, c), MuseError);
}

}  // namespace
}  // namespace muse::cf
