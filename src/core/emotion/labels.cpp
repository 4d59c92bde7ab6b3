#include "emotion/labels.h"

#include <cctype>
#include <charconv>

#include "util/error.h"
#include "util/text.h"

namespace muse::emotion {

namespace {
constexpr std::array<const char*, kNumLabels> kNames = {"anger",   "disgust", "fear",    "joy",
                                                        "neutral", "sadness", "surprise"};
}

const char* emotion_name(int label) {
  MUSE_CHECK(label >= 0 && label < kNumLabels, "label {} out of range", label);
  return kNames[label];
}

int emotion_from_name(std::string_view name) {
  name = trim(name);
  for (int i = 0; i < kNumLabels; ++i) {
    std::string_view n = kNames[i];
    if (n.size() != name.size()) continue;
    bool eq = true;
    for (size_t k = 0; k < n.size() && eq; ++k) {
      eq = std::tolower(static_cast<unsigned char>(name[k])) == n[k];
    }
    if (eq) return i;
  }
  return -1;
}

LabelSet parse_label_names(std::string_view csv) {
  LabelSet set = 0;
  for (const auto& part : split(csv, ',')) {
    if (trim(part).empty()) continue;
    int l = emotion_from_name(part);
    if (l < 0) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "unknown emotion label '{}' (expected one of {})",
                 std::string(trim(part)).substr(0, 40), label_names(kAllLabels));
    }
    set |= static_cast<LabelSet>(1u << l);
  }
  return set;
}

LabelSet parse_label_indices(std::string_view csv, const std::vector<std::string>& index_names) {
  LabelSet set = 0;
  for (const auto& part : split(csv, ',')) {
    auto t = trim(part);
    int idx = -1;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), idx);
    if (ec != std::errc() || p != t.data() + t.size() || idx < 0 ||
        idx >= static_cast<int>(index_names.size())) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "bad label index '{}' ({} labels known)",
                 std::string(t).substr(0, 20), index_names.size());
    }
    int l = emotion_from_name(index_names[idx]);
    if (l < 0) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "label '{}' is not an Ekman label",
                 index_names[idx].substr(0, 40));
    }
    set |= static_cast<LabelSet>(1u << l);
  }
  return set;
}

std::vector<std::string> label_list(LabelSet set) {
  std::vector<std::string> out;
  for (int i = 0; i < kNumLabels; ++i) {
    if (set & (1u << i)) out.emplace_back(kNames[i]);
  }
  return out;
}

std::string label_names(LabelSet set) { return join(label_list(set), ","); }

}  // namespace muse::emotion
