// The taste profile on a synthetic catalogue where each artist has its own sound (a cluster
// in feature space): dislikes remove artists/tracks for good, ratings pull recommendations
// toward the rated tracks (measured as distance in the feature space).
#include "listeners/taste_profile.h"

#include <gtest/gtest.h>

#include <random>

#include "index/exact_index.h"
#include "util/error.h"

namespace muse::listeners {
namespace {

using catalog::Feature;

class TasteProfileTest : public ::testing::Test {
 protected:
  static constexpr int kArtists = 30, kPerArtist = 12;

  void SetUp() override {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    std::normal_distribution<float> noise(0.f, 0.04f);
    std::vector<catalog::Track> tracks;
    for (int a = 0; a < kArtists; ++a) {
      float c[9];
      for (float& x : c) x = u(rng);
      for (int i = 0; i < kPerArtist; ++i) {
        catalog::Track t;
        t.id = fmt::format("a{:02d}t{:02d}", a, i);
        t.name = fmt::format("Song {} by {}", i, a);
        t.artists = {artist(a)};
        if (i == kPerArtist - 1) t.artists.push_back(artist((a + 1) % kArtists));  // a feature
        t.genres = {"test"};
        t.popularity = 50;
        t.feature(Feature::kDanceability) = c[0] + noise(rng);
        t.feature(Feature::kEnergy) = c[1] + noise(rng);
        t.feature(Feature::kLoudness) = -30 + 30 * (c[2] + noise(rng));
        t.feature(Feature::kSpeechiness) = c[3] + noise(rng);
        t.feature(Feature::kAcousticness) = c[4] + noise(rng);
        t.feature(Feature::kInstrumentalness) = c[5] + noise(rng);
        t.feature(Feature::kLiveness) = c[6] + noise(rng);
        t.feature(Feature::kValence) = c[7] + noise(rng);
        t.feature(Feature::kTempo) = 60 + 120 * (c[8] + noise(rng));
        tracks.push_back(std::move(t));
      }
    }
    catalog_ = catalog::Catalog::build(std::move(tracks));
    space_ = std::make_shared<catalog::FeatureSpace>(catalog::FeatureSpace::fit(*catalog_));
    auto x = space_->transform_all(*catalog_);
    auto index = std::make_shared<index::ExactIndex>(space_->dim());
    index->add(x.data(), x.rows());
    rec_ = std::make_unique<recommend::ContentRecommender>(catalog_, space_, index);
  }

  static std::string artist(int a) { return fmt::format("Artist {:02d}", a); }
  static std::string track(int a, int i) { return fmt::format("a{:02d}t{:02d}", a, i); }

  TasteProfile profile(const std::vector<Feedback>& fb) const {
    return TasteProfile::build(fb, *catalog_, *space_);
  }

  std::vector<float> vec(const std::string& id) const {
    std::vector<float> v(space_->dim());
    space_->transform(catalog_->track(catalog_->require(id)), v.data());
    return v;
  }

  /// Mean Euclidean distance from the results to the centroid of `ids`.
  double mean_distance(const recommend::RecommendResult& r,
                       const std::vector<std::string>& ids) const {
    std::vector<float> c(space_->dim(), 0.f);
    for (const auto& id : ids) {
      auto v = vec(id);
      for (size_t j = 0; j < c.size(); ++j) c[j] += v[j] / ids.size();
    }
    double sum = 0;
    for (const auto& it : r.items) {
      auto v = vec(catalog_->track(it.row).id);
      double d2 = 0;
      for (size_t j = 0; j < c.size(); ++j) d2 += (v[j] - c[j]) * (v[j] - c[j]);
      sum += std::sqrt(d2);
    }
    return r.items.empty() ? 0 : sum / r.items.size();
  }

  /// The artist whose sound is farthest from artist `a`'s.
  int farthest_artist(int a) const {
    auto va = vec(track(a, 0));
    int best = -1;
    double bd = -1;
    for (int b = 0; b < kArtists; ++b) {
      if (b == a) continue;
      auto vb = vec(track(b, 0));
      double d = 0;
      for (size_t j = 0; j < va.size(); ++j) d += (va[j] - vb[j]) * (va[j] - vb[j]);
      if (d > bd) bd = d, best = b;
    }
    return best;
  }

  static Feedback fb(FeedbackKind k, const std::string& track_id, int64_t id, int rating = 0) {
    Feedback f;
    f.id = id;
    f.kind = k;
    f.track_id = track_id;
    f.rating = rating;
    return f;
  }
  static Feedback artist_fb(FeedbackKind k, const std::string& name, int64_t id) {
    Feedback f;
    f.id = id;
    f.kind = k;
    f.artist = name;
    return f;
  }

  static bool has_artist(const catalog::Track& t, const std::string& a) {
    return std::find(t.artists.begin(), t.artists.end(), a) != t.artists.end();
  }

