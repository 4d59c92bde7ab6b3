#include "explore/catalog_map.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "explore/random.h"
#include "util/binary_file.h"
#include "util/error.h"

namespace muse::explore {

CatalogMap CatalogMap::build(std::vector<int32_t> labels, RowMatrix centroids, RowMatrix coords,
                             std::string layout, uint64_t seed, int grid) {
  const size_t n = labels.size();
  MUSE_CHECK_ARG(n > 0, "a map needs at least one point");
  MUSE_CHECK_ARG(n < (1ull << 32) - 1, "too many points for a map: {}", n);
  MUSE_CHECK_ARG(static_cast<size_t>(coords.rows()) == n && coords.cols() == 2,
                 "coordinates are {} x {}, expected {} x 2", coords.rows(), coords.cols(), n);
  MUSE_CHECK_ARG(centroids.rows() > 0, "a map needs at least one cluster");
  MUSE_CHECK_ARG(coords.allFinite(), "map coordinates must be finite");
  for (size_t i = 0; i < n; ++i) {
    MUSE_CHECK_ARG(labels[i] >= 0 && labels[i] < centroids.rows(),
                   "row {} has cluster {} outside 0..{}", i, labels[i], centroids.rows() - 1);
  }
  CatalogMap m;
  m.labels_ = std::move(labels);
  m.centroids_ = std::move(centroids);
  m.coords_ = std::move(coords);
  m.layout_ = std::move(layout);
  m.seed_ = seed;
  // About 16 points per cell on average, capped so the offsets stay small.
  m.grid_ = grid > 0 ? grid : std::clamp(static_cast<int>(std::sqrt(n / 16.0)), 1, 1024);
  m.priority_.resize(n);
  std::vector<uint32_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0u);
  SplitMix64 rng(mix_seed(seed, 99));
  for (size_t i = n - 1; i > 0; --i) std::swap(perm[i], perm[rng.below(i + 1)]);
  for (size_t r = 0; r < n; ++r) m.priority_[perm[r]] = static_cast<uint32_t>(r);
  m.index();
  return m;
}

void CatalogMap::index() {
  const size_t n = labels_.size();
  bounds_ = {coords_.col(0).minCoeff(), coords_.col(1).minCoeff(), coords_.col(0).maxCoeff(),
             coords_.col(1).maxCoeff()};
  const float w = std::max(bounds_.x1 - bounds_.x0, 1e-6f),
              h = std::max(bounds_.y1 - bounds_.y0, 1e-6f);
  auto cell_of = [&](size_t r) {
    int cx = std::clamp(static_cast<int>((coords_(r, 0) - bounds_.x0) / w * grid_), 0, grid_ - 1);
    int cy = std::clamp(static_cast<int>((coords_(r, 1) - bounds_.y0) / h * grid_), 0, grid_ - 1);
    return static_cast<uint32_t>(cy * grid_ + cx);
  };
  std::vector<uint32_t> cell(n);
  cell_start_.assign(static_cast<size_t>(grid_) * grid_ + 1, 0);
  for (size_t r = 0; r < n; ++r) {
    cell[r] = cell_of(r);
    ++cell_start_[cell[r] + 1];
  }
  for (size_t c = 1; c < cell_start_.size(); ++c) cell_start_[c] += cell_start_[c - 1];
  order_.resize(n);
  std::iota(order_.begin(), order_.end(), 0u);
  std::sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) {
    return cell[a] != cell[b] ? cell[a] < cell[b] : priority_[a] < priority_[b];
  });
  members_.assign(centroids_.rows(), {});
  for (size_t r = 0; r < n; ++r) members_[labels_[r]].push_back(static_cast<uint32_t>(r));
}

const std::vector<uint32_t>& CatalogMap::members(int cluster) const {
  if (cluster < 0 || cluster >= k()) {
    MUSE_THROW(ErrorCode::kNotFound, "no cluster {} (ids are 0..{})", cluster, k() - 1);
  }
  return members_[cluster];
}

