#include "emotion/datasets.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>

#include "catalog/csv_reader.h"
#include "util/binary_file.h"
#include "util/error.h"
#include "util/text.h"

namespace muse::emotion {
namespace {

std::ifstream open_in(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) MUSE_THROW(ErrorCode::kNotFound, "cannot open {}", path.string());
  return in;
}

/// Calls fn(fields, lineno) for each non-empty line split on tabs.
template <class Fn>
void for_each_tsv_line(const std::filesystem::path& path, Fn fn) {
  auto in = open_in(path);
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    size_t bad = first_invalid_utf8(line);
    if (bad != std::string::npos) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: invalid UTF-8 at byte {}", path.string(),
                 lineno, bad);
    }
    std::vector<std::string> fields = split(line, '\t', false);
    try {
      fn(fields, lineno);
    } catch (const MuseError& e) {
      if (e.code() != ErrorCode::kInvalidArgument) throw;
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: {}", path.string(), lineno, e.what());
    }
  }
}

float parse_float(const std::string& s, const char* what) {
  auto t = trim(s);
  float v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v)) {
    MUSE_THROW(ErrorCode::kInvalidArgument, "{} '{}' is not a number", what,
               std::string(t).substr(0, 20));
  }
  return v;
}

std::vector<Example> read_goemotions_file(const std::filesystem::path& path,
                                          const std::vector<std::string>& names) {
  std::vector<Example> rows;
  for_each_tsv_line(path, [&](const std::vector<std::string>& f, size_t) {
    MUSE_CHECK_ARG(f.size() >= 2, "expected text<TAB>label indices<TAB>id, got {} fields",
                   f.size());
    rows.push_back({f[0], parse_label_indices(f[1], names)});
  });
  return rows;
}

}  // namespace

Splits<Example> load_goemotions(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  {
    auto in = open_in(dir / "labels.txt");
    std::string line;
    while (std::getline(in, line)) {
      if (!trim(line).empty()) names.emplace_back(trim(line));
    }
  }
  MUSE_CHECK_ARG(!names.empty(), "{} lists no labels", (dir / "labels.txt").string());
  Splits<Example> s;
  s.train = read_goemotions_file(dir / "train.tsv", names);
  s.dev = read_goemotions_file(dir / "dev.tsv", names);
  s.test = read_goemotions_file(dir / "test.tsv", names);
  return s;
}

namespace {
std::vector<std::string> read_names(const std::filesystem::path& path) {
  std::vector<std::string> names;
  auto in = open_in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!trim(line).empty()) names.emplace_back(trim(line));
  }
  MUSE_CHECK_ARG(!names.empty(), "{} lists no labels", path.string());
  return names;
}

/// Fine label bit masks of an original-format file.
std::vector<std::pair<std::string, uint32_t>> read_fine_file(const std::filesystem::path& path,
                                                             size_t n_names) {
  std::vector<std::pair<std::string, uint32_t>> rows;
  for_each_tsv_line(path, [&](const std::vector<std::string>& f, size_t) {
    MUSE_CHECK_ARG(f.size() >= 2, "expected text<TAB>label indices<TAB>id");
    uint32_t mask = 0;
    for (const auto& part : split(f[1], ',')) {
      auto t = trim(part);
      int idx = -1;
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), idx);
      MUSE_CHECK_ARG(ec == std::errc() && p == t.data() + t.size() && idx >= 0 &&
                         idx < static_cast<int>(n_names) && idx < 32,
                     "bad label index '{}'", std::string(t).substr(0, 20));
      mask |= 1u << idx;
    }
    rows.push_back({f[0], mask});
  });
  return rows;
}
}  // namespace

Splits<Example> load_goemotions_fine(const std::filesystem::path& original_dir,
                                     const std::filesystem::path& ekman_dir,
                                     std::vector<std::string>* fine_names,
                                     std::vector<uint8_t>* fine_to_ekman) {
  auto s = load_goemotions(ekman_dir);
  auto names = read_names(original_dir / "labels.txt");
  MUSE_CHECK_ARG(names.size() <= 32, "{} fine labels; at most 32 supported", names.size());
  auto attach = [&](std::vector<Example>& rows, const char* file) {
    auto fine = read_fine_file(original_dir / file, names.size());
    if (fine.size() != rows.size()) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}: {} rows but the Ekman file has {}",
                 (original_dir / file).string(), fine.size(), rows.size());
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      if (fine[i].first != rows[i].text) {
        MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: text differs from the Ekman file",
                   (original_dir / file).string(), i + 1);
      }
      rows[i].fine = fine[i].second;
    }
  };
  attach(s.train, "train.tsv");
  attach(s.dev, "dev.tsv");
  attach(s.test, "test.tsv");
  // Each fine label's Ekman group: the Ekman label of the training rows that carry only it.
  std::vector<std::array<int, kNumLabels>> counts(names.size());
  for (const auto& ex : s.train) {
    if (ex.fine == 0 || (ex.fine & (ex.fine - 1)) != 0) continue;
    int f = __builtin_ctz(ex.fine);
    for (int l = 0; l < kNumLabels; ++l) counts[f][l] += ex.labels >> l & 1;
  }
  std::vector<uint8_t> groups(names.size());
  for (size_t f = 0; f < names.size(); ++f) {
    int best =
        static_cast<int>(std::max_element(counts[f].begin(), counts[f].end()) - counts[f].begin());
    MUSE_CHECK_ARG(counts[f][best] > 0, "fine label '{}' never appears alone in training",
                   names[f]);
    groups[f] = static_cast<uint8_t>(best);
  }
  if (fine_names) *fine_names = names;
  if (fine_to_ekman) *fine_to_ekman = groups;
  return s;
}

