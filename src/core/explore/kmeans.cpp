#include "explore/kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "explore/random.h"
#include "util/error.h"
#include "util/timer.h"

namespace muse::explore {
namespace {

constexpr int64_t kChunk = 4096;  // fixed work unit: partial sums combine in a fixed order

void check_input(const RowMatrix& x, int k) {
  MUSE_CHECK_ARG(x.rows() > 0 && x.cols() > 0, "k-means needs a non-empty matrix, got {} x {}",
                 x.rows(), x.cols());
  MUSE_CHECK_ARG(k > 0, "k must be positive, got {}", k);
  MUSE_CHECK_ARG(k <= x.rows(), "k = {} is larger than the number of points ({})", k, x.rows());
  MUSE_CHECK_ARG(x.allFinite(), "k-means input has non-finite values");
}

inline float sq_dist(const float* a, const float* b, int d) {
  float s = 0;
  for (int j = 0; j < d; ++j) {
    float t = a[j] - b[j];
    s += t * t;
  }
  return s;
}

/// Row index whose cumulative weight first exceeds `target` (chunk sums narrow the scan).
int64_t sample_index(const std::vector<float>& w, const std::vector<double>& chunk_sums,
                     double target) {
  const int64_t n = static_cast<int64_t>(w.size());
  int64_t c = 0;
  const int64_t nc = static_cast<int64_t>(chunk_sums.size());
  while (c + 1 < nc && target >= chunk_sums[c]) {
    target -= chunk_sums[c];
    ++c;
  }
  int64_t end = std::min(n, (c + 1) * kChunk);
  int64_t last_positive = -1;
  for (int64_t i = c * kChunk; i < end; ++i) {
    if (w[i] <= 0) continue;
    last_positive = i;
    target -= w[i];
    if (target < 0) return i;
  }
  if (last_positive >= 0) return last_positive;
  // Rounding pushed us past the chunk: take the last point with weight anywhere.
  for (int64_t i = n - 1; i >= 0; --i) {
    if (w[i] > 0) return i;
  }
  return 0;
}

}  // namespace

KMeans::KMeans(KMeansParams params) : params_(params) {
  MUSE_CHECK_ARG(params_.k > 0, "k must be positive, got {}", params_.k);
  MUSE_CHECK_ARG(params_.max_iterations >= 1 && params_.max_iterations <= 10000,
                 "max_iterations must be in 1..10000, got {}", params_.max_iterations);
  MUSE_CHECK_ARG(params_.restarts >= 1 && params_.restarts <= 100,
                 "restarts must be in 1..100, got {}", params_.restarts);
  MUSE_CHECK_ARG(params_.init_trials >= 0 && params_.init_trials <= 100,
                 "init_trials must be in 0..100, got {}", params_.init_trials);
  MUSE_CHECK_ARG(params_.init_sample >= 0, "init_sample must be >= 0, got {}", params_.init_sample);
}

void KMeans::assign(const RowMatrix& x, const RowMatrix& centroids, int32_t* labels, float* dist2) {
  MUSE_CHECK(x.cols() == centroids.cols(), "dimension mismatch {} vs {}", x.cols(),
             centroids.cols());
  const int64_t n = x.rows();
  const int k = static_cast<int>(centroids.rows());
  const Eigen::VectorXf cnorm = centroids.rowwise().squaredNorm();
  constexpr int64_t kBlock = 1024;
  const int64_t nb = (n + kBlock - 1) / kBlock;
#pragma omp parallel
  {
    RowMatrix dots;
#pragma omp for schedule(dynamic, 1)
    for (int64_t b = 0; b < nb; ++b) {
      const int64_t s = b * kBlock, len = std::min(kBlock, n - s);
      // Inside a parallel region Eigen's GEMM runs single-threaded, one block per thread.
      dots.noalias() = x.middleRows(s, len) * centroids.transpose();
      for (int64_t r = 0; r < len; ++r) {
        const float* row = dots.row(r).data();
        int best = 0;
        float best_v = std::numeric_limits<float>::infinity();
        for (int j = 0; j < k; ++j) {
          float v = cnorm[j] - 2.f * row[j];
          if (v < best_v) {
            best_v = v;
            best = j;
          }
        }
        labels[s + r] = best;
        if (dist2) dist2[s + r] = std::max(0.f, best_v + x.row(s + r).squaredNorm());
      }
    }
  }
}

RowMatrix KMeans::init_plus_plus(const RowMatrix& x, int k, int trials, uint64_t seed,
                                 int64_t sample) {
  check_input(x, k);
  const int d = static_cast<int>(x.cols());
  if (trials <= 0) trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  SplitMix64 rng(seed);
  // Seed from a random subset: the centres only need to cover the data well, and a subset
  // keeps this sequential phase short. Runs on one thread: k steps of small work each would
  // otherwise be dominated by thread barriers on a busy machine.
  RowMatrix sub;
  const RowMatrix* xs = &x;
  if (sample > 0 && sample < x.rows()) {
    MUSE_CHECK_ARG(sample >= k, "k-means++ sample ({}) must hold at least k = {} points", sample,
                   k);
    std::vector<int64_t> ids(x.rows());
    std::iota(ids.begin(), ids.end(), 0);
    for (int64_t i = 0; i < sample; ++i) std::swap(ids[i], ids[i + rng.below(x.rows() - i)]);
    ids.resize(sample);
    std::sort(ids.begin(), ids.end());
    sub.resize(sample, d);
    for (int64_t i = 0; i < sample; ++i) sub.row(i) = x.row(ids[i]);
    xs = &sub;
  }
  const int64_t n = xs->rows();
  RowMatrix c(k, d);
  c.row(0) = xs->row(static_cast<int64_t>(rng.below(n)));
  std::vector<float> d2(n), cd(static_cast<size_t>(n) * trials);
  for (int64_t i = 0; i < n; ++i) d2[i] = sq_dist(xs->row(i).data(), c.row(0).data(), d);
  std::vector<double> sums((n + kChunk - 1) / kChunk, 0.0);
  auto refresh_sums = [&] {
    for (size_t ch = 0; ch < sums.size(); ++ch) {
      double t = 0;
      for (int64_t i = ch * kChunk; i < std::min<int64_t>(n, (ch + 1) * kChunk); ++i) t += d2[i];
      sums[ch] = t;
    }
  };
  refresh_sums();
  std::vector<int64_t> cand(trials);
  std::vector<double> pot(trials);
  for (int ci = 1; ci < k; ++ci) {
    double total = 0;
    for (double s : sums) total += s;
    if (!(total > 0)) {
      // Every point coincides with a chosen centre (fewer distinct points than k).
      c.row(ci) = xs->row(static_cast<int64_t>(rng.below(n)));
      continue;
    }
    for (int t = 0; t < trials; ++t) cand[t] = sample_index(d2, sums, rng.uniform() * total);
    std::fill(pot.begin(), pot.end(), 0.0);
    for (int64_t i = 0; i < n; ++i) {
      const float* xi = xs->row(i).data();
      for (int t = 0; t < trials; ++t) {
        const float v = std::min(d2[i], sq_dist(xi, xs->row(cand[t]).data(), d));
        cd[i * trials + t] = v;
        pot[t] += v;
      }
    }
    const int best = static_cast<int>(std::min_element(pot.begin(), pot.end()) - pot.begin());
    c.row(ci) = xs->row(cand[best]);
    for (int64_t i = 0; i < n; ++i) d2[i] = cd[i * trials + best];
    refresh_sums();
  }
  return c;
}

KMeansResult KMeans::fit(const RowMatrix& x, const ProgressFn& progress) const {
  check_input(x, params_.k);
  const int64_t n = x.rows();
  const int d = static_cast<int>(x.cols());
  const int k = params_.k;
  const uint64_t total_steps =
      static_cast<uint64_t>(params_.restarts) * (params_.max_iterations + 1);
  KMeansResult best;
  best.inertia = std::numeric_limits<double>::infinity();
  std::vector<float> d2(n);
  for (int r = 0; r < params_.restarts; ++r) {
    const uint64_t base = static_cast<uint64_t>(r) * (params_.max_iterations + 1);
    KMeansResult cur;
    Timer init_timer;
    const int64_t sample =
        params_.init_sample > 0 ? params_.init_sample : std::max<int64_t>(10000, 32ll * k);
    cur.centroids = init_plus_plus(x, k, params_.init_trials, mix_seed(params_.seed, r), sample);
    cur.init_seconds = init_timer.seconds();
    report(progress, "kmeans", base + 1, total_steps);
    cur.labels.assign(n, -1);
    std::vector<int32_t> prev(n, -1);
    double prev_inertia = std::numeric_limits<double>::infinity();
    bool converged = false;
    for (int it = 0; it < params_.max_iterations; ++it) {
      assign(x, cur.centroids, cur.labels.data(), d2.data());
      cur.iterations = it + 1;
      double inertia = 0;
      for (float v : d2) inertia += v;
      int64_t changes = 0;
      for (int64_t i = 0; i < n; ++i) changes += cur.labels[i] != prev[i];
      if (it > 0 &&
          (changes == 0 || (prev_inertia - inertia) <= params_.tolerance * prev_inertia)) {
        converged = true;
        break;
      }
      prev_inertia = inertia;
      prev = cur.labels;
      // M-step in double, serially: the sum order is fixed, so results do not depend on threads.
      Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(k, d);
      std::vector<int64_t> count(k, 0);
      for (int64_t i = 0; i < n; ++i) {
        const int l = cur.labels[i];
        ++count[l];
        for (int j = 0; j < d; ++j) sum(l, j) += x(i, j);
      }
      std::vector<int64_t> far;  // empty clusters take the points farthest from their centres
      for (int l = 0; l < k; ++l) {
        if (count[l] > 0) {
          for (int j = 0; j < d; ++j)
            cur.centroids(l, j) = static_cast<float>(sum(l, j) / count[l]);
          continue;
        }
        if (far.empty()) {
          far.resize(n);
          std::iota(far.begin(), far.end(), 0);
          std::stable_sort(far.begin(), far.end(),
                           [&](int64_t a, int64_t b) { return d2[a] > d2[b]; });
          std::reverse(far.begin(), far.end());  // pop_back() yields the farthest first
        }
        cur.centroids.row(l) = x.row(far.back());
        far.pop_back();
      }
      report(progress, "kmeans", base + 1 + it + 1, total_steps);
    }
    if (!converged) assign(x, cur.centroids, cur.labels.data(), d2.data());
    cur.inertia = 0;
    for (float v : d2) cur.inertia += v;
    if (cur.inertia < best.inertia) {
      best = std::move(cur);
      best.best_restart = r;
    }
  }
  best.sizes.assign(k, 0);
  for (int32_t l : best.labels) ++best.sizes[l];
  report(progress, "kmeans", total_steps, total_steps);
  return best;
}

double adjusted_rand_index(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  MUSE_CHECK_ARG(a.size() == b.size(), "labelings differ in length: {} vs {}", a.size(), b.size());
  const double n = static_cast<double>(a.size());
  if (a.size() < 2) return 1.0;
  std::map<std::pair<int32_t, int32_t>, int64_t> cont;
  std::map<int32_t, int64_t> ra, rb;
  for (size_t i = 0; i < a.size(); ++i) {
    ++cont[{a[i], b[i]}];
    ++ra[a[i]];
    ++rb[b[i]];
  }
  auto c2 = [](double v) { return v * (v - 1) / 2; };
  double sij = 0, sa = 0, sb = 0;
  for (auto& [key, v] : cont) sij += c2(v);
  for (auto& [key, v] : ra) sa += c2(v);
  for (auto& [key, v] : rb) sb += c2(v);
  const double expected = sa * sb / c2(n);
  const double max_index = (sa + sb) / 2;
  if (max_index == expected) return 1.0;
  return (sij - expected) / (max_index - expected);
}

}  // namespace muse::explore
