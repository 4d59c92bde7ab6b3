// Style weighting in "more like these": a seed's nearest neighbours in sound are in another
// genre, same-genre songs sit a little further away, one same-genre song far away.
#include "recommend/content_recommender.h"

#include <gtest/gtest.h>

#include <random>

#include "index/exact_index.h"
#include "util/error.h"

namespace muse::recommend {
namespace {

using catalog::Feature;

catalog::Track make_track(const std::string& id, const std::string& genre, float level, float shift) {
  catalog::Track t;
  t.id = id;
  t.name = "Song " + id;
  t.artists = {"Artist " + id};
  if (!genre.empty()) t.genres = {genre};
  t.popularity = 50;
  for (int f : {0, 1, 3, 4, 5, 6, 7}) t.features[f] = level;
  t.feature(Feature::kDanceability) = level + shift;
  t.feature(Feature::kLoudness) = -30 + 30 * level;
  t.feature(Feature::kTempo) = 60 + 120 * level;
  return t;
}

class StyleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<catalog::Track> tracks;
    tracks.push_back(make_track("seed", "rock", 0.5f, 0.f));
    tracks.push_back(make_track("bare", "", 0.2f, 0.f));  // a seed without genres, elsewhere
    for (int i = 0; i < 5; ++i) {
      tracks.push_back(make_track("near" + std::to_string(i), "pop", 0.5f, 0.005f * (i + 1)));
      tracks.push_back(make_track("rock" + std::to_string(i), "rock", 0.5f, 0.05f + 0.005f * i));
    }
    tracks.push_back(make_track("farrock", "rock", 0.95f, 0.f));
    // Spread for the z-scaling: random songs in a third genre.
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    for (int i = 0; i < 60; ++i) {
      auto t = make_track("jazz" + std::to_string(i), "jazz", u(rng), 0.f);
      for (int f = 0; f < catalog::kNumFeatures; ++f)
        if (f != static_cast<int>(Feature::kLoudness) && f != static_cast<int>(Feature::kTempo))
          t.features[f] = u(rng);
      tracks.push_back(std::move(t));
    }
    catalog_ = catalog::Catalog::build(std::move(tracks));
    auto space = std::make_shared<catalog::FeatureSpace>(catalog::FeatureSpace::fit(*catalog_));
    auto x = space->transform_all(*catalog_);
    auto index = std::make_shared<index::ExactIndex>(space->dim());
    index->add(x.data(), x.rows());
    rec_ = std::make_unique<ContentRecommender>(catalog_, space, index);
  }

  std::vector<std::string> ids(const ContentQuery& q) const {
    std::vector<std::string> out;
    for (const auto& it : rec_->recommend(q).items) out.push_back(catalog_->track(it.row).id);
    return out;
  }

  catalog::CatalogPtr catalog_;
  std::unique_ptr<ContentRecommender> rec_;
};

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

TEST_F(StyleTest, SoundAloneTakesTheNearestWhateverTheGenre) {
  ContentQuery q;
  q.track_ids = {"seed"};
  q.style_weight = 0;
  auto got = ids(q);
  ASSERT_GE(got.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(starts_with(got[i], "near")) << got[i];
}

TEST_F(StyleTest, TheSeedsGenreComesFirstAmongSimilarSounds) {
  ContentQuery q;
  q.track_ids = {"seed"};  // default style weight
  auto res = rec_->recommend(q);
  ASSERT_EQ(res.items.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    const auto& id = catalog_->track(res.items[i].row).id;
    EXPECT_TRUE(starts_with(id, i < 5 ? "rock" : "near")) << i << " " << id;
    if (i > 0) EXPECT_LE(res.items[i].score, res.items[i - 1].score);
  }
  // The far-away rock song stays out: style reorders near sounds, it does not replace sound.
  for (const auto& it : res.items) EXPECT_NE(catalog_->track(it.row).id, "farrock");
  // The reported distance is the audio one.
  EXPECT_GT(res.items[0].distance, 0.f);
}

TEST_F(StyleTest, NoEffectWithAnExplicitGenreOrSeedsWithoutGenres) {
  ContentQuery q;
  q.track_ids = {"seed"};
  q.genre = "pop";
  for (const auto& id : ids(q)) EXPECT_TRUE(starts_with(id, "near")) << id;
  ContentQuery bare, bare0;
  bare.track_ids = bare0.track_ids = {"bare"};
  bare0.style_weight = 0;
  EXPECT_EQ(ids(bare), ids(bare0));
}

TEST_F(StyleTest, StyleWeightOutOfRangeIsInvalid) {
  for (float w : {-0.1f, 10.5f}) {
    ContentQuery q;
    q.track_ids = {"seed"};
    q.style_weight = w;
    try {
      rec_->recommend(q);
      FAIL() << "expected kInvalidArgument for " << w;
    } catch (const MuseError& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("style_weight"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace muse::recommend
