#pragma once
/// Streaming RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines.
/// Works on any InputStream (plain or zstd) in constant memory.
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/input_stream.h"

namespace muse::catalog {

struct CsvRecord {
  std::vector<std::string> fields;
  size_t line = 0;    ///< 1-based line where the record starts
  std::string error;  ///< non-empty if the record is malformed (bad quoting)
};

class CsvReader {
 public:
  explicit CsvReader(std::unique_ptr<InputStream> in, char delimiter = ',');
  static CsvReader open(const std::filesystem::path& path, char delimiter = ',');

  /// Reads the next record; false at end of input. Blank lines are skipped.
  bool next(CsvRecord& rec);

  const InputStream& stream() const { return *in_; }
  const std::string& name() const { return in_->name(); }

 private:
  bool fill();
  std::unique_ptr<InputStream> in_;
  char delim_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  size_t line_ = 1;
  bool eof_ = false;
};

/// Column lookup by header name.
class CsvHeader {
 public:
  CsvHeader() = default;
  explicit CsvHeader(const std::vector<std::string>& names);
  /// Index of `name`, or -1.
  int find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) >= 0; }
  size_t size() const { return names_.size(); }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, int> index_;
};

}  // namespace muse::catalog
