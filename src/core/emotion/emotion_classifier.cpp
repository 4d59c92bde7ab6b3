#include "emotion/emotion_classifier.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <optional>
#include <random>

#include "text/normalize.h"
#include "util/binary_file.h"
#include "util/error.h"
#include "util/math.h"
#include "util/timer.h"

namespace muse::emotion {

using text::Language;

namespace {
constexpr int kMaxLanes = 32;  // outputs padded to a multiple of 8 floats per feature row
/// Weight of a positive example: (negatives / positives)^power, at least 1 (rare labels count
/// more, softened by the power).
float positive_weight(size_t positives, size_t rows, float power) {
  const double ratio = positives ? static_cast<double>(rows - positives) / positives : 1.0;
  return static_cast<float>(std::pow(std::max(ratio, 1.0), power));
}
/// Training rows: the examples and their normalised texts, index-aligned.
struct Corpus {
  const std::vector<Example>& ex;
  const std::vector<std::string>& norm;
};
}  // namespace

struct EmotionClassifier::LanguageModel {
  text::FeatureConfig config;
  text::Featurizer featurizer;
  bool use_lexicon = false;
  int outputs = kNumLabels;    // trained outputs: the 7 labels, or finer labels
  int lanes = 8;               // outputs rounded up to a multiple of 8
  std::vector<uint8_t> group;  // output -> Ekman label (identity for direct models)
  std::vector<float> w;        // (buckets + dense) x lanes
  std::vector<float> bias;     // lanes
  std::array<float, kNumLabels> thresholds{};
  std::vector<EmbeddingModel> embs;  // Ekman outputs; mean probability mixed with weight `mix`
  float mix = 0.f;

  LanguageModel(const text::FeatureConfig& c, std::vector<uint8_t> groups)
      : config(c), featurizer(c), group(std::move(groups)) {
    outputs = static_cast<int>(group.size());
    lanes = (outputs + 7) / 8 * 8;
    bias.assign(lanes, 0.f);
  }
  /// Ekman probabilities from output scores: an Ekman label is as likely as its most
  /// likely output (max over the finer labels it groups).
  void ekman_probs(const float* z, float* p) const {
    for (int l = 0; l < kNumLabels; ++l) p[l] = 0.f;
    for (int o = 0; o < outputs; ++o) p[group[o]] = std::max(p[group[o]], sigmoid(z[o]));
  }
  uint32_t rows() const {
    return config.buckets() + (use_lexicon ? text::Lexicon::kDenseFeatures : 0);
  }

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

  /// Training outputs are the fine labels (Example::fine) rather than the Ekman ones.
  bool fine_targets = false;
  bool target(const Example& ex, int o) const;

  /// Called after each epoch with the running average of the epoch-end weights (w and bias
  /// hold the last iterate); returns false to stop.
  using EpochFn =
      std::function<bool(int epoch, std::vector<float>& avg_w, std::vector<float>& avg_bias)>;
  /// Adagrad from zero weights on `rows` of `d`, for at most opt.epochs epochs.
  void fit_linear(const text::Lexicon& lex, const Corpus& d, std::span<const size_t> rows,
                  const TrainOptions& opt, const EpochFn& on_epoch, const ProgressFn& progress);
  /// An embedding model trained on `rows` of `d` with eo's schedule (the rate decays to 0 over
  /// eo.epochs); on_epoch(epoch, model) returns false to stop early.
  EmbeddingModel fit_embedding(const text::Lexicon& lex, const Corpus& d,
                               std::span<const size_t> rows, const EmbeddingOptions& eo,
                               const std::function<bool(int, const EmbeddingModel&)>& on_epoch,
                               const ProgressFn& progress) const;
  /// Ekman probabilities of normalised text from the linear part / one embedding model alone.
  void linear_probs(const text::Lexicon& lex, std::string_view norm, float* p) const;
  void embedding_probs(const text::Lexicon& lex, const EmbeddingModel& e, std::string_view norm,
                       float* p) const;

