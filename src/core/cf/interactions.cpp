#include "cf/interactions.h"

#include <algorithm>

#include "util/error.h"

namespace muse::cf {

Interactions Interactions::from_triplets(int32_t n_rows, int32_t n_cols, std::vector<Triplet> t) {
  MUSE_CHECK_ARG(n_rows >= 0 && n_cols >= 0, "negative matrix shape {}x{}", n_rows, n_cols);
  for (const auto& x : t) {
    MUSE_CHECK_ARG(x.row >= 0 && x.row < n_rows && x.col >= 0 && x.col < n_cols,
                   "interaction ({}, {}) outside the {}x{} matrix", x.row, x.col, n_rows, n_cols);
  }
  std::sort(t.begin(), t.end(), [](const Triplet& a, const Triplet& b) {
    return a.row != b.row ? a.row < b.row : a.col < b.col;
  });
  Interactions m;
  m.n_rows_ = n_rows;
  m.n_cols_ = n_cols;
  m.indptr_.assign(static_cast<size_t>(n_rows) + 1, 0);
  m.indices_.reserve(t.size());
  m.values_.reserve(t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    if (i > 0 && t[i].row == t[i - 1].row && t[i].col == t[i - 1].col) {
      m.values_.back() += t[i].value;
      continue;
    }
    m.indices_.push_back(t[i].col);
    m.values_.push_back(t[i].value);
    ++m.indptr_[t[i].row + 1];
  }
  for (int32_t r = 0; r < n_rows; ++r) m.indptr_[r + 1] += m.indptr_[r];
  return m;
}

Interactions Interactions::transpose() const {
  Interactions m;
  m.n_rows_ = n_cols_;
  m.n_cols_ = n_rows_;
  m.indptr_.assign(static_cast<size_t>(n_cols_) + 1, 0);
  for (int32_t c : indices_) ++m.indptr_[c + 1];
  for (int32_t c = 0; c < n_cols_; ++c) m.indptr_[c + 1] += m.indptr_[c];
  m.indices_.resize(indices_.size());
  m.values_.resize(values_.size());
  std::vector<int64_t> pos(m.indptr_.begin(), m.indptr_.end() - 1);
  for (int32_t r = 0; r < n_rows_; ++r) {
    for (int64_t k = indptr_[r]; k < indptr_[r + 1]; ++k) {
      int64_t p = pos[indices_[k]]++;
      m.indices_[p] = r;
      m.values_[p] = values_[k];
    }
  }
  return m;
}

std::vector<int32_t> Interactions::col_counts() const {
  std::vector<int32_t> n(n_cols_, 0);
  for (int32_t c : indices_) ++n[c];
  return n;
}

Interactions Interactions::select_rows(std::span<const int32_t> rows) const {
  Interactions m;
  m.n_rows_ = static_cast<int32_t>(rows.size());
  m.n_cols_ = n_cols_;
  m.indptr_.assign(rows.size() + 1, 0);
  for (size_t i = 0; i < rows.size(); ++i) {
    int32_t r = rows[i];
    MUSE_CHECK_ARG(r >= 0 && r < n_rows_, "row {} outside 0..{}", r, n_rows_ - 1);
    m.indices_.insert(m.indices_.end(), indices_.begin() + indptr_[r],
                      indices_.begin() + indptr_[r + 1]);
    m.values_.insert(m.values_.end(), values_.begin() + indptr_[r],
                     values_.begin() + indptr_[r + 1]);
    m.indptr_[i + 1] = static_cast<int64_t>(m.indices_.size());
  }
  return m;
}

}  // namespace muse::cf
