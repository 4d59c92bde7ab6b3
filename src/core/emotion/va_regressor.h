#pragma once
/// Valence/arousal of English text (EmoBank's 1..5 scales): ridge regression over the same
/// hashed n-grams as the emotion classifier plus VADER/AFINN lexicon features, solved exactly
/// by conjugate gradients; the ridge strength is chosen per target on the dev split.
#include <array>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "emotion/datasets.h"
#include "text/featurizer.h"
#include "text/lexicon.h"
#include "util/progress.h"

namespace muse::emotion {

struct VaTrainOptions {
  text::FeatureConfig features{.hash_bits = 18, .word_ngrams = 2, .char_min = 2, .char_max = 5};
  std::vector<float> lambdas{0.3f, 1.f, 3.f, 10.f, 30.f};  ///< ridge strengths tried on dev
  int cg_iterations = 150;
  bool lexicon = true;
};

struct VaTrainReport {
  size_t train_rows = 0, dev_rows = 0;
  double dev_r_valence = 0, dev_r_arousal = 0;
  float lambda_valence = 0, lambda_arousal = 0;
  double seconds = 0;
};

class VaRegressor {
 public:
  static constexpr const char* kMagic = "MUSEVAR1";
  static constexpr uint32_t kVersion = 1;

  struct Prediction {
    float valence = 3, arousal = 3;  ///< EmoBank scale (1..5, 3 = neutral)
  };

  static std::shared_ptr<VaRegressor> train(const std::vector<VaExample>& train,
                                            const std::vector<VaExample>& dev, text::Lexicon lexicon,
                                            const VaTrainOptions& options = {},
                                            VaTrainReport* report = nullptr,
                                            const ProgressFn& progress = {});

  std::vector<Prediction> predict(std::span<const std::string> texts) const;
  /// Allocation-free once warm; text must be valid UTF-8.
  Prediction predict_one(std::string_view text) const;

  void save(const std::filesystem::path& path) const;
  static std::shared_ptr<VaRegressor> load(const std::filesystem::path& path);

 private:
  VaRegressor(text::FeatureConfig config, text::Lexicon lexicon, bool use_lexicon);
  void features(std::string_view norm, text::TextFeatures& tf) const;
  uint32_t dim() const;
  text::FeatureConfig config_;
  text::Featurizer featurizer_;
  text::Lexicon lexicon_;
  bool use_lexicon_ = false;
  std::vector<float> wv_, wa_;  ///< dim() weights each; the last is the intercept feature
  float mean_v_ = 3, mean_a_ = 3;
};

}  // namespace muse::emotion
