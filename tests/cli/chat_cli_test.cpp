// `muse chat`: the CLI twin of POST /api/v1/chat (same JSON), exit codes for bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "emotion/datasets.h"
#include "emotion/emotion_classifier.h"
#include "test_catalog.h"

namespace {

namespace fs = std::filesystem;

struct Run {
  int status = -1;
  std::string out, err;
};

Run run_chat_muse(const std::string& home, const std::string& args) {
  auto errfile = fs::temp_directory_path() / ("muse_chat_cli_err_" + std::to_string(::getpid()));
  std::string cmd = std::string("MUSE_HOME='") + home + "' MUSE_DATA_DIR='" + home + "' " +
                    MUSE_BINARY + " -q " + args + " 2>" + errfile.string();
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream in(errfile);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  fs::remove(errfile);
  return r;
}

TEST(ChatCliTest, ChatJsonAndErrors) {
  auto dir = muse::testing::temp_dir("chat-cli");
  const std::string home = (dir / "home").string();
  fs::create_directories(home);
  {
    auto fx = fs::path(MUSE_FIXTURES) / "mood";
    muse::emotion::EmotionClassifier clf;
    muse::emotion::TrainOptions o;
    o.features.hash_bits = 14;
    o.epochs = 20;
    o.learning_rate = 0.5f;
    clf.train(muse::text::Language::kEnglish,
              muse::emotion::read_labelled_tsv(fx / "emotion_train.tsv"),
              muse::emotion::read_labelled_tsv(fx / "emotion_dev.tsv"), o);
    clf.save(fs::path(home) / "emotion.model");
  }
  auto c = run_chat_muse(home, "listener create --name Ann --json");
  ASSERT_EQ(c.status, 0) << c.err;
  const std::string token = nlohmann::json::parse(c.out)["token"];

  auto r =
      run_chat_muse(home, "chat --token " + token + " \"I am so sad and lonely tonight.\" --json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["reply"]["language"], "en");
  EXPECT_FALSE(j["reply"]["text"].get<std::string>().empty());
  EXPECT_EQ(j["gauge"]["messages"], 1);
  EXPECT_FALSE(j["gauge"]["full"].get<bool>());
  EXPECT_TRUE(j["recommendations"].is_null());  // no catalogue and no full gauge yet
  const int64_t id = j["conversation_id"];

  r = run_chat_muse(home, "chat --token " + token + " --conversation " + std::to_string(id) +
                              " \"I miss her so much, I cried all day.\" --json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["gauge"]["messages"], 2);

  r = run_chat_muse(home, "chat --token " + token + " --show " + std::to_string(id));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["messages"].size(), 4u);

  r = run_chat_muse(home, "chat --token mt_nope hello");
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.err.rfind("muse: error: ", 0), 0u) << r.err;
  r = run_chat_muse(home, "chat --token " + token + " " + std::string(4001, 'a'));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("at most 4000"), std::string::npos) << r.err;
  r = run_chat_muse(home, "chat --token " + token + " --conversation 999 hello");
  EXPECT_EQ(r.status, 3) << r.err;
  fs::remove_all(dir);
}

}  // namespace
