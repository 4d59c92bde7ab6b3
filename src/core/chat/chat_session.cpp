#include "chat/chat_session.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "text/featurizer.h"
#include "util/error.h"

namespace muse::chat {
namespace {

/// Lower-cased words joined by single spaces: "Hi  there!" and "hi there" are one message.
std::string fold(const std::string& text) {
  thread_local text::TextFeatures tf;
  text::tokenize(text, tf);
  std::string out;
  for (size_t i = 0; i < tf.tokens.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += std::to_string(tf.tokens[i]);
  }
  return out;
}

int word_count(const std::string& text) {
  thread_local text::TextFeatures tf;
  text::tokenize(text, tf);
  return tf.words;
}

}  // namespace

float sentence_evidence(const mood::SentenceMood& s, const GaugeRule& rule, bool* small_talk) {
  const bool decided = (s.labels & ~(1u << emotion::kNeutral) & emotion::kAllLabels) != 0;
  const int min_words =
      s.language == text::Language::kKorean ? rule.min_words_ko : rule.min_words_en;
  if (!decided || word_count(s.text) < min_words) {
    if (small_talk) *small_talk = true;
    return 0;
  }
  if (small_talk) *small_talk = false;
  float conf = 0;
  for (int l = 0; l < emotion::kNumLabels; ++l) {
    if (l != emotion::kNeutral) conf = std::max(conf, s.probs[l]);
  }
  const float emotional = 1.f - s.shares[emotion::kNeutral];
  return std::clamp(emotional, 0.f, 1.f) * std::clamp(conf, 0.f, 1.f);
}

Gauge compute_gauge(std::span<const ListenerTurn> turns, const GaugeRule& rule) {
  Gauge g;
  std::set<std::string> seen;
  float small_talk = 0;
  for (const auto& t : turns) {
    ++g.messages;
    if (!seen.insert(fold(t.text)).second) continue;  // a repeat reveals nothing new
    float e = 0;
    for (const auto& s : t.sentences) {
      bool st = false;
      e += sentence_evidence(s, rule, &st);
      if (st) small_talk += rule.small_talk_each;
    }
    g.evidence += std::min(e, rule.message_cap);
  }
  g.evidence += std::min(small_talk, rule.small_talk_cap);
  const float denom = 1.f - std::exp(-rule.full_at / rule.tau);
  g.value = std::min(1.f, (1.f - std::exp(-g.evidence / rule.tau)) / denom);
  // Rounding: evidence at (or, by float error, a hair under) full_at counts as full.
  if (g.evidence >= rule.full_at - 1e-6f) g.value = 1.f;
  g.full = g.value >= 1.f;
  return g;
}

mood::MoodAnalysis pooled_analysis(std::span<const ListenerTurn> turns) {
  std::vector<mood::SentenceMood> all;
  for (const auto& t : turns) all.insert(all.end(), t.sentences.begin(), t.sentences.end());
  return mood::MoodAnalyzer::pool(std::move(all));
}

}  // namespace muse::chat
