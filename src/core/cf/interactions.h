#pragma once
/// A sparse user x item matrix (rows = users or playlists, columns = items) in CSR form,
/// the one input every collaborative-filtering model is fitted on.
#include <cstdint>
#include <span>
#include <vector>

namespace muse::cf {

struct Triplet {
  int32_t row = 0;
  int32_t col = 0;
  float value = 1.f;
};

class Interactions {
 public:
  Interactions() = default;
  /// Builds from (row, col, value) triplets; duplicates are summed. Throws kInvalidArgument
  /// on an index outside [0, n_rows) x [0, n_cols).
  static Interactions from_triplets(int32_t n_rows, int32_t n_cols, std::vector<Triplet> triplets);

  int32_t rows() const { return n_rows_; }
  int32_t cols() const { return n_cols_; }
  int64_t nnz() const { return static_cast<int64_t>(indices_.size()); }
  std::span<const int32_t> row_indices(int32_t r) const {
    return {indices_.data() + indptr_[r], static_cast<size_t>(indptr_[r + 1] - indptr_[r])};
  }
  std::span<const float> row_values(int32_t r) const {
    return {values_.data() + indptr_[r], static_cast<size_t>(indptr_[r + 1] - indptr_[r])};
  }
  int64_t row_size(int32_t r) const { return indptr_[r + 1] - indptr_[r]; }
  const std::vector<int64_t>& indptr() const { return indptr_; }
  const std::vector<int32_t>& indices() const { return indices_; }
  const std::vector<float>& values() const { return values_; }

  /// The item x user matrix.
  Interactions transpose() const;
  /// Number of rows each column occurs in.
  std::vector<int32_t> col_counts() const;
  /// Same matrix with every value replaced by `f(value)`.
  template <class F>
  Interactions map_values(F f) const {
    Interactions m = *this;
    for (auto& v : m.values_) v = f(v);
    return m;
  }
  /// Keeps only the given rows (in that order).
  Interactions select_rows(std::span<const int32_t> rows) const;

 private:
  int32_t n_rows_ = 0, n_cols_ = 0;
  std::vector<int64_t> indptr_{0};
  std::vector<int32_t> indices_;
  std::vector<float> values_;
};

}  // namespace muse::cf
