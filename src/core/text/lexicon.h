#pragma once
/// Word-level sentiment lexicons (VADER, AFINN) as dense features for the linear models:
/// they carry prior polarity for words too rare in the training data to get a good weight.
/// Entries are keyed by the featuriser's token hash, so lookups reuse the tokenisation.
#include <array>
#include <filesystem>
#include <string_view>
#include <unordered_map>

#include "text/featurizer.h"

namespace muse::text {

class Lexicon {
 public:
  static constexpr int kColumns = 2;          ///< 0 = VADER, 1 = AFINN
  static constexpr int kDenseFeatures = 10;   ///< per text, see dense_features()

  /// Adds `score` (already scaled to -1..1) for a single-word entry; multi-word entries are
  /// ignored. Returns false if ignored.
  bool add(std::string_view word, int column, float score);
  /// Reads VADER's `token<TAB>mean<TAB>...` (scores -4..4) into column 0.
  size_t load_vader(const std::filesystem::path& path);
  /// Reads AFINN's `word<TAB>score` (-5..5) into column 1.
  size_t load_afinn(const std::filesystem::path& path);

  size_t size() const { return table_.size(); }
  bool empty() const { return table_.empty(); }

  /// Dense features of a tokenised text: per column the squashed sums of positive and negative
  /// scores (negation-aware), the strongest positive/negative word, plus the share of
  /// words found. Writes kDenseFeatures floats.
  void dense_features(const TextFeatures& tf, float* out) const;

  void save(BinaryWriter& w) const;
  static Lexicon load(BinaryReader& r);

 private:
  std::unordered_map<uint64_t, std::array<float, kColumns>> table_;
};

}  // namespace muse::text
