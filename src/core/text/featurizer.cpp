#include "text/featurizer.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cmath>

#include "util/binary_file.h"
#include "util/error.h"

namespace muse::text {
namespace {

constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr uint64_t kWordSeed = 0xcbf29ce484222325ULL;
constexpr uint64_t kBigramSeed = 0x9e3779b97f4a7c15ULL;
constexpr uint64_t kTrigramSeed = 0xc2b2ae3d27d4eb4fULL;
constexpr uint64_t kCharSeed = 0x165667b19e3779f9ULL;
constexpr char32_t kWordStart = 0x02, kWordEnd = 0x03;
constexpr int kMaxWordLen = 32;

inline uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb3f99e3779b9ULL;
  k ^= k >> 33;
  return k;
}

inline uint64_t step(uint64_t h, uint64_t c) { return (h ^ c) * kFnvPrime; }

inline bool is_word_char(UChar32 c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  return u_isalnum(c) || u_getIntPropertyValue(c, UCHAR_GENERAL_CATEGORY_MASK) & U_GC_M_MASK;
}

inline UChar32 lower(UChar32 c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  return u_tolower(c);
}

/// Single-code-point tokens worth keeping: ! ? and emoji/symbols.
inline bool is_symbol_token(UChar32 c) {
  if (c == '!' || c == '?') return true;
  if (c < 0x80) return false;
  int t = u_charType(c);
  return t == U_OTHER_SYMBOL || t == U_MATH_SYMBOL;
}

bool is_negator(const char32_t* w, size_t n) {
  auto eq = [&](const char* s) {
    size_t i = 0;
    for (; s[i]; ++i) {
      if (i >= n || w[i] != static_cast<char32_t>(s[i])) return false;
    }
    return i == n;
  };
  if (n >= 3 && w[n - 3] == 'n' && (w[n - 2] == '\'' || w[n - 2] == 0x2019) && w[n - 1] == 't') return true;
  return eq("not") || eq("no") || eq("never") || eq("nothing") || eq("nobody") || eq("none") ||
         eq("neither") || eq("nor") || eq("cannot") || eq("without") || eq("dont") || eq("cant") ||
         eq("wont") || eq("isnt") || eq("didnt") || eq("doesnt");
}

}  // namespace

void FeatureConfig::save(BinaryWriter& w) const {
  w.write(hash_bits);
  w.write(word_ngrams);
  w.write(char_min);
  w.write(char_max);
  w.write(word_weight);
  w.write(char_weight);
}

FeatureConfig FeatureConfig::load(BinaryReader& r) {
  FeatureConfig c;
  c.hash_bits = r.read<uint32_t>();
  c.word_ngrams = r.read<uint32_t>();
  c.char_min = r.read<uint32_t>();
  c.char_max = r.read<uint32_t>();
  c.word_weight = r.read<float>();
  c.char_weight = r.read<float>();
  try {
    c.validate();
  } catch (const MuseError& e) {
    MUSE_THROW(ErrorCode::kDataLoss, "model file has a bad feature configuration: {}", e.what());
  }
  return c;
}

void FeatureConfig::validate() const {
  MUSE_CHECK_ARG(hash_bits >= 10 && hash_bits <= 24, "hash bits must be 10..24, got {}", hash_bits);
  MUSE_CHECK_ARG(word_ngrams >= 1 && word_ngrams <= 3, "word n-grams must be 1..3, got {}", word_ngrams);
  MUSE_CHECK_ARG(char_min <= char_max && char_max <= 8, "char n-grams must satisfy min <= max <= 8");
  MUSE_CHECK_ARG(std::isfinite(word_weight) && std::isfinite(char_weight) && word_weight >= 0 &&
                     char_weight >= 0,
                 "group weights must be finite and >= 0");
}

void TextFeatures::clear() {
  ids.clear();
  values.clear();
  tokens.clear();
  flags.clear();
  words = 0;
  cps.clear();
  tok_begin.clear();
  tok_end.clear();
}

