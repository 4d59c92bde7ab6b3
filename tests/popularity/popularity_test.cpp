#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>

#include "catalog/csv_reader.h"
#include "popularity/features.h"
#include "popularity/popularity_model.h"
#include "popularity/split.h"
#include "util/binary_file.h"
#include "util/error.h"

namespace fs = std::filesystem;
using namespace muse;
using namespace muse::popularity;

namespace {

const std::string kFixtures = std::string(MUSE_FIXTURES) + "/popularity/";
const char* kHeader =
    "track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,energy,"
    "key,"
    "loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,time_signature,"
    "track_genre\n";

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("muse_pop_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path operator/(const std::string& name) const { return path_ / name; }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

std::string track_id(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "t%021d", i);
  return buf;
}

/// A synthetic catalogue in the 114k layout: popularity depends on danceability, energy,
/// the genre and the artist; every fifth track is listed under a second genre.
void write_synthetic(const fs::path& path, int n_tracks, uint64_t seed, int bad_line_after = -1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> noise(0, 3);
  const char* genres[] = {"pop", "rock", "jazz", "metal", "ambient"};
  const double genre_bias[] = {15, 5, -5, 0, -15};
  std::ofstream f(path);
  f << kHeader;
  for (int i = 0; i < n_tracks; ++i) {
    int artist = i % (n_tracks / 4);
    double artist_bias = (artist % 7) * 4.0 - 12;
    double dance = u(rng), energy = u(rng);
    int g = static_cast<int>(rng() % 5);
    double pop = 30 + 30 * dance + 10 * energy + genre_bias[g] + artist_bias + noise(rng);
    int p = std::clamp(static_cast<int>(std::lround(pop)), 0, 100);
    auto row = [&](int genre) {
      f << track_id(i) << ",Artist " << artist << ",Album " << artist << "-" << (i % 3) << ",Song "
        << i << "," << p << "," << 150000 + (i * 937) % 100000 << ","
        << (i % 9 == 0 ? "True" : "False") << "," << dance << "," << energy << "," << i % 12 << ","
        << -20 + 15 * energy << "," << i % 2 << ",0.05," << 1 - energy << ",0.0,0.1," << u(rng)
        << "," << 80 + 60 * u(rng) << ",4," << genres[genre] << "\n";
    };
    row(g);
    if (i % 5 == 0) row((g + 1) % 5);
    if (i == bad_line_after)
      f << track_id(900000 + i)
        << ",,,,0,0,False,0.5,0.5,7,-9,0,0.06,0.69,0.0,0.07,0.7,138,4,pop\n";
  }
}

TrainOptions quick_options(FeatureSet set) {
  TrainOptions o;
  o.features = set;
  o.max_rounds = 40;
  o.early_stopping_rounds = 10;
  o.max_depth = 4;
  o.nthread = 1;
  o.seed = 7;
  o.folds = 3;
  return o;
}

ErrorCode code_of(const std::function<void()>& fn, std::string* message) {
  try {
    fn();
  } catch (const MuseError& e) {
    *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << "no MuseError thrown";
  return ErrorCode::kInternal;
}

int col(const FeatureBuilder& b, const std::string& name) {
  const auto& n = b.names();
  auto it = std::find(n.begin(), n.end(), name);
  EXPECT_NE(it, n.end()) << name;
  return static_cast<int>(it - n.begin());
}

catalog::Track make_track(const std::string& id, const std::string& artist,
                          const std::string& album, const std::string& name) {
  catalog::Track t;
  t.id = id;
  t.artists = {artist};
  t.album = album;
  t.name = name;
  t.genres = {"pop"};
  t.explicit_ = 0;
  for (auto& f : t.features) f = 0.5f;
  return t;
}

}  // namespace

// ---- loading and bad input ----

TEST(PopularityData, MergesGenreRowsIntoOneTrack) {
  auto d = load_popularity_csv(kFixtures + "good.csv");
  ASSERT_EQ(d.rows(), 4u);
  ASSERT_EQ(d.tracks.size(), 3u);
  EXPECT_EQ(d.tracks[0].genres, (std::vector<std::string>{"indie", "pop"}));
  EXPECT_EQ(d.weight[0], 2.f);
  EXPECT_EQ(d.target[0], 61.f);
  EXPECT_EQ(d.tracks[0].name, "Morning, Again");
  EXPECT_EQ(d.row_track, (std::vector<uint32_t>{0, 0, 1, 2}));
}

TEST(PopularityData, BadInputGivesClearErrors) {
  struct Case {
    const char* file;
    std::vector<std::string> must_mention;
  };
  const Case cases[] = {
      {"missing_column.csv", {"missing_column.csv", "energy"}},
      {"non_numeric.csv", {"non_numeric.csv:4", "energy", "loud"}},
      {"nan_value.csv", {"nan_value.csv:5", "danceability", "nan"}},
      {"inf_value.csv", {"inf_value.csv:3", "tempo", "inf"}},
      {"empty_popularity.csv", {"empty_popularity.csv:4", "popularity"}},
  };
  for (const auto& c : cases) {
    std::string msg;
    EXPECT_EQ(code_of([&] { load_popularity_csv(kFixtures + c.file); }, &msg),
              ErrorCode::kInvalidArgument)
        << c.file;
    for (const auto& s : c.must_mention)
      EXPECT_NE(msg.find(s), std::string::npos) << msg << " lacks " << s;
  }
  std::string msg;
  EXPECT_EQ(code_of([&] { load_popularity_csv(kFixtures + "no_such_file.csv"); }, &msg),
            ErrorCode::kNotFound);
  TempDir dir;
  std::ofstream(dir / "header_only.csv") << kHeader;
  EXPECT_EQ(code_of([&] { load_popularity_csv(dir / "header_only.csv"); }, &msg),
            ErrorCode::kInvalidArgument);
  EXPECT_NE(msg.find("no data rows"), std::string::npos) << msg;
  EXPECT_EQ(code_of([&] { parse_feature_set("lyrics"); }, &msg), ErrorCode::kInvalidArgument);
}

// ---- grouped split ----

TEST(GroupedSplit, NoTrackOnBothSidesAndEveryValidRowKept) {
  TempDir dir;
  write_synthetic(dir / "all.csv", 400, 3, /*bad_line_after=*/17);
  SplitOptions o;
  o.seed = 11;
  auto c =
      grouped_split(dir / "all.csv", dir / "train.csv", dir / "test.csv", dir / "valid.csv", o);
  ASSERT_EQ(c.dropped.size(), 1u);
  EXPECT_NE(c.dropped[0].find("empty track_name"), std::string::npos) << c.dropped[0];

  std::map<std::string, std::set<std::string>> side_of;  // id -> sides
  size_t rows = 0;
  for (const char* side : {"train", "valid", "test"}) {
    auto r = catalog::CsvReader::open(dir / (std::string(side) + ".csv"));
    catalog::CsvRecord rec;
    ASSERT_TRUE(r.next(rec));
    EXPECT_EQ(rec.fields.size(), 20u);
    while (r.next(rec)) {
      ++rows;
      side_of[rec.fields[0]].insert(side);
    }
  }
  EXPECT_EQ(rows, 400u + 80u);  // 400 tracks, every fifth twice; the bad row dropped
  EXPECT_EQ(rows, c.train_rows + c.valid_rows + c.test_rows);
  for (const auto& [id, sides] : side_of)
    EXPECT_EQ(sides.size(), 1u) << id << " is on several sides";
  EXPECT_EQ(c.test_tracks, 80u);
  EXPECT_EQ(c.valid_tracks, 32u);         // 10% of the 320 non-test tracks
  EXPECT_GT(c.test_rows, c.test_tracks);  // duplicated genre rows travel with their track

  // Same seed, same split.
  auto c2 = grouped_split(dir / "all.csv", dir / "train2.csv", dir / "test2.csv", std::nullopt, o);
  EXPECT_EQ(c2.test_rows, c.test_rows);
  EXPECT_EQ(catalog::read_all(dir / "test2.csv"), catalog::read_all(dir / "test.csv"));
}

TEST(GroupedSplit, QuotesFieldsThatNeedIt) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  TempDir dir;
  auto c = grouped_split(kFixtures + "good.csv", dir / "a.csv", dir / "b.csv", std::nullopt,
                         SplitOptions{});
  EXPECT_EQ(c.train_rows + c.test_rows, 4u);
  auto a = load_popularity_csv(dir / "a.csv");
  auto b = load_popularity_csv(dir / "b.csv");
  bool found = false;
  for (const auto* d : {&a, &b}) {
    for (const auto& t : d->tracks) found |= t.name == "Morning, Again";
  }
  EXPECT_TRUE(found);
}

