#include "explore/layout.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "explore/random.h"
#include "index/exact_index.h"
#include "index/vector_index.h"
#include "util/error.h"

namespace muse::explore {
namespace {

/// Removes `self` from a row of k+1 results (or drops the farthest if self is absent, e.g.
/// hidden among exact duplicates) and writes k neighbours.
void strip_self(const index::idx_t* labels, const float* d2, int k, int64_t self, int32_t* out_idx,
                float* out_dist) {
  int w = 0;
  for (int i = 0; i <= k && w < k; ++i) {
    if (labels[i] == self) continue;
    if (labels[i] < 0) {
      out_idx[w] = static_cast<int32_t>(self);  // fewer points than k: pad with self at +inf
      out_dist[w++] = std::numeric_limits<float>::infinity();
      continue;
    }
    out_idx[w] = static_cast<int32_t>(labels[i]);
    out_dist[w++] = std::sqrt(std::max(0.f, d2[i]));
  }
}

/// x^p for x > 0 via log2/exp2 polynomials (relative error ~1e-5): std::pow dominated the
/// SGD inner loop, which evaluates the output kernel about a billion times on the catalogue.
inline float fast_pow(float x, float p) {
  int32_t bits;
  std::memcpy(&bits, &x, 4);
  const int e = ((bits >> 23) & 0xff) - 127;
  bits = (bits & 0x007fffff) | 0x3f800000;
  float m;
  std::memcpy(&m, &bits, 4);  // x = m * 2^e, m in [1, 2)
  const float t = (m - 1.f) / (m + 1.f), t2 = t * t;
  const float log2m =
      t * (2.885390082f + t2 * (0.961796694f + t2 * (0.577078016f + t2 * 0.412198583f)));
  float y = p * (static_cast<float>(e) + log2m);
  y = std::clamp(y, -126.f, 126.f);
  const float fi = std::floor(y), f = (y - fi) * 0.693147181f;
  const float ef =
      1.f +
      f * (1.f + f * (0.5f + f * (0.166666667f +
                                  f * (0.041666667f + f * (0.008333333f + f * 0.001388889f)))));
  int32_t ebits = (static_cast<int32_t>(fi) + 127) << 23;
  float scale;
  std::memcpy(&scale, &ebits, 4);
  return ef * scale;
}

}  // namespace

KnnGraph knn_graph(const RowMatrix& x, int k, const index::VectorIndex* index,
                   const ProgressFn& progress) {
  const int64_t n = x.rows();
  MUSE_CHECK_ARG(n >= 2, "a kNN graph needs at least 2 points, got {}", n);
  MUSE_CHECK_ARG(k >= 1 && k < n, "n_neighbors must be in 1..{}, got {}", n - 1, k);
  std::unique_ptr<index::ExactIndex> exact;
  if (!index) {
    exact = std::make_unique<index::ExactIndex>(static_cast<int>(x.cols()));
    exact->add(x.data(), n);
    index = exact.get();
  }
  MUSE_CHECK(index->size() == n && index->dim() == x.cols(),
             "index does not match the points ({} x {})", index->size(), index->dim());
  KnnGraph g;
  g.k = k;
  g.neighbors.resize(n * k);
  g.distances.resize(n * k);
  constexpr int64_t kChunk = 8192;
  for (int64_t s = 0; s < n; s += kChunk) {
    const int64_t len = std::min(kChunk, n - s);
    auto res = index->search(x.row(s).data(), len, k + 1);
    for (int64_t q = 0; q < len; ++q) {
      strip_self(&res.labels[q * (k + 1)], &res.distances[q * (k + 1)], k, s + q,
                 &g.neighbors[(s + q) * k], &g.distances[(s + q) * k]);
    }
    report(progress, "knn", s + len, n);
  }
  return g;
}

RowMatrix pca_layout(const RowMatrix& x) {
  MUSE_CHECK_ARG(x.rows() >= 1 && x.cols() >= 1, "PCA needs a non-empty matrix");
  const Eigen::RowVectorXd mean = x.cast<double>().colwise().mean();
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(x.cols(), x.cols());
  constexpr int64_t kBlock = 16384;
  for (int64_t s = 0; s < x.rows(); s += kBlock) {
    const int64_t len = std::min(kBlock, static_cast<int64_t>(x.rows()) - s);
    Eigen::MatrixXd c = x.middleRows(s, len).cast<double>().rowwise() - mean;
    cov.noalias() += c.transpose() * c;
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(cov);
  const int d = static_cast<int>(x.cols());
  Eigen::MatrixXf w(d, 2);
  for (int c = 0; c < 2; ++c) {
    Eigen::VectorXd v = Eigen::VectorXd::Zero(d);
    if (d - 1 - c >= 0) v = es.eigenvectors().col(d - 1 - c);
    // Fix the sign so the same data always gives the same picture.
    Eigen::Index arg;
    v.cwiseAbs().maxCoeff(&arg);
    if (v[arg] < 0) v = -v;
    w.col(c) = v.cast<float>();
  }
  RowMatrix out = (x.rowwise() - mean.cast<float>()) * w;
  return out;
}

RowMatrix umap_layout(const RowMatrix& x, const KnnGraph& graph, const UmapParams& p,
                      const ProgressFn& progress) {
  const int64_t n = x.rows();
  const int k = graph.k;
  MUSE_CHECK_ARG(n >= 2, "a layout needs at least 2 points, got {}", n);
  MUSE_CHECK_ARG(k >= 1 && static_cast<int64_t>(graph.neighbors.size()) == n * k,
                 "kNN graph has {} entries for {} points x {}", graph.neighbors.size(), n, k);
  MUSE_CHECK_ARG(p.negative_samples >= 0 && p.negative_samples <= 100,
                 "negative_samples must be 0..100");
  MUSE_CHECK_ARG(p.epochs >= 0 && p.epochs <= 5000, "epochs must be 0..5000");
  const int epochs = p.epochs > 0 ? p.epochs : (n > 10000 ? 200 : 500);

  // 1. Fuzzy membership of each directed kNN edge: exp(-(d - rho) / sigma), with sigma set so
  // that every point's memberships sum to log2(k) (UMAP's smooth_knn_dist).
  std::vector<float> w(n * k);
  double mean_all = 0;
  int64_t finite = 0;
  for (float d : graph.distances) {
    if (std::isfinite(d)) {
      mean_all += d;
      ++finite;
    }
  }
  mean_all = finite ? mean_all / finite : 1.0;
  const double target = std::log2(static_cast<double>(k));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float* d = &graph.distances[i * k];
    double rho = 0, mean_i = 0;
    int cnt = 0;
    for (int j = 0; j < k; ++j) {
      if (!std::isfinite(d[j])) continue;
      if (rho == 0 && d[j] > 0) rho = d[j];
      mean_i += d[j];
      ++cnt;
    }
    mean_i = cnt ? mean_i / cnt : 0;
    double lo = 0, hi = std::numeric_limits<double>::infinity(), mid = 1;
    for (int it = 0; it < 64; ++it) {
      double psum = 0;
      for (int j = 0; j < k; ++j) {
        if (!std::isfinite(d[j])) continue;
        double r = d[j] - rho;
        psum += r > 0 ? std::exp(-r / mid) : 1.0;
      }
      if (std::abs(psum - target) < 1e-5) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = std::isinf(hi) ? mid * 2 : (lo + hi) / 2;
      }
    }
    const double floor = 1e-3 * (rho > 0 ? mean_i : mean_all);
    const double sigma = std::max(mid, std::max(floor, 1e-12));
    for (int j = 0; j < k; ++j) {
      double r = d[j] - rho;
      w[i * k + j] = !std::isfinite(d[j]) || graph.neighbors[i * k + j] == i
                         ? 0.f
                         : static_cast<float>(r > 0 ? std::exp(-r / sigma) : 1.0);
    }
  }
  report(progress, "graph", 1, 3);

