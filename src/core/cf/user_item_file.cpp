#include "cf/user_item_file.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <random>

#include "catalog/csv_reader.h"
#include "util/error.h"

namespace muse::cf {

std::vector<UserItemRow> read_user_items(const std::filesystem::path& path) {
  auto reader = catalog::CsvReader::open(path, '\t');
  catalog::CsvRecord rec;
  std::vector<UserItemRow> rows;
  bool header = true;
  while (reader.next(rec)) {
    for (auto& f : rec.fields) {
      while (!f.empty() && (f.back() == '\r' || f.back() == ' ')) f.pop_back();
    }
    if (header) {
      header = false;
      if (rec.fields.size() >= 2 && !rec.fields[0].empty() &&
          !std::isdigit(static_cast<unsigned char>(rec.fields[0][0])))
        continue;  // a header line
    }
    if (!rec.error.empty() || rec.fields.size() < 2) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: expected 'user<TAB>item[<TAB>weight]'{}",
                 path.string(), rec.line, rec.error.empty() ? "" : " (" + rec.error + ")");
    }
    UserItemRow r{rec.fields[0], rec.fields[1], 1.f};
    if (r.user.empty() || r.item.empty())
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: empty user or item id", path.string(),
                 rec.line);
    if (rec.fields.size() >= 3 && !rec.fields[2].empty()) {
      const auto& w = rec.fields[2];
      double v = 0;
      auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
      if (ec != std::errc() || p != w.data() + w.size() || !std::isfinite(v) || v < 0)
        MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: weight '{}' is not a non-negative number",
                   path.string(), rec.line, w.substr(0, 40));
      r.weight = static_cast<float>(v);
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

void write_user_items(const std::filesystem::path& path, const std::vector<UserItemRow>& rows) {
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) MUSE_THROW(ErrorCode::kInvalidArgument, "cannot write {}", path.string());
    out << "userID\tartistID\tweight\n";
    for (const auto& r : rows) out << r.user << '\t' << r.item << '\t' << r.weight << '\n';
    if (!out) MUSE_THROW(ErrorCode::kInternal, "write to {} failed", path.string());
  }
  std::filesystem::rename(tmp, path);
}

void split_per_user(const std::vector<UserItemRow>& rows, double fraction, uint64_t seed,
                    std::vector<UserItemRow>* train, std::vector<UserItemRow>* test) {
  MUSE_CHECK_ARG(fraction > 0 && fraction < 1, "hold-out fraction must be in (0, 1), got {}",
                 fraction);
  std::map<std::string, std::vector<size_t>> by_user;
  for (size_t i = 0; i < rows.size(); ++i) by_user[rows[i].user].push_back(i);
  std::mt19937_64 rng(seed);
  for (auto& [u, idx] : by_user) {
    std::shuffle(idx.begin(), idx.end(), rng);
    size_t n_test =
        idx.size() >= 2
            ? std::max<size_t>(1, static_cast<size_t>(std::lround(fraction * idx.size())))
            : 0;
    for (size_t k = 0; k < idx.size(); ++k) (k < n_test ? test : train)->push_back(rows[idx[k]]);
  }
}

int32_t IdMap::user(const std::string& u) {
  return users.emplace(u, static_cast<int32_t>(users.size())).first->second;
}
int32_t IdMap::item(const std::string& i) {
  return items.emplace(i, static_cast<int32_t>(items.size())).first->second;
}

}  // namespace muse::cf