Splits<Example> load_kote(const std::filesystem::path& path) {
  Splits<Example> s;
  for (auto& ex : read_labelled_tsv(path)) {
    uint64_t b = fnv1a(ex.text.data(), ex.text.size()) % 100;
    (b < 70 ? s.train : b < 85 ? s.dev : s.test).push_back(std::move(ex));
  }
  return s;
}

std::vector<Example> load_korean_chatbot(const std::filesystem::path& path, bool with_love) {
  auto reader = catalog::CsvReader::open(path);
  catalog::CsvRecord rec;
  MUSE_CHECK_ARG(reader.next(rec), "{} is empty", path.string());
  catalog::CsvHeader header(rec.fields);
  int c_q = header.find("Q"), c_label = header.find("label");
  if (c_q < 0 || c_label < 0)
    MUSE_THROW(ErrorCode::kInvalidArgument, "{}: expected columns Q,A,label", path.string());
  std::vector<Example> out;
  while (reader.next(rec)) {
    if (!rec.error.empty() || rec.fields.size() < header.size()) continue;
    auto label = trim(rec.fields[c_label]);  // one row has trailing spaces
    const auto& q = rec.fields[c_q];
    if (!is_valid_utf8(q) || trim(q).empty()) continue;
    if (label == "1") {
      out.push_back({q, static_cast<LabelSet>(1u << static_cast<int>(Emotion::kSadness))});
    } else if (label == "2" && with_love) {
      out.push_back({q, static_cast<LabelSet>(1u << static_cast<int>(Emotion::kJoy))});
    }
  }
  return out;
}

Splits<VaExample> load_emobank(const std::filesystem::path& path) {
  auto reader = catalog::CsvReader::open(path);
  catalog::CsvRecord rec;
  MUSE_CHECK_ARG(reader.next(rec), "{} is empty", path.string());
  catalog::CsvHeader header(rec.fields);
  int c_split = header.find("split"), c_v = header.find("V"), c_a = header.find("A"),
      c_text = header.find("text"), c_id = header.find("id");
  if (c_split < 0 || c_v < 0 || c_a < 0 || c_text < 0) {
    MUSE_THROW(ErrorCode::kInvalidArgument, "{}: expected columns split,V,A,text", path.string());
  }
  Splits<VaExample> s;
  while (reader.next(rec)) {
    if (!rec.error.empty() || rec.fields.size() < header.size()) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: malformed row {}", path.string(), rec.line,
                 rec.error);
    }
    VaExample ex{rec.fields[c_text], 0, 0, {}};
    if (c_id >= 0) ex.source = rec.fields[c_id].substr(0, rec.fields[c_id].find('_'));
    try {
      ex.valence = parse_float(rec.fields[c_v], "V");
      ex.arousal = parse_float(rec.fields[c_a], "A");
    } catch (const MuseError& e) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: {}", path.string(), rec.line, e.what());
    }
    if (!is_valid_utf8(ex.text) || trim(ex.text).empty()) continue;
    const auto& sp = rec.fields[c_split];
    if (sp == "train") {
      s.train.push_back(std::move(ex));
    } else if (sp == "dev") {
      s.dev.push_back(std::move(ex));
    } else if (sp == "test") {
      s.test.push_back(std::move(ex));
    } else {
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: unknown split '{}'", path.string(), rec.line,
                 sp.substr(0, 20));
    }
  }
  return s;
}

std::vector<Example> read_labelled_tsv(const std::filesystem::path& path) {
  std::vector<Example> rows;
  for_each_tsv_line(path, [&](const std::vector<std::string>& f, size_t) {
    MUSE_CHECK_ARG(f.size() >= 2, "expected text<TAB>comma-separated labels, found no tab");
    LabelSet set = parse_label_names(f[1]);
    MUSE_CHECK_ARG(set != 0, "no labels given");
    rows.push_back({f[0], set});
  });
  return rows;
}

std::vector<VaExample> read_va_tsv(const std::filesystem::path& path) {
  std::vector<VaExample> rows;
  for_each_tsv_line(path, [&](const std::vector<std::string>& f, size_t) {
    MUSE_CHECK_ARG(f.size() >= 3, "expected text<TAB>valence<TAB>arousal");
    rows.push_back({f[0], parse_float(f[1], "valence"), parse_float(f[2], "arousal"), {}});
  });
  return rows;
}

namespace {
std::string clean_field(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return out;
}
std::ofstream open_out(const std::filesystem::path& path) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  if (!out) MUSE_THROW(ErrorCode::kInvalidArgument, "cannot write {}", path.string());
  return out;
}
}  // namespace

void write_labelled_tsv(const std::filesystem::path& path, const std::vector<Example>& rows) {
  auto out = open_out(path);
  for (const auto& r : rows) out << clean_field(r.text) << '\t' << label_names(r.labels) << '\n';
}

void write_va_tsv(const std::filesystem::path& path, const std::vector<VaExample>& rows) {
  auto out = open_out(path);
  for (const auto& r : rows)
    out << clean_field(r.text) << '\t' << r.valence << '\t' << r.arousal << '\n';
}

}  // namespace muse::emotion
