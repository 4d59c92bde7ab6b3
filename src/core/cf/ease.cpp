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
  MUSE_CHECK_ARG(config_.drop >= 0 && config_.drop < 1, "EASE drop must be in [0, 1), got {}",
                 config_.drop);
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
  b_.assign(static_cast<size_t>(m) * m, 0.f);
  std::vector<double> sq(n_items_, 0.0);  // (X^T X)_jj
  for (int32_t u = 0; u < x.rows(); ++u) {
    auto idx = x.row_indices(u);
    auto val = x.row_values(u);
    for (size_t a = 0; a < idx.size(); ++a) sq[idx[a]] += double(val[a]) * val[a];
  }
  penalty_.resize(m);
  const double emphasis = config_.drop / (1.0 - config_.drop);
  for (int64_t j = 0; j < m; ++j) penalty_[j] = config_.lambda + emphasis * sq[kept_[j]];
  if (x.rows() < m)
    fit_by_users(x, progress);
  else
    fit_by_items(x, progress);
}

// P = (X^T X + Lambda)^-1 over the kept items (Lambda = diag(penalty_)), then
// B = I - P / diag(P): the direct form, an m x m Cholesky solve (more rows than items).
void Ease::fit_by_items(const Interactions& x, const ProgressFn& progress) {
  const int64_t m = static_cast<int64_t>(kept_.size());
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
  for (int64_t j = 0; j < m; ++j) g(j, j) += penalty_[j];
  report(progress, "invert", 1, 3);
  Eigen::MatrixXd p = g.llt().solve(Eigen::MatrixXd::Identity(m, m));
  report(progress, "weights", 2, 3);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j)
      b_[i * m + j] = i == j ? 0.f : static_cast<float>(-p(i, j) / p(j, j));
  report(progress, "weights", 3, 3);
}

// Fewer rows (n) than items (m), as on Last.fm (1.9k users, 17k artists): by Woodbury,
// (Lambda + X^T X)^-1 = Lambda^-1 - Lambda^-1 X^T K^-1 X Lambda^-1 with K = I + X Lambda^-1 X^T
// (n x n), so with M = X^T Z, Z = K^-1 X, the weights are
// B_ij = (M_ij / lambda_i) / (1 - M_jj / lambda_j) for i != j (uniform lambda: the textbook
// M_ij / (1 - M_jj) with K = lambda I + X X^T). Costs an n x n inverse plus nnz x m
// multiply-adds instead of an m x m inverse (minutes for m = 17k).
void Ease::fit_by_users(const Interactions& x, const ProgressFn& progress) {
  const int64_t m = static_cast<int64_t>(kept_.size());
  const int32_t n = x.rows();
  report(progress, "gram", 0, 3);
  // Kept columns only, as item -> (user, value) lists.
  Interactions xt = x.transpose();
  Eigen::MatrixXd k = Eigen::MatrixXd::Zero(n, n);
  for (int64_t j = 0; j < m; ++j) {
    const int32_t item = kept_[j];
    auto us = xt.row_indices(item);
    auto vs = xt.row_values(item);
    const double inv = 1.0 / penalty_[j];
    for (size_t a = 0; a < us.size(); ++a)
      for (size_t b = 0; b < us.size(); ++b) k(us[a], us[b]) += inv * vs[a] * vs[b];
  }
  k.diagonal().array() += 1.0;
  report(progress, "invert", 1, 3);
  const Eigen::MatrixXd kinv = k.llt().solve(Eigen::MatrixXd::Identity(n, n));
  // Zt (m x n, row j = column j of Z): Z[:, j] = sum over j's users v of x_vj K^-1[:, v].
  std::vector<double> zt(static_cast<size_t>(m) * n, 0.0);
#pragma omp parallel for schedule(dynamic, 64)
  for (int64_t j = 0; j < m; ++j) {
    auto us = xt.row_indices(kept_[j]);
    auto vs = xt.row_values(kept_[j]);
    double* zj = zt.data() + static_cast<size_t>(j) * n;
    for (size_t a = 0; a < us.size(); ++a) {
      const double* kv = kinv.data() + static_cast<size_t>(us[a]) * n;  // column = row (sym.)
      const double w = vs[a];
      for (int32_t u = 0; u < n; ++u) zj[u] += w * kv[u];
    }
  }
  // Z row-major (n x m) for the row sums below; diag M_jj = sum_v x_vj Z[v, j].
  std::vector<double> z(static_cast<size_t>(n) * m);
#pragma omp parallel for schedule(static)
  for (int32_t u = 0; u < n; ++u)
    for (int64_t j = 0; j < m; ++j) z[static_cast<size_t>(u) * m + j] = zt[j * n + u];
  std::vector<double>().swap(zt);
  std::vector<double> denom(m);
  for (int64_t j = 0; j < m; ++j) {
    auto us = xt.row_indices(kept_[j]);
    auto vs = xt.row_values(kept_[j]);
    double d = 0;
    for (size_t a = 0; a < us.size(); ++a) d += vs[a] * z[static_cast<size_t>(us[a]) * m + j];
    denom[j] = 1.0 - d / penalty_[j];  // = lambda_j * P_jj > 0
  }
  report(progress, "weights", 2, 3);
#pragma omp parallel
  {
    std::vector<double> row(m);
#pragma omp for schedule(dynamic, 16)
    for (int64_t i = 0; i < m; ++i) {
      std::fill(row.begin(), row.end(), 0.0);
      auto us = xt.row_indices(kept_[i]);
      auto vs = xt.row_values(kept_[i]);
      for (size_t a = 0; a < us.size(); ++a) {
        const double* zu = z.data() + static_cast<size_t>(us[a]) * m;
        const double w = vs[a];
        for (int64_t j = 0; j < m; ++j) row[j] += w * zu[j];
      }
      float* bi = b_.data() + static_cast<size_t>(i) * m;
      const double inv_i = 1.0 / penalty_[i];
      for (int64_t j = 0; j < m; ++j) bi[j] = static_cast<float>(inv_i * row[j] / denom[j]);
      bi[i] = 0.f;
    }
  }
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