// ---- out-of-fold encodings ----

TEST(OutOfFold, ARowNeverSeesItsOwnTarget) {
  // 12 artists x 4 tracks, one album per artist; target = artist level + small spread.
  std::vector<catalog::Track> tracks;
  for (int i = 0; i < 48; ++i) {
    auto t = make_track(track_id(i), "Artist " + std::to_string(i % 12),
                        "Album " + std::to_string(i % 12), "Song " + std::to_string(i));
    t.popularity = 10 + (i % 12) * 5 + i / 12;
    tracks.push_back(t);
  }
  tracks.push_back(make_track(track_id(999), "Loner", "Solo", "Only One"));
  tracks.back().popularity = 77;
  auto base = from_tracks(tracks, "synthetic");
  auto b = FeatureBuilder::fit(base, FeatureSet::kFull);
  const int d = b.dim();
  const auto x0 = b.build_training(base, 4, 123);
  std::vector<int> enc_cols;
  for (int c = 0; c < d; ++c) {
    if (b.names()[c] == "genre_count") continue;
    if (b.names()[c].find("_mean") != std::string::npos ||
        b.names()[c].find("_max") != std::string::npos ||
        b.names()[c].find("_min") != std::string::npos ||
        b.names()[c].find("_smoothed") != std::string::npos ||
        b.names()[c].find("_count") != std::string::npos) {
      enc_cols.push_back(c);
    }
  }
  ASSERT_EQ(enc_cols.size(), static_cast<size_t>(kNumEncodingFeatures));
  const int artist_max = col(b, "primary_artist_max");

  // Give each track in turn an outlandish target: its own row must not change at all,
  // while rows of its artist in other folds must see it (so leakage would be visible).
  size_t visible = 0;
  for (size_t i = 0; i < tracks.size(); ++i) {
    auto poked = base;
    poked.target[i] = 5000.f;
    auto x = b.build_training(poked, 4, 123);
    for (int c : enc_cols) {
      float a = x0[i * d + c], v = x[i * d + c];
      EXPECT_TRUE((std::isnan(a) && std::isnan(v)) || a == v) << "row " << i << " " << b.names()[c];
    }
    bool seen_elsewhere = false;
    for (size_t j = 0; j < tracks.size(); ++j)
      seen_elsewhere |= j != i && x[j * d + artist_max] == 5000.f;
    // Only rows of the same artist in another fold can see it (none for the lone artist).
    if (i == 48) {
      EXPECT_FALSE(seen_elsewhere);
    }
    visible += seen_elsewhere;
  }
  EXPECT_GE(visible, 40u);  // folds of 4 random tracks rarely hold a whole artist
  // The lone artist's only track has no out-of-fold statistics.
  EXPECT_EQ(x0[48 * d + col(b, "primary_artist_count")], 0.f);
  EXPECT_TRUE(std::isnan(x0[48 * d + col(b, "primary_artist_mean")]));

  // Predict time: a new track of Artist 3 sees all 4 training tracks; a training track is
  // left out of its own statistics (leave-one-out), so it sees the other 3.
  auto fresh = make_track(track_id(5000), "Artist 3", "Elsewhere", "New Song");
  auto xf = b.build({fresh, tracks[3]});
  EXPECT_EQ(xf[col(b, "primary_artist_count")], 4.f);
  EXPECT_FLOAT_EQ(xf[col(b, "primary_artist_mean")],
                  (25 + 26 + 27 + 28) / 4.f);  // tracks 3, 15, 27, 39
  EXPECT_EQ(xf[d + col(b, "primary_artist_count")], 3.f);
  EXPECT_FLOAT_EQ(xf[d + col(b, "primary_artist_mean")], (26 + 27 + 28) / 3.f);
  EXPECT_EQ(xf[d + col(b, "primary_artist_max")], 28.f);
  EXPECT_EQ(xf[d + col(b, "primary_artist_min")], 26.f);
}