  // 2. Symmetrise: w = a + b - a*b over the union of both directions.
  struct Half {
    uint64_t key;  // (min << 32) | max
    float w;
  };
  std::vector<Half> halves;
  halves.reserve(n * k);
  for (int64_t i = 0; i < n; ++i) {
    for (int j = 0; j < k; ++j) {
      const float wij = w[i * k + j];
      if (wij <= 0) continue;
      uint64_t a = static_cast<uint64_t>(i), b = static_cast<uint64_t>(graph.neighbors[i * k + j]);
      halves.push_back({(std::min(a, b) << 32) | std::max(a, b), wij});
    }
  }
  std::sort(halves.begin(), halves.end(),
            [](const Half& a, const Half& b) { return a.key < b.key; });
  struct Edge {
    int32_t head, tail;
    float w;
  };
  std::vector<Edge> undirected;
  for (size_t s = 0; s < halves.size();) {
    size_t e = s + 1;
    float v = halves[s].w;
    while (e < halves.size() && halves[e].key == halves[s].key) {
      v = v + halves[e].w - v * halves[e].w;
      ++e;
    }
    undirected.push_back({static_cast<int32_t>(halves[s].key >> 32),
                          static_cast<int32_t>(halves[s].key & 0xffffffffu), v});
    s = e;
  }
  halves.clear();
  halves.shrink_to_fit();
  float max_w = 0;
  for (const auto& e : undirected) max_w = std::max(max_w, e.w);
  // Both directions, grouped by head (counting sort) so threads touch mostly their own points.
  std::vector<int64_t> start(n + 1, 0);
  int64_t kept = 0;
  for (const auto& e : undirected) {
    if (e.w < max_w / epochs) continue;
    ++start[e.head + 1];
    ++start[e.tail + 1];
    kept += 2;
  }
  for (int64_t i = 0; i < n; ++i) start[i + 1] += start[i];
  std::vector<Edge> edges(kept);
  {
    std::vector<int64_t> pos(start.begin(), start.end() - 1);
    for (const auto& e : undirected) {
      if (e.w < max_w / epochs) continue;
      edges[pos[e.head]++] = {e.head, e.tail, e.w};
      edges[pos[e.tail]++] = {e.tail, e.head, e.w};
    }
  }
  undirected.clear();
  undirected.shrink_to_fit();
  report(progress, "graph", 2, 3);

