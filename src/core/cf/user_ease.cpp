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
  // Gram matrix X X^T through the item columns: each item adds its listeners' pairwise products.
  Mat g = Mat::Zero(n, n);
  for (int32_t i = 0; i < columns_.rows(); ++i) {
    auto us = columns_.row_indices(i);
    auto vs = columns_.row_values(i);
    for (size_t a = 0; a < us.size(); ++a)
      for (size_t b = 0; b < us.size(); ++b) g(us[a], us[b]) += double(vs[a]) * vs[b];
  }
  if (progress) progress("user_ease", 1, 2);
  g.diagonal().array() += config_.lambda;
  Mat p = g.llt().solve(Mat::Identity(n, n));
  p_.assign(p.data(), p.data() + p.size());
  training_rows_.clear();
  for (int32_t u = 0; u < n; ++u) {
    auto items = distinct_items(x.row_indices(u), x.cols());
    if (!items.empty()) training_rows_.emplace(std::move(items), u);
  }
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
        auto items = distinct_items(query.items, rows_.cols());
        if (auto it = training_rows_.find(items); it != training_rows_.end()) {
          // The constrained solution for a training user: -P_uv / P_uu, self excluded.
          const int32_t u = it->second;
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