  /// Final Ekman probabilities of a featurised text (linear, mixed with the embedding model).
  void probs(const text::TextFeatures& tf, float* p) const {
    float z[kMaxLanes];
    scores(tf, z);
    ekman_probs(z, p);
    if (!embs.empty() && mix > 0.f) {
      float pe[kNumLabels] = {};
      for (const auto& e : embs) {
        float ze[EmbeddingModel::kMaxOutputs];
        e.scores(tf, ze);
        for (int l = 0; l < kNumLabels; ++l) pe[l] += sigmoid(ze[l]);
      }
      const float wl = 1.f - mix, we = mix / static_cast<float>(embs.size());
      for (int l = 0; l < kNumLabels; ++l) p[l] = wl * p[l] + we * pe[l];
    }
  }

  /// z: `lanes` floats.
  void scores(const text::TextFeatures& tf, float* z) const {
    const float* W = w.data();
    const size_t n = tf.ids.size();
    if (lanes == 8) {  // the common case, fully unrolled
      float acc[8];
      for (int l = 0; l < 8; ++l) acc[l] = bias[l];
      for (size_t j = 0; j < n; ++j) {
        const float* row = W + static_cast<size_t>(tf.ids[j]) * 8;
        const float v = tf.values[j];
        for (int l = 0; l < 8; ++l) acc[l] += v * row[l];
      }
      for (int l = 0; l < 8; ++l) z[l] = acc[l];
      return;
    }
    for (int l = 0; l < lanes; ++l) z[l] = bias[l];
    for (size_t j = 0; j < n; ++j) {
      const float* row = W + static_cast<size_t>(tf.ids[j]) * lanes;
      const float v = tf.values[j];
      for (int l = 0; l < lanes; ++l) z[l] += v * row[l];
    }
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
LabelSet decide_with(const std::array<float, kNumLabels>& t,
                     const std::array<float, kNumLabels>& p) {
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
/// Per-label thresholds tuned on (probs, gold) and the macro/micro F1 they give.
std::pair<F1Report, std::array<float, kNumLabels>> tune_thresholds(
    const std::vector<std::array<float, kNumLabels>>& probs, const std::vector<LabelSet>& gold) {
  std::array<float, kNumLabels> thr{};
  std::vector<std::pair<float, bool>> pairs(probs.size());
  for (int l = 0; l < kNumLabels; ++l) {
    for (size_t i = 0; i < probs.size(); ++i) pairs[i] = {probs[i][l], (gold[i] >> l & 1) != 0};
    thr[l] = best_threshold(pairs);
  }
  std::vector<LabelSet> pred(probs.size());
  for (size_t i = 0; i < probs.size(); ++i) pred[i] = decide_with(thr, probs[i]);
  return {multilabel_f1(gold, pred), thr};
}
}  // namespace

namespace {
/// Mean-probability mix of the linear and embedding models with the weight and per-label
/// thresholds that maximise macro-F1 on (lin, emb, gold); m = 0 keeps the linear model alone.
struct MixChoice {
  float mix = 0;
  F1Report f1;
  std::array<float, kNumLabels> thresholds{};
};
MixChoice choose_mix(const std::vector<std::array<float, kNumLabels>>& lin,
                     const std::vector<std::array<float, kNumLabels>>& emb,
                     const std::vector<LabelSet>& gold) {
  MixChoice best;
  double best_f1 = -1;
  std::vector<std::array<float, kNumLabels>> mixed(lin.size());
  for (int k = 0; k <= 20; ++k) {
    const float m = k / 20.f;
    for (size_t i = 0; i < mixed.size(); ++i) {
      for (int l = 0; l < kNumLabels; ++l) mixed[i][l] = (1.f - m) * lin[i][l] + m * emb[i][l];
    }
    auto [f1, thr] = tune_thresholds(mixed, gold);
    if (f1.macro_f1 > best_f1) {
      best_f1 = f1.macro_f1;
      best = {m, f1, thr};
    }
  }
  return best;
}
}  // namespace

bool EmotionClassifier::LanguageModel::target(const Example& ex, int o) const {
  return fine_targets ? (ex.fine >> o & 1) != 0 : (ex.labels >> o & 1) != 0;
}

void EmotionClassifier::LanguageModel::fit_linear(const text::Lexicon& lex, const Corpus& d,
                                                  std::span<const size_t> rows,
                                                  const TrainOptions& opt, const EpochFn& on_epoch,
                                                  const ProgressFn& progress) {
  const size_t n_rows = this->rows();
  w.assign(n_rows * lanes, 0.f);
  bias.assign(lanes, 0.f);
  std::vector<float> G(n_rows * lanes, 0.f), bias_g(lanes, 0.f);
  std::vector<float> avg_w(w.size(), 0.f), avg_bias(lanes, 0.f);
  // Positive class weights: rare labels count more, softened by pos_weight_power.
  std::vector<float> pos_weight(outputs);
  for (int o = 0; o < outputs; ++o) {
    size_t pos = 0;
    for (size_t i : rows) pos += target(d.ex[i], o);
    pos_weight[o] = positive_weight(pos, rows.size(), opt.pos_weight_power);
  }
  std::vector<size_t> order(rows.begin(), rows.end());
  std::mt19937_64 rng(opt.seed);
  text::TextFeatures tf;
  const float lr = opt.learning_rate, l2 = opt.l2;
  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t step = 0; step < order.size(); ++step) {
      const size_t i = order[step];
      features(d.norm[i], lex, tf);
      float z[kMaxLanes];
      scores(tf, z);
      float g[kMaxLanes] = {};
      for (int o = 0; o < outputs; ++o) {
        bool y = target(d.ex[i], o);
        float p = sigmoid(z[o]);
        g[o] = (p - (y ? 1.f : 0.f)) * (y ? pos_weight[o] : 1.f);
      }
      for (size_t j = 0; j < tf.ids.size(); ++j) {
        float* row = &w[static_cast<size_t>(tf.ids[j]) * lanes];
        float* acc = &G[static_cast<size_t>(tf.ids[j]) * lanes];
        const float v = tf.values[j];
        for (int o = 0; o < outputs; ++o) {
          float grad = g[o] * v + l2 * row[o];
          acc[o] += grad * grad;
          row[o] -= lr * grad / std::sqrt(acc[o] + 1e-8f);
        }
      }
      for (int o = 0; o < outputs; ++o) {
        bias_g[o] += g[o] * g[o];
        bias[o] -= lr * g[o] / std::sqrt(bias_g[o] + 1e-8f);
      }
      if ((step & 4095) == 0) {
        report(progress, "epoch " + std::to_string(epoch), step + (epoch - 1) * order.size(),
               order.size() * opt.epochs);
      }
    }
    // Running average of the epoch-end weights (Polyak averaging): usually generalises
    // better than the last iterate; the caller decides which of the two is kept.
    const float k = static_cast<float>(epoch);
    for (size_t j = 0; j < avg_w.size(); ++j) avg_w[j] += (w[j] - avg_w[j]) / k;
    for (int l = 0; l < lanes; ++l) avg_bias[l] += (bias[l] - avg_bias[l]) / k;
    if (!on_epoch(epoch, avg_w, avg_bias)) break;
  }
}

EmbeddingModel EmotionClassifier::LanguageModel::fit_embedding(
    const text::Lexicon& lex, const Corpus& d, std::span<const size_t> rows,
    const EmbeddingOptions& eo, const std::function<bool(int, const EmbeddingModel&)>& on_epoch,
    const ProgressFn& progress) const {
  MUSE_CHECK_ARG(eo.epochs >= 1 && eo.epochs <= 100, "embedding epochs must be 1..100");
  MUSE_CHECK_ARG(eo.learning_rate > 0 && eo.learning_rate < 10,
                 "embedding learning rate out of range");
  MUSE_CHECK_ARG(kNumLabels + eo.aux_outputs <= static_cast<uint32_t>(EmbeddingModel::kMaxOutputs),
                 "at most {} auxiliary outputs", EmbeddingModel::kMaxOutputs - kNumLabels);
  MUSE_CHECK_ARG(eo.dropout >= 0.f && eo.dropout <= 0.9f, "embedding dropout must be 0..0.9");
  const int n_out = kNumLabels + static_cast<int>(eo.aux_outputs);
  // targets: the Ekman labels in bits 0..6, then the auxiliary (fine) labels
  auto targets_of = [&](const Example& ex) {
    uint64_t t = ex.labels;
    if (eo.aux_outputs)
      t |= (static_cast<uint64_t>(ex.fine) & ((uint64_t{1} << eo.aux_outputs) - 1)) << kNumLabels;
    return t;
  };
  float pos_weight[EmbeddingModel::kMaxOutputs];
  for (int l = 0; l < n_out; ++l) {
    size_t pos = 0;
    for (size_t i : rows) pos += (targets_of(d.ex[i]) >> l & 1) != 0;
    pos_weight[l] = positive_weight(pos, rows.size(), eo.pos_weight_power);
  }
  EmbeddingModel model(eo, config.buckets(), use_lexicon ? text::Lexicon::kDenseFeatures : 0,
                       n_out);
  std::vector<size_t> order(rows.begin(), rows.end());
  std::mt19937_64 rng(eo.seed);
  text::TextFeatures tf;
  const double total = static_cast<double>(order.size()) * eo.epochs;
  for (int epoch = 1; epoch <= eo.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t step = 0; step < order.size(); ++step) {
      const size_t i = order[step];
      features(d.norm[i], lex, tf);
      const double done = (static_cast<double>(epoch - 1) * order.size() + step) / total;
      model.train_step(tf, targets_of(d.ex[i]), pos_weight,
                       static_cast<float>(eo.learning_rate * (1.0 - done)), eo.dropout);
      if ((step & 4095) == 0) {
        report(progress, "embedding epoch " + std::to_string(epoch),
               step + (epoch - 1) * order.size(), order.size() * eo.epochs);
      }
    }
    if (!on_epoch(epoch, model)) break;
  }
  return model;
}

