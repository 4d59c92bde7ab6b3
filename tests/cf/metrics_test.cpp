#include "cf/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <unordered_set>

namespace muse::cf {
namespace {

TEST(Ndcg, HandWorkedExamples) {
  // Relevant at ranks 1 and 3 of 2 relevant: (1 + 1/log2(4)) / (1 + 1/log2(3)) = 1.5 / 1.63093.
  std::vector<char> a = {1, 0, 1};
  EXPECT_NEAR(ndcg(a, 2, 100), 1.5 / (1.0 + 1.0 / std::log2(3.0)), 1e-9);
  EXPECT_NEAR(ndcg(a, 2, 100), 0.919721, 1e-6);
  // One relevant item found at rank 2: 1/log2(3).
  std::vector<char> b = {0, 1};
  EXPECT_NEAR(ndcg(b, 1, 100), 0.630930, 1e-6);
  // Perfect ranking.
  std::vector<char> c = {1, 1, 1};
  EXPECT_DOUBLE_EQ(ndcg(c, 3, 10), 1.0);
  // Nothing found, or nothing to find.
  std::vector<char> d = {0, 0, 0};
  EXPECT_EQ(ndcg(d, 3, 10), 0.0);
  EXPECT_EQ(ndcg(c, 0, 10), 0.0);
}

TEST(Ndcg, IdealIsCappedAtK) {
  // 150 hidden songs, all 100 answers right: the ideal DCG is over min(150, 100) = 100 ranks.
  std::vector<char> all(100, 1);
  EXPECT_NEAR(ndcg(all, 150, 100), 1.0, 1e-12);
  // Only the first k answers count.
  std::vector<char> late(11, 0);
  late[10] = 1;
  EXPECT_EQ(ndcg(late, 1, 10), 0.0);
}

TEST(Ndcg, TagExampleTwoTagsAtRanksTwoAndFour) {
  // Tags ["x","pop","y","dance pop"] against {"pop","dance pop"}: (1/log2(3) + 1/log2(5)) / (1 +
  // 1/log2(3)).
  std::unordered_set<std::string> truth = {"pop", "dance pop"};
  std::vector<std::string> ranked = {"x", "pop", "y", "dance pop"};
  auto hits = hit_vector(ranked, truth, 10);
  EXPECT_NEAR(ndcg(hits, truth.size(), 10),
              (1 / std::log2(3.0) + 1 / std::log2(5.0)) / (1 + 1 / std::log2(3.0)), 1e-12);
}

TEST(HitVector, DuplicatesInTheRankingCountOnce) {
  std::unordered_set<int> truth = {1, 2};
  std::vector<int> ranked = {1, 1, 2};
  auto hits = hit_vector(ranked, truth, 10);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_DOUBLE_EQ(ndcg(hits, 2, 10), 1.0);
  EXPECT_DOUBLE_EQ(recall(hits, 4), 0.5);
}

TEST(HoldoutScore, ColdItemsCountAsRelevantAndCapTheScore) {
  // Held out: items 3 and 5 (seen in training) and one cold item (-1). Ranked 5, 7, 3: hits at
  // ranks 1 and 3. IDCG over 3 relevant = 1 + 1/log2(3) + 1/2 = 2.130930.
  std::unordered_set<int32_t> held = {3, 5, -1};
  std::vector<int32_t> ranked = {5, 7, 3};
  auto s = holdout_score(ranked, held, 10);
  const double idcg3 = 1 + 1 / std::log2(3.0) + 0.5, idcg2 = 1 + 1 / std::log2(3.0);
  EXPECT_EQ(s.warm, 2u);
  EXPECT_NEAR(s.ndcg, 1.5 / idcg3, 1e-12);
  EXPECT_NEAR(s.ndcg, 0.703918, 1e-6);
  EXPECT_NEAR(s.recall, 2.0 / 3.0, 1e-12);
  // Best possible: both warm items at ranks 1 and 2, the cold one never.
  EXPECT_NEAR(s.ndcg_cap, idcg2 / idcg3, 1e-12);  // 0.765345
  EXPECT_NEAR(s.ndcg_warm, 1.5 / idcg2, 1e-12);   // 0.919721
  EXPECT_DOUBLE_EQ(s.recall_warm, 1.0);
  // Cut-off 1: only rank 1 counts; ideal over min(3, 1) = 1 rank.
  auto s1 = holdout_score(ranked, held, 1);
  EXPECT_DOUBLE_EQ(s1.ndcg, 1.0);
  EXPECT_DOUBLE_EQ(s1.ndcg_cap, 1.0);
  // Only cold items held out: nothing can be found, the cap is 0.
  std::unordered_set<int32_t> cold = {-1, -2};
  auto c = holdout_score(ranked, cold, 10);
  EXPECT_EQ(c.warm, 0u);
  EXPECT_EQ(c.ndcg, 0.0);
  EXPECT_EQ(c.ndcg_cap, 0.0);
  EXPECT_EQ(c.ndcg_warm, 0.0);
}

}  // namespace
}  // namespace muse::cf