void tokenize(std::string_view text, TextFeatures& out) {
  out.clear();
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  int32_t i = 0, len = static_cast<int32_t>(text.size());
  bool in_word = false;
  auto close_word = [&] {
    if (!in_word) return;
    in_word = false;
    // drop a trailing apostrophe
    while (!out.cps.empty() && out.tok_begin.back() < out.cps.size() &&
           (out.cps.back() == '\'' || out.cps.back() == 0x2019)) {
      out.cps.pop_back();
    }
    out.tok_end.push_back(static_cast<uint32_t>(out.cps.size()));
    if (out.tok_end.back() == out.tok_begin.back()) {
      out.tok_begin.pop_back();
      out.tok_end.pop_back();
      out.flags.pop_back();
    }
  };
  while (i < len) {
    UChar32 c;
    if (p[i] < 0x80) {
      c = p[i++];
    } else {
      U8_NEXT(p, i, len, c);
      if (c < 0) continue;
    }
    if (is_word_char(c) || (in_word && (c == '\'' || c == 0x2019))) {
      if (!in_word) {
        if (c == '\'' || c == 0x2019) continue;
        in_word = true;
        out.tok_begin.push_back(static_cast<uint32_t>(out.cps.size()));
        out.flags.push_back(kTokenWord);
      }
      char32_t lc = static_cast<char32_t>(lower(c));
      size_t n = out.cps.size() - out.tok_begin.back();
      // squeeze runs of 3+ identical characters to 2 ("soooo" -> "soo")
      if (n >= 2 && out.cps[out.cps.size() - 1] == lc && out.cps[out.cps.size() - 2] == lc) continue;
      if (n < kMaxWordLen) out.cps.push_back(lc);
      continue;
    }
    close_word();
    if (is_symbol_token(c)) {
      size_t n = out.tok_begin.size();
      // collapse repeats of the same symbol ("!!!" -> "!")
      if (n > 0 && !(out.flags[n - 1] & kTokenWord) && out.tok_end[n - 1] == out.cps.size() &&
          out.cps.back() == static_cast<char32_t>(c)) {
        continue;
      }
      out.tok_begin.push_back(static_cast<uint32_t>(out.cps.size()));
      out.cps.push_back(static_cast<char32_t>(c));
      out.tok_end.push_back(static_cast<uint32_t>(out.cps.size()));
      out.flags.push_back(0);
    }
  }
  close_word();
  const size_t nt = out.tok_begin.size();
  out.tokens.resize(nt);
  int negate_left = 0;
  for (size_t t = 0; t < nt; ++t) {
    uint64_t h = kWordSeed;
    for (uint32_t k = out.tok_begin[t]; k < out.tok_end[t]; ++k) h = step(h, out.cps[k]);
    out.tokens[t] = fmix64(h);
    if (out.flags[t] & kTokenWord) {
      ++out.words;
      if (negate_left > 0) {
        out.flags[t] |= kTokenNegated;
        --negate_left;
      }
      if (is_negator(&out.cps[out.tok_begin[t]], out.tok_end[t] - out.tok_begin[t])) {
        out.flags[t] |= kTokenNegator;
        negate_left = 3;
      }
    } else {
      negate_left = 0;  // punctuation ends the negation scope
    }
  }
}

Featurizer::Featurizer(FeatureConfig config) : config_(config) { config_.validate(); }

uint64_t Featurizer::token_hash(std::string_view word) {
  thread_local TextFeatures tf;
  tokenize(word, tf);
  if (tf.tokens.size() != 1) return 0;
  return tf.tokens[0];
}

void Featurizer::featurize(std::string_view text, TextFeatures& out) const {
  tokenize(text, out);
  const uint32_t mask = config_.buckets() - 1;
  const int shift = 64 - static_cast<int>(config_.hash_bits);
  (void)mask;
  auto bucket = [shift](uint64_t h) { return static_cast<uint32_t>(fmix64(h) >> shift); };
  const size_t nt = out.tokens.size();
  // word n-grams
  for (size_t t = 0; t < nt; ++t) out.ids.push_back(bucket(out.tokens[t]));
  if (config_.word_ngrams >= 2) {
    for (size_t t = 1; t < nt; ++t) {
      out.ids.push_back(bucket(step(step(kBigramSeed, out.tokens[t - 1]), out.tokens[t])));
    }
  }
  if (config_.word_ngrams >= 3) {
    for (size_t t = 2; t < nt; ++t) {
      out.ids.push_back(
          bucket(step(step(step(kTrigramSeed, out.tokens[t - 2]), out.tokens[t - 1]), out.tokens[t])));
    }
  }
  const size_t n_word = out.ids.size();
  // character n-grams inside word tokens, with boundary markers
  if (config_.char_min > 0) {
    const int nmin = static_cast<int>(config_.char_min), nmax = static_cast<int>(config_.char_max);
    char32_t buf[kMaxWordLen + 2];
    for (size_t t = 0; t < nt; ++t) {
      if (!(out.flags[t] & kTokenWord)) continue;
      int L = 0;
      buf[L++] = kWordStart;
      for (uint32_t k = out.tok_begin[t]; k < out.tok_end[t]; ++k) buf[L++] = out.cps[k];
      buf[L++] = kWordEnd;
      for (int s = 0; s < L; ++s) {
        uint64_t h = kCharSeed;
        for (int n = 1; n <= nmax && s + n <= L; ++n) {
          h = step(h, buf[s + n - 1]);
          if (n >= nmin && !(n == 1 && (buf[s] == kWordStart || buf[s] == kWordEnd))) {
            out.ids.push_back(bucket(h));
          }
        }
      }
    }
  }
  const size_t n_char = out.ids.size() - n_word;
  out.values.resize(out.ids.size());
  float wv = n_word ? config_.word_weight / std::sqrt(static_cast<float>(n_word)) : 0.f;
  float cv = n_char ? config_.char_weight / std::sqrt(static_cast<float>(n_char)) : 0.f;
  std::fill(out.values.begin(), out.values.begin() + n_word, wv);
  std::fill(out.values.begin() + n_word, out.values.end(), cv);
}

}  // namespace muse::text
