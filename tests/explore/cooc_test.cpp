#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "explore/catalog_map.h"
#include "explore/cluster_eval.h"
#include "explore/cooc_factors.h"
#include "explore/kmeans.h"
#include "explore/random.h"
#include "util/error.h"

namespace muse::explore {
namespace {

float gauss(SplitMix64& rng) {
  double u1 = std::max(rng.uniform(), 1e-12), u2 = rng.uniform();
  return static_cast<float>(std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2));
}

/// 200 tracks: two sound groups (audio) crossed with two "scenes" that sound the same but
/// live in different playlists. Truth = 2 * scene + sound.
struct Planted {
  RowMatrix audio;
  std::vector<int32_t> truth, sound;
  std::vector<std::vector<uint32_t>> playlists;
};

Planted planted(uint64_t seed) {
  Planted p;
  SplitMix64 rng(seed);
  const int n = 200, d = 4;
  p.audio.resize(n, d);
  std::vector<uint32_t> by_scene[2];
  for (int i = 0; i < n; ++i) {
    const int sound = i % 2, scene = (i / 2) % 2;
    for (int j = 0; j < d; ++j) p.audio(i, j) = 0.3f * gauss(rng) + (j == 0 ? 2.f * sound - 1 : 0);
    p.truth.push_back(2 * scene + sound);
    p.sound.push_back(sound);
    by_scene[scene].push_back(static_cast<uint32_t>(i));
  }
  for (int s = 0; s < 2; ++s) {
    for (int rep = 0; rep < 8; ++rep) {  // every track in eight playlists of its scene
      auto v = by_scene[s];
      for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
      for (size_t b = 0; b < v.size(); b += 10)
        p.playlists.emplace_back(v.begin() + b, v.begin() + std::min(v.size(), b + 10));
    }
  }
  return p;
}

TEST(CoocFactors, PlaylistsSeparateWhatAudioCannot) {
  Planted p = planted(7);
  KnnGraph g = knn_graph(p.audio, 10);
  CoocParams cp;
  cp.factors = 4;
  CoocEmbedding emb = learn_cooc_factors(p.playlists, p.audio.rows(), g, cp);
  EXPECT_EQ(emb.playlists, p.playlists.size());
  EXPECT_EQ(emb.learned_rows, 200u);
  EXPECT_EQ(emb.imputed_rows, 0u);
  double scale = 0;
  RowMatrix cx = combine_features(p.audio, emb.factors, 1.f, &scale);
  EXPECT_GT(scale, 0);
  KMeansParams kp;
  kp.k = 4;
  kp.restarts = 3;
  const double with = adjusted_rand_index(KMeans(kp).fit(cx).labels, p.truth);
  const double audio_only = adjusted_rand_index(KMeans(kp).fit(p.audio).labels, p.truth);
  EXPECT_GT(with, 0.9) << "audio only " << audio_only;
  EXPECT_LT(audio_only, 0.6);
}

TEST(CoocFactors, UnseenTracksTakeTheirAudioNeighboursMean) {
  // Rows 0-3 are in playlists; 4's neighbours are 0 and 1; 5 and 6 only see each other.
  KnnGraph g;
  g.k = 2;
  g.neighbors = {1, 2, 0, 2, 3, 0, 2, 1, 0, 1, 6, 6, 5, 5};
  g.distances.assign(14, 1.f);
  CoocParams cp;
  cp.factors = 3;
  std::vector<std::vector<uint32_t>> pls = {{0, 1}, {2, 3}, {0, 2}, {5}};  // {5}: too short
  CoocEmbedding e = learn_cooc_factors(pls, 7, g, cp);
  EXPECT_EQ(e.playlists, 3u);
  EXPECT_EQ(e.learned_rows, 4u);
  EXPECT_EQ(e.imputed_rows, 1u);
  EXPECT_EQ(e.fallback_rows, 2u);
  for (int j = 0; j < 3; ++j) {
    EXPECT_NEAR(e.factors(4, j), 0.5f * (e.factors(0, j) + e.factors(1, j)), 1e-5);
    EXPECT_EQ(e.factors(5, j), 0.f);
    EXPECT_EQ(e.factors(6, j), 0.f);
  }
  EXPECT_GT(e.factors.topRows(4).squaredNorm(), 0.f);
}

TEST(CoocFactors, CombineBalancesTheBlocks) {
  SplitMix64 rng(3);
  RowMatrix a(500, 5), f(500, 7);
  for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = 2.f * gauss(rng);
  for (Eigen::Index i = 0; i < f.size(); ++i) f.data()[i] = 0.01f * gauss(rng);
  for (float w : {0.25f, 1.f, 4.f}) {
    double s = 0;
    RowMatrix c = combine_features(a, f, w, &s);
    ASSERT_EQ(c.cols(), 12);
    EXPECT_TRUE(c.leftCols(5) == a);
    EXPECT_NEAR(total_variance(c.rightCols(7)) / total_variance(a), w, 1e-3 * w);
  }
  RowMatrix z = combine_features(a, f, 0.f);
  EXPECT_EQ(z.rightCols(7).squaredNorm(), 0.f);
  EXPECT_THROW(combine_features(a, f, -1.f), MuseError);
  EXPECT_THROW(combine_features(a, f, NAN), MuseError);
  EXPECT_THROW(combine_features(a, RowMatrix(3, 7), 1.f), MuseError);
}

TEST(CoocFactors, BadInputIsRejected) {
  RowMatrix x = RowMatrix::Random(20, 3);
  KnnGraph g = knn_graph(x, 4);
  CoocParams cp;
  EXPECT_THROW(learn_cooc_factors({{0, 20}}, 20, g, cp), MuseError);  // row out of range
  EXPECT_THROW(learn_cooc_factors({{0, 1}}, 21, g, cp), MuseError);   // graph of another size
  EXPECT_THROW(learn_cooc_factors({{0, 1}}, 0, g, cp), MuseError);
  cp.factors = 0;
  EXPECT_THROW(learn_cooc_factors({{0, 1}}, 20, g, cp), MuseError);
  cp.factors = 4;
  // No usable playlist: no factors anywhere, all zero.
  CoocEmbedding e = learn_cooc_factors({{3}, {}}, 20, g, cp);
  EXPECT_EQ(e.playlists, 0u);
  EXPECT_EQ(e.learned_rows, 0u);
  EXPECT_EQ(e.fallback_rows, 20u);
  EXPECT_EQ(e.factors.squaredNorm(), 0.f);
}

TEST(CrossFitting, FoldsAreBalancedAndSeeded) {
  auto f = assign_folds(23, 5, 9);
  ASSERT_EQ(f.size(), 23u);
  std::vector<int> sizes(5, 0);
  for (int v : f) {
    ASSERT_GE(v, 0);
    ASSERT_LT(v, 5);
    ++sizes[v];
  }
  for (int s : sizes) EXPECT_TRUE(s == 4 || s == 5) << s;
  EXPECT_EQ(f, assign_folds(23, 5, 9));
  EXPECT_NE(f, assign_folds(23, 5, 10));
  EXPECT_THROW(assign_folds(23, 1, 9), MuseError);
  EXPECT_THROW(assign_folds(3, 5, 9), MuseError);
}

TEST(CrossFitting, PoolingWeightsByPlaylists) {
  ConcentrationStats a, b;
  a.playlists = 1;
  a.ratio = 0.5;
  a.pair_agreement = 0.2;
  a.chance_pair_agreement = 0.1;
  b.playlists = 3;
  b.ratio = 0.9;
  b.pair_agreement = 0.1;
  b.chance_pair_agreement = 0.1;
  ConcentrationStats p = pool_folds({a, b, ConcentrationStats{}});
  EXPECT_EQ(p.playlists, 4u);
  EXPECT_NEAR(p.ratio, (0.5 + 3 * 0.9) / 4, 1e-12);
  EXPECT_NEAR(p.pair_agreement, 0.125, 1e-12);
  EXPECT_NEAR(p.pair_lift, 1.25, 1e-12);
}

TEST(CatalogMap, CoocInfoSurvivesSaveAndLoad) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("muse_cooc_map_" + std::to_string(::getpid()) + ".map");
  RowMatrix c = RowMatrix::Zero(2, 5), xy = RowMatrix::Random(4, 2);
  CatalogMap m = CatalogMap::build({0, 1, 1, 0}, c, xy, "pca", 1);
  CoocInfo info;
  info.weight = 1.5f;
  info.factors = 2;
  info.playlists_revision = 7;
  info.playlists = 3;
  info.learned_rows = 4;
  info.imputed_rows = 1;
  info.fallback_rows = 2;
  info.scale = 0.25;
  m.set_cooc(info);
  m.save(path, 99);
  CatalogMap l = CatalogMap::load(path, 99);
  EXPECT_EQ(l.cooc().weight, 1.5f);
  EXPECT_EQ(l.cooc().factors, 2);
  EXPECT_EQ(l.cooc().playlists_revision, 7);
  EXPECT_EQ(l.cooc().playlists, 3u);
  EXPECT_EQ(l.cooc().learned_rows, 4u);
  EXPECT_EQ(l.cooc().imputed_rows, 1u);
  EXPECT_EQ(l.cooc().fallback_rows, 2u);
  EXPECT_EQ(l.cooc().scale, 0.25);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace muse::explore
