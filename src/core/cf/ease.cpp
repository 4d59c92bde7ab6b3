#include "cf/ease.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <limits>

#include "util/error.h"

namespace muse::cf {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

void Ease::fit(const Interactions& x, const ProgressFn& progress) {
  MUSE_CHECK_ARG(config_.lambda > 0, "EASE lambda must be > 0");
  n_items_ = x.cols();
  auto counts = x.col_counts();
  kept_.clear();
  slot_.assign(n_items_, -1);
  for (int32_t i = 0; i < n_items_; ++i) {
    if (counts[i] >= config_.min_count) {
      slot_[i] = static_cast<int32_t>(kept_.size());
      kept_.push_back(i);
    }
  }
  const int64_t m = static_cast<int64_t>(kept_.size());
  MUSE_CHECK_ARG(m <= config_.max_items,
                 "EASE over {} items is too large (max {}); raise min_count", m, config_.max_items);
  report(progress, "gram", 0, 3);
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(m, m);
  for (int32_t u = 0; u < x.rows(); ++u) {
    auto idx = x.row_indices(u);
    auto val = x.row_values(u);
    for (size_t a = 0; a < idx.size(); ++a) {
      int32_t sa = slot_[idx[a]];
      if (sa < 0) continue;
      for (size_t b = 0; b < idx.size(); ++b) {
        int32_t sb = slot_[idx[b]];
        if (sb >= 0) g(sa, sb) += double(val[a]) * val[b];
      }
    }
  }
  g.diagonal().array() += config_.lambda;
  report(progress, "invert", 1, 3);
  Eigen::MatrixXd p = g.llt().solve(Eigen::MatrixXd::Identity(m, m));
  report(progress, "weights", 2, 3);
  b_.assign(static_cast<size_t>(m) * m, 0.f);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j)
      b_[i * m + j] = i == j ? 0.f : static_cast<float>(-p(i, j) / p(j, j));
  report(progress, "weights", 3, 3);
}

void Ease::score(std::span<const Query> queries, std::span<float> out) const {
  const size_t n = static_cast<size_t>(n_items_);
  const int64_t m = static_cast<int64_t>(kept_.size());
  MUSE_CHECK(out.size() == queries.size() * n, "score buffer size");
#pragma omp parallel for schedule(dynamic, 4) if (queries.size() > 1)
  for (size_t q = 0; q < queries.size(); ++q) {
    float* o = out.data() + q * n;
    std::fill(o, o + n, -std::numeric_limits<float>::infinity());
    std::vector<float> acc(m, 0.f);
    const auto& qu = queries[q];
    for (size_t k = 0; k < qu.items.size(); ++k) {
      int32_t i = qu.items[k];
      if (i < 0 || static_cast<size_t>(i) >= n || slot_[i] < 0) continue;
      const float* row = b_.data() + static_cast<size_t>(slot_[i]) * m;
      float w = qu.value(k);
      for (int64_t j = 0; j < m; ++j) acc[j] += w * row[j];
    }
    for (int64_t j = 0; j < m; ++j) o[kept_[j]] = acc[j];
  }
}

}  // namespace muse::cf
