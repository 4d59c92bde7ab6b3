#include "text/lexicon.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

#include "util/binary_file.h"
#include "util/error.h"
#include "util/text.h"

namespace muse::text {

bool Lexicon::add(std::string_view word, int column, float score) {
  MUSE_CHECK_ARG(column >= 0 && column < kColumns, "lexicon column {} out of range", column);
  if (!std::isfinite(score)) return false;
  uint64_t h = Featurizer::token_hash(word);
  if (h == 0) return false;
  auto [it, inserted] = table_.try_emplace(h, std::array<float, kColumns>{});
  it->second[column] = score;
  return true;
}

namespace {
size_t load_tsv(Lexicon& lex, const std::filesystem::path& path, int column, float scale) {
  std::ifstream in(path);
  if (!in) MUSE_THROW(ErrorCode::kNotFound, "cannot open lexicon {}", path.string());
  std::string line;
  size_t n = 0, lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto tab = line.find('\t');
    if (tab == std::string::npos || !is_valid_utf8(line)) continue;
    auto rest = line.substr(tab + 1);
    char* end = nullptr;
    float v = std::strtof(rest.c_str(), &end);
    if (end == rest.c_str()) continue;
    if (lex.add(line.substr(0, tab), column, std::clamp(v / scale, -1.f, 1.f))) ++n;
  }
  if (n == 0) MUSE_THROW(ErrorCode::kInvalidArgument, "lexicon {} has no usable entries", path.string());
  return n;
}
}  // namespace

size_t Lexicon::load_vader(const std::filesystem::path& path) { return load_tsv(*this, path, 0, 4.f); }
size_t Lexicon::load_afinn(const std::filesystem::path& path) { return load_tsv(*this, path, 1, 5.f); }

void Lexicon::dense_features(const TextFeatures& tf, float* out) const {
  float pos[kColumns] = {}, neg[kColumns] = {}, mx[kColumns] = {}, mn[kColumns] = {};
  int hits = 0;
  if (!table_.empty()) {
    for (size_t t = 0; t < tf.tokens.size(); ++t) {
      if (!(tf.flags[t] & kTokenWord)) continue;
      auto it = table_.find(tf.tokens[t]);
      if (it == table_.end()) continue;
      ++hits;
      float sign = (tf.flags[t] & kTokenNegated) ? -0.74f : 1.f;  // VADER's negation factor
      for (int c = 0; c < kColumns; ++c) {
        float v = it->second[c] * sign;
        if (v > 0) pos[c] += v;
        if (v < 0) neg[c] -= v;
        mx[c] = std::max(mx[c], v);
        mn[c] = std::min(mn[c], v);
      }
    }
  }
  int k = 0;
  for (int c = 0; c < kColumns; ++c) {
    out[k++] = std::tanh(pos[c]);
    out[k++] = std::tanh(neg[c]);
    out[k++] = mx[c];
    out[k++] = mn[c];
  }
  out[k++] = tf.words ? static_cast<float>(hits) / static_cast<float>(tf.words) : 0.f;
  out[k++] = std::tanh((pos[0] - neg[0]) / std::sqrt(1.f + static_cast<float>(tf.words)));
}

void Lexicon::save(BinaryWriter& w) const {
  w.write<uint64_t>(table_.size());
  for (const auto& [h, v] : table_) {
    w.write(h);
    w.write(v);
  }
}

Lexicon Lexicon::load(BinaryReader& r) {
  Lexicon lex;
  auto n = r.read<uint64_t>();
  if (n > (1u << 24)) MUSE_THROW(ErrorCode::kDataLoss, "lexicon with {} entries is implausible", n);
  lex.table_.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    auto h = r.read<uint64_t>();
    lex.table_[h] = r.read<std::array<float, kColumns>>();
  }
  return lex;
}

}  // namespace muse::text
