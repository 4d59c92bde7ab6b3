// Runs the real `muse` binary: exit codes and one-line errors for bad input, JSON contracts.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_catalog.h"

namespace {

struct Run {
  int status = -1;
  std::string out, err;
};

Run run_muse(const std::string& home, const std::string& args) {
  auto errfile =
      std::filesystem::temp_directory_path() / ("muse_cli_err_" + std::to_string(::getpid()));
  std::string cmd = std::string("MUSE_HOME='") + home + "' " + MUSE_BINARY + " -q " + args + " 2>" +
                    errfile.string();
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream in(errfile);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::filesystem::remove(errfile);
  return r;
}

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = muse::testing::temp_dir("cli");
    home_ = (dir_ / "home").string();
    csv_ = muse::testing::write_synthetic_catalog(dir_ / "syn.csv", 300).string();
    auto r = run_muse(home_, "import tracks " + csv_);
    ASSERT_EQ(r.status, 0) << r.err;
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }
  static inline std::filesystem::path dir_;
  static inline std::string home_, csv_;
};

void expect_one_line_error(const Run& r) {
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.err.rfind("muse: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace

TEST_F(CliTest, RecommendJsonContract) {
  auto r = run_muse(
      home_, "recommend --track syn0000000000000000003 --track syn0000000000000000004 -n 5 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["recommendations"].size(), 5u);
  for (const auto& item : j["recommendations"]) {
    for (const char* key : {"track_id", "name", "artists", "score", "reason"})
      EXPECT_TRUE(item.contains(key)) << key;
  }
}

TEST_F(CliTest, RecommendResolvesNamesThroughSearch) {
  auto r = run_muse(home_, "recommend --track 'Song 17' -n 3 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["recommendations"].size(), 3u);
}

TEST_F(CliTest, SearchJson) {
  auto r = run_muse(home_, "search 'artist 7' -n 3 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 3u);
  EXPECT_EQ(j["results"][0]["artists"][0], "Artist 7");
}

TEST_F(CliTest, ReimportIsIdempotent) {
  auto r = run_muse(home_, "import tracks --json " + csv_);
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["inserted"], 0);
  EXPECT_EQ(j["catalog_size"], 300);
}

TEST_F(CliTest, BadInputGivesOneLineErrorsAndNonZeroExit) {
  expect_one_line_error(run_muse(home_, "recommend --track nosuchtrackid_zzzzzzzzz -n 5"));
  expect_one_line_error(run_muse(home_, "recommend --track syn0000000000000000003 -n 0"));
  expect_one_line_error(run_muse(home_, "recommend --track syn0000000000000000003 -n 99999999"));
  expect_one_line_error(run_muse(home_, "recommend --track syn0000000000000000003 -n abc"));
  expect_one_line_error(run_muse(home_, "recommend --track syn0000000000000000003 --genre nope"));
  expect_one_line_error(run_muse(home_, "search ''"));
  expect_one_line_error(run_muse(home_, "search '%%%'"));
  expect_one_line_error(run_muse(home_, "import tracks /nonexistent/file.csv"));
  expect_one_line_error(run_muse(home_, "frobnicate"));
}

TEST_F(CliTest, BadFilesDoNotTouchTheStore) {
  auto bad_header = dir_ / "bad_header.csv";
  std::ofstream(bad_header) << "id,title\n1,x\n";
  expect_one_line_error(run_muse(home_, "import tracks " + bad_header.string()));
  auto truncated = dir_ / "truncated.csv.zst";
  {
    std::string cmd = "zstd -q -c " + csv_ + " | head -c 2000 > " + truncated.string();
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  auto r = run_muse(home_, "import tracks " + truncated.string());
  expect_one_line_error(r);
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  auto binary = dir_ / "binary.csv";
  std::ofstream(binary) << std::string("\xff\xfe\x00\x01garbage", 12);
  expect_one_line_error(run_muse(home_, "import tracks " + binary.string()));
  auto j = nlohmann::json::parse(run_muse(home_, "import tracks --json --no-index " + csv_).out);
  EXPECT_EQ(j["catalog_size"], 300);
}

// `eval cf` on hand-made files: u1 trains on a, b and holds out c plus z, an artist no one
// played in training. Popularity can only rank c (a, b are u1's own): hit at rank 1 of an
// ideal over 2 relevant, nDCG@10 = 1 / (1 + 1/log2 3) = 0.613147, which is also the cap; on
// warm items only (c) it is 1.
TEST_F(CliTest, EvalCfCountsColdHeldOutItemsAndReportsTheCap) {
  auto train = dir_ / "cf_train.dat", test = dir_ / "cf_test.dat";
  std::ofstream(train)
      << "userID\tartistID\tweight\nu1\ta\t5\nu1\tb\t3\nu2\ta\t1\nu2\tb\t2\nu2\tc\t4\n";
  std::ofstream(test) << "userID\tartistID\tweight\nu1\tc\t2\nu1\tz\t7\n";
  auto r = run_muse(home_, "eval cf --train " + train.string() + " --test " + test.string() +
                               " --methods popularity --json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["test_items_unseen"], 1);
  const double want = 1.0 / (1.0 + 1.0 / std::log2(3.0));
  EXPECT_NEAR(j["ndcg_cap"].get<double>(), want, 1e-9);
  auto p = j["methods"]["popularity"];
  EXPECT_EQ(p["users"], 1);
  EXPECT_NEAR(p["ndcg"].get<double>(), want, 1e-9);
  EXPECT_NEAR(p["recall"].get<double>(), 0.5, 1e-9);
  EXPECT_NEAR(p["ndcg_warm"].get<double>(), 1.0, 1e-9);
  EXPECT_EQ(p["ndcg_se"].get<double>(), 0.0);  // one user: no spread to estimate
  // u2 holds out only the cold z: nDCG 0. Mean of {want, 0} is want / 2; its standard error,
  // sample sd (want / sqrt 2) over sqrt 2 users, is want / 2 as well.
  auto test2 = dir_ / "cf_test2.dat";
  std::ofstream(test2) << "userID\tartistID\tweight\nu1\tc\t2\nu1\tz\t7\nu2\tz\t1\n";
  auto two = run_muse(home_, "eval cf --train " + train.string() + " --test " + test2.string() +
                                 " --methods popularity --json");
  ASSERT_EQ(two.status, 0) << two.err;
  auto p2 = nlohmann::json::parse(two.out)["methods"]["popularity"];
  EXPECT_EQ(p2["users"], 2);
  EXPECT_NEAR(p2["ndcg"].get<double>(), want / 2, 1e-9);
  EXPECT_NEAR(p2["ndcg_se"].get<double>(), want / 2, 1e-9);
  auto bad = run_muse(home_, "eval cf --train " + train.string() + " --test " + test.string() +
                                 " --methods als --als-weighting tfidf");
  expect_one_line_error(bad);
  EXPECT_NE(bad.err.find("bm25-items"), std::string::npos) << bad.err;
  // Names are checked before anything is fitted: a typo among the methods or blend members.
  for (const char* names : {"als,blend --blend item_knn=1,nope=1", "mult_dae,nope"}) {
    auto typo = run_muse(home_, "eval cf --train " + train.string() + " --test " + test.string() +
                                    " --methods " + names);
    expect_one_line_error(typo);
    EXPECT_NE(typo.err.find("unknown method 'nope'"), std::string::npos) << typo.err;
    EXPECT_EQ(typo.out.find("nDCG"), std::string::npos) << typo.out;  // no method ran
  }
  // Mult-DAE runs end to end on the tiny files; a bad setting is a one-line error naming it.
  auto dae = run_muse(home_, "eval cf --train " + train.string() + " --test " + test.string() +
                                 " --methods mult_dae --dae-epochs 3 --dae-hidden 4 --json");
  ASSERT_EQ(dae.status, 0) << dae.err;
  EXPECT_EQ(nlohmann::json::parse(dae.out)["methods"]["mult_dae"]["users"], 1);
  auto no_epochs = run_muse(home_, "eval cf --train " + train.string() + " --test " +
                                       test.string() + " --methods mult_dae --dae-epochs 0");
  expect_one_line_error(no_epochs);
  EXPECT_NE(no_epochs.err.find("at least one epoch"), std::string::npos) << no_epochs.err;
  // Mult-VAE likewise; a latent of 0 is refused before training.
  auto vae = run_muse(home_, "eval cf --train " + train.string() + " --test " + test.string() +
                                 " --methods mult_vae --vae-epochs 3 --vae-hidden 0 "
                                 "--vae-latent 2 --json");
  ASSERT_EQ(vae.status, 0) << vae.err;
  EXPECT_EQ(nlohmann::json::parse(vae.out)["methods"]["mult_vae"]["users"], 1);
  auto no_latent = run_muse(home_, "eval cf --train " + train.string() + " --test " +
                                       test.string() + " --methods mult_vae --vae-latent 0");
  expect_one_line_error(no_latent);
  EXPECT_NE(no_latent.err.find("latent size"), std::string::npos) << no_latent.err;
  // LightGCN likewise; a zero learning rate is refused before training.
  auto gcn = run_muse(home_, "eval cf --train " + train.string() + " --test " + test.string() +
                                 " --methods lightgcn --lgcn-epochs 3 --lgcn-factors 4 --json");
  ASSERT_EQ(gcn.status, 0) << gcn.err;
  EXPECT_EQ(nlohmann::json::parse(gcn.out)["methods"]["lightgcn"]["users"], 1);
  auto no_lr = run_muse(home_, "eval cf --train " + train.string() + " --test " + test.string() +
                                   " --methods lightgcn --lgcn-lr 0");
  expect_one_line_error(no_lr);
  EXPECT_NE(no_lr.err.find("positive learning rate"), std::string::npos) << no_lr.err;
  // User-EASE likewise; a zero lambda is refused.
  auto uease = run_muse(home_, "eval cf --train " + train.string() + " --test " + test.string() +
                                   " --methods user_ease --json");
  ASSERT_EQ(uease.status, 0) << uease.err;
  EXPECT_EQ(nlohmann::json::parse(uease.out)["methods"]["user_ease"]["users"], 1);
  auto no_lambda = run_muse(home_, "eval cf --train " + train.string() + " --test " +
                                       test.string() + " --methods user_ease --uease-lambda 0");
  expect_one_line_error(no_lambda);
  EXPECT_NE(no_lambda.err.find("positive lambda"), std::string::npos) << no_lambda.err;
  // Min-max scaling moves and stretches each user's scores but keeps their order: a
  // one-member blend ranks as the member does (popularity: nDCG = want).
  auto mm = run_muse(home_, "eval cf --train " + train.string() + " --test " + test.string() +
                                " --methods blend --blend popularity=1 --blend-norm minmax --json");
  ASSERT_EQ(mm.status, 0) << mm.err;
  EXPECT_NEAR(nlohmann::json::parse(mm.out)["methods"]["blend"]["ndcg"].get<double>(), want, 1e-9);
  // The re-ranker learns on inner splits of the training rows; here it runs end to end.
  auto rr = run_muse(home_, "eval cf --train " + train.string() + " --test " + test.string() +
                                " --methods rerank --blend item_knn=1 --json");
  ASSERT_EQ(rr.status, 0) << rr.err;
  auto rj = nlohmann::json::parse(rr.out)["methods"]["rerank"];
  EXPECT_EQ(rj["users"], 1);
  EXPECT_NEAR(rj["candidate_recall"].get<double>(), 0.5, 1e-9);  // c, not the cold z
  EXPECT_GE(rj["inner_users"].get<int>(), 2);
  // With one artist per user no inner split holds anything out: nothing to learn from.
  auto one = dir_ / "cf_one.dat";
  std::ofstream(one) << "userID\tartistID\tweight\nu1\ta\t5\nu2\tc\t3\nu3\ta\t1\n";
  auto none = run_muse(home_, "eval cf --train " + one.string() + " --test " + test.string() +
                                  " --methods rerank --blend item_knn=1");
  expect_one_line_error(none);
  EXPECT_NE(none.err.find("at least two training queries"), std::string::npos) << none.err;
  auto nan = run_muse(home_, "eval cf --train " + train.string() + " --test " + test.string() +
                                 " --methods rerank --blend item_knn=1 --rerank-grid depth=x");
  expect_one_line_error(nan);
  EXPECT_NE(nan.err.find("--rerank-grid depth: 'x' is not a number"), std::string::npos) << nan.err;
}

// --blend-folds learns the weights inside the training rows. Two planted blocks: 30 users
// play artists a0..a9, 10 users b0..b9 (each all but two of their block; one more held out).
// Popularity puts a-artists first for everyone, so the b-users get nothing from it; item-kNN
// stays in the block. Started at popularity=1, item_knn=0, the inner folds must turn item-kNN
// on, and the test figure must beat the start weights used as given.
TEST_F(CliTest, EvalCfBlendFoldsLearnTheWeightsOnTheTrainingRows) {
  auto train = dir_ / "bf_train.dat", test = dir_ / "bf_test.dat";
  std::ofstream tr(train), te(test);
  tr << "userID\tartistID\tweight\n";
  te << "userID\tartistID\tweight\n";
  for (int u = 0; u < 40; ++u) {
    const char block = u < 30 ? 'a' : 'b';
    for (int i = 0; i < 10; ++i) {
      if (i == u % 10 || i == (u + 3) % 10) continue;  // never played
      (i == (u + 5) % 10 ? te : tr) << "u" << u << "\t" << block << i << "\t" << 1 + i << "\n";
    }
  }
  tr.close(), te.close();
  const std::string args = "eval cf --train " + train.string() + " --test " + test.string() +
                           " --methods blend --blend popularity=1,item_knn=0 --json";
  auto given = run_muse(home_, args);
  ASSERT_EQ(given.status, 0) << given.err;
  auto folds = run_muse(home_, args + " --blend-folds 2");
  ASSERT_EQ(folds.status, 0) << folds.err;
  auto g = nlohmann::json::parse(given.out)["methods"]["blend"];
  auto f = nlohmann::json::parse(folds.out)["methods"]["blend"];
  EXPECT_EQ(g["blend"], "popularity=1,item_knn=0");
  EXPECT_EQ(f["blend"].get<std::string>().find("item_knn=0"), std::string::npos) << f["blend"];
  EXPECT_EQ(f["inner"]["folds"], 2);
  EXPECT_GT(f["inner"]["ndcg"].get<double>(), f["inner"]["start_ndcg"].get<double>());
  EXPECT_GT(f["ndcg"].get<double>(), g["ndcg"].get<double>() + 0.1);
  for (const char* bad : {" --blend-folds 2 --blend-search", " --blend-folds 11"}) {
    auto r = run_muse(home_, args + bad);
    expect_one_line_error(r);
    EXPECT_NE(r.err.find("--blend-folds"), std::string::npos) << r.err;
  }
}

TEST_F(CliTest, EvalCfFriendsMemberVotesWithTheFriendsTrainingRows) {
  auto train = dir_ / "fr_train.dat", test = dir_ / "fr_test.dat", friends = dir_ / "fr.dat";
  std::ofstream(train) << "userID\tartistID\tweight\nu1\ta\t1\nu1\tb\t1\nu2\ta\t1\nu2\tb\t1\n"
                          "u2\tc\t1\nu3\td\t1\nu3\te\t1\nu4\td\t1\nu5\tc\t1\n";
  std::ofstream(test) << "userID\tartistID\tweight\nu1\td\t1\nu1\tc\t1\n";
  // u1's friends u3 and u4 (one link written the other way round) both play d, only u3 plays e;
  // c is as popular as d (u2, u5) but no friend plays it, so the top 2 are d, e: nDCG@2 =
  // 1 / (1 + 1 / log2 3). Votes from every user would rank c second (nDCG 1).
  std::ofstream(friends) << "userID\tfriendID\nu1\tu3\nu4\tu1\nunknown\tu1\n";
  const std::string args = "eval cf --train " + train.string() + " --test " + test.string() +
                           " --methods blend --blend friends=1 -k 2";
  auto r = run_muse(home_, args + " --friends " + friends.string() + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto b = nlohmann::json::parse(r.out)["methods"]["blend"];
  EXPECT_NEAR(b["ndcg"].get<double>(), 1.0 / (1.0 + 1.0 / std::log2(3.0)), 1e-9);
  auto missing = run_muse(home_, args);
  expect_one_line_error(missing);
  EXPECT_NE(missing.err.find("needs --friends FILE"), std::string::npos) << missing.err;
}
