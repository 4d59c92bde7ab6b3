#include "explore/cluster_eval.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "catalog/csv_reader.h"
#include "explore/random.h"
#include "util/error.h"

namespace muse::explore {

std::vector<PlaylistTracks> read_playlists(const std::filesystem::path& path) {
  auto reader = catalog::CsvReader::open(path);
  catalog::CsvRecord rec;
  MUSE_CHECK_ARG(reader.next(rec),
                 "{}: empty file, expected a header with playlist_id and track_id", path.string());
  catalog::CsvHeader header(rec.fields);
  const int pid = header.find("playlist_id"), tid = header.find("track_id"),
            pname = header.find("playlist_name");
  MUSE_CHECK_ARG(pid >= 0 && tid >= 0,
                 "{}: header needs columns playlist_id and track_id (has: {})", path.string(),
                 fmt::join(header.names(), ", "));
  std::vector<PlaylistTracks> out;
  std::unordered_map<std::string, size_t> index;
  while (reader.next(rec)) {
    MUSE_CHECK_ARG(rec.error.empty(), "{}:{}: {}", path.string(), rec.line, rec.error);
    MUSE_CHECK_ARG(rec.fields.size() == header.size(), "{}:{}: {} fields, header has {}",
                   path.string(), rec.line, rec.fields.size(), header.size());
    const std::string& p = rec.fields[pid];
    const std::string& t = rec.fields[tid];
    MUSE_CHECK_ARG(!p.empty() && !t.empty(), "{}:{}: empty playlist_id or track_id", path.string(),
                   rec.line);
    auto [it, fresh] = index.emplace(p, out.size());
    if (fresh) out.push_back({p, pname >= 0 ? rec.fields[pname] : std::string(), {}});
    out[it->second].track_ids.push_back(t);
  }
  return out;
}

namespace {
struct Dist {
  double entropy = 0, top = 0, agreement = 0;
};

Dist distribution(const std::vector<uint32_t>& rows, const CategoryAssignment& a,
                  std::unordered_map<int32_t, double>& acc) {
  acc.clear();
  double self = 0;  // sum over tracks of sum_c w^2: a track always "agrees" with itself
  for (uint32_t r : rows) {
    for (const auto& [c, w] : a[r]) {
      acc[c] += w;
      self += static_cast<double>(w) * w;
    }
  }
  double total = 0;
  for (const auto& [c, v] : acc) total += v;
  Dist d;
  if (total <= 0) return d;
  double sq = 0;
  for (const auto& [c, v] : acc) {
    const double p = v / total;
    if (p > 0) d.entropy -= p * std::log2(p);
    d.top = std::max(d.top, p);
    sq += v * v;
  }
  const double n = static_cast<double>(rows.size());
  d.agreement = n > 1 ? (sq - self) / (n * (n - 1)) : 0;
  return d;
}
}  // namespace

ConcentrationStats playlist_concentration(const std::vector<std::vector<uint32_t>>& playlists,
                                          const CategoryAssignment& assignment, int categories,
                                          const std::vector<bool>& eligible, int min_tracks,
                                          int draws, uint64_t seed) {
  MUSE_CHECK_ARG(eligible.size() == assignment.size(),
                 "eligibility mask and assignment differ in size");
  MUSE_CHECK_ARG(min_tracks >= 2, "min_tracks must be at least 2, got {}", min_tracks);
  MUSE_CHECK_ARG(draws >= 1 && draws <= 10000, "draws must be in 1..10000, got {}", draws);
  std::vector<uint32_t> pool;
  for (size_t r = 0; r < eligible.size(); ++r) {
    if (!eligible[r]) continue;
    MUSE_CHECK_ARG(!assignment[r].empty(), "eligible row {} has no category", r);
    pool.push_back(static_cast<uint32_t>(r));
  }
  ConcentrationStats st;
  st.categories = categories;
  if (pool.empty()) return st;
  SplitMix64 rng(seed);
  std::unordered_map<int32_t, double> acc;
  st.chance_pair_agreement = distribution(pool, assignment, acc).agreement;
  std::vector<uint32_t> rows, sample;
  for (const auto& pl : playlists) {
    rows.clear();
    for (uint32_t r : pl) {
      MUSE_CHECK_ARG(r < eligible.size(), "playlist row {} outside the catalogue", r);
      if (eligible[r]) rows.push_back(r);
    }
    if (static_cast<int>(rows.size()) < min_tracks) continue;
    Dist obs = distribution(rows, assignment, acc);
    double ce = 0, ct = 0;
    for (int t = 0; t < draws; ++t) {
      sample.clear();
      for (size_t i = 0; i < rows.size(); ++i) sample.push_back(pool[rng.below(pool.size())]);
      Dist c = distribution(sample, assignment, acc);
      ce += c.entropy;
      ct += c.top;
    }
    ce /= draws;
    ct /= draws;
    ++st.playlists;
    st.tracks += rows.size();
    st.entropy_bits += obs.entropy;
    st.chance_entropy_bits += ce;
    st.ratio += ce > 0 ? obs.entropy / ce : 1.0;
    st.top_share += obs.top;
    st.pair_agreement += obs.agreement;
    st.chance_top_share += ct;
  }
  if (st.playlists > 0) {
    const double n = static_cast<double>(st.playlists);
    st.entropy_bits /= n;
    st.chance_entropy_bits /= n;
    st.ratio /= n;
    st.top_share /= n;
    st.chance_top_share /= n;
    st.pair_agreement /= n;
    st.pair_lift = st.chance_pair_agreement > 0 ? st.pair_agreement / st.chance_pair_agreement : 0;
  }
  return st;
}

std::vector<int> assign_folds(size_t n, int folds, uint64_t seed) {
  MUSE_CHECK_ARG(folds >= 2 && folds <= 100, "folds must be in 2..100, got {}", folds);
  MUSE_CHECK_ARG(n >= static_cast<size_t>(folds), "{} playlists cannot fill {} folds", n, folds);
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
  SplitMix64 rng(seed);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  std::vector<int> fold(n);
  for (size_t i = 0; i < n; ++i) fold[order[i]] = static_cast<int>(i % folds);
  return fold;
}

ConcentrationStats pool_folds(const std::vector<ConcentrationStats>& folds) {
  ConcentrationStats out;
  double w = 0;
  for (const auto& f : folds) {
    out.categories = std::max(out.categories, f.categories);
    if (f.playlists == 0) continue;
    const double n = static_cast<double>(f.playlists);
    out.playlists += f.playlists;
    out.tracks += f.tracks;
    out.entropy_bits += n * f.entropy_bits;
    out.chance_entropy_bits += n * f.chance_entropy_bits;
    out.ratio += n * f.ratio;
    out.top_share += n * f.top_share;
    out.chance_top_share += n * f.chance_top_share;
    out.pair_agreement += n * f.pair_agreement;
    out.chance_pair_agreement += n * f.chance_pair_agreement;
    w += n;
  }
  if (w > 0) {
    out.entropy_bits /= w;
    out.chance_entropy_bits /= w;
    out.ratio /= w;
    out.top_share /= w;
    out.chance_top_share /= w;
    out.pair_agreement /= w;
    out.chance_pair_agreement /= w;
    out.pair_lift =
        out.chance_pair_agreement > 0 ? out.pair_agreement / out.chance_pair_agreement : 0;
  }
  return out;
}

}  // namespace muse::explore