  // 3. Initialise from PCA, scaled to [-10, 10], with a little seeded jitter to split duplicates.
  RowMatrix y = pca_layout(x);
  {
    const float m = y.cwiseAbs().maxCoeff();
    if (m > 0) y *= 10.f / m;
    SplitMix64 rng(mix_seed(p.seed, 7));
    for (int64_t i = 0; i < n; ++i) {
      y(i, 0) += static_cast<float>((rng.uniform() - 0.5) * 1e-3);
      y(i, 1) += static_cast<float>((rng.uniform() - 0.5) * 1e-3);
    }
  }
  report(progress, "graph", 3, 3);

  // 4. SGD: attract along edges (each sampled in proportion to its weight), repel from
  // random points (negative sampling), with a linearly decaying learning rate.
  const int64_t m = static_cast<int64_t>(edges.size());
  std::vector<float> eps(m), next_sample(m), eps_neg(m), next_neg(m);
  for (int64_t e = 0; e < m; ++e) {
    eps[e] = max_w / edges[e].w;
    next_sample[e] = eps[e];
    eps_neg[e] = p.negative_samples > 0 ? eps[e] / p.negative_samples : 0.f;
    next_neg[e] = eps_neg[e];
  }
  const float a = p.a, b = p.b;
  float* Y = y.data();
  auto clip = [](float v) { return std::clamp(v, -4.f, 4.f); };
  for (int epoch = 0; epoch < epochs; ++epoch) {
    const float alpha = p.learning_rate * (1.f - static_cast<float>(epoch) / epochs);
    const uint64_t epoch_seed = mix_seed(p.seed, 1000 + epoch);
    // Dynamic chunks: on a shared machine a descheduled thread must not hold up the epoch.
#pragma omp parallel for schedule(dynamic, 8192)
    for (int64_t e = 0; e < m; ++e) {
      if (next_sample[e] > epoch) continue;
      const int32_t j = edges[e].head, t = edges[e].tail;
      float* cur = Y + 2 * static_cast<int64_t>(j);
      float* oth = Y + 2 * static_cast<int64_t>(t);
      float dx = cur[0] - oth[0], dy = cur[1] - oth[1];
      float d2 = dx * dx + dy * dy;
      if (d2 > 0) {
        const float pb = fast_pow(d2, b);
        const float g = -2.f * a * b * pb / d2 / (a * pb + 1.f);
        const float gx = clip(g * dx) * alpha, gy = clip(g * dy) * alpha;
        cur[0] += gx;
        cur[1] += gy;
        oth[0] -= gx;
        oth[1] -= gy;
      }
      next_sample[e] += eps[e];
      if (eps_neg[e] <= 0) continue;
      const int n_neg = static_cast<int>((epoch - next_neg[e]) / eps_neg[e]);
      uint64_t state = epoch_seed ^ (static_cast<uint64_t>(e) * 0x9e3779b97f4a7c15ull);
      for (int s = 0; s < n_neg; ++s) {
        const int64_t r = static_cast<int64_t>(splitmix64(state) % static_cast<uint64_t>(n));
        if (r == j) continue;
        const float* o = Y + 2 * r;
        dx = cur[0] - o[0];
        dy = cur[1] - o[1];
        d2 = dx * dx + dy * dy;
        float gx = 4.f, gy = 4.f;
        if (d2 > 0) {
          const float g = 2.f * b / ((0.001f + d2) * (a * fast_pow(d2, b) + 1.f));
          gx = clip(g * dx);
          gy = clip(g * dy);
        }
        cur[0] += gx * alpha;
        cur[1] += gy * alpha;
      }
      next_neg[e] += n_neg * eps_neg[e];
    }
    if ((epoch + 1) % 5 == 0 || epoch + 1 == epochs) report(progress, "layout", epoch + 1, epochs);
  }
  MUSE_CHECK(y.allFinite(), "layout diverged (non-finite coordinates)");
  return y;
}

