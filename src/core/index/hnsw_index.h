#pragma once
#include <memory>

#include "index/vector_index.h"

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
class L2Space;
}  // namespace hnswlib

namespace muse::index {

struct HnswParams {
  int m = 16;                 ///< graph degree
  int ef_construction = 200;  ///< build-time beam width
  int ef_search = 32;         ///< query-time beam width: recall@10 0.999 on the 114k catalogue
  int threads = 0;            ///< build threads; 0 = OpenMP default
};

/// Approximate search over hnswlib's HNSW graph. Filtered searches over-fetch and fall back
/// to an exact scan of the stored vectors when the filter is too selective.
class HnswIndex : public VectorIndex {
 public:
  static constexpr const char* kMagic = "MUSEHNS1";
  static constexpr uint32_t kVersion = 1;

  HnswIndex(int dim, idx_t capacity, HnswParams params = {});
  ~HnswIndex() override;
  const char* kind() const override { return "hnsw"; }
  idx_t size() const override;
  void add(const float* x, idx_t n) override;
  SearchResult search(const float* queries, idx_t nq, int k,
                      const IdSelector* selector = nullptr) const override;
  void save(const std::filesystem::path& path, uint64_t fingerprint) const override;
  void reconstruct(idx_t id, float* out) const override;
  static std::unique_ptr<HnswIndex> load(const std::filesystem::path& path,
                                         uint64_t expected_fingerprint = 0);

  void set_ef_search(int ef) { params_.ef_search = ef; }
  const HnswParams& params() const { return params_; }

 private:
  HnswIndex(int dim, HnswParams params);
  void search_one(const float* q, int k, const IdSelector* selector, idx_t* labels, float* dist) const;
  HnswParams params_;
  std::unique_ptr<hnswlib::L2Space> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw_;
  std::vector<float> data_;  // copy of the vectors for the filtered exact fallback
};

}  // namespace muse::index
