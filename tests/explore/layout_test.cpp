#include "explore/layout.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "explore/random.h"
#include "util/error.h"

namespace muse::explore {
namespace {

/// Points on 8 separate noisy curves in 10-D: local neighbourhoods are well defined, and a
/// linear projection to 2-D mixes the curves.
RowMatrix curves(int per, uint64_t seed) {
  SplitMix64 rng(seed);
  const int k = 8, d = 10;
  RowMatrix dir(k, d), off(k, d);
  for (int c = 0; c < k; ++c) {
    for (int j = 0; j < d; ++j) {
      dir(c, j) = static_cast<float>(rng.uniform() * 2 - 1);
      off(c, j) = static_cast<float>(rng.uniform() * 6 - 3);
    }
  }
  RowMatrix x(k * per, d);
  for (int c = 0; c < k; ++c) {
    for (int i = 0; i < per; ++i) {
      const float t = static_cast<float>(i) / per * 6.f;
      for (int j = 0; j < d; ++j) {
        x(c * per + i, j) = off(c, j) + dir(c, j) * t + 0.8f * std::sin(t * (j + 1) * 0.7f) +
                            static_cast<float>(rng.uniform() - 0.5) * 0.05f;
      }
    }
  }
  return x;
}

TEST(Layout, KnnGraphExcludesSelfAndIsSorted) {
  RowMatrix x = curves(30, 1);
  auto g = knn_graph(x, 5);
  ASSERT_EQ(g.neighbors.size(), x.rows() * 5u);
  for (int64_t i = 0; i < x.rows(); ++i) {
    for (int j = 0; j < 5; ++j) {
      EXPECT_NE(g.neighbors[i * 5 + j], i);
      if (j > 0) {
        EXPECT_LE(g.distances[i * 5 + j - 1], g.distances[i * 5 + j] + 1e-6f);
      }
    }
  }
  EXPECT_THROW(knn_graph(x, 0), MuseError);
  EXPECT_THROW(knn_graph(x, static_cast<int>(x.rows())), MuseError);
}

TEST(Layout, UmapPreservesNeighboursBetterThanRandomAndPca) {
  RowMatrix x = curves(100, 2);
  auto g = knn_graph(x, 10);
  UmapParams p;
  p.seed = 3;
  RowMatrix y = umap_layout(x, g, p);
  ASSERT_EQ(y.rows(), x.rows());
  ASSERT_EQ(y.cols(), 2);
  ASSERT_TRUE(y.allFinite());
  RowMatrix pca = pca_layout(x);
  RowMatrix rnd(x.rows(), 2);
  SplitMix64 rng(4);
  for (Eigen::Index i = 0; i < rnd.size(); ++i) rnd.data()[i] = static_cast<float>(rng.uniform());
  const double u = neighbourhood_preservation(x, y, 10, 400, 5);
  const double l = neighbourhood_preservation(x, pca, 10, 400, 5);
  const double r = neighbourhood_preservation(x, rnd, 10, 400, 5);
  EXPECT_LT(r, 0.05);
  EXPECT_GT(u, 0.4);
  EXPECT_GT(u, l);
  EXPECT_GT(u, 5 * r);
}

TEST(Layout, PreservationIsOneForTheSameSpace) {
  RowMatrix x = curves(20, 6);
  RowMatrix pca = pca_layout(x);
  EXPECT_NEAR(neighbourhood_preservation(pca, pca, 5, 1000, 1), 1.0, 1e-9);
}

TEST(Layout, SeededSingleThreadRunsRepeat) {
  RowMatrix x = curves(20, 7);
  auto g = knn_graph(x, 5);
  UmapParams p;
  p.epochs = 50;
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  RowMatrix a = umap_layout(x, g, p);
  RowMatrix b = umap_layout(x, g, p);
  omp_set_num_threads(saved);
  EXPECT_TRUE(a == b);
}

TEST(Layout, BadInput) {
  RowMatrix one(1, 3);
  one.setZero();
  EXPECT_THROW(knn_graph(one, 1), MuseError);
  KnnGraph g;
  g.k = 3;
  RowMatrix x = curves(5, 1);
  EXPECT_THROW(umap_layout(x, g), MuseError);  // graph does not match the points
  EXPECT_THROW(neighbourhood_preservation(x, RowMatrix(3, 2), 5, 10, 1), MuseError);
  EXPECT_THROW(pca_layout(RowMatrix(0, 3)), MuseError);
}

}  // namespace
}  // namespace muse::explore
