#pragma once
/// Nearest-neighbour search behind one batch-shaped interface (FAISS's Index habit):
/// add() vectors, search(queries, k) for all queries at once. ExactIndex is the reference
/// that HnswIndex is measured against.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

namespace muse::index {

using idx_t = int64_t;

/// Restricts which ids a search may return (e.g. a genre filter).
class IdSelector {
 public:
  virtual ~IdSelector() = default;
  virtual bool is_member(idx_t id) const = 0;
};

/// Selector over a bitmap of allowed ids.
class BitmapSelector : public IdSelector {
 public:
  explicit BitmapSelector(std::vector<bool> allowed) : allowed_(std::move(allowed)) {}
  bool is_member(idx_t id) const override {
    return id >= 0 && static_cast<size_t>(id) < allowed_.size() && allowed_[id];
  }

 private:
  std::vector<bool> allowed_;
};

/// nq x k results, row-major; missing results have label -1 and distance +inf.
struct SearchResult {
  idx_t nq = 0;
  int k = 0;
  std::vector<idx_t> labels;
  std::vector<float> distances;  ///< squared L2
  idx_t label(idx_t q, int i) const { return labels[q * k + i]; }
  float distance(idx_t q, int i) const { return distances[q * k + i]; }
  void resize(idx_t nq_, int k_);
};

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;
  virtual const char* kind() const = 0;
  int dim() const { return dim_; }
  virtual idx_t size() const = 0;
  /// Appends n vectors (row-major, n x dim); they get ids size()..size()+n-1.
  virtual void add(const float* x, idx_t n) = 0;
  /// k nearest neighbours (squared L2) of each of nq queries, nearest first.
  virtual SearchResult search(const float* queries, idx_t nq, int k,
                              const IdSelector* selector = nullptr) const = 0;
  /// Writes the index (magic + version + fingerprint header), atomically.
  virtual void save(const std::filesystem::path& path, uint64_t fingerprint) const = 0;
  /// Copies vector `id` into out (dim floats).
  virtual void reconstruct(idx_t id, float* out) const = 0;

  /// Loads either kind, by magic. If expected_fingerprint != 0 and differs, throws kDataLoss.
  static std::unique_ptr<VectorIndex> load(const std::filesystem::path& path,
                                           uint64_t expected_fingerprint = 0);

 protected:
  explicit VectorIndex(int dim) : dim_(dim) {}
  int dim_;
};

}  // namespace muse::index
