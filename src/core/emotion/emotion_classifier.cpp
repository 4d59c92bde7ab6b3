#include "emotion/emotion_classifier.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "text/normalize.h"
#include "util/binary_file.h"
#include "util/error.h"
#include "util/timer.h"

namespace muse::emotion {

using text::Language;

namespace {
constexpr int kLanes = 8;  // 7 labels padded to 8 floats per feature row
inline float sigmoid(float z) { return 1.f / (1.f + std::exp(-z)); }
}  // namespace

struct EmotionClassifier::LanguageModel {
  text::FeatureConfig config;
  text::Featurizer featurizer;
  bool use_lexicon = false;
  std::vector<float> w;  // (buckets + dense) x kLanes
  std::array<float, kLanes> bias{};
  std::array<float, kNumLabels> thresholds{};

  explicit LanguageModel(const text::FeatureConfig& c) : config(c), featurizer(c) {}
  uint32_t rows() const { return config.buckets() + (use_lexicon ? text::Lexicon::kDenseFeatures : 0); }

  /// Featurises normalised text into tf (with dense lexicon features appended).
  void features(std::string_view norm, const text::Lexicon& lex, text::TextFeatures& tf) const {
    featurizer.featurize(norm, tf);
    if (use_lexicon) {
      float dense[text::Lexicon::kDenseFeatures];
      lex.dense_features(tf, dense);
      for (int k = 0; k < text::Lexicon::kDenseFeatures; ++k) {
        tf.ids.push_back(config.buckets() + k);
        tf.values.push_back(dense[k]);
      }
    }
  }