void EmotionClassifier::LanguageModel::linear_probs(const text::Lexicon& lex, std::string_view norm,
                                                    float* p) const {
  thread_local text::TextFeatures tf;
  features(norm, lex, tf);
  float z[kMaxLanes];
  scores(tf, z);
  ekman_probs(z, p);
}

void EmotionClassifier::LanguageModel::embedding_probs(const text::Lexicon& lex,
                                                       const EmbeddingModel& e,
                                                       std::string_view norm, float* p) const {
  thread_local text::TextFeatures tf;
  features(norm, lex, tf);
  float z[EmbeddingModel::kMaxOutputs];
  e.scores(tf, z);
  for (int l = 0; l < kNumLabels; ++l) p[l] = sigmoid(z[l]);
}

LabelSet EmotionClassifier::decide(Language model,
                                   const std::array<float, kNumLabels>& probs) const {
  return decide_with(thresholds(model), probs);
}

void EmotionClassifier::predict_one(std::string_view text, Prediction& out) const {
  thread_local std::string norm;
  thread_local text::TextFeatures tf;
  text::nfkc(text, norm);
  out.language = text::detect_language(norm);
  const LanguageModel* m = pick(out.language);
  if (!m)
    MUSE_THROW(ErrorCode::kUnavailable,
               "the emotion model has no language models; run `muse emotion train`");
  out.model = m == models_[1].get() ? Language::kEnglish : Language::kKorean;
  m->features(norm, lexicon_, tf);
  m->probs(tf, out.probs.data());
  out.labels = decide_with(m->thresholds, out.probs);
}

