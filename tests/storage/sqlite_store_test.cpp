#include "storage/sqlite_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "catalog/track_importer.h"
#include "test_catalog.h"
#include "util/error.h"

using namespace muse;

namespace {
class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("muse_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = storage::open_store((dir_ / "muse.db").string());
    catalog::TrackImporter im;
    im.read_file(std::string(MUSE_FIXTURES) + "/catalog/tracks_114k_small.csv");
    tracks_ = im.take_tracks();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  std::vector<catalog::Track> tracks_;
};
}  // namespace

TEST_F(SqliteStoreTest, UpsertIsIdempotentAndUnionsGenres) {
  auto s1 = store_->upsert_tracks(tracks_);
  EXPECT_EQ(s1.inserted, tracks_.size());
  EXPECT_EQ(store_->track_count(), static_cast<int64_t>(tracks_.size()));
  auto s2 = store_->upsert_tracks(tracks_);
  EXPECT_EQ(s2.inserted, 0u);
  EXPECT_EQ(s2.updated, tracks_.size());
  EXPECT_EQ(store_->track_count(), static_cast<int64_t>(tracks_.size()));
  // A later import adds a genre; the old ones stay.
  catalog::Track t = *store_->get_track("4qPNDBW1i3p13qLCt0Ki3A");
  t.genres = {"folk"};
  store_->upsert_tracks(std::span(&t, 1));
  auto back = store_->get_track("4qPNDBW1i3p13qLCt0Ki3A");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->genres, (std::vector<std::string>{"acoustic", "folk"}));
  EXPECT_EQ(back->artists, (std::vector<std::string>{"Ben Woodward"}));
  EXPECT_FLOAT_EQ(back->feature(catalog::Feature::kEnergy), 0.166f);
  EXPECT_EQ(store_->search_tracks("ghost", 5).size(), 1u);  // FTS row replaced, not duplicated
}

TEST_F(SqliteStoreTest, RevisionChangesOnWrite) {
  auto r0 = store_->tracks_revision();
  store_->upsert_tracks(tracks_);
  EXPECT_GT(store_->tracks_revision(), r0);
}

TEST_F(SqliteStoreTest, SearchIsCaseAccentInsensitiveAndPrefixFriendly) {
  store_->upsert_tracks(tracks_);
  auto hits = store_->search_tracks("BEYONCE", 10);
  ASSERT_EQ(hits.size(), 2u);
  hits = store_->search_tracks("beyoncé halo", 10);
  EXPECT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].track.popularity, 80);  // same tier: more popular first
  hits = store_->search_tracks("ingr", 10);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].track.id, "1iJBSr7s7jYXzM8EGcbK5b");
  hits = store_->search_tracks("zayn", 10);  // featured artist
  ASSERT_EQ(hits.size(), 1u);
  hits = store_->search_tracks("\"hold on\" live", 10);  // quotes in the query are harmless
  ASSERT_EQ(hits.size(), 1u);
}

TEST_F(SqliteStoreTest, ExactNameMatchesRankFirst) {
  std::vector<catalog::Track> v = tracks_;
  catalog::Track a = tracks_[0], b = tracks_[0];
  a.id = "aaaaaaaaaaaaaaaaaaaaaa";
  a.name = "Comedy Central Blues";
  a.popularity = 100;
  b.id = "bbbbbbbbbbbbbbbbbbbbbb";
  b.name = "Comedy";
  b.popularity = 1;
  v.push_back(a);
  v.push_back(b);
  store_->upsert_tracks(v);
  auto hits = store_->search_tracks("comedy", 10);
  ASSERT_GE(hits.size(), 3u);
  EXPECT_EQ(hits[0].track.name, "Comedy");
  EXPECT_EQ(hits.back().track.name, "Comedy Central Blues");
}

TEST_F(SqliteStoreTest, BadSearchQueriesAreInvalidArgument) {
  store_->upsert_tracks(tracks_);
  for (std::string q : {std::string(""), std::string("   "), std::string("!!! ???"),
                        std::string("bad\xff utf8"), std::string(5000, 'a')}) {
    try {
      store_->search_tracks(q, 10);
      FAIL() << q;
    } catch (const MuseError& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    }
  }
  EXPECT_THROW(store_->search_tracks("halo", 0), MuseError);
  EXPECT_THROW(store_->search_tracks("halo", 100000), MuseError);
  EXPECT_TRUE(store_->search_tracks("nomatchwhatsoever", 10).empty());
}

TEST_F(SqliteStoreTest, ReopenKeepsDataAndSchema) {
  store_->upsert_tracks(tracks_);
  store_.reset();
  auto again = storage::open_store((dir_ / "muse.db").string());
  EXPECT_EQ(again->track_count(), static_cast<int64_t>(tracks_.size()));
  EXPECT_GE(again->schema_version(), 1);
}

TEST(SqliteStore, NotADatabaseIsDataLoss) {
  auto p = muse::testing::temp_path("muse_not_a_db.db");
  {
    std::ofstream out(p);
    out << std::string(8192, 'x');
  }
  try {
    storage::open_store(p.string());
    FAIL();
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataLoss);
  }
  std::filesystem::remove(p);
}
