#include "chat/response_bank.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include "catalog/csv_reader.h"
#include "text/normalize.h"
#include "util/error.h"

namespace muse::chat {
namespace {

constexpr uint32_t kHashBits = 18;

uint64_t mix(uint64_t x) {
  // splitmix64 finaliser: a cheap, well-spread hash of (seed, entry) for tie-breaking.
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

constexpr emotion::LabelSet bit(emotion::Emotion e) {
  return static_cast<emotion::LabelSet>(1u << static_cast<int>(e));
}

}  // namespace

text::FeatureConfig ResponseBank::feature_config(text::Language language) {
  text::FeatureConfig c;
  c.hash_bits = kHashBits;
  c.word_ngrams = 2;
  if (language == text::Language::kKorean) {
    c.char_min = 1;
    c.char_max = 3;
  } else {
    c.char_min = 3;
    c.char_max = 5;
  }
  return c;
}

ResponseBank::ResponseBank(std::vector<Response> entries)
    : entries_(std::move(entries)),
      en_features_(feature_config(text::Language::kEnglish)),
      ko_features_(feature_config(text::Language::kKorean)) {
  MUSE_CHECK_ARG(entries_.size() <= kMaxEntries, "a response bank holds at most {} entries, got {}",
                 kMaxEntries, entries_.size());
  const uint32_t buckets = 1u << kHashBits;
  std::vector<std::vector<uint32_t>> ids(entries_.size());
  std::vector<std::vector<float>> values(entries_.size());
  std::vector<uint32_t> counts(buckets + 1, 0);
  for (size_t i = 0; i < entries_.size(); ++i) {
    auto& e = entries_[i];
    MUSE_CHECK_ARG(!e.prompt.empty() && !e.reply.empty(),
                   "response bank entry {} has an empty prompt or reply", i);
    text::check_text(e.prompt, "response bank prompt");
    text::check_text(e.reply, "response bank reply");
    vectorize(e.prompt, e.language, ids[i], values[i]);
    for (uint32_t b : ids[i]) ++counts[b + 1];
  }
  // Smoothed IDF over the prompts (counts[b + 1] is bucket b's document frequency):
  // n-grams every prompt shares ("i'm", "i'll") weigh little, distinctive words a lot.
  idf_.resize(buckets);
  const double n = static_cast<double>(entries_.size());
  for (uint32_t b = 0; b < buckets; ++b) {
    idf_[b] = static_cast<float>(std::log((n + 1) / (counts[b + 1] + 1.0)) + 1.0);
  }
  for (size_t i = 0; i < entries_.size(); ++i) weigh(ids[i], values[i]);
  for (uint32_t b = 0; b < buckets; ++b) counts[b + 1] += counts[b];
  offsets_ = counts;
  post_entry_.resize(offsets_.back());
  post_value_.resize(offsets_.back());
  std::vector<uint32_t> fill(offsets_.begin(), offsets_.end() - 1);
  for (size_t i = 0; i < entries_.size(); ++i) {
    for (size_t k = 0; k < ids[i].size(); ++k) {
      uint32_t at = fill[ids[i][k]]++;
      post_entry_[at] = static_cast<uint32_t>(i);
      post_value_[at] = values[i][k];
    }
  }
}

void ResponseBank::vectorize(std::string_view raw, text::Language language,
                             std::vector<uint32_t>& ids, std::vector<float>& values) const {
  thread_local text::TextFeatures tf;
  const std::string norm = text::nfkc(raw);
  (language == text::Language::kKorean ? ko_features_ : en_features_).featurize(norm, tf);
  std::vector<std::pair<uint32_t, float>> pairs(tf.ids.size());
  for (size_t k = 0; k < tf.ids.size(); ++k) pairs[k] = {tf.ids[k], tf.values[k]};
  std::sort(pairs.begin(), pairs.end());
  ids.clear();
  values.clear();
  for (const auto& [id, v] : pairs) {
    if (!ids.empty() && ids.back() == id) {
      values.back() += v;
    } else {
      ids.push_back(id);
      values.push_back(v);
    }
  }
}

void ResponseBank::weigh(const std::vector<uint32_t>& ids, std::vector<float>& values) const {
  for (size_t k = 0; k < ids.size(); ++k) values[k] *= idf_[ids[k]];
  double norm2 = 0;
  for (float v : values) norm2 += double(v) * v;
  if (norm2 > 0) {
    const float inv = static_cast<float>(1.0 / std::sqrt(norm2));
    for (float& v : values) v *= inv;
  }
}

size_t ResponseBank::count(text::Language language) const {
  return static_cast<size_t>(std::count_if(
      entries_.begin(), entries_.end(), [&](const Response& r) { return r.language == language; }));
}

ReplyChoice ResponseBank::choose(std::string_view message,
                                 const std::array<float, emotion::kNumLabels>& emotions,
                                 text::Language language, uint64_t seed) const {
  if (entries_.empty()) MUSE_THROW(ErrorCode::kUnavailable, "the response bank is empty");
  text::check_text(message, "message");
  const bool filter = count(language) > 0;
  const text::Language vec_lang = filter ? language : entries_.front().language;
  std::vector<uint32_t> ids;
  std::vector<float> values;
  vectorize(message, vec_lang, ids, values);
  weigh(ids, values);
  std::vector<float> sim(entries_.size(), 0.f);
  for (size_t k = 0; k < ids.size(); ++k) {
    for (uint32_t p = offsets_[ids[k]]; p < offsets_[ids[k] + 1]; ++p)
      sim[post_entry_[p]] += values[k] * post_value_[p];
  }
  const float dominant = *std::max_element(emotions.begin(), emotions.end());
  std::vector<ReplyChoice> scored;
  scored.reserve(entries_.size());
  float best = -1;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const auto& e = entries_[i];
    if (filter && e.language != language) continue;
    ReplyChoice c;
    c.index = i;
    c.similarity = std::clamp(sim[i], 0.f, 1.f);
    if (e.emotions == 0) {
      c.agreement = 0.5f;  // "any": suits every emotion a little
    } else if (dominant > 0) {
      float m = 0;
      for (int l = 0; l < emotion::kNumLabels; ++l) {
        if (e.emotions >> l & 1) m = std::max(m, emotions[l]);
      }
      c.agreement = m / dominant;
    }
    c.score = c.similarity + kEmotionWeight * c.agreement;
    best = std::max(best, c.score);
    scored.push_back(c);
  }
  // Among near-ties, the seed decides (deterministically).
  const ReplyChoice* pick = nullptr;
  uint64_t pick_key = 0;
  for (const auto& c : scored) {
    if (c.score < best - kTieMargin) continue;
    uint64_t key = mix(seed ^ mix(c.index));
    if (!pick || key < pick_key) {
      pick = &c;
      pick_key = key;
    }
  }
  return *pick;
}

const std::string& ResponseBank::reply(std::string_view message,
                                       const std::array<float, emotion::kNumLabels>& emotions,
                                       text::Language language, uint64_t seed) const {
  return entries_[choose(message, emotions, language, seed).index].reply;
}

ResponseBank ResponseBank::load_tsv(const std::filesystem::path& path, text::Language language) {
  std::ifstream in(path, std::ios::binary);
  if (!in) MUSE_THROW(ErrorCode::kUnavailable, "cannot read the response bank {}", path.string());
  std::vector<Response> out;
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    size_t a = line.find('\t');
    size_t b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos || line.find('\t', b + 1) != std::string::npos) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: expected emotion<TAB>prompt<TAB>reply",
                 path.string(), lineno);
    }
    Response r;
    r.language = language;
    std::string emo = trim(std::string_view(line).substr(0, a));
    r.prompt = trim(std::string_view(line).substr(a + 1, b - a - 1));
    r.reply = trim(std::string_view(line).substr(b + 1));
    if (emo != "any") {
      int l = emotion::emotion_from_name(emo);
      if (l < 0)
        MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: unknown emotion '{}'", path.string(),
                   lineno, emo);
      r.emotions = static_cast<emotion::LabelSet>(1u << l);
    }
    if (r.prompt.empty() || r.reply.empty()) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: empty prompt or reply", path.string(),
                 lineno);
    }
    out.push_back(std::move(r));
  }
  return ResponseBank(std::move(out));
}