TEST(OutOfFold, KeyStatWithoutRecoversTheOthers) {
  KeyStat s;
  for (float y : {10.f, 40.f, 20.f, 40.f}) s.add(y);
  auto w = s.without(40.f);
  EXPECT_EQ(w.count, 3u);
  EXPECT_DOUBLE_EQ(w.sum, 70.0);
  EXPECT_EQ(w.max1, 40.f);  // the other 40 remains
  auto v = s.without(10.f);
  EXPECT_EQ(v.min1, 20.f);
  KeyStat one;
  one.add(3.f);
  EXPECT_EQ(one.without(3.f).count, 0u);
}

// ---- model ----

class PopularityModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    write_synthetic(*dir_ / "all.csv", 600, 5);
    SplitOptions o;
    o.seed = 3;
    grouped_split(*dir_ / "all.csv", *dir_ / "train.csv", *dir_ / "test.csv", *dir_ / "valid.csv",
                  o);
  }
  static void TearDownTestSuite() { delete dir_; }
  static TempDir* dir_;
};
TempDir* PopularityModelTest::dir_ = nullptr;

TEST_F(PopularityModelTest, ContributionsSumToThePrediction) {
  auto train = load_popularity_csv(*dir_ / "train.csv");
  auto valid = load_popularity_csv(*dir_ / "valid.csv");
  auto test = load_popularity_csv(*dir_ / "test.csv");
  for (auto set : {FeatureSet::kAudio, FeatureSet::kFull}) {
    auto m = PopularityModel::train(train, &valid, quick_options(set));
    auto pred = m->predict(test.tracks);
    auto ex = m->explain(test.tracks);
    ASSERT_EQ(ex.size(), test.tracks.size());
    for (size_t i = 0; i < ex.size(); ++i) {
      double sum = ex[i].bias;
      for (const auto& c : ex[i].contributions) sum += c.contribution;
      EXPECT_NEAR(sum, ex[i].prediction, 1e-2) << i;
      EXPECT_FLOAT_EQ(ex[i].prediction, pred[i]);
      EXPECT_EQ(ex[i].contributions.size(), static_cast<size_t>(m->features().dim()));
    }
    // The signal is learnable: the trees beat both baselines on held-out rows.
    auto r = m->evaluate(test);
    EXPECT_EQ(r.model.n, test.rows());
    EXPECT_LT(r.model.mse, r.mean.mse);
    EXPECT_GT(r.model.r2, 0.3);
    EXPECT_FALSE(m->permutation_importance().empty());
    EXPECT_EQ(m->gain().size(), static_cast<size_t>(m->features().dim()));
  }
}

