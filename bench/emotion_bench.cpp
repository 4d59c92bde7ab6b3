// Emotion classification one sentence at a time (the mood endpoint's access pattern).
// Set MUSE_EMOTION_MODEL to a trained model file (e.g. HOME/emotion.model) for real figures:
// a real model touches rows all over its 2^20 x 8 weight table, so cache misses dominate.
// Without it a model is trained in-process on the small test fixture (same feature
// configuration); its few non-zero rows stay in cache, so it overstates the speed.
// End-to-end over a test file: `muse emotion bench --input goemotions_test.tsv`.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "emotion/datasets.h"
#include "emotion/emotion_classifier.h"
#include "text/featurizer.h"
#include "text/normalize.h"

namespace {

const char* kSentences[] = {
    "I can't believe they cancelled the show, this is so frustrating!",
    "Thanks so much, that really made my day :)",
    "I miss my grandmother every single day.",
    "Wait, what? That's not what happened at all.",
    "The meeting has been moved to Thursday afternoon.",
    "오늘 회사에서 너무 힘들었다",
    "Honestly that smell was disgusting, I nearly threw up.",
    "I'm nervous about the exam tomorrow, hope it goes okay.",
};

std::shared_ptr<muse::emotion::EmotionClassifier> model() {
  static auto clf = [] {
    // the fixture lives in the source tree next to bench/
    auto dir = std::filesystem::path(__FILE__).parent_path().parent_path() / "tests" / "fixtures" / "mood";
    auto train = muse::emotion::read_labelled_tsv(dir / "emotion_train.tsv");
    auto dev = muse::emotion::read_labelled_tsv(dir / "emotion_dev.tsv");
    auto c = std::make_shared<muse::emotion::EmotionClassifier>();
    muse::emotion::TrainOptions o;  // production feature configuration
    o.epochs = 2;
    c->train(muse::text::Language::kEnglish, train, dev, o);
    return c;
  }();
  return clf;
}

void BM_EmotionPredictOne(benchmark::State& state) {
  auto clf = model();
  muse::emotion::EmotionClassifier::Prediction p;
  size_t i = 0;
  for (auto _ : state) {
    clf->predict_one(kSentences[i++ % std::size(kSentences)], p);
    benchmark::DoNotOptimize(p.probs);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EmotionPredictOne);

void BM_Featurize(benchmark::State& state) {
  muse::text::Featurizer f;
  muse::text::TextFeatures tf;
  size_t i = 0;
  for (auto _ : state) {
    f.featurize(kSentences[i++ % std::size(kSentences)], tf);
    benchmark::DoNotOptimize(tf.ids.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Featurize);

}  // namespace
