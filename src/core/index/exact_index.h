#pragma once
#include <Eigen/Core>

#include "index/vector_index.h"

namespace muse::index {

/// Brute-force search with Eigen: the ground truth for recall tests and the fallback for
/// highly selective filters.
class ExactIndex : public VectorIndex {
 public:
  static constexpr const char* kMagic = "MUSEEXA1";
  static constexpr uint32_t kVersion = 1;

  explicit ExactIndex(int dim);
  const char* kind() const override { return "exact"; }
  idx_t size() const override { return n_; }
  void add(const float* x, idx_t n) override;
  SearchResult search(const float* queries, idx_t nq, int k,
                      const IdSelector* selector = nullptr) const override;
  void save(const std::filesystem::path& path, uint64_t fingerprint) const override;
  void reconstruct(idx_t id, float* out) const override;
  static std::unique_ptr<ExactIndex> load(const std::filesystem::path& path,
                                          uint64_t expected_fingerprint = 0);

 private:
  idx_t n_ = 0;
  std::vector<float> data_;  // n x dim, row-major (reconstruct, save)
  // dim x n, dimension-major: one contiguous array per coordinate, so the distance loop
  // runs over tracks with SIMD even at 9 dimensions.
  std::vector<float> cols_;
};

/// Top-k of squared L2 distances from one query to rows [0, n) of `data` (row-major), allowed
/// by `selector`. Shared by ExactIndex and HnswIndex's filtered fallback.
void exact_topk(const float* data, idx_t n, int dim, const float* query, int k,
                const IdSelector* selector, idx_t* labels, float* distances);

}  // namespace muse::index
