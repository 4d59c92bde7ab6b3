#include "cf/user_ease.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>

#include "util/error.h"
#include "util/parallel_errors.h"

namespace muse::cf {

namespace {
using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
}  // namespace

void UserEase::fit(const Interactions& x, const ProgressFn& progress) {
  MUSE_CHECK_ARG(config_.lambda > 0, "user-EASE needs a positive lambda");
  MUSE_CHECK_ARG(x.rows() >= 1, "user-EASE needs at least one training row");
  MUSE_CHECK_ARG(x.rows() <= config_.max_users,
                 "user-EASE is dense in the users: {} rows is over the limit of {}", x.rows(),
                 config_.max_users);
  const int32_t n = x.rows();
  rows_ = x;
  columns_ = x.transpose();
  // Gram matrix X X^T, one row per thread: row u sums x_ui x_vi over the listeners v of each of
  // u's items (each thread writes only its own row).
  Mat g = Mat::Zero(n, n);
#pragma omp parallel for schedule(dynamic, 16)
  for (int32_t u = 0; u < n; ++u) {
    auto idx = x.row_indices(u);
    auto val = x.row_values(u);
    double* gu = g.data() + static_cast<size_t>(u) * n;
    for (size_t k = 0; k < idx.size(); ++k) {
      auto us = columns_.row_indices(idx[k]);
      auto vs = columns_.row_values(idx[k]);
      for (size_t j = 0; j < us.size(); ++j) gu[us[j]] += double(val[k]) * vs[j];
    }
  }
  if (progress) progress("user_ease", 1, 2);
  g.diagonal().array() += config_.lambda;
  // Factor in place (G + lambda I is positive definite), then P = its inverse: two n x n
  // matrices at the peak, not three.
  Eigen::LLT<Eigen::Ref<Mat>> llt(g);
  MUSE_CHECK(llt.info() == Eigen::Success, "user-EASE: X X^T + lambda I is not positive definite");
  p_.assign(static_cast<size_t>(n) * n, 0.0);
  Eigen::Map<Mat> p(p_.data(), n, n);
  p.setIdentity();
  llt.solveInPlace(p);
  training_rows_.index(x);
  if (progress) progress("user_ease", 2, 2);
}

void UserEase::score(std::span<const Query> queries, std::span<float> out) const {
  const int32_t n_users = rows_.rows();
  MUSE_CHECK(n_users > 0 && p_.size() == size_t(n_users) * n_users, "user-EASE model not fitted");
  const size_t n = static_cast<size_t>(rows_.cols());
  MUSE_CHECK_ARG(out.size() == queries.size() * n, "score buffer has {} values for {} x {}",
                 out.size(), queries.size(), n);
  Eigen::Map<const Mat> p(p_.data(), n_users, n_users);
  ParallelErrors errors;
#pragma omp parallel
  {
    Eigen::VectorXd s(n_users), w(n_users);
#pragma omp for schedule(dynamic, 8)
    for (size_t q = 0; q < queries.size(); ++q) {
      errors.run([&] {
        const Query& query = queries[q];
        float* o = out.data() + q * n;
        std::fill(o, o + n, 0.f);
        if (const int32_t u = training_rows_.find(query.items); u >= 0) {
          // The constrained solution for a training user: -P_uv / P_uu, self excluded.
          w = -p.row(u).transpose() / p(u, u);
          w[u] = 0;
        } else {
          s.setZero();
          for (size_t k = 0; k < query.items.size(); ++k) {
            const int32_t i = query.items[k];
            if (i < 0 || static_cast<size_t>(i) >= n) continue;
            auto us = columns_.row_indices(i);
            auto vs = columns_.row_values(i);
            for (size_t j = 0; j < us.size(); ++j) s[us[j]] += double(query.value(k)) * vs[j];
          }
          w.noalias() = p * s;
        }
        for (int32_t v = 0; v < n_users; ++v) {
          if (w[v] == 0) continue;
          const float wv = static_cast<float>(w[v]);
          auto idx = rows_.row_indices(v);
          auto val = rows_.row_values(v);
          for (size_t k = 0; k < idx.size(); ++k) o[idx[k]] += wv * val[k];
        }
      });
    }
  }
  errors.rethrow();
}

}  // namespace muse::cf
