// End to end through the muse binary: import a small synthetic catalogue, create a listener,
// give feedback, and check `muse listener recommend` follows it.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "listeners/catalog_helpers.h"

namespace {

namespace fs = std::filesystem;

struct CmdResult {
  int status = -1;
  std::string out;
};

class ListenerCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = fs::temp_directory_path() / ("muse_listener_cli_" + std::to_string(::getpid()));
    fs::remove_all(home_);
    fs::create_directories(home_);
    // 8 bands x 10 songs; each band has its own sound, so its songs are each other's neighbours.
    muse::test::write_synthetic_tracks(home_ / "tracks.csv", 8, 10);
  }
  void TearDown() override { fs::remove_all(home_); }

  static std::string id(int a, int i) { return muse::test::synthetic_track_id(a, i); }

  CmdResult muse(const std::string& args) {
    std::string cmd = std::string(MUSE_BINARY) + " -q --home '" + home_.string() +
                      "' --data-dir '" + home_.string() + "' " + args + " 2>&1";
    CmdResult r;
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[4096];
    size_t k;
    while ((k = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, k);
    int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
  }

  fs::path home_;
};

TEST_F(ListenerCliTest, FeedbackChangesRecommendations) {
  auto imp = muse("import tracks '" + (home_ / "tracks.csv").string() + "'");
  ASSERT_EQ(imp.status, 0) << imp.out;
  auto created = muse("listener create --name tester --json");
  ASSERT_EQ(created.status, 0) << created.out;
  std::string token = nlohmann::json::parse(created.out)["token"];
  std::string auth = " --token " + token;

  auto band_count = [&](const nlohmann::json& recs, const std::string& band) {
    int c = 0;
    for (const auto& r : recs["recommendations"]) c += r["artists"][0] == band;
    return c;
  };
  std::string cmd = "listener recommend -t " + id(2, 0) + " -n 12 --json" + auth;
  auto before = muse(cmd);
  ASSERT_EQ(before.status, 0) << before.out;
  auto b = nlohmann::json::parse(before.out);
  ASSERT_GE(band_count(b, "Band 2"), 1) << before.out;

  auto fb =
      muse("listener feedback dislike 'band 2' --artist --context '{\"source\":\"chat\"}'" + auth);
  ASSERT_EQ(fb.status, 0) << fb.out;
  auto after = nlohmann::json::parse(muse(cmd).out);
  EXPECT_EQ(after["recommendations"].size(), 12u);
  EXPECT_EQ(band_count(after, "Band 2"), 0);

  // Ratings become the "for you" seeds.
  ASSERT_EQ(muse("listener feedback rating " + id(5, 1) + " --rating 5" + auth).status, 0);
  auto mine = nlohmann::json::parse(muse("listener recommend -n 5 --json" + auth).out);
  ASSERT_EQ(mine["seeds"].size(), 1u);
  EXPECT_EQ(mine["seeds"][0], id(5, 1));
  // The rated song's own band comes first, up to the default two-per-artist cap.
  ASSERT_GE(mine["recommendations"].size(), 2u);
  EXPECT_EQ(mine["recommendations"][0]["artists"][0], "Band 5");
  EXPECT_EQ(mine["recommendations"][1]["artists"][0], "Band 5");

  auto hist = nlohmann::json::parse(muse("listener history --json" + auth).out);
  ASSERT_EQ(hist["feedback"].size(), 2u);
  EXPECT_EQ(hist["feedback"][1]["context"]["source"], "chat");

  // Bad token and bad input: clear errors, non-zero exit.
  auto bad = muse("listener history --token mt_0000000000000000_" + std::string(64, '0'));
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.out.find("not valid"), std::string::npos) << bad.out;
  auto rating = muse("listener feedback rating " + id(5, 2) + " --rating 9" + auth);
  EXPECT_NE(rating.status, 0);
  EXPECT_NE(rating.out.find("rating must be 1..5"), std::string::npos) << rating.out;
}

}  // namespace