TEST_F(PopularityModelTest, DeterministicGivenSeed) {
  auto train = load_popularity_csv(*dir_ / "train.csv");
  auto test = load_popularity_csv(*dir_ / "test.csv");
  auto a = PopularityModel::train(train, nullptr, quick_options(FeatureSet::kFull));
  auto b = PopularityModel::train(train, nullptr, quick_options(FeatureSet::kFull));
  EXPECT_EQ(a->predict(test.tracks), b->predict(test.tracks));
  EXPECT_EQ(a->stats().valid_carved, 1);
  EXPECT_GT(a->stats().valid_tracks, 0u);
}

TEST_F(PopularityModelTest, ModelFileRoundTripAndCorruption) {
  auto train = load_popularity_csv(*dir_ / "train.csv");
  auto valid = load_popularity_csv(*dir_ / "valid.csv");
  auto test = load_popularity_csv(*dir_ / "test.csv");
  auto m = PopularityModel::train(train, &valid, quick_options(FeatureSet::kFull));
  TempDir dir;
  m->save(dir / "pop.model");
  auto l = PopularityModel::load(dir / "pop.model");
  EXPECT_EQ(l->predict(test.tracks), m->predict(test.tracks));
  EXPECT_EQ(l->features().names(), m->features().names());
  EXPECT_EQ(l->feature_set(), FeatureSet::kFull);
  EXPECT_EQ(l->permutation_importance().size(), m->permutation_importance().size());
  EXPECT_DOUBLE_EQ(l->stats().valid.mse, m->stats().valid.mse);
  EXPECT_EQ(l->evaluate(test).ridge.mse, m->evaluate(test).ridge.mse);

  std::string msg;
  {
    BinaryWriter w(dir / "other.model", "MUSEXXX1", 1);
    w.write<uint64_t>(7);
    w.commit();
  }
  EXPECT_EQ(code_of([&] { PopularityModel::load(dir / "other.model"); }, &msg),
            ErrorCode::kDataLoss);
  EXPECT_NE(msg.find("wrong magic"), std::string::npos) << msg;
  {
    BinaryWriter w(dir / "future.model", PopularityModel::kMagic, PopularityModel::kVersion + 1);
    w.write<uint64_t>(7);
    w.commit();
  }
  EXPECT_EQ(code_of([&] { PopularityModel::load(dir / "future.model"); }, &msg),
            ErrorCode::kDataLoss);
  EXPECT_NE(msg.find("version"), std::string::npos) << msg;

  auto bytes = catalog::read_all(dir / "pop.model");
  for (size_t cut : {size_t{30}, bytes.size() / 2, bytes.size() - 5}) {
    std::ofstream(dir / "cut.model", std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(cut));
    EXPECT_EQ(code_of([&] { PopularityModel::load(dir / "cut.model"); }, &msg),
              ErrorCode::kDataLoss)
        << cut;
  }
  std::ofstream(dir / "tiny.model", std::ios::binary) << "MUSE";
  EXPECT_EQ(code_of([&] { PopularityModel::load(dir / "tiny.model"); }, &msg),
            ErrorCode::kDataLoss);
  EXPECT_EQ(code_of([&] { PopularityModel::load(dir / "absent.model"); }, &msg),
            ErrorCode::kNotFound);
}