RegionResult CatalogMap::query(const MapBounds& r, int limit) const {
  constexpr float kFar = 1e9f;
  for (float v : {r.x0, r.y0, r.x1, r.y1}) {
    MUSE_CHECK_ARG(std::isfinite(v), "map bounds must be finite numbers");
    MUSE_CHECK_ARG(std::abs(v) <= kFar,
                   "map bound {} is out of range (|v| <= 1e9; the map spans x {}..{}, y {}..{})", v,
                   bounds_.x0, bounds_.x1, bounds_.y0, bounds_.y1);
  }
  MUSE_CHECK_ARG(r.x0 < r.x1 && r.y0 < r.y1,
                 "map bounds need x0 < x1 and y0 < y1, got x {}..{}, y {}..{}", r.x0, r.x1, r.y0,
                 r.y1);
  MUSE_CHECK_ARG(limit >= 1 && limit <= kMaxLimit, "limit must be in 1..{}, got {}", kMaxLimit,
                 limit);
  RegionResult out;
  if (labels_.empty() || r.x1 < bounds_.x0 || r.x0 > bounds_.x1 || r.y1 < bounds_.y0 ||
      r.y0 > bounds_.y1) {
    return out;
  }
  const float w = std::max(bounds_.x1 - bounds_.x0, 1e-6f),
              h = std::max(bounds_.y1 - bounds_.y0, 1e-6f);
  auto cx = [&](float v) {
    return std::clamp(static_cast<int>((v - bounds_.x0) / w * grid_), 0, grid_ - 1);
  };
  auto cy = [&](float v) {
    return std::clamp(static_cast<int>((v - bounds_.y0) / h * grid_), 0, grid_ - 1);
  };
  const int gx0 = cx(r.x0), gx1 = cx(r.x1), gy0 = cy(r.y0), gy1 = cy(r.y1);
  std::vector<uint32_t> hits;
  for (int gy = gy0; gy <= gy1; ++gy) {
    for (int gx = gx0; gx <= gx1; ++gx) {
      const uint32_t c = static_cast<uint32_t>(gy * grid_ + gx);
      for (uint32_t i = cell_start_[c]; i < cell_start_[c + 1]; ++i) {
        const uint32_t row = order_[i];
        const float px = coords_(row, 0), py = coords_(row, 1);
        if (px >= r.x0 && px <= r.x1 && py >= r.y0 && py <= r.y1) hits.push_back(row);
      }
    }
  }
  out.total = hits.size();
  auto by_priority = [&](uint32_t a, uint32_t b) { return priority_[a] < priority_[b]; };
  if (hits.size() > static_cast<size_t>(limit)) {
    std::nth_element(hits.begin(), hits.begin() + limit, hits.end(), by_priority);
    hits.resize(limit);
  }
  std::sort(hits.begin(), hits.end(), by_priority);
  out.rows = std::move(hits);
  return out;
}

void CatalogMap::save(const std::filesystem::path& path, uint64_t fingerprint) const {
  BinaryWriter w(path, kMagic, kVersion, fingerprint);
  w.write_string(layout_);
  w.write<uint64_t>(seed_);
  w.write<int32_t>(static_cast<int32_t>(centroids_.rows()));
  w.write<int32_t>(static_cast<int32_t>(centroids_.cols()));
  w.write_vector(std::vector<float>(centroids_.data(), centroids_.data() + centroids_.size()));
  w.write_vector(labels_);
  w.write_vector(std::vector<float>(coords_.data(), coords_.data() + coords_.size()));
  w.write_vector(priority_);
  w.write<int32_t>(grid_);
  w.write_vector(cell_start_);
  w.write_vector(order_);
  w.write<float>(cooc_.weight);
  w.write<int32_t>(cooc_.factors);
  w.write<int64_t>(cooc_.playlists_revision);
  w.write<uint64_t>(cooc_.playlists);
  w.write<uint64_t>(cooc_.learned_rows);
  w.write<uint64_t>(cooc_.imputed_rows);
  w.write<uint64_t>(cooc_.fallback_rows);
  w.write<double>(cooc_.scale);
  w.commit();
}