  void scores(const text::TextFeatures& tf, float* z) const {
    float acc[kLanes];
    for (int l = 0; l < kLanes; ++l) acc[l] = bias[l];
    const float* W = w.data();
    const size_t n = tf.ids.size();
    for (size_t j = 0; j < n; ++j) {
      const float* row = W + static_cast<size_t>(tf.ids[j]) * kLanes;
      const float v = tf.values[j];
      for (int l = 0; l < kLanes; ++l) acc[l] += v * row[l];
    }
    for (int l = 0; l < kNumLabels; ++l) z[l] = acc[l];
  }
};

EmotionClassifier::EmotionClassifier() = default;
EmotionClassifier::~EmotionClassifier() = default;
EmotionClassifier::EmotionClassifier(EmotionClassifier&&) noexcept = default;
EmotionClassifier& EmotionClassifier::operator=(EmotionClassifier&&) noexcept = default;

void EmotionClassifier::set_lexicon(text::Lexicon lexicon) { lexicon_ = std::move(lexicon); }

bool EmotionClassifier::has_language(Language l) const {
  return models_[static_cast<int>(l)] != nullptr;
}

std::vector<Language> EmotionClassifier::languages() const {
  std::vector<Language> out;
  for (int i = 0; i < 3; ++i) {
    if (models_[i]) out.push_back(static_cast<Language>(i));
  }
  return out;
}

const EmotionClassifier::LanguageModel* EmotionClassifier::pick(Language detected) const {
  if (auto* m = models_[static_cast<int>(detected)].get()) return m;
  if (auto* m = models_[static_cast<int>(Language::kEnglish)].get()) return m;
  return models_[static_cast<int>(Language::kKorean)].get();
}

const std::array<float, kNumLabels>& EmotionClassifier::thresholds(Language l) const {
  const auto* m = models_[static_cast<int>(l)].get();
  if (!m) MUSE_THROW(ErrorCode::kNotFound, "no {} emotion model", text::language_code(l));
  return m->thresholds;
}

namespace {
LabelSet decide_with(const std::array<float, kNumLabels>& t, const std::array<float, kNumLabels>& p) {
  LabelSet set = 0;
  int best = 0;
  float best_margin = -1e9f;
  for (int l = 0; l < kNumLabels; ++l) {
    if (p[l] >= t[l]) set |= static_cast<LabelSet>(1u << l);
    float margin = p[l] / std::max(t[l], 1e-6f);
    if (margin > best_margin) {
      best_margin = margin;
      best = l;
    }
  }
  return set ? set : static_cast<LabelSet>(1u << best);
}

/// Threshold maximising one label's F1 over (prob, gold) pairs: sweep the sorted scores.
float best_threshold(std::vector<std::pair<float, bool>>& pairs) {
  std::sort(pairs.begin(), pairs.end(), [](auto& a, auto& b) { return a.first > b.first; });
  int64_t positives = 0;
  for (auto& p : pairs) positives += p.second;
  if (positives == 0) return 0.5f;
  int64_t tp = 0;
  double best_f1 = -1;
  float best_t = 0.5f;
  for (size_t k = 0; k < pairs.size(); ++k) {
    tp += pairs[k].second;
    // predicting the top k+1 as positive; only cut between distinct scores
    if (k + 1 < pairs.size() && pairs[k + 1].first == pairs[k].first) continue;
    double f1 = 2.0 * tp / static_cast<double>(k + 1 + positives);
    if (f1 > best_f1) {
      best_f1 = f1;
      float next = k + 1 < pairs.size() ? pairs[k + 1].first : 0.f;
      best_t = 0.5f * (pairs[k].first + next);
    }
  }
  return std::clamp(best_t, 0.01f, 0.99f);
}
}  // namespace

LabelSet EmotionClassifier::decide(Language model, const std::array<float, kNumLabels>& probs) const {
  return decide_with(thresholds(model), probs);
}

void EmotionClassifier::predict_one(std::string_view text, Prediction& out) const {
  thread_local std::string norm;
  thread_local text::TextFeatures tf;
  text::nfkc(text, norm);
  out.language = text::detect_language(norm);
  const LanguageModel* m = pick(out.language);
  if (!m) MUSE_THROW(ErrorCode::kUnavailable, "the emotion model has no language models; run `muse emotion train`");
  out.model = m == models_[1].get() ? Language::kEnglish : Language::kKorean;
  m->features(norm, lexicon_, tf);
  float z[kNumLabels];
  m->scores(tf, z);
  for (int l = 0; l < kNumLabels; ++l) out.probs[l] = sigmoid(z[l]);
  out.labels = decide_with(m->thresholds, out.probs);
}

std::vector<EmotionClassifier::Prediction> EmotionClassifier::predict(
    std::span<const std::string> texts) const {
  std::vector<Prediction> out(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) predict_one(texts[i], out[i]);
  return out;
}

TrainReport EmotionClassifier::train(Language language, const std::vector<Example>& train,
                                     const std::vector<Example>& dev, const TrainOptions& opt,
                                     const ProgressFn& progress) {
  MUSE_CHECK_ARG(language != Language::kUnknown, "train needs a language (en or ko)");
  MUSE_CHECK_ARG(!train.empty(), "no training rows");
  MUSE_CHECK_ARG(!dev.empty(), "no dev rows (needed to pick the epoch and thresholds)");
  MUSE_CHECK_ARG(opt.epochs >= 1 && opt.epochs <= 200, "epochs must be 1..200");
  MUSE_CHECK_ARG(opt.learning_rate > 0 && opt.learning_rate < 10, "learning rate out of range");
  Timer timer;
  auto lm = std::make_unique<LanguageModel>(opt.features);
  lm->use_lexicon = opt.lexicon && !lexicon_.empty();
  const size_t rows = lm->rows();
  lm->w.assign(rows * kLanes, 0.f);
  std::vector<float> G(rows * kLanes, 0.f);
  std::array<float, kLanes> bias_g{};

  auto normalise_all = [](const std::vector<Example>& xs) {
    std::vector<std::string> out(xs.size());
    for (size_t i = 0; i < xs.size(); ++i) {
      text::check_text(xs[i].text, "training text");
      text::nfkc(xs[i].text, out[i]);
    }
    return out;
  };
  const auto train_norm = normalise_all(train);
  const auto dev_norm = normalise_all(dev);

  // Positive class weights: rare labels count more, softened by pos_weight_power.
  std::array<float, kNumLabels> pos_weight{};
  for (int l = 0; l < kNumLabels; ++l) {
    size_t pos = 0;
    for (const auto& ex : train) pos += ex.labels >> l & 1;
    double ratio = pos ? static_cast<double>(train.size() - pos) / pos : 1.0;
    pos_weight[l] = static_cast<float>(std::pow(std::max(ratio, 1.0), opt.pos_weight_power));
  }

  TrainReport rep;
  rep.language = language;
  rep.train_rows = train.size();
  rep.dev_rows = dev.size();
  double best_f1 = -1;
  std::vector<float> best_w;
  std::array<float, kLanes> best_bias{};
  int since_best = 0;
  std::vector<size_t> order(train.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(opt.seed);
  text::TextFeatures tf;
  const float lr = opt.learning_rate, l2 = opt.l2;
  std::vector<LabelSet> dev_gold(dev.size());
  for (size_t i = 0; i < dev.size(); ++i) dev_gold[i] = dev[i].labels;
  std::vector<std::array<float, kNumLabels>> dev_probs(dev.size());
  std::vector<float> avg_w(lm->w.size(), 0.f);
  std::array<float, kLanes> avg_bias{};

  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t step = 0; step < order.size(); ++step) {
      size_t i = order[step];
      lm->features(train_norm[i], lexicon_, tf);
      float z[kNumLabels];
      lm->scores(tf, z);
      float g[kLanes] = {};
      for (int l = 0; l < kNumLabels; ++l) {
        bool y = train[i].labels >> l & 1;
        float p = sigmoid(z[l]);
        g[l] = (p - (y ? 1.f : 0.f)) * (y ? pos_weight[l] : 1.f);
      }
      for (size_t j = 0; j < tf.ids.size(); ++j) {
        float* row = &lm->w[static_cast<size_t>(tf.ids[j]) * kLanes];
        float* acc = &G[static_cast<size_t>(tf.ids[j]) * kLanes];
        const float v = tf.values[j];
        for (int l = 0; l < kNumLabels; ++l) {
          float grad = g[l] * v + l2 * row[l];
          acc[l] += grad * grad;
          row[l] -= lr * grad / std::sqrt(acc[l] + 1e-8f);
        }
      }
      for (int l = 0; l < kNumLabels; ++l) {
        bias_g[l] += g[l] * g[l];
        lm->bias[l] -= lr * g[l] / std::sqrt(bias_g[l] + 1e-8f);
      }
      if ((step & 4095) == 0) {
        report(progress, "epoch " + std::to_string(epoch), step + (epoch - 1) * order.size(),
               order.size() * opt.epochs);
      }
    }
    // Running average of the epoch-end weights (Polyak averaging): usually generalises
    // better than the last iterate; dev decides which of the two is kept.
    const float k = static_cast<float>(epoch);
    for (size_t j = 0; j < avg_w.size(); ++j) avg_w[j] += (lm->w[j] - avg_w[j]) / k;
    for (int l = 0; l < kLanes; ++l) avg_bias[l] += (lm->bias[l] - avg_bias[l]) / k;
    bool improved = false;
    for (int variant = 0; variant < 2; ++variant) {
      if (variant == 1) {
        std::swap(lm->w, avg_w);
        std::swap(lm->bias, avg_bias);
      }
      for (size_t i = 0; i < dev.size(); ++i) {
        lm->features(dev_norm[i], lexicon_, tf);
        float z[kNumLabels];
        lm->scores(tf, z);
        for (int l = 0; l < kNumLabels; ++l) dev_probs[i][l] = sigmoid(z[l]);
      }
      std::array<float, kNumLabels> thr{};
      std::vector<std::pair<float, bool>> pairs(dev.size());
      for (int l = 0; l < kNumLabels; ++l) {
        for (size_t i = 0; i < dev.size(); ++i) pairs[i] = {dev_probs[i][l], (dev_gold[i] >> l & 1) != 0};
        thr[l] = best_threshold(pairs);
      }
      std::vector<LabelSet> pred(dev.size());
      for (size_t i = 0; i < dev.size(); ++i) pred[i] = decide_with(thr, dev_probs[i]);
      F1Report f1 = multilabel_f1(dev_gold, pred);
      if (f1.macro_f1 > best_f1) {
        best_f1 = f1.macro_f1;
        best_w = lm->w;
        best_bias = lm->bias;
        rep.best_epoch = epoch;
        rep.averaged = variant == 1;
        rep.dev = f1;
        rep.thresholds = thr;
        improved = true;
      }
      if (variant == 1) {
        std::swap(lm->w, avg_w);
        std::swap(lm->bias, avg_bias);
      }
    }
    if (improved) {
      since_best = 0;
    } else if (++since_best >= opt.patience) {
      break;
    }
  }
  lm->w = std::move(best_w);
  lm->bias = best_bias;
  lm->thresholds = rep.thresholds;
  models_[static_cast<int>(language)] = std::move(lm);
  report(progress, "done", 1, 1);
  rep.seconds = timer.seconds();
  return rep;
}