ResponseBank ResponseBank::load_korean_csv(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    MUSE_THROW(ErrorCode::kUnavailable,
               "the Korean chat bank {} is missing: download ChatbotData.csv from "
               "https://github.com/songys/Chatbot_data into $MUSE_DATA_DIR/korean_chatbot_data/",
               path.string());
  }
  auto reader = catalog::CsvReader::open(path);
  catalog::CsvRecord rec;
  if (!reader.next(rec)) MUSE_THROW(ErrorCode::kInvalidArgument, "{} is empty", path.string());
  catalog::CsvHeader header(rec.fields);
  const int q = header.find("Q"), a = header.find("A"), lab = header.find("label");
  if (q < 0 || a < 0 || lab < 0) {
    MUSE_THROW(ErrorCode::kInvalidArgument, "{}: header must have columns Q,A,label",
               path.string());
  }
  const auto negative = static_cast<emotion::LabelSet>(
      bit(emotion::Emotion::kAnger) | bit(emotion::Emotion::kDisgust) |
      bit(emotion::Emotion::kFear) | bit(emotion::Emotion::kSadness));
  std::vector<Response> out;
  while (reader.next(rec)) {
    if (!rec.error.empty()) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: {}", path.string(), rec.line, rec.error);
    }
    const size_t need = static_cast<size_t>(std::max({q, a, lab})) + 1;
    if (rec.fields.size() < need) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: expected Q,A,label", path.string(), rec.line);
    }
    Response r;
    r.language = text::Language::kKorean;
    r.prompt = trim(rec.fields[q]);
    r.reply = trim(rec.fields[a]);
    const std::string l = trim(rec.fields[lab]);  // one upstream row has "2   "
    if (l == "0") {
      r.emotions = bit(emotion::Emotion::kNeutral);
    } else if (l == "1") {
      r.emotions = negative;
    } else if (l == "2") {
      r.emotions = bit(emotion::Emotion::kJoy);
    } else {
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: label must be 0, 1 or 2, got '{}'",
                 path.string(), rec.line, l.substr(0, 16));
    }
    if (r.prompt.empty() || r.reply.empty()) continue;  // nothing to match or say
    text::check_text(r.prompt, fmt::format("{}:{} Q", path.string(), rec.line));
    text::check_text(r.reply, fmt::format("{}:{} A", path.string(), rec.line));
    out.push_back(std::move(r));
  }
  return ResponseBank(std::move(out));
}

}  // namespace muse::chat