double neighbourhood_preservation(const RowMatrix& high, const RowMatrix& low, int k, int sample,
                                  uint64_t seed) {
  const int64_t n = high.rows();
  MUSE_CHECK_ARG(low.rows() == n, "layouts differ in size: {} vs {}", n, low.rows());
  MUSE_CHECK_ARG(k >= 1 && k < n, "k must be in 1..{}, got {}", n - 1, k);
  MUSE_CHECK_ARG(sample >= 1, "sample must be positive, got {}", sample);
  // Seeded sample without replacement (partial Fisher-Yates).
  std::vector<int64_t> ids(n);
  std::iota(ids.begin(), ids.end(), 0);
  const int64_t s = std::min<int64_t>(sample, n);
  SplitMix64 rng(seed);
  for (int64_t i = 0; i < s; ++i) std::swap(ids[i], ids[i + rng.below(n - i)]);
  ids.resize(s);
  RowMatrix q(s, high.cols());
  for (int64_t i = 0; i < s; ++i) q.row(i) = high.row(ids[i]);
  index::ExactIndex ex(static_cast<int>(high.cols()));
  ex.add(high.data(), n);
  auto res = ex.search(q.data(), s, k + 1);
  std::vector<double> share(s);
#pragma omp parallel for schedule(dynamic, 16)
  for (int64_t i = 0; i < s; ++i) {
    std::vector<int32_t> hi(k);
    std::vector<float> hd(k);
    strip_self(&res.labels[i * (k + 1)], &res.distances[i * (k + 1)], k, ids[i], hi.data(),
               hd.data());
    std::vector<std::pair<float, int64_t>> d(n);
    const float px = low(ids[i], 0), py = low(ids[i], 1);
    for (int64_t r = 0; r < n; ++r) {
      const float dx = low(r, 0) - px, dy = low(r, 1) - py;
      d[r] = {r == ids[i] ? std::numeric_limits<float>::infinity() : dx * dx + dy * dy, r};
    }
    std::nth_element(d.begin(), d.begin() + k, d.end());
    int hit = 0;
    for (int a = 0; a < k; ++a) {
      for (int c = 0; c < k; ++c) hit += d[c].second == hi[a];
    }
    share[i] = static_cast<double>(hit) / k;
  }
  double sum = 0;
  for (double v : share) sum += v;
  return sum / s;
}

}  // namespace muse::explore