std::vector<EmotionClassifier::Prediction> EmotionClassifier::predict(
    std::span<const std::string> texts) const {
  std::vector<Prediction> out(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) predict_one(texts[i], out[i]);
  return out;
}

namespace {
std::vector<std::string> normalise_all(const std::vector<Example>& xs) {
  std::vector<std::string> out(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    text::check_text(xs[i].text, "training text");
    text::nfkc(xs[i].text, out[i]);
  }
  return out;
}
std::vector<size_t> all_rows(size_t n) {
  std::vector<size_t> r(n);
  std::iota(r.begin(), r.end(), 0);
  return r;
}
}  // namespace

TrainReport EmotionClassifier::train(Language language, const std::vector<Example>& train,
                                     const std::vector<Example>& dev, const TrainOptions& opt,
                                     const ProgressFn& progress) {
  MUSE_CHECK_ARG(language != Language::kUnknown, "train needs a language (en or ko)");
  MUSE_CHECK_ARG(!train.empty(), "no training rows");
  MUSE_CHECK_ARG(!dev.empty(), "no dev rows (needed to pick the epoch and thresholds)");
  MUSE_CHECK_ARG(opt.epochs >= 1 && opt.epochs <= 200, "epochs must be 1..200");
  MUSE_CHECK_ARG(opt.learning_rate > 0 && opt.learning_rate < 10, "learning rate out of range");
  MUSE_CHECK_ARG(opt.cross_fit == 0 || (opt.cross_fit >= 2 && opt.cross_fit <= 20),
                 "cross-fit folds must be 0 (off) or 2..20");
  const EmbeddingOptions& eo = opt.embedding;
  if (eo.dim > 0) MUSE_CHECK_ARG(eo.models >= 1 && eo.models <= 8, "embedding models must be 1..8");
  Timer timer;
  std::vector<uint8_t> groups = opt.fine_to_ekman;
  const bool fine = !groups.empty();
  if (!fine) {
    for (int l = 0; l < kNumLabels; ++l) groups.push_back(static_cast<uint8_t>(l));
  }
  MUSE_CHECK_ARG(groups.size() <= kMaxLanes, "at most {} outputs", kMaxLanes);
  for (auto g : groups)
    MUSE_CHECK_ARG(g < kNumLabels, "fine label mapped to unknown Ekman label {}", g);
  auto make_model = [&] {
    auto m = std::make_unique<LanguageModel>(opt.features, groups);
    m->use_lexicon = opt.lexicon && !lexicon_.empty();
    m->fine_targets = fine;
    return m;
  };
  auto lm = make_model();
  const auto train_norm = normalise_all(train);
  const auto dev_norm = normalise_all(dev);
  const Corpus tr{train, train_norm};
  const auto train_rows = all_rows(train.size());

  TrainReport rep;
  rep.language = language;
  rep.train_rows = train.size();
  rep.dev_rows = dev.size();
  std::vector<LabelSet> dev_gold(dev.size());
  for (size_t i = 0; i < dev.size(); ++i) dev_gold[i] = dev[i].labels;

  // 1. The linear model: the epoch and the averaged-or-last choice on dev.
  std::vector<std::array<float, kNumLabels>> dev_probs(dev.size()), best_lin;
  double best_f1 = -1;
  std::vector<float> best_w, best_bias;
  int since_best = 0;
  lm->fit_linear(
      lexicon_, tr, train_rows, opt,
      [&](int epoch, std::vector<float>& avg_w, std::vector<float>& avg_bias) {
        bool improved = false;
        for (int variant = 0; variant < 2; ++variant) {
          if (variant == 1) std::swap(lm->w, avg_w), std::swap(lm->bias, avg_bias);
          for (size_t i = 0; i < dev.size(); ++i)
            lm->linear_probs(lexicon_, dev_norm[i], dev_probs[i].data());
          auto [f1, thr] = tune_thresholds(dev_probs, dev_gold);
          if (f1.macro_f1 > best_f1) {
            best_f1 = f1.macro_f1;
            best_w = lm->w;
            best_bias = lm->bias;
            best_lin = dev_probs;
            rep.best_epoch = epoch;
            rep.averaged = variant == 1;
            rep.dev = f1;
            rep.thresholds = thr;
            improved = true;
          }
          if (variant == 1) std::swap(lm->w, avg_w), std::swap(lm->bias, avg_bias);
        }
        since_best = improved ? 0 : since_best + 1;
        return since_best < opt.patience;
      },
      progress);
  lm->w = std::move(best_w);
  lm->bias = std::move(best_bias);
  lm->thresholds = rep.thresholds;
  rep.dev_linear_macro_f1 = rep.dev.macro_f1;

  // 2. The embedding models: each one's epoch on dev, then the mix weight on dev.
  std::vector<int> emb_epochs;
  if (eo.dim > 0) {
    std::vector<EmbeddingModel> kept;
    std::vector<std::array<float, kNumLabels>> avg(dev.size()), ep(dev.size());
    for (uint32_t k = 0; k < eo.models; ++k) {
      EmbeddingOptions ek = eo;
      ek.seed = eo.seed + k;
      double best = -1;
      std::optional<EmbeddingModel> best_model;
      std::vector<std::array<float, kNumLabels>> best_probs;
      int best_epoch = 0, since = 0;
      lm->fit_embedding(
          lexicon_, tr, train_rows, ek,
          [&](int epoch, const EmbeddingModel& model) {
            for (size_t i = 0; i < dev.size(); ++i)
              lm->embedding_probs(lexicon_, model, dev_norm[i], ep[i].data());
            auto f1 = tune_thresholds(ep, dev_gold).first.macro_f1;
            if (f1 > best) {
              best = f1, best_model = model, best_probs = ep, best_epoch = epoch, since = 0;
            } else {
              ++since;
            }
            return since < eo.patience;
          },
          progress);
      if (k == 0) rep.embedding_best_epoch = best_epoch;
      emb_epochs.push_back(best_epoch);
      rep.dev_embedding_each.push_back(best);
      kept.push_back(std::move(*best_model));
      for (size_t i = 0; i < avg.size(); ++i) {
        for (int l = 0; l < kNumLabels; ++l) avg[i][l] += best_probs[i][l] / eo.models;
      }
    }
    rep.dev_embedding_macro_f1 = tune_thresholds(avg, dev_gold).first.macro_f1;
    auto choice = choose_mix(best_lin, avg, dev_gold);
    rep.mix = lm->mix = choice.mix;
    rep.dev = choice.f1;
    rep.thresholds = lm->thresholds = choice.thresholds;
    if (lm->mix > 0.f) lm->embs = std::move(kept);
  }

  // 3. Cross-fitting: with the epochs fixed as chosen above, out-of-fold probabilities over
  // train + dev choose the mix and thresholds (on K times more rows than dev alone, so the
  // rare labels' thresholds are far less noisy), and the final models see every row.
  if (opt.cross_fit >= 2) {
    std::vector<Example> pool = train;
    std::vector<std::string> pool_norm = train_norm;
    if (opt.cross_fit_dev) {
      pool.insert(pool.end(), dev.begin(), dev.end());
      pool_norm.insert(pool_norm.end(), dev_norm.begin(), dev_norm.end());
    }
    const Corpus pc{pool, pool_norm};
    const size_t n = pool.size();
    std::vector<int> fold(n);
    {
      auto perm = all_rows(n);
      std::mt19937_64 rng(opt.seed ^ 0x5eedf01dull);
      std::shuffle(perm.begin(), perm.end(), rng);
      for (size_t j = 0; j < n; ++j) fold[perm[j]] = static_cast<int>(j % opt.cross_fit);
    }
    TrainOptions fixed = opt;
    fixed.epochs = rep.best_epoch;
    const bool averaged = rep.averaged;
    auto fit_fixed_linear = [&](LanguageModel& m, std::span<const size_t> rows,
                                const ProgressFn& pr) {
      std::vector<float> aw, ab;
      m.fit_linear(
          lexicon_, pc, rows, fixed,
          [&](int epoch, std::vector<float>& avg_w, std::vector<float>& avg_bias) {
            // the averaged weights are only needed after the last epoch
            if (averaged && epoch == fixed.epochs) aw = std::move(avg_w), ab = std::move(avg_bias);
            return true;
          },
          pr);
      if (averaged) m.w = std::move(aw), m.bias = std::move(ab);
    };
    auto fit_fixed_embedding = [&](const LanguageModel& m, std::span<const size_t> rows, uint32_t k,
                                   const ProgressFn& pr) {
      EmbeddingOptions ek = eo;
      ek.seed = eo.seed + k;
      const int stop = emb_epochs[k];
      return m.fit_embedding(
          lexicon_, pc, rows, ek, [&](int epoch, const EmbeddingModel&) { return epoch < stop; },
          pr);
    };
    std::vector<std::array<float, kNumLabels>> oof_lin(n), oof_emb(n);
    std::vector<LabelSet> gold(n);
    for (size_t i = 0; i < n; ++i) gold[i] = pool[i].labels;
    for (int f = 0; f < opt.cross_fit; ++f) {
      std::vector<size_t> in, out;
      for (size_t i = 0; i < n; ++i) (fold[i] == f ? out : in).push_back(i);
      const std::string stage =
          "cross-fit fold " + std::to_string(f + 1) + "/" + std::to_string(opt.cross_fit);
      const ProgressFn pr = prefixed(progress, stage);
      auto m = make_model();
      fit_fixed_linear(*m, in, pr);
      for (size_t i : out) m->linear_probs(lexicon_, pool_norm[i], oof_lin[i].data());
      for (size_t k = 0; k < emb_epochs.size(); ++k) {
        auto e = fit_fixed_embedding(*m, in, static_cast<uint32_t>(k), pr);
        float p[kNumLabels];
        for (size_t i : out) {
          m->embedding_probs(lexicon_, e, pool_norm[i], p);
          for (int l = 0; l < kNumLabels; ++l) oof_emb[i][l] += p[l] / emb_epochs.size();
        }
      }
    }
    rep.cross_fit_folds = opt.cross_fit;
    rep.cv_linear_macro_f1 = tune_thresholds(oof_lin, gold).first.macro_f1;
    MixChoice choice{0.f, {}, {}};
    if (!emb_epochs.empty()) {
      rep.cv_embedding_macro_f1 = tune_thresholds(oof_emb, gold).first.macro_f1;
      choice = choose_mix(oof_lin, oof_emb, gold);
    } else {
      std::tie(choice.f1, choice.thresholds) = tune_thresholds(oof_lin, gold);
    }
    rep.cv = choice.f1;
    const ProgressFn pr = prefixed(progress, "final fit");
    auto m = make_model();
    const auto pool_rows = all_rows(n);
    fit_fixed_linear(*m, pool_rows, pr);
    m->mix = rep.mix = choice.mix;
    m->thresholds = rep.thresholds = choice.thresholds;
    if (m->mix > 0.f) {
      for (size_t k = 0; k < emb_epochs.size(); ++k)
        m->embs.push_back(fit_fixed_embedding(*m, pool_rows, static_cast<uint32_t>(k), pr));
    }
    lm = std::move(m);
  }
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
    w.write_vector(m.group);
    w.write_vector(m.bias);
    w.write(m.thresholds);
    w.write_vector(m.w);
    w.write<uint8_t>(static_cast<uint8_t>(m.embs.size()));
    if (!m.embs.empty()) {
      w.write(m.mix);
      for (const auto& e : m.embs) e.save(w);
    }
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
    if (lang != 1 && lang != 2)
      MUSE_THROW(ErrorCode::kDataLoss, "{}: bad language {}", path.string(), lang);
    auto config = text::FeatureConfig::load(r);
    bool use_lexicon = r.read<uint8_t>() != 0;
    auto group = r.read_vector<uint8_t>(kMaxLanes);
    if (group.empty()) MUSE_THROW(ErrorCode::kDataLoss, "{}: model without outputs", path.string());
    for (auto g : group) {
      if (g >= kNumLabels)
        MUSE_THROW(ErrorCode::kDataLoss, "{}: output mapped to label {}", path.string(), g);
    }
    auto m = std::make_unique<LanguageModel>(config, std::move(group));
    m->use_lexicon = use_lexicon;
    m->bias = r.read_vector<float>(kMaxLanes);
    m->thresholds = r.read<std::array<float, kNumLabels>>();
    m->w = r.read_vector<float>();
    if (m->bias.size() != static_cast<size_t>(m->lanes) ||
        m->w.size() != static_cast<size_t>(m->rows()) * m->lanes) {
      MUSE_THROW(ErrorCode::kDataLoss, "{}: weight matrix has {} values, expected {}",
                 path.string(), m->w.size(), static_cast<size_t>(m->rows()) * m->lanes);
    }
    const auto n_emb = r.read<uint8_t>();
    if (n_emb > 8)
      MUSE_THROW(ErrorCode::kDataLoss, "{}: {} embedding models (at most 8)", path.string(), n_emb);
    if (n_emb > 0) {
      m->mix = r.read<float>();
      if (!(m->mix > 0.f && m->mix <= 1.f)) {
        MUSE_THROW(ErrorCode::kDataLoss, "{}: embedding mix weight {} outside (0, 1]",
                   path.string(), m->mix);
      }
      const uint32_t dense = m->use_lexicon ? text::Lexicon::kDenseFeatures : 0;
      for (uint8_t k = 0; k < n_emb; ++k) {
        try {
          m->embs.push_back(EmbeddingModel::load(r));
        } catch (const MuseError& e) {
          MUSE_THROW(ErrorCode::kDataLoss, "{}: {}", path.string(), e.what());
        }
        const auto& e = m->embs.back();
        if (e.outputs() < kNumLabels || e.sparse_rows() != m->config.buckets() ||
            e.dense() != dense) {
          MUSE_THROW(ErrorCode::kDataLoss, "{}: embedding model does not fit its language model",
                     path.string());
        }
      }
    }
    c->models_[lang] = std::move(m);
  }
  r.expect_end();
  return c;
}

}  // namespace muse::emotion
