#pragma once
/// The chat gauge: how much of their mood a listener has revealed so far. It is a pure
/// function of the conversation's listener messages and their stored analyses, so a server
/// keeps nothing between requests (any replica recomputes it from the store) and the gauge
/// can only grow as messages are added.
#include <span>
#include <string>
#include <vector>

#include "mood/mood_analyzer.h"

namespace muse::chat {

/// One listener message with the per-sentence analysis stored for it.
struct ListenerTurn {
  std::string text;
  std::vector<mood::SentenceMood> sentences;
};

struct Gauge {
  float value = 0;     ///< 0..1
  bool full = false;   ///< value reached 1
  int messages = 0;    ///< listener messages counted (repeats included)
  float evidence = 0;  ///< total evidence E (see GaugeRule)
};

/// Evidence E: per sentence, emotional = 1 - neutral share and confidence = the largest
/// non-neutral probability; an emotional sentence (a non-neutral label decided and at least
/// `min_words` words) adds emotional * confidence. Each message adds at most
/// `message_cap`; a message repeating an earlier one (same text, case/space-folded) adds
/// nothing. Everything else is small talk: `small_talk_each` per sentence, at most
/// `small_talk_cap` in total, so "hi"/"ok" never fill the gauge.
/// Value = (1 - exp(-E / tau)) / (1 - exp(-full_at / tau)), clamped to 1: saturating, full
/// when E reaches `full_at`. With message_cap 0.9 and full_at 2.0 at least three emotional
/// messages are needed; a typical 3-5 message emotional conversation fills it.
struct GaugeRule {
  float message_cap = 0.9f;
  float small_talk_each = 0.05f;
  float small_talk_cap = 0.15f;
  float full_at = 2.0f;
  float tau = 1.5f;
  int min_words_en = 3;  ///< Korean words carry particles and endings: fewer make a sentence
  int min_words_ko = 2;
};

/// Evidence of one sentence (0 for small talk) and whether it counts as small talk.
float sentence_evidence(const mood::SentenceMood& s, const GaugeRule& rule, bool* small_talk);

Gauge compute_gauge(std::span<const ListenerTurn> turns, const GaugeRule& rule = {});

/// The conversation's pooled mood: MoodAnalyzer's pooling over every listener sentence.
/// Throws kInvalidArgument when there are no sentences.
mood::MoodAnalysis pooled_analysis(std::span<const ListenerTurn> turns);

}  // namespace muse::chat
