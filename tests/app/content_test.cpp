// App-level tests: import -> snapshot -> "more like these", over real files in a temp home.
#include <gtest/gtest.h>

#include <set>

#include "app/app.h"
#include "test_catalog.h"
#include "util/error.h"
#include "util/text.h"

using namespace muse;

namespace {
class ContentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = muse::testing::temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    app::Options o;
    o.home = (dir_ / "home").string();
    app_ = std::make_unique<app::App>(o);
    csv_ = muse::testing::write_synthetic_catalog(dir_ / "syn.csv", 600);
  }
  void TearDown() override {
    app_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_, csv_;
  std::unique_ptr<app::App> app_;
};
}  // namespace

TEST_F(ContentTest, ImportIsIdempotentAndSnapshotReloads) {
  auto s1 = app_->import_tracks({csv_});
  EXPECT_EQ(s1.stats.inserted, 600u);
  EXPECT_EQ(s1.catalog_size, 600);
  auto s2 = app_->import_tracks({csv_});
  EXPECT_EQ(s2.stats.inserted, 0u);
  EXPECT_EQ(s2.catalog_size, 600);
  auto fp = app_->content()->catalog->fingerprint();
  // A second App over the same home loads the saved snapshot instead of rebuilding.
  app::Options o;
  o.home = (dir_ / "home").string();
  app::App again(o);
  auto snap = again.content();
  EXPECT_EQ(snap->catalog->fingerprint(), fp);
  EXPECT_STREQ(snap->recommender->index().kind(), "hnsw");
}

TEST_F(ContentTest, FailedImportLosesNothing) {
  app_->import_tracks({csv_});
  auto bad = dir_ / "bad.csv";
  {
    std::ofstream out(bad);
    out << "not,a,track,file\n1,2,3,4\n";
  }
  EXPECT_THROW(app_->import_tracks({bad}), MuseError);
  EXPECT_THROW(app_->import_tracks({dir_ / "missing.csv"}), MuseError);
  EXPECT_EQ(app_->store().track_count(), 600);
}

TEST_F(ContentTest, EmptyCatalogueIsUnavailable) {
  try {
    app_->content();
    FAIL();
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    EXPECT_NE(std::string(e.what()).find("muse import tracks"), std::string::npos);
  }
}

TEST_F(ContentTest, RecommendationsExcludeSeedsRespectCapsAndFilters) {
  app_->import_tracks({csv_});
  auto snap = app_->content();
  const auto& rec = *snap->recommender;
  recommend::ContentQuery q;
  q.track_ids = {"syn0000000000000000001", "syn0000000000000000002"};
  q.n = 30;
  q.max_per_artist = 1;
  auto res = rec.recommend(q);
  ASSERT_EQ(res.items.size(), 30u);
  std::set<std::string> artists;
  float last = 2.f;
  for (const auto& item : res.items) {
    const auto& t = snap->catalog->track(item.row);
    EXPECT_NE(t.id, q.track_ids[0]);
    EXPECT_NE(t.id, q.track_ids[1]);
    EXPECT_TRUE(artists.insert(t.primary_artist()).second) << "artist cap broken: " << t.primary_artist();
    EXPECT_LE(item.score, last);
    last = item.score;
    EXPECT_FALSE(item.reason.empty());
  }
  q.genre = "g3";
  q.max_per_artist = 0;
  for (const auto& item : rec.recommend(q).items) {
    EXPECT_EQ(snap->catalog->track(item.row).genres, std::vector<std::string>{"g3"});
  }
}

TEST_F(ContentTest, HnswAndExactAgreeOnTopResults) {
  app_->import_tracks({csv_});
  auto snap = app_->content();
  recommend::ContentRecommender exact(snap->catalog, snap->space, snap->exact);
  std::vector<recommend::ContentQuery> qs;
  for (int i = 0; i < 20; ++i) {
    recommend::ContentQuery q;
    char id[32];
    std::snprintf(id, sizeof id, "syn%019d", i * 13);
    q.track_ids = {id};
    q.n = 10;
    q.max_per_artist = 0;
    qs.push_back(q);
  }
  auto a = snap->recommender->recommend(qs);
  auto b = exact.recommend(qs);
  double hits = 0;
  for (size_t i = 0; i < qs.size(); ++i) {
    std::set<uint32_t> truth;
    for (auto& it : b[i].items) truth.insert(it.row);
    for (auto& it : a[i].items) hits += truth.count(it.row);
  }
  EXPECT_GE(hits / (qs.size() * 10), 0.95);
}

TEST_F(ContentTest, DuplicatesOfSeedsAreExcluded) {
  app_->import_tracks({std::filesystem::path(MUSE_FIXTURES) / "catalog" / "tracks_114k_small.csv"});
  auto snap = app_->content();
  recommend::ContentQuery q;
  q.track_ids = {"4LbWtBkN82ZRhz9jqzgrb3"};  // "Halo" by Beyoncé; a re-release by "Beyonce" exists
  q.n = 7;
  auto res = snap->recommender->recommend(q);
  for (const auto& item : res.items) {
    EXPECT_NE(snap->catalog->track(item.row).id, "3gNgmQ7jfhPvZpYxXVgHwl");
  }
  EXPECT_EQ(res.items.size(), 6u);  // 8 tracks - the seed - its twin
}

TEST_F(ContentTest, BadQueriesGiveClearErrors) {
  app_->import_tracks({csv_});
  const auto& rec = *app_->content()->recommender;
  auto code_of = [&](recommend::ContentQuery q) {
    try {
      rec.recommend(q);
    } catch (const MuseError& e) {
      return e.code();
    }
    return ErrorCode::kInternal;
  };
  recommend::ContentQuery q;
  q.track_ids = {"nope"};
  EXPECT_EQ(code_of(q), ErrorCode::kNotFound);
  q.track_ids = {};
  EXPECT_EQ(code_of(q), ErrorCode::kInvalidArgument);
  q.track_ids = {"syn0000000000000000001"};
  q.n = 0;
  EXPECT_EQ(code_of(q), ErrorCode::kInvalidArgument);
  q.n = 1000000;
  EXPECT_EQ(code_of(q), ErrorCode::kInvalidArgument);
  q.n = 5;
  q.genre = "no-such-genre";
  EXPECT_EQ(code_of(q), ErrorCode::kNotFound);
}
