#pragma once
/// k-means for micro-genres: k-means++ seeding (greedy, several candidates per step) and
/// Lloyd iterations whose distance step is one Eigen GEMM per block of rows. Results depend
/// only on the data, the parameters and the seed, not on the number of threads.
#include <cstdint>
#include <vector>

#include "catalog/feature_space.h"
#include "util/progress.h"

namespace muse::explore {

using catalog::RowMatrix;

struct KMeansParams {
  int k = 0;
  int max_iterations = 50;
  /// Independent k-means++ seedings + Lloyd runs; the lowest inertia wins.
  int restarts = 1;
  /// Stop when an iteration improves inertia by less than this fraction.
  double tolerance = 1e-4;
  uint64_t seed = 42;
  /// Candidates tried per k-means++ step (the best is kept); 0 = 2 + ln k.
  int init_trials = 0;
  /// Points k-means++ seeds from (a seeded random subset); 0 = max(10000, 32 k), capped at n.
  int64_t init_sample = 0;
};

struct KMeansResult {
  RowMatrix centroids;          ///< k x d
  std::vector<int32_t> labels;  ///< per row: index of its nearest centroid
  std::vector<uint32_t> sizes;  ///< members per cluster
  double inertia = 0;           ///< sum of squared distances to the assigned centroid
  int iterations = 0;           ///< Lloyd iterations of the winning restart
  int best_restart = 0;
  double init_seconds = 0;  ///< k-means++ seeding time of the winning restart
};

class KMeans {
 public:
  explicit KMeans(KMeansParams params);
  /// Throws kInvalidArgument for k <= 0, k > rows, an empty matrix or non-finite values.
  KMeansResult fit(const RowMatrix& x, const ProgressFn& progress = {}) const;
  const KMeansParams& params() const { return params_; }

  /// Nearest centroid (and its squared distance) of every row, in GEMM blocks.
  static void assign(const RowMatrix& x, const RowMatrix& centroids, int32_t* labels, float* dist2);
  /// k-means++ seeding alone (exposed for tests).
  /// `sample` > 0 seeds from that many random rows instead of all of them.
  static RowMatrix init_plus_plus(const RowMatrix& x, int k, int trials, uint64_t seed,
                                  int64_t sample = 0);

 private:
  KMeansParams params_;
};

/// Adjusted Rand index between two labelings of the same rows (1 = identical partitions).
double adjusted_rand_index(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

}  // namespace muse::explore
