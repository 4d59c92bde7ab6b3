#include "explore/cooc_factors.h"

#include <cmath>

#include "cf/als.h"
#include "cf/interactions.h"
#include "util/error.h"

namespace muse::explore {

double total_variance(const RowMatrix& x) {
  if (x.rows() == 0) return 0;
  const Eigen::RowVectorXd mean = x.cast<double>().colwise().mean();
  double v = 0;
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    v += (x.col(j).cast<double>().array() - mean(j)).square().sum();
  return v / static_cast<double>(x.rows());
}

CoocEmbedding learn_cooc_factors(const std::vector<std::vector<uint32_t>>& playlists, size_t n_rows,
                                 const KnnGraph& graph, const CoocParams& p,
                                 const ProgressFn& progress) {
  MUSE_CHECK_ARG(n_rows > 0, "co-occurrence factors need a non-empty catalogue");
  MUSE_CHECK_ARG(n_rows < (1u << 31), "catalogue too large ({} rows)", n_rows);
  MUSE_CHECK_ARG(p.factors >= 1 && p.factors <= 256, "co-occurrence factors must be 1..256, got {}",
                 p.factors);
  MUSE_CHECK_ARG(p.iterations >= 1 && p.iterations <= 100,
                 "co-occurrence ALS iterations must be 1..100, got {}", p.iterations);
  MUSE_CHECK_ARG(p.impute_rounds >= 1 && p.impute_rounds <= 64, "impute rounds must be 1..64");
  MUSE_CHECK_ARG(graph.k > 0 && graph.neighbors.size() == n_rows * graph.k,
                 "the audio kNN graph has {} entries, expected {} rows x k", graph.neighbors.size(),
                 n_rows);
  const int f = p.factors;
  CoocEmbedding out;
  out.factors = RowMatrix::Zero(static_cast<Eigen::Index>(n_rows), f);

  std::vector<cf::Triplet> triplets;
  int32_t fitted = 0;
  for (size_t i = 0; i < playlists.size(); ++i) {
    const auto& pl = playlists[i];
    for (uint32_t r : pl)
      MUSE_CHECK_ARG(r < n_rows, "playlist {} has row {} outside the catalogue ({} rows)", i, r,
                     n_rows);
    if (pl.size() < 2) continue;
    for (uint32_t r : pl) triplets.push_back({fitted, static_cast<int32_t>(r), 1.f});
    ++fitted;
  }
  out.playlists = static_cast<size_t>(fitted);
  std::vector<uint8_t> have(n_rows, 0);
  if (fitted > 0) {
    // Duplicates within a playlist are summed by from_triplets; clamp them back to 1.
    auto x =
        cf::Interactions::from_triplets(fitted, static_cast<int32_t>(n_rows), std::move(triplets))
            .map_values([](float) { return 1.f; });
    cf::AlsConfig c;
    c.factors = f;
    c.iterations = p.iterations;
    c.regularization = p.regularization;
    c.alpha = p.alpha;
    c.seed = p.seed;
    cf::Als als(c);
    als.fit(x, progress);
    const auto& items = als.item_factors();
    const auto counts = x.col_counts();
    for (size_t r = 0; r < n_rows; ++r) {
      if (counts[r] == 0) continue;
      have[r] = 1;
      ++out.learned_rows;
      for (int j = 0; j < f; ++j) out.factors(r, j) = items[r * f + j];
    }
  }

  // Imputation: rows without factors take the mean of their audio neighbours that have some.
  if (out.learned_rows > 0) {
    std::vector<uint32_t> fresh;
    Eigen::RowVectorXf acc(f);
    for (int round = 0; round < p.impute_rounds; ++round) {
      fresh.clear();
      for (size_t r = 0; r < n_rows; ++r) {
        if (have[r]) continue;
        acc.setZero();
        int cnt = 0;
        for (int j = 0; j < graph.k; ++j) {
          const int32_t nb = graph.neighbors[r * graph.k + j];
          if (nb < 0 || static_cast<size_t>(nb) >= n_rows || !have[nb]) continue;
          acc += out.factors.row(nb);
          ++cnt;
        }
        if (cnt == 0) continue;
        out.factors.row(r) = acc / static_cast<float>(cnt);
        fresh.push_back(static_cast<uint32_t>(r));
      }
      for (uint32_t r : fresh) have[r] = 1;
      out.imputed_rows += fresh.size();
      report(progress, "impute", round + 1, p.impute_rounds);
      if (fresh.empty()) break;
    }
  }
  // Rows still without factors get the mean of the others: after centring, exactly zero.
  Eigen::RowVectorXf mean = Eigen::RowVectorXf::Zero(f);
  size_t with = 0;
  for (size_t r = 0; r < n_rows; ++r) {
    if (!have[r]) continue;
    mean += out.factors.row(r);
    ++with;
  }
  if (with > 0) mean /= static_cast<float>(with);
  for (size_t r = 0; r < n_rows; ++r) {
    if (have[r]) {
      out.factors.row(r) -= mean;
    } else {
      out.factors.row(r).setZero();
      ++out.fallback_rows;
    }
  }
  return out;
}

RowMatrix combine_features(const RowMatrix& audio, const RowMatrix& factors, float weight,
                           double* scale) {
  MUSE_CHECK_ARG(audio.rows() == factors.rows(), "audio has {} rows but factors {}", audio.rows(),
                 factors.rows());
  MUSE_CHECK_ARG(std::isfinite(weight) && weight >= 0 && weight <= 100,
                 "co-occurrence weight must be in 0..100, got {}", weight);
  const double va = total_variance(audio), vf = total_variance(factors);
  const double s = (weight > 0 && vf > 0) ? std::sqrt(weight * va / vf) : 0.0;
  if (scale) *scale = s;
  RowMatrix out(audio.rows(), audio.cols() + factors.cols());
  out.leftCols(audio.cols()) = audio;
  out.rightCols(factors.cols()) = factors * static_cast<float>(s);
  return out;
}

}  // namespace muse::explore
