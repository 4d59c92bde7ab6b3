#include "popularity/split.h"

#include <cmath>
#include <fstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "catalog/csv_reader.h"
#include "catalog/track_importer.h"
#include "popularity/features.h"
#include "util/error.h"
#include "util/text.h"

namespace muse::popularity {

std::string csv_field(std::string_view s) {
  bool quote = !s.empty() && (s.front() == ' ' || s.back() == ' ');
  for (char c : s) {
    if (c == ',' || c == '"' || c == '\n' || c == '\r') quote = true;
  }
  if (!quote) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

namespace {

class CsvOut {
 public:
  explicit CsvOut(std::filesystem::path path)
      : path_(std::move(path)), tmp_(path_.string() + ".tmp") {
    f_.open(tmp_, std::ios::binary | std::ios::trunc);
    if (!f_) MUSE_THROW(ErrorCode::kInvalidArgument, "cannot write {}", path_.string());
  }
  ~CsvOut() {
    if (!done_) {
      f_.close();
      std::error_code ec;
      std::filesystem::remove(tmp_, ec);
    }
  }
  void write(const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i) f_.put(',');
      f_ << csv_field(fields[i]);
    }
    f_.put('\n');
  }
  void commit() {
    f_.close();
    if (!f_) MUSE_THROW(ErrorCode::kUnavailable, "write to {} failed", tmp_.string());
    std::filesystem::rename(tmp_, path_);
    done_ = true;
  }

 private:
  std::filesystem::path path_, tmp_;
  std::ofstream f_;
  bool done_ = false;
};

}  // namespace

SplitCounts grouped_split(const std::filesystem::path& input, const std::filesystem::path& train,
                          const std::filesystem::path& test,
                          const std::optional<std::filesystem::path>& valid, const SplitOptions& o,
                          const ProgressFn& progress) {
  MUSE_CHECK_ARG(o.test_fraction > 0 && o.test_fraction < 1, "test fraction {} is outside (0, 1)",
                 o.test_fraction);
  MUSE_CHECK_ARG(!valid || (o.valid_fraction > 0 && o.valid_fraction < 1),
                 "valid fraction {} is outside (0, 1)", o.valid_fraction);
  // Pass 1: the importer's own validation tells which rows could never be used.
  std::unordered_set<size_t> bad_lines;
  SplitCounts c;
  {
    catalog::TrackImporter imp;
    imp.read_file(input);
    const auto& rep = imp.report();
    MUSE_CHECK_ARG(rep.skipped <= rep.issues.size(), "{}: {} malformed rows; is this a track CSV?",
                   input.string(), rep.skipped);
    for (const auto& i : rep.issues) {
      bad_lines.insert(i.line);
      c.dropped.push_back(fmt::format("{}:{}: {}", i.file, i.line, i.reason));
    }
  }
  auto reader = catalog::CsvReader::open(input);
  catalog::CsvRecord rec;
  if (!reader.next(rec))
    MUSE_THROW(ErrorCode::kInvalidArgument, "{}: file is empty (no header)", input.string());
  catalog::CsvHeader header(rec.fields);
  const int id_col = header.find("track_id");
  if (id_col < 0) MUSE_THROW(ErrorCode::kInvalidArgument, "{}: no track_id column", input.string());
  std::vector<std::vector<std::string>> records;
  std::vector<uint32_t> group;
  std::unordered_map<std::string, uint32_t> ids;
  const uint64_t total = reader.stream().total();
  while (reader.next(rec)) {
    if (!rec.error.empty())
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: {}", input.string(), rec.line, rec.error);
    if (rec.fields.size() != header.size()) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: expected {} fields, found {}", input.string(),
                 rec.line, header.size(), rec.fields.size());
    }
    if (bad_lines.count(rec.line)) continue;
    std::string id(trim(rec.fields[id_col]));
    if (id.empty())
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: empty track_id", input.string(), rec.line);
    auto [it, fresh] = ids.emplace(id, static_cast<uint32_t>(ids.size()));
    group.push_back(it->second);
    records.push_back(std::move(rec.fields));
    if ((records.size() & 4095) == 0) report(progress, "read", reader.stream().consumed(), total);
  }
  report(progress, "read", total, total);
  MUSE_CHECK_ARG(ids.size() >= 2, "{}: {} distinct track(s) cannot be split", input.string(),
                 ids.size());

  // Sides by track: shuffle the distinct ids, first test_fraction go to test, then valid.
  std::vector<uint32_t> order(ids.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  seeded_shuffle(order, o.seed);
  const size_t n = order.size();
  size_t n_test =
      std::clamp<size_t>(static_cast<size_t>(std::llround(n * o.test_fraction)), 1, n - 1);
  size_t n_valid =
      valid ? std::min<size_t>(static_cast<size_t>(std::llround((n - n_test) * o.valid_fraction)),
                               n - n_test - 1)
            : 0;
  std::vector<uint8_t> side(n, 0);  // 0 train, 1 valid, 2 test
  for (size_t i = 0; i < n; ++i) side[order[i]] = i < n_test ? 2 : (i < n_test + n_valid ? 1 : 0);

  CsvOut out_train(train), out_test(test);
  std::optional<CsvOut> out_valid;
  if (valid) out_valid.emplace(*valid);
  out_train.write(header.names()), out_test.write(header.names());
  if (out_valid) out_valid->write(header.names());
  for (size_t r = 0; r < records.size(); ++r) {
    switch (side[group[r]]) {
      case 0:
        out_train.write(records[r]), ++c.train_rows;
        break;
      case 1:
        out_valid->write(records[r]), ++c.valid_rows;
        break;
      default:
        out_test.write(records[r]), ++c.test_rows;
        break;
    }
  }
  for (auto s : side) (s == 0 ? c.train_tracks : s == 1 ? c.valid_tracks : c.test_tracks)++;
  out_train.commit(), out_test.commit();
  if (out_valid) out_valid->commit();
  return c;
}

}  // namespace muse::popularity
