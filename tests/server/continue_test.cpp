// POST /api/v1/playlists/continue over a real server: no playlists -> 503 naming the fix; with
// playlists in the store -> songs + tags; bad fields -> 400.
#include <gtest/gtest.h>

#include <algorithm>

#include "server_helpers.h"

namespace muse::test {
namespace {

TEST(ContinueRoute, NeedsPlaylistsThenContinues) {
  TestServer ts;
  auto cli = ts.client();
  auto r = cli.Post("/api/v1/playlists/continue", R"({"tracks": []})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("import playlists"), std::string::npos);

  // Playlists over the fixture catalogue: each genre's tracks, split in small playlists.
  std::vector<cf::Playlist> pls;
  for (const std::string& g : ts.app().content()->catalog->genres()) {
    auto ids = ts.ids_of_genre(g);
    for (size_t p = 0; p + 3 <= ids.size() && pls.size() < 40; p += 2)
      pls.push_back({g + std::to_string(p), g + " mix", {g}, {ids[p], ids[p + 1], ids[p + 2]}});
  }
  if (pls.size() < 8) GTEST_SKIP() << "fixture catalogue too small for playlists";
  ts.app().store().upsert_playlists(pls);
  std::string body = R"({"title": ")" + pls[0].title + R"(", "tracks": [")" + pls[0].tracks[0] +
                     R"(", "no-such-id"], "limit": 5, "tags_limit": 2})";
  r = cli.Post("/api/v1/playlists/continue", body, "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = body_json(r);
  EXPECT_EQ(j["songs"].size(), 5u);
  EXPECT_EQ(j["unknown_tracks"], 1);
  EXPECT_LE(j["tags"].size(), 2u);

  // A title alone that names a catalogue genre: that genre's songs, and the genre is reported.
  r = cli.Post("/api/v1/playlists/continue", R"({"title": "Heavy METAL to wake up", "limit": 4})",
               "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  j = body_json(r);
  EXPECT_EQ(j["strategy"], "genres");
  EXPECT_EQ(j["genres"], nlohmann::json::array({"metal"}));
  auto metal = ts.ids_of_genre("metal");
  ASSERT_EQ(j["songs"].size(), 4u);
  for (const auto& s : j["songs"])
    EXPECT_NE(std::find(metal.begin(), metal.end(), s["track_id"].get<std::string>()), metal.end())
        << s.dump();

  r = cli.Post("/api/v1/playlists/continue", R"({"limit": 0})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = cli.Post("/api/v1/playlists/continue", R"({"tracks": "x"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

}  // namespace
}  // namespace muse::test
