#include "catalog/csv_reader.h"

#include "util/error.h"
#include "util/text.h"

namespace muse::catalog {

CsvReader::CsvReader(std::unique_ptr<InputStream> in, char delimiter)
    : in_(std::move(in)), delim_(delimiter), buf_(1 << 20) {}

CsvReader CsvReader::open(const std::filesystem::path& path, char delimiter) {
  return CsvReader(InputStream::open(path), delimiter);
}

bool CsvReader::fill() {
  if (eof_) return false;
  end_ = in_->read(buf_.data(), buf_.size());
  pos_ = 0;
  if (end_ == 0) eof_ = true;
  return end_ > 0;
}

bool CsvReader::next(CsvRecord& rec) {
  rec.fields.clear();
  rec.error.clear();
  std::string field;
  enum class State { kStart, kUnquoted, kQuoted, kQuoteInQuoted, kAfterQuoted } st = State::kStart;
  bool any = false;  // saw any byte of this record
  rec.line = line_;
  while (true) {
    if (pos_ == end_ && !fill()) {
      if (!any) return false;
      if (st == State::kQuoted) rec.error = "unterminated quoted field at end of file";
      rec.fields.push_back(std::move(field));
      return true;
    }
    char c = buf_[pos_++];
    switch (st) {
      case State::kStart:
        if (c == '\n' || c == '\r') {
          if (c == '\n') ++line_;
          if (!any) {
            rec.line = line_;
            continue;  // blank line
          }
          if (c == '\r') continue;
          rec.fields.push_back(std::move(field));
          return true;
        }
        any = true;
        if (c == '"') {
          st = State::kQuoted;
        } else if (c == delim_) {
          rec.fields.push_back(std::move(field));
          field.clear();
        } else {
          field.push_back(c);
          st = State::kUnquoted;
        }
        break;
      case State::kUnquoted:
        if (c == delim_) {
          rec.fields.push_back(std::move(field));
          field.clear();
          st = State::kStart;
        } else if (c == '\n') {
          ++line_;
          if (!field.empty() && field.back() == '\r') field.pop_back();
          rec.fields.push_back(std::move(field));
          return true;
        } else {
          // A stray quote inside an unquoted field is kept literally (lenient, like most readers).
          field.push_back(c);
        }
        break;
      case State::kQuoted:
        if (c == '"') {
          st = State::kQuoteInQuoted;
        } else {
          if (c == '\n') ++line_;
          field.push_back(c);
        }
        break;
      case State::kQuoteInQuoted:
        if (c == '"') {
          field.push_back('"');
          st = State::kQuoted;
        } else if (c == delim_) {
          rec.fields.push_back(std::move(field));
          field.clear();
          st = State::kStart;
        } else if (c == '\n') {
          ++line_;
          rec.fields.push_back(std::move(field));
          return true;
        } else if (c == '\r') {
          st = State::kAfterQuoted;
        } else {
          if (rec.error.empty()) rec.error = "unexpected character after closing quote";
          field.push_back(c);
          st = State::kAfterQuoted;
        }
        break;
      case State::kAfterQuoted:
        if (c == delim_) {
          rec.fields.push_back(std::move(field));
          field.clear();
          st = State::kStart;
        } else if (c == '\n') {
          ++line_;
          rec.fields.push_back(std::move(field));
          return true;
        } else if (c != '\r') {
          if (rec.error.empty()) rec.error = "unexpected character after closing quote";
          field.push_back(c);
        }
        break;
    }
  }
}

CsvHeader::CsvHeader(const std::vector<std::string>& names) : names_(names) {
  for (size_t i = 0; i < names_.size(); ++i) {
    std::string n(trim(names_[i]));
    // Strip a UTF-8 byte-order mark on the first column.
    if (i == 0 && n.rfind("\xEF\xBB\xBF", 0) == 0) n = n.substr(3);
    names_[i] = n;
    index_.emplace(n, static_cast<int>(i));
  }
}

int CsvHeader::find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? -1 : it->second;
}

}  // namespace muse::catalog
