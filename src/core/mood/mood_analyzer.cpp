#include "mood/mood_analyzer.h"

#include <algorithm>
#include <cmath>

#include "text/normalize.h"
#include "text/sentence_splitter.h"
#include "util/error.h"

namespace muse::mood {

using emotion::kNeutral;
using emotion::kNumLabels;

VaPoint emotion_va(int label) {
  // Russell (1980) circumplex placements, rounded: anger and fear are negative and aroused,
  // sadness negative and calm, joy positive and moderately aroused, surprise aroused.
  static constexpr VaPoint kPoints[kNumLabels] = {
      {-0.6f, 0.8f},   // anger
      {-0.6f, 0.3f},   // disgust
      {-0.6f, 0.6f},   // fear
      {0.8f, 0.5f},    // joy
      {0.0f, 0.0f},    // neutral
      {-0.7f, -0.5f},  // sadness
      {0.2f, 0.7f},    // surprise
  };
  MUSE_CHECK(label >= 0 && label < kNumLabels, "label {} out of range", label);
  return kPoints[label];
}

int MoodAnalysis::dominant() const {
  return static_cast<int>(std::max_element(distribution.begin(), distribution.end()) - distribution.begin());
}

MoodAnalyzer::MoodAnalyzer(std::shared_ptr<const emotion::EmotionClassifier> classifier,
                           std::shared_ptr<const emotion::VaRegressor> va)
    : classifier_(std::move(classifier)), va_(std::move(va)) {
  MUSE_CHECK(classifier_ != nullptr, "mood analysis needs an emotion classifier");
}

MoodAnalysis MoodAnalyzer::analyze(std::string_view raw) const {
  text::check_text(raw, "text");
  const std::string norm = text::nfkc(raw);
  auto counts = text::count_scripts(norm);
  if (counts.letters() == 0 && counts.symbols == 0) {
    bool blank = norm.find_first_not_of(" \t\r\n") == std::string::npos;
    if (blank) MUSE_THROW(ErrorCode::kInvalidArgument, "text is empty");
    MUSE_THROW(ErrorCode::kInvalidArgument, "text has no letters or emoji to read a mood from");
  }
  MoodAnalysis out;
  auto sentences = text::split_sentences(norm, kMaxSentences);
  emotion::EmotionClassifier::Prediction p;
  int lang_votes[3] = {};
  for (auto& s : sentences) {
    auto c = text::count_scripts(s.text);
    if (c.letters() == 0 && c.symbols == 0) {
      ++out.skipped_sentences;
      continue;
    }
    classifier_->predict_one(s.text, p);
    SentenceMood m;
    m.text = std::move(s.text);
    m.language = p.language;
    m.probs = p.probs;
    m.labels = p.labels;
    ++lang_votes[static_cast<int>(p.language)];
    // Shares: the probabilities, with labels the model did not decide on (below their
    // tuned thresholds) down-weighted, so the pooled mood follows the decisions rather than
    // the class-weighted (hence inflated) raw probabilities.
    float total = 0, ve = 0, ae = 0;
    std::array<float, kNumLabels> share{};
    for (int l = 0; l < kNumLabels; ++l) {
      share[l] = p.probs[l] * ((p.labels >> l & 1) ? 1.f : 0.25f);
      total += share[l];
    }
    for (int l = 0; l < kNumLabels; ++l) {
      share[l] = total > 0 ? share[l] / total : 0.f;
      ve += share[l] * emotion_va(l).valence;
      ae += share[l] * emotion_va(l).arousal;
    }
    m.shares = share;
    m.valence = ve;
    m.arousal = ae;
    if (va_ && p.language == text::Language::kEnglish) {
      auto r = va_->predict_one(m.text);
      // EmoBank's 1..5 scales, centred on their neutral points; predictions rarely leave 2..4.
      float vr = std::clamp((r.valence - 3.0f) / 0.5f, -1.f, 1.f);
      float ar = std::clamp((r.arousal - 3.05f) / 0.4f, -1.f, 1.f);
      // The regressor is the better valence signal (test r .64) than for arousal (.45), so
      // arousal leans on the emotions' circumplex positions.
      m.valence = 0.5f * ve + 0.5f * vr;
      m.arousal = 0.7f * ae + 0.3f * ar;
      m.regressor = true;
    }
    m.weight = 0.05f + (1.f - share[kNeutral]);
    out.sentences.push_back(std::move(m));
  }
  if (out.sentences.empty()) {
    MUSE_THROW(ErrorCode::kInvalidArgument, "text has no sentence with letters or emoji to read a mood from");
  }
  pool_into(out);
  int best = 0;
  for (int i = 1; i < 3; ++i) {
    if (lang_votes[i] > lang_votes[best]) best = i;
  }
  out.language = static_cast<text::Language>(best);
  return out;
}

void MoodAnalyzer::pool_into(MoodAnalysis& out) {
  MUSE_CHECK(!out.sentences.empty(), "pooling needs at least one sentence");
  out.distribution = {};
  out.valence = out.arousal = 0;
  float wsum = 0;
  bool any_emotion = false;
  for (const auto& m : out.sentences) {
    for (int l = 0; l < kNumLabels; ++l) out.distribution[l] += m.weight * m.shares[l];
    out.valence += m.weight * m.valence;
    out.arousal += m.weight * m.arousal;
    wsum += m.weight;
    if (m.labels & ~(1u << kNeutral)) any_emotion = true;
  }
  if (wsum > 0) {
    out.valence /= wsum;
    out.arousal /= wsum;
  }
  if (any_emotion) out.distribution[kNeutral] = 0;
  float dsum = 0;
  for (float x : out.distribution) dsum += x;
  for (float& x : out.distribution) x = dsum > 0 ? x / dsum : 0.f;
}

MoodAnalysis MoodAnalyzer::pool(std::vector<SentenceMood> sentences) {
  MUSE_CHECK_ARG(!sentences.empty(), "no sentences to pool into a mood");
  MoodAnalysis out;
  int lang_votes[3] = {};
  for (const auto& m : sentences) ++lang_votes[static_cast<int>(m.language)];
  out.sentences = std::move(sentences);
  pool_into(out);
  int best = 0;
  for (int i = 1; i < 3; ++i) {
    if (lang_votes[i] > lang_votes[best]) best = i;
  }
  out.language = static_cast<text::Language>(best);
  return out;
}

std::vector<MoodAnalysis> MoodAnalyzer::analyze(std::span<const std::string> texts) const {
  std::vector<MoodAnalysis> out;
  out.reserve(texts.size());
  for (const auto& t : texts) out.push_back(analyze(t));
  return out;
}

}  // namespace muse::mood
