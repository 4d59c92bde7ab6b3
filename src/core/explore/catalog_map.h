#pragma once
/// The stored result of `muse clusters build`: every track's micro-genre (k-means label and
/// centroids) and its 2-D map position, with a uniform grid over the map so that "points in
/// this rectangle, at most L of them" is answered without scanning the catalogue. Points in a
/// region are thinned by a fixed random priority, so zooming in only ever adds points.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "catalog/feature_space.h"

namespace muse::explore {

using catalog::RowMatrix;

struct MapBounds {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

/// How the clustering space was made (version 2 files; version 1 files read as audio only).
struct CoocInfo {
  float weight = 0;                 ///< requested co-occurrence weight (0 = audio only)
  int32_t factors = 0;              ///< factor columns used (0 = none: no playlists or weight 0)
  int64_t playlists_revision = -1;  ///< store revision the factors were learned from
  uint64_t playlists = 0, learned_rows = 0, imputed_rows = 0, fallback_rows = 0;
  double scale = 0;  ///< multiplier applied to the centred factors
};

struct RegionResult {
  std::vector<uint32_t> rows;  ///< at most `limit` rows, highest priority first
  uint64_t total = 0;          ///< all points inside the region
};

class CatalogMap {
 public:
  static constexpr const char* kMagic = "MUSEMAP1";
  static constexpr uint32_t kVersion = 2;
  static constexpr int kMaxLimit = 100000;

  CatalogMap() = default;
  /// labels: one per row in [0, centroids.rows()); coords: rows x 2. Throws kInvalidArgument
  /// on mismatched sizes, out-of-range labels or non-finite coordinates.
  static CatalogMap build(std::vector<int32_t> labels, RowMatrix centroids, RowMatrix coords,
                          std::string layout, uint64_t seed, int grid = 0);

  size_t size() const { return labels_.size(); }
  int k() const { return static_cast<int>(centroids_.rows()); }
  const std::string& layout() const { return layout_; }
  uint64_t seed() const { return seed_; }
  const RowMatrix& centroids() const { return centroids_; }
  const std::vector<int32_t>& labels() const { return labels_; }
  int32_t cluster(uint32_t row) const { return labels_.at(row); }
  /// Rows of a cluster (ascending); throws kNotFound for an unknown id.
  const std::vector<uint32_t>& members(int cluster) const;
  float x(uint32_t row) const { return coords_(row, 0); }
  float y(uint32_t row) const { return coords_(row, 1); }
  const RowMatrix& coords() const { return coords_; }
  const MapBounds& bounds() const { return bounds_; }
  const CoocInfo& cooc() const { return cooc_; }
  void set_cooc(const CoocInfo& info) { cooc_ = info; }

  /// Points inside the rectangle, thinned to `limit`. Throws kInvalidArgument for
  /// non-finite or inverted bounds, coordinates beyond +-1e9 and limits outside 1..kMaxLimit.
  RegionResult query(const MapBounds& region, int limit) const;

  void save(const std::filesystem::path& path, uint64_t fingerprint) const;
  /// Throws kNotFound if missing, kDataLoss if corrupt or (when expected != 0) stale.
  static CatalogMap load(const std::filesystem::path& path, uint64_t expected_fingerprint = 0);

 private:
  void index();
  std::vector<int32_t> labels_;
  RowMatrix centroids_;
  RowMatrix coords_;
  std::string layout_;
  uint64_t seed_ = 0;
  MapBounds bounds_;
  CoocInfo cooc_;
  int grid_ = 0;                      // grid_ x grid_ cells over bounds_
  std::vector<uint32_t> cell_start_;  // grid_*grid_ + 1 offsets into order_
  std::vector<uint32_t> order_;       // rows by cell, by priority within a cell
  std::vector<uint32_t> priority_;    // per row: rank in a seeded permutation
  std::vector<std::vector<uint32_t>> members_;
};

}  // namespace muse::explore
