#include "cf/user_knn.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "util/error.h"
#include "util/parallel_errors.h"

namespace muse::cf {

void UserKnn::fit(const Interactions& x, const ProgressFn& progress) {
  MUSE_CHECK_ARG(config_.neighbours >= 1, "user-kNN needs at least 1 neighbour");
  MUSE_CHECK_ARG(config_.exponent > 0, "user-kNN needs a positive exponent");
  std::vector<Triplet> t;
  t.reserve(x.nnz());
  for (int32_t r = 0; r < x.rows(); ++r) {
    double norm = 0;
    for (float v : x.row_values(r)) norm += double(v) * v;
    if (norm <= 0) continue;
    const float inv = static_cast<float>(1 / std::sqrt(norm));
    auto idx = x.row_indices(r);
    auto val = x.row_values(r);
    for (size_t k = 0; k < idx.size(); ++k) t.push_back({r, idx[k], val[k] * inv});
  }
  rows_ = Interactions::from_triplets(x.rows(), x.cols(), std::move(t));
  columns_ = rows_.transpose();
  if (progress) progress("user_knn", 1, 1);
}

void UserKnn::score(std::span<const Query> queries, std::span<float> out) const {
  const size_t n = static_cast<size_t>(rows_.cols());
  MUSE_CHECK_ARG(out.size() == queries.size() * n, "score buffer has {} values for {} x {}",
                 out.size(), queries.size(), n);
  ParallelErrors errors;
#pragma omp parallel
  {
    std::vector<float> sim(rows_.rows());
    std::vector<int32_t> order(rows_.rows());
#pragma omp for schedule(dynamic, 8)
    for (size_t q = 0; q < queries.size(); ++q) {
      errors.run([&] {
        const Query& query = queries[q];
        float* o = out.data() + q * n;
        std::fill(o, o + n, 0.f);
        std::fill(sim.begin(), sim.end(), 0.f);
        double norm = 0;
        for (size_t k = 0; k < query.items.size(); ++k)
          norm += double(query.value(k)) * query.value(k);
        if (norm <= 0) return;
        const float inv = static_cast<float>(1 / std::sqrt(norm));
        for (size_t k = 0; k < query.items.size(); ++k) {
          const int32_t i = query.items[k];
          if (i < 0 || static_cast<size_t>(i) >= n) continue;
          const float a = query.value(k) * inv;
          auto us = columns_.row_indices(i);
          auto vs = columns_.row_values(i);
          for (size_t j = 0; j < us.size(); ++j) sim[us[j]] += a * vs[j];
        }
        std::iota(order.begin(), order.end(), 0);
        const size_t kk = std::min<size_t>(config_.neighbours, order.size());
        std::nth_element(order.begin(), order.begin() + (kk - 1), order.end(),
                         [&](int32_t a, int32_t b) { return sim[a] > sim[b]; });
        for (size_t r = 0; r < kk; ++r) {
          const int32_t v = order[r];
          if (!(sim[v] > 0)) continue;
          const float w = config_.exponent == 1.f ? sim[v] : std::pow(sim[v], config_.exponent);
          auto idx = rows_.row_indices(v);
          auto val = rows_.row_values(v);
          for (size_t k = 0; k < idx.size(); ++k) o[idx[k]] += w * val[k];
        }
      });
    }
  }
  errors.rethrow();
}

}  // namespace muse::cf