void EmotionClassifier::save(const std::filesystem::path& path) const {
  BinaryWriter w(path, kMagic, kVersion);
  lexicon_.save(w);
  auto langs = languages();
  MUSE_CHECK_ARG(!langs.empty(), "nothing to save: no language model trained");
  w.write<uint32_t>(static_cast<uint32_t>(langs.size()));
  for (Language l : langs) {
    const auto& m = *models_[static_cast<int>(l)];
    w.write<uint8_t>(static_cast<uint8_t>(l));
    m.config.save(w);
    w.write<uint8_t>(m.use_lexicon ? 1 : 0);
    w.write(m.bias);
    w.write(m.thresholds);
    w.write_vector(m.w);
  }
  w.commit();
}

std::shared_ptr<EmotionClassifier> EmotionClassifier::load(const std::filesystem::path& path) {
  BinaryReader r(path, kMagic, kVersion);
  auto c = std::make_shared<EmotionClassifier>();
  c->lexicon_ = text::Lexicon::load(r);
  auto n = r.read<uint32_t>();
  if (n == 0 || n > 2) MUSE_THROW(ErrorCode::kDataLoss, "{}: {} language models", path.string(), n);
  for (uint32_t i = 0; i < n; ++i) {
    auto lang = r.read<uint8_t>();
    if (lang != 1 && lang != 2) MUSE_THROW(ErrorCode::kDataLoss, "{}: bad language {}", path.string(), lang);
    auto m = std::make_unique<LanguageModel>(text::FeatureConfig::load(r));
    m->use_lexicon = r.read<uint8_t>() != 0;
    m->bias = r.read<std::array<float, kLanes>>();
    m->thresholds = r.read<std::array<float, kNumLabels>>();
    m->w = r.read_vector<float>();
    if (m->w.size() != static_cast<size_t>(m->rows()) * kLanes) {
      MUSE_THROW(ErrorCode::kDataLoss, "{}: weight matrix has {} values, expected {}", path.string(),
                 m->w.size(), static_cast<size_t>(m->rows()) * kLanes);
    }
    c->models_[lang] = std::move(m);
  }
  r.expect_end();
  return c;
}

}  // namespace muse::emotion