CatalogMap CatalogMap::load(const std::filesystem::path& path, uint64_t expected_fingerprint) {
  BinaryReader r(path, kMagic, kVersion, /*min_version=*/1);  // v1 files load as audio-only
  if (expected_fingerprint != 0 && r.fingerprint() != expected_fingerprint) {
    MUSE_THROW(ErrorCode::kDataLoss, "{} was built from another catalogue or feature space (stale)",
               path.string());
  }
  CatalogMap m;
  m.layout_ = r.read_string();
  m.seed_ = r.read<uint64_t>();
  const int32_t k = r.read<int32_t>(), d = r.read<int32_t>();
  if (k <= 0 || d <= 0 || d > 1024)
    MUSE_THROW(ErrorCode::kDataLoss, "{}: bad centroid shape {} x {}", path.string(), k, d);
  auto cent = r.read_vector<float>();
  if (cent.size() != static_cast<size_t>(k) * d)
    MUSE_THROW(ErrorCode::kDataLoss, "{}: centroid size", path.string());
  m.centroids_ = Eigen::Map<RowMatrix>(cent.data(), k, d);
  m.labels_ = r.read_vector<int32_t>();
  const size_t n = m.labels_.size();
  auto xy = r.read_vector<float>();
  m.priority_ = r.read_vector<uint32_t>();
  m.grid_ = r.read<int32_t>();
  m.cell_start_ = r.read_vector<uint32_t>();
  m.order_ = r.read_vector<uint32_t>();
  if (r.version() >= 2) {
    m.cooc_.weight = r.read<float>();
    m.cooc_.factors = r.read<int32_t>();
    m.cooc_.playlists_revision = r.read<int64_t>();
    m.cooc_.playlists = r.read<uint64_t>();
    m.cooc_.learned_rows = r.read<uint64_t>();
    m.cooc_.imputed_rows = r.read<uint64_t>();
    m.cooc_.fallback_rows = r.read<uint64_t>();
    m.cooc_.scale = r.read<double>();
  }
  r.expect_end();
  auto bad = [&](const char* what) {
    MUSE_THROW(ErrorCode::kDataLoss, "{} is corrupt: {}", path.string(), what);
  };
  if (!std::isfinite(m.cooc_.weight) || m.cooc_.weight < 0 || m.cooc_.factors < 0 ||
      m.cooc_.factors >= d || !std::isfinite(m.cooc_.scale))
    bad("co-occurrence header");
  if (n == 0 || xy.size() != 2 * n || m.priority_.size() != n || m.order_.size() != n)
    bad("array sizes");
  if (m.grid_ < 1 || m.grid_ > 4096 ||
      m.cell_start_.size() != static_cast<size_t>(m.grid_) * m.grid_ + 1)
    bad("grid");
  for (int32_t l : m.labels_) {
    if (l < 0 || l >= k) bad("cluster label out of range");
  }
  if (m.cell_start_.front() != 0 || m.cell_start_.back() != n ||
      !std::is_sorted(m.cell_start_.begin(), m.cell_start_.end())) {
    bad("grid offsets");
  }
  std::vector<bool> seen(n, false);
  for (uint32_t row : m.order_) {
    if (row >= n || seen[row]) bad("grid order is not a permutation");
    seen[row] = true;
  }
  m.coords_ = Eigen::Map<RowMatrix>(xy.data(), n, 2);
  if (!m.coords_.allFinite()) bad("non-finite coordinates");
  m.bounds_ = {m.coords_.col(0).minCoeff(), m.coords_.col(1).minCoeff(),
               m.coords_.col(0).maxCoeff(), m.coords_.col(1).maxCoeff()};
  m.members_.assign(k, {});
  for (size_t row = 0; row < n; ++row)
    m.members_[m.labels_[row]].push_back(static_cast<uint32_t>(row));
  return m;
}

}  // namespace muse::explore
