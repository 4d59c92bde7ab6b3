#include "explore/kmeans.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <set>

#include "explore/random.h"
#include "util/error.h"

namespace muse::explore {
namespace {

/// `k` Gaussian blobs of `per` points in `d` dimensions, centres `sep` apart; labels = blob.
RowMatrix planted(int k, int per, int d, float sep, uint64_t seed, std::vector<int32_t>* truth) {
  SplitMix64 rng(seed);
  auto gauss = [&] {
    double u1 = std::max(rng.uniform(), 1e-12), u2 = rng.uniform();
    return static_cast<float>(std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  };
  RowMatrix centres(k, d);
  for (int c = 0; c < k; ++c) {
    for (int j = 0; j < d; ++j) centres(c, j) = sep * gauss();
  }
  RowMatrix x(k * per, d);
  truth->clear();
  for (int c = 0; c < k; ++c) {
    for (int i = 0; i < per; ++i) {
      for (int j = 0; j < d; ++j) x(c * per + i, j) = centres(c, j) + gauss();
      truth->push_back(c);
    }
  }
  return x;
}

TEST(KMeans, RecoversPlantedClusters) {
  std::vector<int32_t> truth;
  RowMatrix x = planted(6, 150, 8, 8.f, 1, &truth);
  KMeansParams p;
  p.k = 6;
  p.seed = 7;
  p.restarts = 3;
  auto res = KMeans(p).fit(x);
  EXPECT_GT(adjusted_rand_index(truth, res.labels), 0.99);
  ASSERT_EQ(res.sizes.size(), 6u);
  for (auto s : res.sizes) EXPECT_NEAR(s, 150, 5);
  EXPECT_GT(res.iterations, 0);
  // Every label is the nearest centroid.
  std::vector<int32_t> again(x.rows());
  KMeans::assign(x, res.centroids, again.data(), nullptr);
  EXPECT_EQ(again, res.labels);
}

TEST(KMeans, PlusPlusSeedsOnePerBlob) {
  std::vector<int32_t> truth;
  RowMatrix x = planted(5, 100, 4, 20.f, 3, &truth);
  RowMatrix c = KMeans::init_plus_plus(x, 5, 0, 11);
  std::vector<int32_t> blob(5);
  KMeans::assign(c, x, blob.data(), nullptr);  // nearest data row of each seed
  std::set<int32_t> blobs;
  for (int32_t r : blob) blobs.insert(truth[r]);
  EXPECT_EQ(blobs.size(), 5u);
}

TEST(KMeans, DeterministicForASeedAndThreadCount) {
  std::vector<int32_t> truth;
  RowMatrix x = planted(10, 80, 6, 3.f, 5, &truth);
  KMeansParams p;
  p.k = 10;
  p.seed = 123;
  p.restarts = 2;
  auto a = KMeans(p).fit(x);
  auto b = KMeans(p).fit(x);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_TRUE(a.centroids == b.centroids);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  auto c = KMeans(p).fit(x);
  omp_set_num_threads(saved);
  EXPECT_EQ(a.labels, c.labels);
  EXPECT_DOUBLE_EQ(a.inertia, c.inertia);
  // Another seed starts from other centres.
  RowMatrix s1 = KMeans::init_plus_plus(x, 10, 0, 1), s2 = KMeans::init_plus_plus(x, 10, 0, 2);
  EXPECT_FALSE(s1 == s2);
  EXPECT_TRUE(s1 == KMeans::init_plus_plus(x, 10, 0, 1));
}

TEST(KMeans, SampledSeedingStillFindsBlobs) {
  std::vector<int32_t> truth;
  RowMatrix x = planted(4, 500, 5, 10.f, 9, &truth);
  KMeansParams p;
  p.k = 4;
  p.init_sample = 200;
  auto res = KMeans(p).fit(x);
  EXPECT_GT(adjusted_rand_index(truth, res.labels), 0.99);
}

TEST(KMeans, MoreClustersThanDistinctPointsIsHandled) {
  RowMatrix x(6, 2);
  x << 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1;
  KMeansParams p;
  p.k = 4;
  auto res = KMeans(p).fit(x);
  EXPECT_EQ(res.labels.size(), 6u);
  EXPECT_NEAR(res.inertia, 0.0, 1e-9);
}

TEST(KMeans, BadInputIsRejected) {
  RowMatrix x = RowMatrix::Random(20, 3);
  KMeansParams p;
  p.k = 0;
  EXPECT_THROW(KMeans{p}, MuseError);
  p.k = -3;
  EXPECT_THROW(KMeans{p}, MuseError);
  p.k = 21;
  try {
    KMeans(p).fit(x);
    FAIL() << "k > n accepted";
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("larger than the number of points"), std::string::npos);
  }
  p.k = 2;
  EXPECT_THROW(KMeans(p).fit(RowMatrix(0, 3)), MuseError);
  RowMatrix bad = x;
  bad(3, 1) = std::nanf("");
  EXPECT_THROW(KMeans(p).fit(bad), MuseError);
  p.restarts = 0;
  EXPECT_THROW(KMeans{p}, MuseError);
}

TEST(KMeans, AdjustedRandIndex) {
  std::vector<int32_t> a = {0, 0, 1, 1, 2, 2}, b = {5, 5, 3, 3, 9, 9}, c = {0, 1, 0, 1, 0, 1};
  EXPECT_DOUBLE_EQ(adjusted_rand_index(a, b), 1.0);
  EXPECT_LT(adjusted_rand_index(a, c), 0.1);
  EXPECT_THROW(adjusted_rand_index(a, {0, 1}), MuseError);
}

}  // namespace
}  // namespace muse::explore