// ---- CLI end to end ----

namespace {
std::string run(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *status = ::pclose(p);
  return out;
}
}  // namespace

TEST_F(PopularityModelTest, CliTrainEvalPredictExplain) {
  TempDir home;
  const std::string muse =
      std::string(MUSE_BINARY) + " --quiet --home " + home.path().string() + " popularity ";
  const std::string d = dir_->path().string() + "/";
  int st = 0;
  run(muse + "train --train " + d + "train.csv --valid " + d +
          "valid.csv --features full --max-rounds 30 --json",
      &st);
  ASSERT_EQ(st, 0);
  ASSERT_TRUE(fs::exists(home / "popularity.model"));

  auto ev = nlohmann::json::parse(run(muse + "eval --test " + d + "test.csv --json", &st));
  ASSERT_EQ(st, 0);
  auto test = load_popularity_csv(*dir_ / "test.csv");
  EXPECT_EQ(ev["n"].get<size_t>(), test.rows());
  for (const char* k : {"mse", "mae", "r2"}) EXPECT_TRUE(ev[k].is_number()) << k;
  EXPECT_TRUE(ev["baselines"]["mean"]["mse"].is_number());
  EXPECT_TRUE(ev["baselines"]["ridge"]["mse"].is_number());
  EXPECT_EQ(ev["baselines"]["ridge"]["n"].get<size_t>(), test.rows());

  const std::string id = test.tracks[0].id;
  auto ex =
      nlohmann::json::parse(run(muse + "explain " + id + " --csv " + d + "test.csv --json", &st));
  ASSERT_EQ(st, 0);
  double sum = ex["bias"].get<double>();
  for (const auto& c : ex["contributions"]) sum += c["contribution"].get<double>();
  EXPECT_NEAR(sum, ex["prediction"].get<double>(), 1e-2);
  EXPECT_FALSE(ex["importance"]["permutation"].empty());

  auto pr = nlohmann::json::parse(run(muse + "predict --csv " + d + "test.csv --json", &st));
  ASSERT_EQ(st, 0);
  EXPECT_EQ(pr["predictions"].size(), test.tracks.size());
  EXPECT_NEAR(pr["predictions"][0]["predicted"].get<double>(), ex["prediction"].get<double>(),
              1e-4);

  // Error paths exit non-zero with a message, never a crash.
  run(muse + "eval --test " + kFixtures + "nan_value.csv --json", &st);
  EXPECT_EQ(WEXITSTATUS(st), 2);
  run(muse + "eval --model " + d + "test.csv --test " + d + "test.csv", &st);
  EXPECT_EQ(WEXITSTATUS(st), 5);
  run(muse + "explain nosuchtrack --csv " + d + "test.csv", &st);
  EXPECT_EQ(WEXITSTATUS(st), 3);
}
