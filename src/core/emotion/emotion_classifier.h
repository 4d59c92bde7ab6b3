#pragma once
/// Multi-label Ekman emotion classifier: per language, one-vs-rest logistic regression over
/// hashed word + character n-grams (plus lexicon features for English), trained with Adagrad
/// and class-weighted positives; the epoch and per-label decision thresholds are chosen on
/// the dev split. A linear model is what lets Muse classify every sentence on every keystroke
/// (tens of thousands of sentences per second per core) instead of batching for a GPU.
#include <array>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "emotion/datasets.h"
#include "emotion/embedding_model.h"
#include "emotion/labels.h"
#include "emotion/metrics.h"
#include "text/featurizer.h"
#include "text/language.h"
#include "text/lexicon.h"
#include "util/progress.h"

namespace muse::emotion {

struct TrainOptions {
  text::FeatureConfig features;
  int epochs = 12;                ///< maximum; the best dev epoch is kept
  int patience = 3;               ///< stop after this many epochs without dev improvement
  float learning_rate = 0.2f;     ///< Adagrad step
  float l2 = 1e-7f;               ///< per-update L2 on touched weights
  float pos_weight_power = 0.5f;  ///< positive weight = (negatives/positives)^power
  bool lexicon = true;            ///< add lexicon features (if a lexicon was given)
  /// Optional finer training labels (Example::fine bits): output i is trained on fine label i
  /// and feeds Ekman label fine_to_ekman[i]; an Ekman probability is the max over its fine
  /// labels, so e.g. "joy" becomes a union of admiration, gratitude, amusement... detectors
  /// instead of one linear boundary. Empty = train the 7 labels directly.
  std::vector<uint8_t> fine_to_ekman;
  /// Optional fastText-style model trained after the linear one (dim 0 = none); the two are
  /// averaged with a weight chosen on dev, then the thresholds are tuned again on dev.
  EmbeddingOptions embedding;
  /// K >= 2: after the epochs are chosen on dev, K-fold out-of-fold probabilities over the
  /// training rows choose the mix weight and thresholds (on K times more rows than dev, so the
  /// rare labels' thresholds are far less noisy) and the final models are refitted on all of
  /// them with those epochs. 0 = off (mix and thresholds chosen on dev).
  int cross_fit = 0;
  bool cross_fit_dev = false;  ///< the folds cover train + dev (else train only; dev then
                               ///< only chooses the epochs)
  uint64_t seed = 42;
};

struct TrainReport {
  text::Language language = text::Language::kUnknown;
  size_t train_rows = 0, dev_rows = 0;
  int best_epoch = 0;
  bool averaged = false;  ///< the kept weights are the average of epoch-end weights
  F1Report dev;           ///< with the tuned thresholds (of the final, possibly mixed, model)
  double dev_linear_macro_f1 = 0;          ///< the linear model alone
  double dev_embedding_macro_f1 = 0;       ///< the embedding models alone, averaged (0 if none)
  std::vector<double> dev_embedding_each;  ///< each embedding model alone
  int embedding_best_epoch = 0;
  float mix = 0;  ///< weight of the embedding model's probabilities
  std::array<float, kNumLabels> thresholds{};
  int cross_fit_folds = 0;  ///< 0 = not cross-fitted (the cv_* fields are then unset)
  F1Report cv;              ///< out-of-fold over train + dev, with the chosen mix and thresholds
  double cv_linear_macro_f1 = 0, cv_embedding_macro_f1 = 0;
  double seconds = 0;
};

class EmotionClassifier {
 public:
  static constexpr const char* kMagic = "MUSEEMO1";
  static constexpr uint32_t kVersion = 4;  ///< 4: 0..8 averaged embedding models + mix weight

  struct Prediction {
    std::array<float, kNumLabels> probs{};
    LabelSet labels = 0;
    text::Language language = text::Language::kUnknown;  ///< detected language of the text
    text::Language model = text::Language::kUnknown;     ///< model that scored it
  };

  EmotionClassifier();
  ~EmotionClassifier();
  EmotionClassifier(EmotionClassifier&&) noexcept;
  EmotionClassifier& operator=(EmotionClassifier&&) noexcept;

  /// Shared by all languages; set before training (it is saved with the model).
  void set_lexicon(text::Lexicon lexicon);
  const text::Lexicon& lexicon() const { return lexicon_; }

  /// Trains (or replaces) the model for one language. Metrics are on `dev` only.
  TrainReport train(text::Language language, const std::vector<Example>& train,
                    const std::vector<Example>& dev, const TrainOptions& options = {},
                    const ProgressFn& progress = {});

  bool has_language(text::Language l) const;
  std::vector<text::Language> languages() const;

  /// Batch prediction (the language is detected per text).
  std::vector<Prediction> predict(std::span<const std::string> texts) const;
  /// One text into `out`; allocation-free once the calling thread is warm. Text must be
  /// valid UTF-8 (see text::check_text). Throws kUnavailable if no model can score it.
  void predict_one(std::string_view text, Prediction& out) const;

  /// Label set for a probability vector with a language's thresholds: every label at or
  /// above its threshold, else the label with the largest margin.
  LabelSet decide(text::Language model, const std::array<float, kNumLabels>& probs) const;
  const std::array<float, kNumLabels>& thresholds(text::Language l) const;

  void save(const std::filesystem::path& path) const;
  static std::shared_ptr<EmotionClassifier> load(const std::filesystem::path& path);

 private:
  struct LanguageModel;
  const LanguageModel* pick(text::Language detected) const;
  std::array<std::unique_ptr<LanguageModel>, 3> models_;
  text::Lexicon lexicon_;
};

}  // namespace muse::emotion
