#include "catalog/track_importer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "catalog/catalog.h"
#include "test_catalog.h"
#include "util/error.h"

using namespace muse::catalog;

namespace {
const std::string kDir = std::string(MUSE_FIXTURES) + "/catalog/";

const Track* find(const std::vector<Track>& v, const std::string& id) {
  for (const auto& t : v) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

std::vector<Track> import_text(const std::string& text, ImportReport* report = nullptr) {
  TrackImporter im;
  CsvReader r(InputStream::from_string(text, "mem.csv"));
  im.read_stream(r);
  if (report) *report = im.report();
  return im.take_tracks();
}

const std::string kHeader =
    "track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,energy,key,"
    "loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,time_signature,"
    "track_genre\n";
}  // namespace

TEST(TrackImporter, Reads114kLayoutWithQuotingAndMergesGenres) {
  TrackImporter im;
  im.read_file(kDir + "tracks_114k_small.csv");
  const auto& rep = im.report();
  auto tracks = im.take_tracks();
  EXPECT_EQ(rep.rows, 12u);
  EXPECT_EQ(rep.skipped, 3u);
  EXPECT_EQ(rep.merged, 1u);
  EXPECT_EQ(tracks.size(), 8u);
  const Track* comedy = find(tracks, "5SuOikwiRyPMVoIQDJUgSV");
  ASSERT_NE(comedy, nullptr);
  EXPECT_EQ(comedy->genres, (std::vector<std::string>{"acoustic", "j-pop"}));
  EXPECT_FLOAT_EQ(comedy->feature(Feature::kTempo), 87.917f);
  EXPECT_EQ(comedy->explicit_, 0);
  const Track* hold = find(tracks, "5vjLSffimiIP26QG5WcN2K");
  ASSERT_NE(hold, nullptr);
  EXPECT_EQ(hold->name, "Hold On, \"Live\"");
  const Track* days = find(tracks, "01MVOl9KtVTNfFiBU9I7dc");
  ASSERT_NE(days, nullptr);
  EXPECT_EQ(days->name, "Days I Will\nRemember");
  const Track* ingrid = find(tracks, "1iJBSr7s7jYXzM8EGcbK5b");
  ASSERT_NE(ingrid, nullptr);
  EXPECT_EQ(ingrid->artists, (std::vector<std::string>{"Ingrid Michaelson", "ZAYN"}));
}

TEST(TrackImporter, ReportsBadRowsWithFileLineAndReason) {
  TrackImporter im;
  im.read_file(kDir + "tracks_114k_small.csv");
  const auto& issues = im.report().issues;
  ASSERT_EQ(issues.size(), 3u);
  // Line numbers count the embedded newline in "Days I Will\nRemember".
  EXPECT_EQ(issues[0].line, 10u);
  EXPECT_NE(issues[0].reason.find("energy 'lots' is not a number"), std::string::npos);
  EXPECT_NE(issues[0].file.find("tracks_114k_small.csv"), std::string::npos);
  EXPECT_EQ(issues[1].line, 11u);
  EXPECT_NE(issues[1].reason.find("expected 20 fields, found 8"), std::string::npos);
  EXPECT_NE(issues[2].reason.find("danceability 1.7 is outside"), std::string::npos);
}

TEST(TrackImporter, ReadsPlaylistLayoutAndMergesAcrossFiles) {
  TrackImporter im;
  im.read_file(kDir + "tracks_114k_small.csv");
  im.read_file(kDir + "playlist_tracks_small.csv");
  auto tracks = im.take_tracks();
  EXPECT_EQ(tracks.size(), 10u);
  const Track* ed = find(tracks, "6f807x0ima9a1j3VPbc7VN");
  ASSERT_NE(ed, nullptr);
  EXPECT_EQ(ed->artists, (std::vector<std::string>{"Ed Sheeran"}));
  EXPECT_EQ(ed->release_date, "2019-06-14");
  EXPECT_EQ(ed->release_year(), 2019);
  EXPECT_TRUE(std::isnan(ed->feature(Feature::kTimeSignature)));
  const Track* comedy = find(tracks, "5SuOikwiRyPMVoIQDJUgSV");
  ASSERT_NE(comedy, nullptr);
  EXPECT_EQ(comedy->release_date, "2018");  // filled in from the second file
  EXPECT_EQ(comedy->popularity, 73);        // first file wins for set fields
}

TEST(TrackImporter, NonUtf8RowIsSkippedNotFatal) {
  std::string row =
      "7xxxxxxxxxxxxxxxxxxxxx,Bad\xff\xfe Bytes,Album,Name,50,200000,False,0.5,0.5,1,-6.0,0,0.1,0.1,"
      "0.0,0.1,0.5,120.0,4,pop\n";
  ImportReport rep;
  auto tracks = import_text(kHeader + row, &rep);
  EXPECT_TRUE(tracks.empty());
  ASSERT_EQ(rep.issues.size(), 1u);
  EXPECT_NE(rep.issues[0].reason.find("artists is not valid UTF-8"), std::string::npos);
}

TEST(TrackImporter, WrongHeaderNamesMissingColumns) {
  try {
    import_text("track_id,artists,album_name,track_name\nx,y,z,w\n");
    FAIL();
  } catch (const muse::MuseError& e) {
    EXPECT_EQ(e.code(), muse::ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("danceability"), std::string::npos);
  }
}

TEST(TrackImporter, EmptyFileIsAnError) {
  EXPECT_THROW(import_text(""), muse::MuseError);
}

TEST(TrackImporter, RejectsBadIdsAndNumbers) {
  std::string rows =
      "has space id,A,B,C,50,200000,False,0.5,0.5,1,-6,0,0.1,0.1,0,0.1,0.5,120,4,pop\n"
      "okid1,A,B,C,500,200000,False,0.5,0.5,1,-6,0,0.1,0.1,0,0.1,0.5,120,4,pop\n"
      "okid2,A,B,C,50,200000,Maybe,0.5,0.5,1,-6,0,0.1,0.1,0,0.1,0.5,120,4,pop\n"
      "okid3,A,B,C,50,200000,False,nan,0.5,1,-6,0,0.1,0.1,0,0.1,0.5,120,4,pop\n"
      "okid4,A,B,C,50,200000,True,0.5,0.5,1,-6,0,0.1,0.1,0,0.1,0.5,120,4,pop\n";
  ImportReport rep;
  auto tracks = import_text(kHeader + rows, &rep);
  ASSERT_EQ(tracks.size(), 1u);
  EXPECT_EQ(tracks[0].explicit_, 1);
  EXPECT_EQ(rep.skipped, 4u);
}

TEST(Catalog, SaveLoadRoundTripAndFingerprint) {
  TrackImporter im;
  im.read_file(kDir + "tracks_114k_small.csv");
  auto cat = Catalog::build(im.take_tracks());
  auto path = muse::testing::temp_path("muse_catalog_test.bin");
  cat->save(path);
  auto back = Catalog::load(path);
  ASSERT_EQ(back->size(), cat->size());
  EXPECT_EQ(back->fingerprint(), cat->fingerprint());
  EXPECT_EQ(back->track(0).id, cat->track(0).id);
  EXPECT_TRUE(back->find("5SuOikwiRyPMVoIQDJUgSV").has_value());
  EXPECT_THROW(back->require("nope"), muse::MuseError);
  EXPECT_EQ(back->rows_by_artist("ZAYN").size(), 1u);
  // Truncate the file: load must fail cleanly with data_loss.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 7);
  try {
    Catalog::load(path);
    FAIL();
  } catch (const muse::MuseError& e) {
    EXPECT_EQ(e.code(), muse::ErrorCode::kDataLoss);
  }
  std::filesystem::remove(path);
}
