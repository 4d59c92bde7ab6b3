// The fast JSON writers produce the same documents as track_to_json / recommendation_to_json.
#include <gtest/gtest.h>

#include "app/track_json.h"
#include "server/server_helpers.h"

namespace muse::test {
namespace {

catalog::Track odd_track() {
  catalog::Track t;
  t.id = "abc123";
  t.name = "Quote \" back\\slash \t tab \n nl \x01 ctl — ünïcode 日本";
  t.artists = {"A \"B\"", "C\\D"};
  t.album = "";
  t.genres = {"k-pop", "rock"};
  t.popularity = -1;
  t.features[0] = 0.05f;
  t.features[3] = -5.25f;
  t.features[10] = 120.f;
  t.features[12] = 1000000.f;
  t.features[4] = -0.f;
  return t;
}

TEST(TrackJsonTest, FastWriterMatchesTheJsonTree) {
  std::vector<catalog::Track> tracks = {odd_track()};
  catalog::Track full = odd_track();
  full.album_id = "alb";
  full.release_date = "1999-01-02";
  full.explicit_ = 1;
  tracks.push_back(full);
  full.explicit_ = 0;
  tracks.push_back(full);
  for (const auto& t : tracks) {
    std::string out;
    append_track_json(out, t);
    auto parsed = nlohmann::json::parse(out);
    EXPECT_EQ(parsed, track_to_json(t)) << out;
    recommend::Recommendation r;
    r.score = 0.8734f;
    r.reason = "shares \"high energy\" (0.91 vs your 0.88)\n";
    out.clear();
    append_recommendation_json(out, t, r);
    EXPECT_EQ(nlohmann::json::parse(out), recommendation_to_json(t, r)) << out;
  }
}

TEST(TrackJsonTest, FastWriterMatchesOnTheFixtureCatalogue) {
  TestServer srv;
  for (const auto& t : srv.app().content()->catalog->tracks()) {
    std::string out;
    append_track_json(out, t);
    // Same text too, not just the same document: both print sorted keys and shortest floats.
    EXPECT_EQ(out, track_to_json(t).dump());
  }
}

}  // namespace
}  // namespace muse::test
