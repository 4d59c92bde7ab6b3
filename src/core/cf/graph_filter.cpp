#include "cf/graph_filter.h"

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>

#include "util/error.h"
#include "util/parallel_errors.h"

namespace muse::cf {

void GraphFilter::fit(const Interactions& x, const ProgressFn& progress) {
  MUSE_CHECK_ARG(config_.rank >= 0, "graph filter rank must be >= 0, got {}", config_.rank);
  MUSE_CHECK_ARG(config_.alpha >= 0, "graph filter alpha must be >= 0, got {}", config_.alpha);
  const int32_t n = x.rows(), m = x.cols();
  std::vector<double> du(n, 0.0), di(m, 0.0);
  for (int32_t u = 0; u < n; ++u) {
    auto idx = x.row_indices(u);
    auto val = x.row_values(u);
    for (size_t k = 0; k < idx.size(); ++k) {
      MUSE_CHECK_ARG(val[k] >= 0, "graph filter needs non-negative values (row {})", u);
      du[u] += val[k];
      di[idx[k]] += val[k];
    }
  }
  inv_sqrt_deg_.assign(m, 0.f);
  sqrt_deg_.assign(m, 0.f);
  for (int32_t i = 0; i < m; ++i) {
    if (di[i] <= 0) continue;
    sqrt_deg_[i] = static_cast<float>(std::sqrt(di[i]));
    inv_sqrt_deg_[i] = 1.f / sqrt_deg_[i];
  }
  std::vector<Triplet> t;
  t.reserve(x.nnz());
  for (int32_t u = 0; u < n; ++u) {
    if (du[u] <= 0) continue;
    const double a = 1.0 / std::sqrt(du[u]);
    auto idx = x.row_indices(u);
    auto val = x.row_values(u);
    for (size_t k = 0; k < idx.size(); ++k)
      if (val[k] > 0)
        t.push_back({u, idx[k], static_cast<float>(val[k] * a * inv_sqrt_deg_[idx[k]])});
  }
  norm_ = Interactions::from_triplets(n, m, std::move(t));
  norm_t_ = norm_.transpose();
  report(progress, "gfcf", 1, 3);

  rank_ = std::min<int>(config_.rank, std::min(n, m));
  v_.clear();
  sigma_.clear();
  if (rank_ == 0 || config_.alpha == 0.f) {
    rank_ = 0;
    report(progress, "gfcf", 3, 3);
    return;
  }
  const bool by_users = n <= m;
  const int32_t side = by_users ? n : m;
  MUSE_CHECK_ARG(side <= config_.max_side,
                 "graph filter: an eigendecomposition over {} {} is too large (max {})", side,
                 by_users ? "users" : "items", config_.max_side);
  // Gram matrix of the smaller side: R~ R~^T (users) or R~^T R~ (items), from the other
  // side's lists (each column/row contributes its outer product).
  const Interactions& lists = by_users ? norm_t_ : norm_;
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(side, side);
  for (int32_t r = 0; r < lists.rows(); ++r) {
    auto idx = lists.row_indices(r);
    auto val = lists.row_values(r);
    for (size_t a = 0; a < idx.size(); ++a)
      for (size_t b = 0; b < idx.size(); ++b) g(idx[a], idx[b]) += double(val[a]) * val[b];
  }
  report(progress, "gfcf", 2, 3);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(g);
  MUSE_CHECK(eig.info() == Eigen::Success, "graph filter: eigendecomposition failed");
  // Eigenvalues ascend; keep the largest rank_ with a positive value.
  std::vector<int> keep;
  for (int j = side - 1; j >= 0 && static_cast<int>(keep.size()) < rank_; --j)
    if (eig.eigenvalues()(j) > 1e-10) keep.push_back(j);
  rank_ = static_cast<int>(keep.size());
  v_.assign(static_cast<size_t>(m) * rank_, 0.f);
  sigma_.resize(rank_);
  for (int c = 0; c < rank_; ++c) {
    const double s = std::sqrt(eig.eigenvalues()(keep[c]));
    sigma_[c] = static_cast<float>(s);
    const auto vec = eig.eigenvectors().col(keep[c]);
    if (by_users) {
      // v = R~^T u / sigma
      for (int32_t i = 0; i < m; ++i) {
        auto us = norm_t_.row_indices(i);
        auto vs = norm_t_.row_values(i);
        double acc = 0;
        for (size_t k = 0; k < us.size(); ++k) acc += vs[k] * vec(us[k]);
        v_[static_cast<size_t>(i) * rank_ + c] = static_cast<float>(acc / s);
      }
    } else {
      for (int32_t i = 0; i < m; ++i)
        v_[static_cast<size_t>(i) * rank_ + c] = static_cast<float>(vec(i));
    }
  }
  report(progress, "gfcf", 3, 3);
}

void GraphFilter::score(std::span<const Query> queries, std::span<float> out) const {
  const size_t m = static_cast<size_t>(norm_.cols());
  MUSE_CHECK_ARG(out.size() == queries.size() * m, "score buffer has {} values for {} x {}",
                 out.size(), queries.size(), m);
  ParallelErrors errors;
#pragma omp parallel if (queries.size() > 1)
  {
    std::vector<float> t(norm_.rows());
    std::vector<float> z(rank_);
#pragma omp for schedule(dynamic, 8)
    for (size_t q = 0; q < queries.size(); ++q) {
      errors.run([&] {
        const Query& query = queries[q];
        float* o = out.data() + q * m;
        std::fill(o, o + m, 0.f);
        std::fill(t.begin(), t.end(), 0.f);
        std::fill(z.begin(), z.end(), 0.f);
        // Linear filter: (r R~^T) R~.
        for (size_t k = 0; k < query.items.size(); ++k) {
          const int32_t i = query.items[k];
          if (i < 0 || static_cast<size_t>(i) >= m) continue;
          const float a = query.value(k);
          auto us = norm_t_.row_indices(i);
          auto vs = norm_t_.row_values(i);
          for (size_t j = 0; j < us.size(); ++j) t[us[j]] += a * vs[j];
          // Ideal filter, first half: z = r D_i^-1/2 V.
          if (rank_ > 0) {
            const float b = a * inv_sqrt_deg_[i];
            const float* vi = v_.data() + static_cast<size_t>(i) * rank_;
            for (int c = 0; c < rank_; ++c) z[c] += b * vi[c];
          }
        }
        for (int32_t u = 0; u < norm_.rows(); ++u) {
          if (t[u] == 0.f) continue;
          auto idx = norm_.row_indices(u);
          auto val = norm_.row_values(u);
          for (size_t k = 0; k < idx.size(); ++k) o[idx[k]] += t[u] * val[k];
        }
        if (rank_ == 0) return;
        const float alpha = config_.alpha;
        for (size_t i = 0; i < m; ++i) {
          if (sqrt_deg_[i] == 0.f) continue;
          const float* vi = v_.data() + i * rank_;
          float s = 0.f;
#pragma omp simd reduction(+ : s)
          for (int c = 0; c < rank_; ++c) s += z[c] * vi[c];
          o[i] += alpha * sqrt_deg_[i] * s;
        }
      });
    }
  }
  errors.rethrow();
}

}  // namespace muse::cf
