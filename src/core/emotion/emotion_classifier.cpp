#include "emotion/emotion_classifier.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>

#include "text/normalize.h"
#include "util/binary_file.h"
#include "util/error.h"
#include "util/timer.h"

namespace muse::emotion {

using text::Language;

namespace {
constexpr int kMaxLanes = 32;  // outputs padded to a multiple of 8 floats per feature row
inline float sigmoid(float z) { return 1.f / (1.f + std::exp(-z)); }
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

  void train_embedding(const text::Lexicon& lex, const std::vector<Example>& train,
                       const std::vector<std::string>& train_norm,
                       const std::vector<std::string>& dev_norm,
                       const std::vector<LabelSet>& dev_gold, const TrainOptions& opt,
                       TrainReport& rep, const ProgressFn& progress);

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

void EmotionClassifier::LanguageModel::train_embedding(const text::Lexicon& lex,
                                                       const std::vector<Example>& train,
                                                       const std::vector<std::string>& train_norm,
                                                       const std::vector<std::string>& dev_norm,
                                                       const std::vector<LabelSet>& dev_gold,
                                                       const TrainOptions& opt, TrainReport& rep,
                                                       const ProgressFn& progress) {
  const EmbeddingOptions& eo = opt.embedding;
  MUSE_CHECK_ARG(eo.epochs >= 1 && eo.epochs <= 100, "embedding epochs must be 1..100");
  MUSE_CHECK_ARG(eo.learning_rate > 0 && eo.learning_rate < 10,
                 "embedding learning rate out of range");
  text::TextFeatures tf;
  // dev probabilities of the (final) linear model
  std::vector<std::array<float, kNumLabels>> lin(dev_norm.size()), ep(dev_norm.size());
  for (size_t i = 0; i < dev_norm.size(); ++i) {
    features(dev_norm[i], lex, tf);
    float z[kMaxLanes];
    scores(tf, z);
    ekman_probs(z, lin[i].data());
  }
  MUSE_CHECK_ARG(kNumLabels + eo.aux_outputs <= static_cast<uint32_t>(EmbeddingModel::kMaxOutputs),
                 "at most {} auxiliary outputs", EmbeddingModel::kMaxOutputs - kNumLabels);
  const int outputs = kNumLabels + static_cast<int>(eo.aux_outputs);
  // targets: the Ekman labels in bits 0..6, then the auxiliary (fine) labels
  auto targets_of = [&](const Example& ex) {
    uint64_t t = ex.labels;
    if (eo.aux_outputs)
      t |= (static_cast<uint64_t>(ex.fine) & ((uint64_t{1} << eo.aux_outputs) - 1)) << kNumLabels;
    return t;
  };
  float pos_weight[EmbeddingModel::kMaxOutputs];
  for (int l = 0; l < outputs; ++l) {
    size_t pos = 0;
    for (const auto& ex : train) pos += (targets_of(ex) >> l & 1) != 0;
    double ratio = pos ? static_cast<double>(train.size() - pos) / pos : 1.0;
    pos_weight[l] = static_cast<float>(std::pow(std::max(ratio, 1.0), eo.pos_weight_power));
  }
  MUSE_CHECK_ARG(eo.models >= 1 && eo.models <= 8, "embedding models must be 1..8");
  MUSE_CHECK_ARG(eo.dropout >= 0.f && eo.dropout <= 0.9f, "embedding dropout must be 0..0.9");
  std::vector<EmbeddingModel> kept;
  std::vector<std::array<float, kNumLabels>> avg(dev_norm.size());
  for (uint32_t k = 0; k < eo.models; ++k) {
    const uint64_t seed = eo.seed + k;
    EmbeddingOptions ek = eo;
    ek.seed = seed;
    EmbeddingModel model(ek, config.buckets(), use_lexicon ? text::Lexicon::kDenseFeatures : 0,
                         outputs);
    std::vector<size_t> order(train.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(seed);
    const double total = static_cast<double>(train.size()) * eo.epochs;
    double best = -1;
    std::optional<EmbeddingModel> best_model;
    std::vector<std::array<float, kNumLabels>> best_probs;
    int since_best = 0;
    for (int epoch = 1; epoch <= eo.epochs; ++epoch) {
      std::shuffle(order.begin(), order.end(), rng);
      for (size_t step = 0; step < order.size(); ++step) {
        const size_t i = order[step];
        features(train_norm[i], lex, tf);
        const double done = (static_cast<double>(epoch - 1) * order.size() + step) / total;
        model.train_step(tf, targets_of(train[i]), pos_weight,
                         static_cast<float>(eo.learning_rate * (1.0 - done)), eo.dropout);
        if ((step & 4095) == 0) {
          report(progress, "embedding " + std::to_string(k + 1) + " epoch " + std::to_string(epoch),
                 step + (epoch - 1) * order.size(), order.size() * eo.epochs);
        }
      }
      for (size_t i = 0; i < dev_norm.size(); ++i) {
        features(dev_norm[i], lex, tf);
        float z[EmbeddingModel::kMaxOutputs];
        model.scores(tf, z);
        for (int l = 0; l < kNumLabels; ++l) ep[i][l] = sigmoid(z[l]);
      }
      auto [f1, thr] = tune_thresholds(ep, dev_gold);
      if (f1.macro_f1 > best) {
        best = f1.macro_f1;
        best_model = model;
        best_probs = ep;
        if (k == 0) rep.embedding_best_epoch = epoch;
        since_best = 0;
      } else if (++since_best >= eo.patience) {
        break;
      }
    }
    rep.dev_embedding_each.push_back(best);
    kept.push_back(std::move(*best_model));
    for (size_t i = 0; i < avg.size(); ++i) {
      for (int l = 0; l < kNumLabels; ++l) avg[i][l] += best_probs[i][l] / eo.models;
    }
  }
  std::vector<std::array<float, kNumLabels>> best_probs = avg;
  const double best = tune_thresholds(avg, dev_gold).first.macro_f1;
  rep.dev_embedding_macro_f1 = best;
  // mix weight on dev: 0 keeps the linear model alone
  std::vector<std::array<float, kNumLabels>> mixed(dev_norm.size());
  double best_mix_f1 = -1;
  for (int k = 0; k <= 20; ++k) {
    const float m = k / 20.f;
    for (size_t i = 0; i < mixed.size(); ++i) {
      for (int l = 0; l < kNumLabels; ++l)
        mixed[i][l] = (1.f - m) * lin[i][l] + m * best_probs[i][l];
    }
    auto [f1, thr] = tune_thresholds(mixed, dev_gold);
    if (f1.macro_f1 > best_mix_f1) {
      best_mix_f1 = f1.macro_f1;
      rep.mix = m;
      rep.dev = f1;
      rep.thresholds = thr;
    }
  }
  mix = rep.mix;
  thresholds = rep.thresholds;
  if (mix > 0.f) embs = std::move(kept);
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

TrainReport EmotionClassifier::train(Language language, const std::vector<Example>& train,
                                     const std::vector<Example>& dev, const TrainOptions& opt,
                                     const ProgressFn& progress) {
  MUSE_CHECK_ARG(language != Language::kUnknown, "train needs a language (en or ko)");
  MUSE_CHECK_ARG(!train.empty(), "no training rows");
  MUSE_CHECK_ARG(!dev.empty(), "no dev rows (needed to pick the epoch and thresholds)");
  MUSE_CHECK_ARG(opt.epochs >= 1 && opt.epochs <= 200, "epochs must be 1..200");
  MUSE_CHECK_ARG(opt.learning_rate > 0 && opt.learning_rate < 10, "learning rate out of range");
  Timer timer;
  std::vector<uint8_t> groups = opt.fine_to_ekman;
  const bool fine = !groups.empty();
  if (!fine) {
    for (int l = 0; l < kNumLabels; ++l) groups.push_back(static_cast<uint8_t>(l));
  }
  MUSE_CHECK_ARG(groups.size() <= kMaxLanes, "at most {} outputs", kMaxLanes);
  for (auto g : groups)
    MUSE_CHECK_ARG(g < kNumLabels, "fine label mapped to unknown Ekman label {}", g);
  auto lm = std::make_unique<LanguageModel>(opt.features, groups);
  lm->use_lexicon = opt.lexicon && !lexicon_.empty();
  const int lanes = lm->lanes, outputs = lm->outputs;
  const size_t rows = lm->rows();
  lm->w.assign(rows * lanes, 0.f);
  std::vector<float> G(rows * lanes, 0.f);
  std::vector<float> bias_g(lanes, 0.f);
  auto target = [&](const Example& ex, int o) -> bool {
    return fine ? (ex.fine >> o & 1) != 0 : (ex.labels >> o & 1) != 0;
  };

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
  std::vector<float> pos_weight(outputs);
  for (int o = 0; o < outputs; ++o) {
    size_t pos = 0;
    for (const auto& ex : train) pos += target(ex, o);
    double ratio = pos ? static_cast<double>(train.size() - pos) / pos : 1.0;
    pos_weight[o] = static_cast<float>(std::pow(std::max(ratio, 1.0), opt.pos_weight_power));
  }

  TrainReport rep;
  rep.language = language;
  rep.train_rows = train.size();
  rep.dev_rows = dev.size();
  double best_f1 = -1;
  std::vector<float> best_w, best_bias;
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
  std::vector<float> avg_bias(lanes, 0.f);

  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t step = 0; step < order.size(); ++step) {
      size_t i = order[step];
      lm->features(train_norm[i], lexicon_, tf);
      float z[kMaxLanes];
      lm->scores(tf, z);
      float g[kMaxLanes] = {};
      for (int o = 0; o < outputs; ++o) {
        bool y = target(train[i], o);
        float p = sigmoid(z[o]);
        g[o] = (p - (y ? 1.f : 0.f)) * (y ? pos_weight[o] : 1.f);
      }
      for (size_t j = 0; j < tf.ids.size(); ++j) {
        float* row = &lm->w[static_cast<size_t>(tf.ids[j]) * lanes];
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
        lm->bias[o] -= lr * g[o] / std::sqrt(bias_g[o] + 1e-8f);
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
    for (int l = 0; l < lanes; ++l) avg_bias[l] += (lm->bias[l] - avg_bias[l]) / k;
    bool improved = false;
    for (int variant = 0; variant < 2; ++variant) {
      if (variant == 1) {
        std::swap(lm->w, avg_w);
        std::swap(lm->bias, avg_bias);
      }
      for (size_t i = 0; i < dev.size(); ++i) {
        lm->features(dev_norm[i], lexicon_, tf);
        float z[kMaxLanes];
        lm->scores(tf, z);
        lm->ekman_probs(z, dev_probs[i].data());
      }
      auto [f1, thr] = tune_thresholds(dev_probs, dev_gold);
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
  rep.dev_linear_macro_f1 = rep.dev.macro_f1;
  if (opt.embedding.dim > 0)
    lm->train_embedding(lexicon_, train, train_norm, dev_norm, dev_gold, opt, rep, progress);
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
