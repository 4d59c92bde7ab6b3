#pragma once
/// Hashed bag-of-n-grams features for linear text models: lower-cased word uni/bi-grams plus
/// character n-grams inside words (robust to misspellings, Korean particles and inflection),
/// hashed into 2^bits buckets so models have a fixed size and no vocabulary to ship. One
/// TextFeatures object is reused per thread, so featurising allocates nothing once warm.
#include <cstdint>
#include <string_view>
#include <vector>

namespace muse {
class BinaryReader;
class BinaryWriter;
}  // namespace muse

namespace muse::text {

struct FeatureConfig {
  uint32_t hash_bits = 20;   ///< buckets = 2^hash_bits (10..24)
  uint32_t word_ngrams = 2;  ///< 1 = unigrams only, up to 3
  uint32_t char_min = 2;     ///< character n-gram lengths (code points), 0 = none
  uint32_t char_max = 5;
  float word_weight = 1.f;   ///< L2 mass of the word-n-gram group
  float char_weight = 1.f;   ///< L2 mass of the char-n-gram group
  uint32_t buckets() const { return 1u << hash_bits; }
  void save(BinaryWriter& w) const;
  static FeatureConfig load(BinaryReader& r);
  /// Throws kInvalidArgument when a value is out of range.
  void validate() const;
};

/// Token flags.
enum : uint8_t { kTokenWord = 1, kTokenNegator = 2, kTokenNegated = 4 };

struct TextFeatures {
  std::vector<uint32_t> ids;      ///< bucket ids (may repeat)
  std::vector<float> values;      ///< one per id
  std::vector<uint64_t> tokens;   ///< unhashed-to-bucket 64-bit token hashes, in order
  std::vector<uint8_t> flags;     ///< per token: kToken*
  int words = 0;                  ///< word tokens (letters/digits)
  // scratch
  std::vector<char32_t> cps;
  std::vector<uint32_t> tok_begin, tok_end;
  void clear();
};

class Featurizer {
 public:
  explicit Featurizer(FeatureConfig config = {});
  const FeatureConfig& config() const { return config_; }
  /// `text` must be valid, NFKC-normalised UTF-8. Replaces the contents of `out`.
  void featurize(std::string_view text, TextFeatures& out) const;
  /// The token hash the featuriser gives a single word (for lexicon lookups); 0 if `word`
  /// is not exactly one word token.
  static uint64_t token_hash(std::string_view word);

 private:
  FeatureConfig config_;
};

/// Lower-cases and tokenises only (no n-grams): fills tokens/flags/words of `out`.
void tokenize(std::string_view text, TextFeatures& out);

}  // namespace muse::text
