// End-to-end: the muse binary on a small generated catalogue in a temporary home.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

struct Run {
  int code = -1;
  std::string out;
};

Run run(const std::string& args) {
  std::string cmd = std::string(MUSE_BINARY) + " -q " + args + " 2>&1";
  Run r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class ClustersCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("muse_clusters_cli_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    home_ =
        "--home " + (dir_ / "home").string() + " --store " + (dir_ / "home" / "muse.db").string();
    // 60 tracks in three sound groups, in the 114k-tracks layout.
    std::ofstream csv(dir_ / "tracks.csv");
    csv << "track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,"
           "energy,key,"
           "loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,time_"
           "signature,"
           "track_genre\n";
    const char* genres[3] = {"metal", "folk", "techno"};
    for (int i = 0; i < 60; ++i) {
      const int g = i % 3;
      const float energy = g == 0 ? 0.95f : g == 1 ? 0.15f : 0.8f;
      const float acoustic = g == 1 ? 0.9f : 0.02f;
      const float instr = g == 2 ? 0.9f : 0.0f;
      const float tempo = (g == 0 ? 170.f : g == 1 ? 85.f : 128.f) + i % 7;
      char id[32];
      std::snprintf(id, sizeof(id), "trk%019d", i);
      csv << id << ",Artist " << i % 11 << ",Album " << i << ",Song " << i << "," << (i * 7) % 100
          << ",200000,False," << 0.5 + 0.01 * (i % 5) << "," << energy << ",1,-7.5,1,0.05,"
          << acoustic << "," << instr << ",0.1," << 0.3 + 0.01 * (i % 9) << "," << tempo << ",4,"
          << genres[g] << "\n";
    }
    std::ofstream pl(dir_ / "playlists.csv");
    pl << "playlist_id,playlist_name,playlist_genre,playlist_subgenre,track_id\n";
    for (int p = 0; p < 3; ++p) {
      for (int i = p; i < 60; i += 6) {
        char id[32];
        std::snprintf(id, sizeof(id), "trk%019d", i);
        pl << "pl" << p << ",Playlist " << p << ",x,y," << id << "\n";
      }
    }
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  std::string home_;
};

TEST_F(ClustersCli, EmptyCatalogueIsAClearError) {
  auto r = run(home_ + " clusters build --k 3");
  EXPECT_EQ(r.code, 4) << r.out;
  EXPECT_NE(r.out.find("catalogue is empty"), std::string::npos) << r.out;
}

TEST_F(ClustersCli, BuildListShowRecommendMap) {
  auto imp = run(home_ + " import tracks " + (dir_ / "tracks.csv").string());
  ASSERT_EQ(imp.code, 0) << imp.out;
  auto none = run(home_ + " clusters list");
  EXPECT_EQ(none.code, 4) << none.out;
  EXPECT_NE(none.out.find("muse clusters build"), std::string::npos) << none.out;

  EXPECT_EQ(run(home_ + " clusters build --k 0").code, 2);
  EXPECT_EQ(run(home_ + " clusters build --k -2").code, 2);
  auto big = run(home_ + " clusters build --k 61");
  EXPECT_EQ(big.code, 2);
  EXPECT_NE(big.out.find("larger than the catalogue"), std::string::npos) << big.out;
  EXPECT_EQ(run(home_ + " clusters build --layout tsne").code, 2);

  auto b = run(home_ + " clusters build --k 3 --json");
  ASSERT_EQ(b.code, 0) << b.out;
  auto bj = nlohmann::json::parse(b.out);
  EXPECT_EQ(bj["k"], 3);
  EXPECT_EQ(bj["tracks"], 60);

  auto l = run(home_ + " clusters list --json");
  ASSERT_EQ(l.code, 0) << l.out;
  auto lj = nlohmann::json::parse(l.out);
  ASSERT_EQ(lj["clusters"].size(), 3u);
  std::set<std::string> top_genres;
  for (const auto& c : lj["clusters"]) {
    EXPECT_EQ(c["size"], 20);  // the three planted sound groups
    ASSERT_FALSE(c["genres"].empty());
    EXPECT_DOUBLE_EQ(c["genres"][0]["share"].get<double>(), 1.0);
    top_genres.insert(c["genres"][0]["genre"].get<std::string>());
  }
  EXPECT_EQ(top_genres.size(), 3u);

  auto s = run(home_ + " clusters show 1 --json");
  ASSERT_EQ(s.code, 0) << s.out;
  auto sj = nlohmann::json::parse(s.out);
  EXPECT_EQ(sj["id"], 1);
  EXPECT_FALSE(sj["top_tracks"].empty());
  EXPECT_EQ(run(home_ + " clusters show 3").code, 3);
  EXPECT_EQ(run(home_ + " clusters show -1").code, 3);

  auto rec = run(home_ + " clusters recommend --track trk0000000000000000000 -n 5 --json");
  ASSERT_EQ(rec.code, 0) << rec.out;
  auto rj = nlohmann::json::parse(rec.out);
  EXPECT_EQ(rj["recommendations"].size(), 5u);
  for (const auto& item : rj["recommendations"]) EXPECT_EQ(item["genres"][0], "metal");
  EXPECT_EQ(run(home_ + " clusters recommend --track nosuchtrackanywhere").code, 3);

  auto m = run(home_ + " clusters map --limit 10");
  ASSERT_EQ(m.code, 0) << m.out;
  auto mj = nlohmann::json::parse(m.out);
  EXPECT_EQ(mj["total"], 60);
  EXPECT_EQ(mj["points"].size(), 10u);
  EXPECT_EQ(run(home_ + " clusters map --x0 5 --x1 1").code, 2);
  EXPECT_EQ(run(home_ + " clusters map --x0 -1e30").code, 2);
  EXPECT_EQ(run(home_ + " clusters map --limit 0").code, 2);

  auto ev = run(home_ + " eval clusters --playlists " + (dir_ / "playlists.csv").string() +
                " --k 3 --sample 30 --min-tracks 3 --draws 5 --epochs 20 --folds 3 --json");
  ASSERT_EQ(ev.code, 0) << ev.out;
  auto ej = nlohmann::json::parse(ev.out);
  EXPECT_EQ(ej["playlists"], 3);
  EXPECT_GT(ej["layout"]["umap"]["preservation"].get<double>(),
            ej["layout"]["random"]["preservation"].get<double>());
  auto bad = run(home_ + " eval clusters --playlists " + (dir_ / "tracks.csv").string());
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_NE(bad.out.find("playlist_id"), std::string::npos) << bad.out;
}

TEST_F(ClustersCli, ReimportMakesTheMapStale) {
  ASSERT_EQ(run(home_ + " import tracks " + (dir_ / "tracks.csv").string()).code, 0);
  ASSERT_EQ(run(home_ + " clusters build --k 3 --layout pca").code, 0);
  ASSERT_EQ(run(home_ + " clusters list").code, 0);
  std::ofstream(dir_ / "more.csv") << "track_id,artists,album_name,track_name,popularity,duration_"
                                      "ms,explicit,danceability,energy,key,"
                                      "loudness,mode,speechiness,acousticness,instrumentalness,"
                                      "liveness,valence,tempo,time_signature,track_genre\n"
                                      "newtrack00000000000001,New,New,New,5,200000,False,0.5,0.5,1,"
                                      "-7,1,0.05,0.5,0.1,0.1,0.5,100,4,pop\n";
  ASSERT_EQ(run(home_ + " import tracks " + (dir_ / "more.csv").string()).code, 0);
  auto l = run(home_ + " clusters list");
  EXPECT_EQ(l.code, 4) << l.out;
  EXPECT_NE(l.out.find("out of date"), std::string::npos) << l.out;
}

TEST_F(ClustersCli, PlaylistsAddCoOccurrenceFactorsAndAreCrossFitted) {
  ASSERT_EQ(run(home_ + " import tracks " + (dir_ / "tracks.csv").string()).code, 0);
  auto audio = run(home_ + " clusters build --k 3 --layout pca --json");
  ASSERT_EQ(audio.code, 0) << audio.out;
  EXPECT_EQ(nlohmann::json::parse(audio.out)["cooc"]["factors"], 0);  // no playlists yet

  const std::string pl = (dir_ / "playlists.csv").string();
  ASSERT_EQ(run(home_ + " import playlists " + pl).code, 0);
  auto stale = run(home_ + " clusters list");  // built to use playlists, and they changed
  EXPECT_EQ(stale.code, 4) << stale.out;
  EXPECT_NE(stale.out.find("out of date"), std::string::npos) << stale.out;

  auto b = run(home_ + " clusters build --k 3 --epochs 20 --json");
  ASSERT_EQ(b.code, 0) << b.out;
  auto bj = nlohmann::json::parse(b.out);
  EXPECT_EQ(bj["cooc"]["factors"], 16);
  EXPECT_EQ(bj["cooc"]["playlists"], 3);
  EXPECT_EQ(bj["cooc"]["tracks_in_playlists"], 30);
  EXPECT_EQ(bj["cooc"]["imputed_tracks"], 30);
  EXPECT_EQ(bj["cooc"]["mean_factor_tracks"], 0);
  EXPECT_EQ(bj["cluster_dims"], 9 + 16);
  auto l = run(home_ + " clusters list --json");
  ASSERT_EQ(l.code, 0) << l.out;
  EXPECT_EQ(nlohmann::json::parse(l.out)["cooc"]["playlists"], 3);

  auto off = run(home_ + " clusters build --k 3 --layout pca --cooc-weight 0 --json");
  ASSERT_EQ(off.code, 0) << off.out;
  EXPECT_EQ(nlohmann::json::parse(off.out)["cooc"]["factors"], 0);
  EXPECT_EQ(run(home_ + " clusters build --k 3 --cooc-weight -1").code, 2);
  EXPECT_EQ(run(home_ + " clusters build --k 3 --cooc-factors 0").code, 2);

  auto ev = run(home_ + " eval clusters --playlists " + pl +
                " --k 3 --folds 3 --min-tracks 3 --draws 5 --no-layout --json");
  ASSERT_EQ(ev.code, 0) << ev.out;
  auto cf = nlohmann::json::parse(ev.out)["cross_fitted"];
  EXPECT_EQ(cf["folds"], 3);
  EXPECT_EQ(cf["mean_train_playlists"], 2.0);  // each fold holds one playlist out
  ASSERT_EQ(cf["clusters"].size(), 1u);
  EXPECT_EQ(cf["clusters"][0]["audio_cooc"]["on_all_tracks"]["playlists"], 3);
  EXPECT_EQ(cf["clusters"][0]["audio"]["on_all_tracks"]["playlists"], 3);
  auto few = run(home_ + " eval clusters --playlists " + pl + " --k 3 --folds 5 --no-layout");
  EXPECT_EQ(few.code, 2) << few.out;
  EXPECT_NE(few.out.find("cannot fill"), std::string::npos) << few.out;
}

}  // namespace
