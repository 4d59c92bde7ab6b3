#include "cf/playlist.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "catalog/catalog.h"
#include "cf/continuation.h"
#include "storage/sqlite_store.h"
#include "test_catalog.h"
#include "util/binary_file.h"
#include "util/error.h"

namespace muse::cf {
namespace {

TEST(Playlists, SpotifyCsvGenreAndSubgenreBecomeTags) {
  PlaylistReport rep;
  auto pls = parse_playlists(
      "playlist_id,playlist_name,playlist_genre,playlist_subgenre,track_id\n"
      "p1,Dance Pop,pop,dance pop,t1\n"
      "p1,Dance Pop,pop,dance pop,t2\n"
      "p1,Dance Pop,pop,dance pop,t1\n"
      "p2,Rock On,rock,hard rock,t3\n"
      "p3,Broken,rock,hard rock,\n",
      "x.csv", &rep);
  ASSERT_EQ(pls.size(), 2u);
  EXPECT_EQ(pls[0].title, "Dance Pop");
  EXPECT_EQ(pls[0].tags, (std::vector<std::string>{"pop", "dance pop"}));
  EXPECT_EQ(pls[0].tracks, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(rep.duplicate_tracks, 1u);
  EXPECT_EQ(rep.skipped, 1u);
  ASSERT_FALSE(rep.issues.empty());
  EXPECT_EQ(rep.issues[0].line, 6u);
}

TEST(Playlists, JsonLinesReportMalformedLinesWithNumbers) {
  PlaylistReport rep;
  auto pls = parse_playlists(
      "{\"id\": 1, \"plylst_title\": \"여름 노래\", \"tags\": [\"summer\"], \"songs\": [10, 11, "
      "10]}\n"
      "{\"id\": 2, \"plylst_title\": \"oops\", \"songs\": [1, 2\n"
      "{\"id\": 3, \"plylst_title\": \"empty\", \"tags\": [], \"songs\": []}\n"
      "\n"
      "{\"id\": 4, \"songs\": \"not a list\"}\n"
      "{\"id\": 5, \"plylst_title\": \"ok\", \"songs\": [\"a\"]}\n",
      "x.jsonl", &rep);
  ASSERT_EQ(pls.size(), 2u);
  EXPECT_EQ(pls[0].id, "1");
  EXPECT_EQ(pls[0].tracks, (std::vector<std::string>{"10", "11"}));
  EXPECT_EQ(pls[0].tags, (std::vector<std::string>{"summer"}));
  EXPECT_EQ(rep.duplicate_tracks, 1u);
  EXPECT_EQ(rep.skipped, 2u);  // lines 2 and 5
  EXPECT_EQ(rep.empty, 1u);    // playlist 3
  bool line2 = false, line5 = false;
  for (const auto& i : rep.issues) {
    line2 |= i.line == 2 && i.reason.find("malformed JSON") != std::string::npos;
    line5 |= i.line == 5;
  }
  EXPECT_TRUE(line2);
  EXPECT_TRUE(line5);
}

TEST(Playlists, JsonArrayAndBadArray) {
  auto pls =
      parse_playlists("[{\"id\":\"a\",\"plylst_title\":\"t\",\"tags\":[\"x\"],\"songs\":[\"s\"]}]",
                      "x.json", nullptr);
  ASSERT_EQ(pls.size(), 1u);
  EXPECT_THROW(parse_playlists("[{\"id\":", "bad.json", nullptr), MuseError);
  EXPECT_THROW(parse_playlists("a,b\n1,2\n", "bad.csv", nullptr), MuseError);
}

TEST(Playlists, CasesRoundTripAndBadLines) {
  auto dir = muse::testing::temp_path("muse_cf_cases");
  std::filesystem::create_directories(dir);
  write_cases_jsonl(dir / "q.jsonl", {{"q1", "Title", {"a", "b"}, {"c"}, {"pop"}, 0}});
  {
    std::ofstream out(dir / "q.jsonl", std::ios::app);
    out << "{not json}\n{\"id\":\"q3\",\"name\":\"x\"}\n";
  }
  PlaylistReport rep;
  auto cases = read_cases(dir / "q.jsonl", &rep);
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].seeds, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(rep.skipped, 2u);
  ASSERT_EQ(rep.issues.size(), 2u);
  EXPECT_EQ(rep.issues[0].line, 2u);
  EXPECT_EQ(rep.issues[1].line, 3u);
  std::filesystem::remove_all(dir);
}

catalog::CatalogPtr small_catalog() {
  std::vector<catalog::Track> tracks;
  for (int a = 0; a < 6; ++a)
    for (int k = 0; k < 8; ++k) {
      catalog::Track t;
      t.id = "t" + std::to_string(a) + "_" + std::to_string(k);
      t.name = "song " + t.id;
      t.artists = {"artist " + std::to_string(a)};
      t.album = "album " + std::to_string(a);
      t.release_date = std::to_string(1990 + a * 5);
      t.popularity = 10 * k;
      for (int f = 0; f < catalog::kNumFeatures; ++f) t.features[f] = 0.1f * a + 0.01f * k + 0.2f;
      tracks.push_back(t);
    }
  return catalog::Catalog::build(std::move(tracks));
}

/// Playlists of two kinds: "rock" ones use artists 0-2, "pop" ones artists 3-5.
std::vector<Playlist> small_playlists() {
  std::vector<Playlist> v;
  for (int p = 0; p < 24; ++p) {
    bool rock = p % 2 == 0;
    Playlist pl{
        "p" + std::to_string(p), rock ? "rock classics" : "pop hits", {rock ? "rock" : "pop"}, {}};
    for (int a = rock ? 0 : 3; a < (rock ? 3 : 6); ++a)
      for (int k = p % 3; k < 8; k += 2)
        pl.tracks.push_back("t" + std::to_string(a) + "_" + std::to_string(k));
    v.push_back(pl);
  }
  return v;
}

TEST(Continuation, ContinuesWithinTheStyleAndCountsUnknownIds) {
  ContinuationConfig cfg;
  cfg.folds = 2;
  cfg.repeats = 1;
  cfg.song_ranker.rounds = 10;
  cfg.tag_ranker.rounds = 10;
  cfg.song_ranker.threads = cfg.tag_ranker.threads = 1;
  auto model = ContinuationModel::fit(small_catalog(), small_playlists(), cfg);
  ContinuationRequest req{"rock", {"t0_1", "t1_1", "nope", "t0_1"}, {}, 10, 2};
  for (const auto& method : ContinuationModel::methods()) {
    auto res = model->recommend(std::span<const ContinuationRequest>(&req, 1), method).front();
    EXPECT_EQ(res.unknown_tracks, 1u) << method;
    EXPECT_EQ(res.known_tracks, 2u) << method;  // the duplicate counts once
    EXPECT_EQ(res.songs.size(), 10u) << method;
    for (const auto& s : res.songs) {
      EXPECT_NE(s.id, "t0_1");
      EXPECT_NE(s.id, "t1_1");
    }
  }
  auto res = model->recommend(std::span<const ContinuationRequest>(&req, 1), "ranker").front();
  EXPECT_EQ(res.strategy, "ranker");
  int rock_artists = 0;
  for (const auto& s : res.songs) rock_artists += s.id[1] <= '2';
  EXPECT_GE(rock_artists, 8);
  ASSERT_FALSE(res.tags.empty());
  EXPECT_EQ(res.tags[0].tag, "rock");
}

TEST(Continuation, EmptyQueriesFallBack) {
  ContinuationConfig cfg;
  cfg.folds = 2;
  cfg.repeats = 1;
  cfg.song_ranker.rounds = cfg.tag_ranker.rounds = 5;
  auto model = ContinuationModel::fit(small_catalog(), small_playlists(), cfg);
  std::vector<ContinuationRequest> reqs = {
      {"", {}, {}, 5, 1}, {"pop hits", {}, {}, 5, 1}, {"", {"x"}, {"rock"}, 5, 1}};
  auto res = model->recommend(reqs);
  EXPECT_EQ(res[0].strategy, "popularity");
  EXPECT_EQ(res[0].songs.size(), 5u);
  EXPECT_EQ(res[1].strategy, "title");
  for (const auto& s : res[1].songs) EXPECT_GE(s.id[1], '3');  // pop artists
  EXPECT_EQ(res[2].strategy, "tags");
  EXPECT_EQ(res[2].unknown_tracks, 1u);
  for (const auto& t : res[2].tags) EXPECT_NE(t.tag, "rock");  // known tags are not repeated
  ContinuationRequest bad{"", {}, {}, 5000, 1};
  EXPECT_THROW(model->recommend(std::span<const ContinuationRequest>(&bad, 1)), MuseError);
  EXPECT_THROW(model->recommend(std::span<const ContinuationRequest>(&reqs[0], 1), "magic"),
               MuseError);
}

TEST(Continuation, GenresTheTitleNamesLeadATitleOnlyQuery) {
  // The small catalogue with genres: artists 4-5 "k-pop", artist 0 "sad", artist 1's first
  // three songs "sad" + "acoustic", artist 2 "hip-hop".
  std::vector<catalog::Track> tracks = small_catalog()->tracks();
  for (auto& t : tracks) {
    const int a = t.id[1] - '0', k = t.id[3] - '0';
    if (a >= 4) t.genres = {"k-pop"};
    if (a == 0) t.genres = {"sad"};
    if (a == 1 && k < 3) t.genres = {"acoustic", "sad"};
    if (a == 2) t.genres = {"hip-hop"};
  }
  ContinuationConfig cfg;
  cfg.folds = 2;
  cfg.repeats = 1;
  cfg.song_ranker.rounds = cfg.tag_ranker.rounds = 5;
  auto model = ContinuationModel::fit(catalog::Catalog::build(std::move(tracks)), small_playlists(), cfg);
  std::vector<ContinuationRequest> reqs = {
      {"Best K Pop ever", {}, {}, 4, 1},  {"Best K Pop ever", {}, {}, 6, 1},
      {"sad acoustic", {}, {}, 3, 1},     {"", {}, {"kpop"}, 3, 1},
      {"hip hop classics", {}, {}, 3, 1}, {"pop hits", {}, {}, 3, 1},
      {"k-pop", {"t0_1"}, {}, 3, 1}};
  auto res = model->recommend(reqs);
  auto artist = [](const ContinuationResult::Song& s) { return s.id[1] - '0'; };
  EXPECT_EQ(res[0].strategy, "genres");
  EXPECT_EQ(res[0].genres, std::vector<std::string>{"k-pop"});
  ASSERT_EQ(res[0].songs.size(), 4u);
  std::map<int, int> per_artist;
  for (const auto& s : res[0].songs) ++per_artist[artist(s)];
  EXPECT_EQ(per_artist, (std::map<int, int>{{4, 2}, {5, 2}}));  // two each while both are left
  ASSERT_EQ(res[1].songs.size(), 6u);
  for (const auto& s : res[1].songs) EXPECT_GE(artist(s), 4) << s.id;  // then the genre's rest
  // Songs in both named genres first (artist 1's three), but at most two of one artist while
  // another matching artist is left.
  EXPECT_EQ(res[2].genres, (std::vector<std::string>{"sad", "acoustic"}));
  ASSERT_EQ(res[2].songs.size(), 3u);
  EXPECT_EQ(artist(res[2].songs[0]), 1);
  EXPECT_EQ(artist(res[2].songs[1]), 1);
  EXPECT_LT(res[2].songs[0].id[3] - '0', 3);
  EXPECT_LT(res[2].songs[1].id[3] - '0', 3);
  EXPECT_EQ(artist(res[2].songs[2]), 0);
  EXPECT_EQ(res[3].strategy, "genres");  // a tag that names a catalogue genre
  EXPECT_EQ(res[3].genres, std::vector<std::string>{"k-pop"});
  EXPECT_EQ(res[4].genres, std::vector<std::string>{"hip-hop"});
  for (const auto& s : res[4].songs) EXPECT_EQ(artist(s), 2);
  EXPECT_EQ(res[5].strategy, "title");  // no genre named: the playlist titles decide
  EXPECT_TRUE(res[5].genres.empty());
  EXPECT_EQ(res[6].strategy, "ranker");  // known seeds: the genres play no part
  EXPECT_TRUE(res[6].genres.empty());
}

TEST(Continuation, SaveLoadAndCatalogueCheck) {
  ContinuationConfig cfg;
  cfg.folds = 2;
  cfg.repeats = 1;
  cfg.song_ranker.rounds = cfg.tag_ranker.rounds = 5;
  auto cat = small_catalog();
  auto model = ContinuationModel::fit(cat, small_playlists(), cfg);
  auto dir = muse::testing::temp_path("muse_cf_cont");
  std::filesystem::create_directories(dir);
  model->save(dir / "c.model");
  auto back = ContinuationModel::load(dir / "c.model", cat);
  ContinuationRequest req{"rock", {"t0_1", "t1_2"}, {}, 10, 2};
  auto a = model->recommend(std::span<const ContinuationRequest>(&req, 1)).front();
  auto b = back->recommend(std::span<const ContinuationRequest>(&req, 1)).front();
  ASSERT_EQ(a.songs.size(), b.songs.size());
  for (size_t i = 0; i < a.songs.size(); ++i) EXPECT_EQ(a.songs[i].id, b.songs[i].id);
  std::vector<catalog::Track> other(1);
  other[0].id = "zzz";
  try {
    ContinuationModel::load(dir / "c.model", catalog::Catalog::build(other));
    FAIL() << "expected kDataLoss";
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataLoss);
  }
  std::filesystem::remove_all(dir);
}

/// Genre + subgenre playlists: two genres with two subgenres each, one artist per subgenre.
std::vector<Playlist> genre_playlists() {
  const char* kind[4][3] = {{"rock", "hard rock", "hard rock anthems"},
                            {"rock", "classic rock", "classic rock legends"},
                            {"pop", "dance pop", "dance pop party"},
                            {"pop", "electropop", "electropop vibes"}};
  const int artist[4] = {0, 1, 3, 4};
  std::vector<Playlist> v;
  for (int p = 0; p < 32; ++p) {
    int c = p % 4;
    Playlist pl{"g" + std::to_string(p), kind[c][2], {kind[c][0], kind[c][1]}, {}};
    for (int k = p % 2; k < 8; k += 1 + p % 2)
      pl.tracks.push_back("t" + std::to_string(artist[c]) + "_" + std::to_string(k));
    pl.tracks.push_back("t" + std::to_string(artist[c] == 4 ? 5 : 2) + "_" + std::to_string(p % 8));
    v.push_back(pl);
  }
  return v;
}

TEST(Continuation, TagSetsKeepGenreAndSubgenreTogether) {
  ContinuationConfig cfg;
  cfg.folds = 2;
  cfg.repeats = 1;
  cfg.song_ranker.rounds = cfg.tag_ranker.rounds = cfg.set_ranker.rounds = 20;
  cfg.song_ranker.threads = cfg.tag_ranker.threads = cfg.set_ranker.threads = 1;
  auto model = ContinuationModel::fit(small_catalog(), genre_playlists(), cfg);
  std::vector<ContinuationRequest> reqs = {{"classic rock", {"t1_0", "t1_3"}, {}, 10, 4},
                                           {"electropop", {"t4_1", "t4_2"}, {}, 10, 4},
                                           {"party", {"t3_5"}, {"pop"}, 10, 4}};
  auto res = model->recommend(reqs);
  ASSERT_EQ(res[0].tags.size(), 4u);
  // The genre's marginal sums its subgenres, so it comes first, then the subgenre.
  EXPECT_EQ(res[0].tags[0].tag, "rock");
  EXPECT_EQ(res[0].tags[1].tag, "classic rock");
  EXPECT_GE(res[0].tags[0].score, res[0].tags[1].score);
  EXPECT_EQ(res[1].tags[0].tag, "pop");
  EXPECT_EQ(res[1].tags[1].tag, "electropop");
  // A tag the query already carries is not proposed again.
  for (const auto& t : res[2].tags) EXPECT_NE(t.tag, "pop");
  EXPECT_EQ(res[2].tags[0].tag, "dance pop");
  // Scores are marginal probabilities: within [0, 1], and the two genres' sum to at most 1.
  float rock = 0, pop = 0;
  for (const auto& t : res[0].tags) {
    EXPECT_GE(t.score, 0.f);
    EXPECT_LE(t.score, 1.f + 1e-5f);
    if (t.tag == "rock") rock = t.score;
    if (t.tag == "pop") pop = t.score;
  }
  EXPECT_LE(rock + pop, 1.f + 1e-5f);
}

TEST(Continuation, RejectsAModelFileOfAnotherVersion) {
  auto cat = small_catalog();
  auto dir = muse::testing::temp_path("muse_cf_cont_v2");
  std::filesystem::create_directories(dir);
  {
    BinaryWriter w(dir / "old.model", ContinuationModel::kMagic, 2, cat->fingerprint());
    w.write<int32_t>(4);
    w.commit();
  }
  try {
    ContinuationModel::load(dir / "old.model", cat);
    FAIL() << "expected kDataLoss";
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataLoss);
    EXPECT_NE(std::string(e.what()).find("version 2"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(SqliteStore, PlaylistsRoundTripAndV1Migration) {
  auto dir = muse::testing::temp_path("muse_cf_store");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto db = (dir / "m.db").string();
  {
    storage::SqliteStore s(db, /*migrate_to=*/1);  // a store as version 1 left it
    catalog::Track t;
    t.id = "t1";
    t.name = "Song";
    t.artists = {"A"};
    s.upsert_tracks(std::vector<catalog::Track>{t});
  }
  storage::SqliteStore s(db);
  EXPECT_EQ(s.schema_version(), storage::SqliteStore::kSchemaVersion);
  EXPECT_EQ(s.track_count(), 1);  // v1 data kept
  std::vector<Playlist> pls = {{"p1", "Mix", {"pop", "dance pop"}, {"t1", "unknown"}},
                               {"p2", "Two", {}, {"t1"}}};
  auto st = s.upsert_playlists(pls);
  EXPECT_EQ(st.inserted, 2u);
  pls[0].title = "Mix 2";
  pls[0].tracks = {"t9"};
  st = s.upsert_playlists(std::vector<Playlist>{pls[0]});
  EXPECT_EQ(st.updated, 1u);
  auto back = s.all_playlists();
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].title, "Mix 2");
  EXPECT_EQ(back[0].tracks, (std::vector<std::string>{"t9"}));
  EXPECT_EQ(back[0].tags, (std::vector<std::string>{"pop", "dance pop"}));
  EXPECT_EQ(s.playlist_count(), 2);
  EXPECT_GE(s.playlists_revision(), 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace muse::cf
