#pragma once
/// The seven Ekman labels every Muse emotion model predicts (GoEmotions' Ekman grouping;
/// KOTE is mapped onto the same set), and label sets as 7-bit masks.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace muse::emotion {

inline constexpr int kNumLabels = 7;
enum class Emotion : uint8_t { kAnger = 0, kDisgust, kFear, kJoy, kNeutral, kSadness, kSurprise };
/// Bit i set = label i present.
using LabelSet = uint8_t;
inline constexpr LabelSet kAllLabels = (1u << kNumLabels) - 1;
inline constexpr int kNeutral = static_cast<int>(Emotion::kNeutral);

/// "anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise".
const char* emotion_name(int label);
/// Index of a label name (case-insensitive, surrounding spaces ignored), or -1.
int emotion_from_name(std::string_view name);

/// Parses "anger,joy"; throws kInvalidArgument naming the unknown label. Empty -> 0.
LabelSet parse_label_names(std::string_view csv);
/// Parses "3,4" where each index is a line of a labels.txt (`index_names`), e.g. GoEmotions.
LabelSet parse_label_indices(std::string_view csv, const std::vector<std::string>& index_names);
/// "anger,joy" in label order.
std::string label_names(LabelSet set);
std::vector<std::string> label_list(LabelSet set);

}  // namespace muse::emotion