  catalog::CatalogPtr catalog_;
  std::shared_ptr<catalog::FeatureSpace> space_;
  std::unique_ptr<recommend::ContentRecommender> rec_;
};

TEST_F(TasteProfileTest, DislikedArtistNeverComesBack) {
  recommend::ContentQuery q;
  q.track_ids = {track(3, 0)};
  q.n = 20;
  q.max_per_artist = 0;
  auto before = rec_->recommend(q);
  int by_artist = 0;
  for (const auto& it : before.items) by_artist += has_artist(catalog_->track(it.row), artist(3));
  ASSERT_GE(by_artist, 5) << "fixture: an artist's own songs should be its nearest neighbours";

  auto p =
      profile({artist_fb(FeedbackKind::kDislike, "artist 03", 1)});  // folded: case-insensitive
  EXPECT_EQ(p.banned_artists().size(), 1u);
  // Gone from a query seeded with their own song, and from queries seeded anywhere else,
  // including tracks where they are only featured.
  for (int a = 0; a < kArtists; ++a) {
    recommend::ContentQuery qa;
    qa.track_ids = {track(a, 0)};
    qa.n = 40;
    qa.max_per_artist = 0;
    auto r = recommend_for(*rec_, p, qa);
    EXPECT_EQ(r.items.size(), 40u);
    for (const auto& it : r.items) {
      EXPECT_FALSE(has_artist(catalog_->track(it.row), artist(3))) << catalog_->track(it.row).id;
    }
  }
}

TEST_F(TasteProfileTest, DislikedTracksAndRepeatOffendersAreExcluded) {
  recommend::ContentQuery q;
  q.track_ids = {track(5, 0)};
  q.n = 10;
  q.max_per_artist = 0;
  auto before = rec_->recommend(q);
  ASSERT_FALSE(before.items.empty());
  std::string nearest = catalog_->track(before.items[0].row).id;
  auto p = profile({fb(FeedbackKind::kDislike, nearest, 1)});
  auto r = recommend_for(*rec_, p, q);
  for (const auto& it : r.items) EXPECT_NE(catalog_->track(it.row).id, nearest);

  // Two disliked songs by one artist (and no like) ban the artist; a like of theirs prevents it.
  auto p2 = profile(
      {fb(FeedbackKind::kDislike, track(7, 1), 1), fb(FeedbackKind::kRating, track(7, 2), 2, 1)});
  EXPECT_TRUE(p2.banned_artists().count("artist 07"));
  auto p3 = profile({fb(FeedbackKind::kDislike, track(7, 1), 1),
                     fb(FeedbackKind::kDislike, track(7, 2), 2),
                     fb(FeedbackKind::kLike, track(7, 3), 3)});
  EXPECT_FALSE(p3.banned_artists().count("artist 07"));
  // Later events override earlier ones.
  auto p4 =
      profile({fb(FeedbackKind::kLike, track(9, 1), 1), fb(FeedbackKind::kDislike, track(9, 1), 2),
               artist_fb(FeedbackKind::kDislike, artist(10), 3),
               artist_fb(FeedbackKind::kLike, artist(10), 4)});
  EXPECT_TRUE(p4.excluded_rows().count(static_cast<uint32_t>(catalog_->require(track(9, 1)))));
  EXPECT_TRUE(p4.seeds().empty());
  EXPECT_FALSE(p4.banned_artists().count("artist 10"));
}

TEST_F(TasteProfileTest, RatingsPullRecommendationsTowardTheRatedTracks) {
  const int seed_artist = 2, liked_artist = farthest_artist(seed_artist);
  std::vector<std::string> rated = {track(liked_artist, 0), track(liked_artist, 1),
                                    track(liked_artist, 2)};
  recommend::ContentQuery q;
  q.track_ids = {track(seed_artist, 0)};
  q.n = 15;
  q.max_per_artist = 0;
  auto before = rec_->recommend(q);
  auto p =
      profile({fb(FeedbackKind::kRating, rated[0], 1, 5), fb(FeedbackKind::kRating, rated[1], 2, 5),
               fb(FeedbackKind::kRating, rated[2], 3, 4)});
  EXPECT_EQ(p.seeds(),
            (std::vector<std::string>{rated[1], rated[0], rated[2]}));  // 5s (newest first), then 4
  auto after = recommend_for(*rec_, p, q);
  ASSERT_EQ(after.items.size(), 15u);
  double d0 = mean_distance(before, rated), d1 = mean_distance(after, rated);
  std::printf("[ taste ] mean distance to rated tracks: before %.3f, after %.3f\n", d0, d1);
  EXPECT_LT(d1, 0.8 * d0);
  for (const auto& it : after.items) {  // already-rated tracks are not recommended back
    EXPECT_EQ(std::find(rated.begin(), rated.end(), catalog_->track(it.row).id), rated.end());
  }

  // "For you" (no seeds): built from the ratings alone, close to them.
  recommend::ContentQuery mine;
  mine.n = 10;
  mine.max_per_artist = 0;
  auto foryou = recommend_for(*rec_, p, mine);
  ASSERT_EQ(foryou.items.size(), 10u);
  EXPECT_LT(mean_distance(foryou, rated), 0.5 * d0);

  // Low ratings push the other way.
  auto hate = profile(
      {fb(FeedbackKind::kRating, rated[0], 1, 1), fb(FeedbackKind::kRating, rated[1], 2, 1)});
  auto away = recommend_for(*rec_, hate, q);
  EXPECT_GE(mean_distance(away, rated), d0 * 0.999);
}

TEST_F(TasteProfileTest, EmptyProfileNeedsSeeds) {
  auto p = profile({});
  EXPECT_TRUE(p.empty());
  recommend::ContentQuery q;
  try {
    recommend_for(*rec_, p, q);
    FAIL();
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
  q.track_ids = {track(1, 1)};
  EXPECT_EQ(recommend_for(*rec_, p, q).items.size(), 10u);
  // Feedback on tracks outside the catalogue is tolerated.
  auto unknown = profile({fb(FeedbackKind::kLike, "not-in-catalogue", 1)});
  EXPECT_TRUE(unknown.seeds().empty());
}

}  // namespace
}  // namespace muse::listeners
