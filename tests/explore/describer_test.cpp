#include <gtest/gtest.h>

#include "app/app.h"
#include "explore/catalog_map.h"
#include "explore/cluster_describer.h"
#include "explore/cluster_eval.h"
#include "explore/same_cluster.h"
#include "util/error.h"

namespace muse::explore {
namespace {

using catalog::Feature;
using catalog::Track;

Track make(const std::string& id, const std::string& name, const std::string& artist, int pop,
           float energy, float acoustic, float tempo, std::vector<std::string> genres) {
  Track t;
  t.id = id;
  t.name = name;
  t.artists = {artist};
  t.popularity = pop;
  t.genres = std::move(genres);
  t.feature(Feature::kDanceability) = 0.5f;
  t.feature(Feature::kEnergy) = energy;
  t.feature(Feature::kLoudness) = -8.f;
  t.feature(Feature::kSpeechiness) = 0.05f;
  t.feature(Feature::kAcousticness) = acoustic;
  t.feature(Feature::kInstrumentalness) = 0.f;
  t.feature(Feature::kLiveness) = 0.1f;
  t.feature(Feature::kValence) = 0.5f;
  t.feature(Feature::kTempo) = tempo;
  return t;
}

/// Rows 0..9: loud fast metal (one folk-labelled outlier, one unlabelled); 10..19: calm acoustic
/// folk.
catalog::CatalogPtr constructed() {
  std::vector<Track> v;
  for (int i = 0; i < 10; ++i) {
    std::vector<std::string> g = {"metal"};
    if (i == 8) g = {"folk"};
    if (i == 9) g = {};
    v.push_back(make("m" + std::to_string(i), "Riff " + std::to_string(i),
                     "Band " + std::to_string(i % 3), 10 * i, 0.95f, 0.01f, 170.f + i, g));
  }
  // Re-release of the most popular metal song: must not be listed twice.
  v.push_back(make("m9b", "Riff 9", "Band 0", 95, 0.95f, 0.01f, 179.f, {"metal"}));
  for (int i = 0; i < 10; ++i) {
    v.push_back(make("f" + std::to_string(i), "Ballad " + std::to_string(i),
                     "Singer " + std::to_string(i), 50, 0.15f, 0.95f, 80.f + i, {"folk"}));
  }
  return catalog::Catalog::build(std::move(v));
}

TEST(ClusterDescriber, DescribesAConstructedCluster) {
  auto cat = constructed();
  auto space = catalog::FeatureSpace::fit(*cat);
  RowMatrix x = space.transform_all(*cat);
  std::vector<int32_t> labels(cat->size());
  for (size_t r = 0; r < cat->size(); ++r) labels[r] = cat->track(r).id[0] == 'm' ? 0 : 1;
  DescriberParams p;
  p.top_tracks = 3;
  auto d = ClusterDescriber(*cat, space, p).describe(x, labels, 2);
  ASSERT_EQ(d.size(), 2u);
  const auto& metal = d[0];
  EXPECT_EQ(metal.size, 11u);
  EXPECT_NE(metal.profile.find("high energy"), std::string::npos) << metal.profile;
  EXPECT_NE(metal.profile.find("electric/produced"), std::string::npos) << metal.profile;
  EXPECT_NE(metal.profile.find("fast tempo"), std::string::npos) << metal.profile;
  ASSERT_FALSE(metal.genres.empty());
  EXPECT_EQ(metal.genres[0].genre, "metal");
  EXPECT_NEAR(metal.genres[0].share, 9.0 / 10.0, 1e-9);  // 10 labelled, 9 metal
  EXPECT_NEAR(metal.labelled, 10.0 / 11.0, 1e-9);
  EXPECT_NE(metal.name.find("metal"), std::string::npos) << metal.name;
  EXPECT_NE(metal.name.find("energetic"), std::string::npos) << metal.name;
  // Most popular first, the re-release folded into one song.
  ASSERT_EQ(metal.top_tracks.size(), 3u);
  EXPECT_EQ(cat->track(metal.top_tracks[0]).id, "m9b");
  EXPECT_EQ(cat->track(metal.top_tracks[1]).id, "m8");
  EXPECT_EQ(cat->track(metal.top_tracks[2]).id, "m7");
  const auto& folk = d[1];
  EXPECT_NE(folk.profile.find("calm, low energy"), std::string::npos) << folk.profile;
  EXPECT_NE(folk.profile.find("acoustic"), std::string::npos);
  EXPECT_NE(folk.name.find("folk"), std::string::npos) << folk.name;
  EXPECT_GT(metal.mean_z[1], 0.5f);  // energy is dimension 1 of the default space
}

TEST(ClusterDescriber, SameSoundingClustersGetDifferentNames) {
  // Six identical-sounding loud tracks split into two clusters; one of them carries a folk label.
  std::vector<Track> v;
  for (int i = 0; i < 6; ++i) {
    v.push_back(make("a" + std::to_string(i), "Loud " + std::to_string(i), "X", 50, 0.95f, 0.01f, 170.f,
                     {i == 5 ? "folk" : "metal"}));
    v.push_back(make("b" + std::to_string(i), "Soft " + std::to_string(i), "Y", 50, 0.15f, 0.95f, 80.f, {"folk"}));
  }
  auto cat = catalog::Catalog::build(std::move(v));
  auto space = catalog::FeatureSpace::fit(*cat);
  RowMatrix x = space.transform_all(*cat);
  std::vector<int32_t> labels(cat->size());
  for (size_t r = 0; r < cat->size(); ++r) {
    const auto& id = cat->track(r).id;
    labels[r] = id[0] == 'b' ? 2 : (id[1] < '3' ? 0 : 1);
  }
  auto d = ClusterDescriber(*cat, space).describe(x, labels, 3);
  EXPECT_EQ(d[0].profile, d[1].profile);
  EXPECT_NE(d[0].name, d[1].name);
  EXPECT_NE(d[1].name.find("/ folk"), std::string::npos) << d[1].name;
}

TEST(ClusterDescriber, AverageClusterAndBadInput) {
  auto cat = constructed();
  auto space = catalog::FeatureSpace::fit(*cat);
  RowMatrix x = space.transform_all(*cat);
  std::vector<int32_t> one(cat->size(), 0);
  auto d = ClusterDescriber(*cat, space).describe(x, one, 2);
  EXPECT_EQ(d[0].profile, "close to the catalogue average");
  EXPECT_EQ(d[1].size, 0u);
  EXPECT_EQ(d[1].name, "empty");
  std::vector<int32_t> bad(cat->size(), 5);
  EXPECT_THROW(ClusterDescriber(*cat, space).describe(x, bad, 2), MuseError);
  EXPECT_THROW(ClusterDescriber(*cat, space).describe(x, one, 0), MuseError);
}

TEST(SameCluster, RecommendsFromTheSeedsCluster) {
  auto cat = constructed();
  auto content = app::build_content(cat, "exact");
  RowMatrix x = content->space->transform_all(*cat);
  std::vector<int32_t> labels(cat->size());
  RowMatrix cent = RowMatrix::Zero(2, x.cols());
  std::vector<int> cnt(2, 0);
  for (size_t r = 0; r < cat->size(); ++r) {
    labels[r] = cat->track(r).id[0] == 'm' ? 0 : 1;
    cent.row(labels[r]) += x.row(r);
    ++cnt[labels[r]];
  }
  for (int c = 0; c < 2; ++c) cent.row(c) /= static_cast<float>(cnt[c]);
  CatalogMap map = CatalogMap::build(labels, cent, RowMatrix::Random(cat->size(), 2), "test", 1);
  SameClusterQuery q;
  q.seed_rows = {static_cast<uint32_t>(cat->require("m9"))};
  q.n = 20;
  q.max_per_artist = 0;
  auto res = recommend_same_cluster(map, *content->recommender, q);
  EXPECT_EQ(res.cluster, 0);
  // 11 metal rows minus the seed and its re-release.
  EXPECT_EQ(res.items.size(), 9u);
  for (const auto& item : res.items) {
    EXPECT_EQ(labels[item.row], 0);
    EXPECT_NE(cat->track(item.row).id, "m9");
    EXPECT_NE(cat->track(item.row).id, "m9b");
    EXPECT_FALSE(item.reason.empty());
  }
  for (size_t i = 1; i < res.items.size(); ++i)
    EXPECT_LE(res.items[i - 1].distance, res.items[i].distance);
  q.max_per_artist = 1;  // three metal artists
  EXPECT_EQ(recommend_same_cluster(map, *content->recommender, q).items.size(), 3u);
  q.n = 0;
  EXPECT_THROW(recommend_same_cluster(map, *content->recommender, q), MuseError);
  q.n = 5;
  q.seed_rows.clear();
  EXPECT_THROW(recommend_same_cluster(map, *content->recommender, q), MuseError);
}

TEST(PlaylistConcentration, PurePlaylistsBeatChance) {
  // 40 rows, 4 categories of 10; playlists drawn from one category each vs mixed ones.
  const int n = 40;
  CategoryAssignment a(n);
  for (int r = 0; r < n; ++r) a[r] = {{r / 10, 1.f}};
  std::vector<bool> all(n, true);
  std::vector<std::vector<uint32_t>> pure = {{0, 1, 2, 3, 4}, {10, 11, 12, 13, 14, 15}};
  std::vector<std::vector<uint32_t>> mixed = {{0, 10, 20, 30}, {1, 11, 21, 31}};
  auto p = playlist_concentration(pure, a, 4, all, 2, 50, 1);
  auto m = playlist_concentration(mixed, a, 4, all, 2, 50, 1);
  EXPECT_EQ(p.playlists, 2u);
  EXPECT_NEAR(p.entropy_bits, 0.0, 1e-12);
  EXPECT_NEAR(p.top_share, 1.0, 1e-12);
  EXPECT_NEAR(p.pair_agreement, 1.0, 1e-12);
  EXPECT_NEAR(p.chance_pair_agreement, (4 * 100 - 40) / (40.0 * 39), 1e-9);
  EXPECT_LT(p.ratio, 0.01);
  EXPECT_NEAR(m.entropy_bits, 2.0, 1e-12);
  EXPECT_GT(m.ratio, 1.0);  // spread more evenly than random sets of 4
  EXPECT_NEAR(m.pair_agreement, 0.0, 1e-12);
  // Multi-label rows split their weight; ineligible rows and short playlists are skipped.
  a[0] = {{0, 0.5f}, {1, 0.5f}};
  std::vector<bool> some(n, true);
  some[1] = some[2] = some[3] = false;
  auto s = playlist_concentration(pure, a, 4, some, 3, 10, 1);
  EXPECT_EQ(s.playlists, 1u);
  EXPECT_THROW(playlist_concentration(pure, a, 4, std::vector<bool>(3), 2, 10, 1), MuseError);
  EXPECT_THROW(playlist_concentration(pure, a, 4, all, 1, 10, 1), MuseError);
}

}  // namespace
}  // namespace muse::explore
