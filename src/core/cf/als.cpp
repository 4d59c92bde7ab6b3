#include "cf/als.h"

#include <omp.h>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

#include "util/binary_file.h"
#include "util/error.h"
#include "util/timer.h"

namespace muse::cf {
namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

[[gnu::always_inline]] inline float dot(const float* __restrict a, const float* __restrict b,
                                        int f) {
  float s = 0.f;
#pragma omp simd reduction(+ : s)
  for (int i = 0; i < f; ++i) s += a[i] * b[i];
  return s;
}

[[gnu::always_inline]] inline void axpy(float* __restrict y, const float* __restrict x, float a,
                                        int f) {
#pragma omp simd
  for (int i = 0; i < f; ++i) y[i] += a * x[i];
}

/// out = G v for a symmetric f x f G (sum of scaled rows: no reductions, vectorises).
[[gnu::always_inline]] inline void symv(const float* __restrict g, const float* __restrict v,
                                        float* __restrict out, int f) {
  for (int i = 0; i < f; ++i) out[i] = 0.f;
  for (int j = 0; j < f; ++j) axpy(out, g + static_cast<size_t>(j) * f, v[j], f);
}

struct SolveArgs {
  float* x;  // rows being solved, n x f
  const int64_t* indptr;
  const int32_t* idx;
  const float* val;
  const float* y;     // fixed side, m x f
  const float* gram;  // Y^T Y + reg I, f x f
  int f;
  float alpha;
  int steps;
  const float* extra_reg;  // per row, added to the Gram's reg (nullptr = none)
};

/// Generic kernel (any factor count): scalar loops the compiler may vectorise.
void cg_rows_generic(const SolveArgs& a, int32_t begin, int32_t end, float* scratch) {
  const int f = a.f;
  float* r = scratch;
  float* p = r + f;
  float* ap = p + f;
  for (int32_t u = begin; u < end; ++u) {
    const int64_t s = a.indptr[u];
    const int n = static_cast<int>(a.indptr[u + 1] - s);
    float* x = a.x + static_cast<size_t>(u) * f;
    if (n == 0) {
      for (int i = 0; i < f; ++i) x[i] = 0.f;
      continue;
    }
    // r = b - A x with A = G + Y_u^T W Y_u, b = Y_u^T (1 + w).
    symv(a.gram, x, r, f);
    const float dr = a.extra_reg ? a.extra_reg[u] : 0.f;
    for (int i = 0; i < f; ++i) r[i] = -r[i] - dr * x[i];
    for (int k = 0; k < n; ++k) {
      const float* yk = a.y + static_cast<size_t>(a.idx[s + k]) * f;
      const float w = a.alpha * a.val[s + k];
      axpy(r, yk, 1.f + w * (1.f - dot(yk, x, f)), f);
    }
    for (int i = 0; i < f; ++i) p[i] = r[i];
    float rs = dot(r, r, f);
    for (int it = 0; it < a.steps; ++it) {
      if (rs < 1e-20f) break;
      symv(a.gram, p, ap, f);
      for (int i = 0; i < f; ++i) ap[i] += dr * p[i];
      for (int k = 0; k < n; ++k) {
        const float* yk = a.y + static_cast<size_t>(a.idx[s + k]) * f;
        axpy(ap, yk, a.alpha * a.val[s + k] * dot(yk, p, f), f);
      }
      float pap = dot(p, ap, f);
      if (!(pap > 0.f)) break;
      float step = rs / pap;
      axpy(x, p, step, f);
      axpy(r, ap, -step, f);
      float rsn = dot(r, r, f);
      float beta = rsn / rs;
      for (int i = 0; i < f; ++i) p[i] = r[i] + beta * p[i];
      rs = rsn;
    }
  }
}

// Fixed-size kernels for 32/64/128/256 factors. A row is F / L vectors of the widest native
// type (GCC vector extensions: 16 floats under AVX-512, 8 under AVX2, 4 otherwise). One
// 16-float type for every target was 7x slower under AVX2: GCC split it through the stack.
// Rows of the fixed side are read in place through the CSR indices (sorted, so large rows
// stream), and each CG step makes one fused pass over them: t_k = w_k (y_k . p), ap += t_k y_k.
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float V16 __attribute__((vector_size(64)));
typedef float V8 __attribute__((vector_size(32)));
typedef float V4 __attribute__((vector_size(16)));

template <class V>
constexpr int kLanes = static_cast<int>(sizeof(V) / sizeof(float));

template <class V>
[[gnu::always_inline]] inline V vload(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
[[gnu::always_inline]] inline void vstore(float* p, V v) {
  std::memcpy(p, &v, sizeof v);
}
template <class V>
[[gnu::always_inline]] inline V splat(float s) {
  return V{} + s;
}
[[gnu::always_inline]] inline float hsum(V4 v) { return (v[0] + v[2]) + (v[1] + v[3]); }
[[gnu::always_inline]] inline float hsum(V8 v) {
  return hsum(V4{v[0], v[1], v[2], v[3]} + V4{v[4], v[5], v[6], v[7]});
}
[[gnu::always_inline]] inline float hsum(V16 v) {
  return hsum(V8{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]} +
              V8{v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]});
}

/// y . v with two accumulators (halves the FMA dependency chain).
template <class V, int NV>
[[gnu::always_inline]] inline float vdot(const float* __restrict y, const V* v) {
  constexpr int L = kLanes<V>;
  V a0 = vload<V>(y) * v[0], a1{};
#pragma GCC unroll 64
  for (int j = 1; j < NV; ++j) {
    if (j % 2)
      a1 += vload<V>(y + L * j) * v[j];
    else
      a0 += vload<V>(y + L * j) * v[j];
  }
  return hsum(a0 + a1);
}

template <class V, int NV>
[[gnu::always_inline]] inline float vdot(const V* a, const V* b) {
  V acc = a[0] * b[0];
#pragma GCC unroll 64
  for (int j = 1; j < NV; ++j) acc += a[j] * b[j];
  return hsum(acc);
}

/// out = G v (G symmetric, row-major): two accumulator sets halve the FMA dependency chains.
template <class V, int NV>
[[gnu::always_inline]] inline void vsymv(const float* __restrict g, const V* v, V* out) {
  constexpr int L = kLanes<V>;
  constexpr int F = NV * L;
  V a0[NV], a1[NV];
  float vs[F];
  std::memcpy(vs, v, sizeof vs);
#pragma GCC unroll 64
  for (int i = 0; i < NV; ++i) a0[i] = a1[i] = V{};
  for (int j = 0; j < F; j += 2) {
    const V s0 = splat<V>(vs[j]), s1 = splat<V>(vs[j + 1]);
    const float* g0 = g + static_cast<size_t>(j) * F;
#pragma GCC unroll 64
    for (int i = 0; i < NV; ++i) {
      a0[i] += vload<V>(g0 + L * i) * s0;
      a1[i] += vload<V>(g0 + F + L * i) * s1;
    }
  }
#pragma GCC unroll 64
  for (int i = 0; i < NV; ++i) out[i] = a0[i] + a1[i];
}

/// Requests row idx[k + kAhead] of y (F floats) into cache while row k is being used.
template <int F>
[[gnu::always_inline]] inline void prefetch_row(const float* y, const int32_t* idx, int k, int n) {
  constexpr int kAhead = 6;
  if (k + kAhead < n) {
    const float* r = y + static_cast<size_t>(idx[k + kAhead]) * F;
#pragma GCC unroll 16
    for (int j = 0; j < F; j += 16) __builtin_prefetch(r + j);
  }
}

template <class V, int F>
[[gnu::always_inline]] inline void cg_rows_fixed(const SolveArgs& a, int32_t begin, int32_t end) {
  constexpr int L = kLanes<V>;
  constexpr int NV = F / L;
  static_assert(F % L == 0);
  const float* __restrict y = a.y;
  for (int32_t u = begin; u < end; ++u) {
    const int64_t s = a.indptr[u];
    const int n = static_cast<int>(a.indptr[u + 1] - s);
    const int32_t* idx = a.idx + s;
    const float* val = a.val + s;
    float* xu = a.x + static_cast<size_t>(u) * F;
    V x[NV], r[NV], p[NV], ap[NV];
    if (n == 0) {
#pragma GCC unroll 64
      for (int i = 0; i < NV; ++i) vstore(xu + L * i, V{});
      continue;
    }
#pragma GCC unroll 64
    for (int i = 0; i < NV; ++i) x[i] = vload<V>(xu + L * i);
    // r = b - A x = Y_u^T (1 + w - w (Y_u x)) - G x.
    vsymv<V, NV>(a.gram, x, r);
    const V dr = splat<V>(a.extra_reg ? a.extra_reg[u] : 0.f);
#pragma GCC unroll 64
    for (int i = 0; i < NV; ++i) r[i] = -r[i] - dr * x[i];
    for (int k = 0; k < n; ++k) {
      prefetch_row<F>(y, idx, k, n);
      const float* yk = y + static_cast<size_t>(idx[k]) * F;
      const float w = a.alpha * val[k];
      const V c = splat<V>(1.f + w * (1.f - vdot<V, NV>(yk, x)));
#pragma GCC unroll 64
      for (int i = 0; i < NV; ++i) r[i] += vload<V>(yk + L * i) * c;
    }
#pragma GCC unroll 64
    for (int i = 0; i < NV; ++i) p[i] = r[i];
    float rs = vdot<V, NV>(r, r);
    for (int it = 0; it < a.steps; ++it) {
      if (rs < 1e-20f) break;
      vsymv<V, NV>(a.gram, p, ap);
#pragma GCC unroll 64
      for (int i = 0; i < NV; ++i) ap[i] += dr * p[i];
      for (int k = 0; k < n; ++k) {
        prefetch_row<F>(y, idx, k, n);
        const float* yk = y + static_cast<size_t>(idx[k]) * F;
        const V t = splat<V>(a.alpha * val[k] * vdot<V, NV>(yk, p));
#pragma GCC unroll 64
        for (int i = 0; i < NV; ++i) ap[i] += vload<V>(yk + L * i) * t;
      }
      const float pap = vdot<V, NV>(p, ap);
      if (!(pap > 0.f)) break;
      const float step = rs / pap;
      const V st = splat<V>(step);
#pragma GCC unroll 64
      for (int i = 0; i < NV; ++i) {
        x[i] += p[i] * st;
        r[i] -= ap[i] * st;
      }
      const float rsn = vdot<V, NV>(r, r);
      const V beta = splat<V>(rsn / rs);
#pragma GCC unroll 64
      for (int i = 0; i < NV; ++i) p[i] = r[i] + beta * p[i];
      rs = rsn;
    }
#pragma GCC unroll 64
    for (int i = 0; i < NV; ++i) vstore(xu + L * i, x[i]);
  }
}

// One instance per instruction set, chosen at run time by CPU features (target_clones with
// "arch=" would dispatch on the exact CPU model and fall back to SSE2 on newer ones).
#define MUSE_CG_VARIANTS(F)                                                                    \
  __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma"))) void cg_rows_avx512_##F(       \
      const SolveArgs& a, int32_t begin, int32_t end) {                                        \
    cg_rows_fixed<V16, F>(a, begin, end);                                                      \
  }                                                                                            \
  __attribute__((target("avx2,fma"))) void cg_rows_avx2_##F(const SolveArgs& a, int32_t begin, \
                                                            int32_t end) {                     \
    cg_rows_fixed<V8, F>(a, begin, end);                                                       \
  }                                                                                            \
  void cg_rows_base_##F(const SolveArgs& a, int32_t begin, int32_t end) {                      \
    cg_rows_fixed<V4, F>(a, begin, end);                                                       \
  }                                                                                            \
  void cg_rows_##F(const SolveArgs& a, int32_t begin, int32_t end) {                           \
    static const int level = simd_level();                                                     \
    if (level == 2) return cg_rows_avx512_##F(a, begin, end);                                  \
    if (level == 1) return cg_rows_avx2_##F(a, begin, end);                                    \
    cg_rows_base_##F(a, begin, end);                                                           \
  }

int simd_level() {
  __builtin_cpu_init();
  int level = 0;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq"))
    level = 2;
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    level = 1;
  // MUSE_SIMD=0/1 forces a narrower kernel (tests and benchmarks of the other paths); never a
  // wider one than the CPU has.
  if (const char* forced = std::getenv("MUSE_SIMD")) level = std::min(level, std::atoi(forced));
  return level;
}

MUSE_CG_VARIANTS(32)
MUSE_CG_VARIANTS(64)
MUSE_CG_VARIANTS(128)
MUSE_CG_VARIANTS(256)
#undef MUSE_CG_VARIANTS

void cg_rows(const SolveArgs& a, int32_t begin, int32_t end, float* scratch) {
  switch (a.f) {
    case 32:
      return cg_rows_32(a, begin, end);
    case 64:
      return cg_rows_64(a, begin, end);
    case 128:
      return cg_rows_128(a, begin, end);
    case 256:
      return cg_rows_256(a, begin, end);
    default:
      return cg_rows_generic(a, begin, end, scratch);
  }
}

/// Y^T Y + reg I. Each thread multiplies its own block of rows and the partial products are
/// summed: Eigen's own parallel GEMM synchronises its threads by spinning, which on a loaded
/// machine (a thread descheduled mid-product) cost more than the whole CG half-step.
std::vector<float> gram(const Als::FactorVector& y, int32_t rows, int f, float reg) {
  Eigen::MatrixXf total = Eigen::MatrixXf::Zero(f, f);
#pragma omp parallel
  {
    const int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t b = rows * t / nt, e = rows * (t + 1) / nt;
    Eigen::MatrixXf local = Eigen::MatrixXf::Zero(f, f);
    if (e > b) {
      Eigen::Map<const RowMat> m(y.data() + b * f, e - b, f);
      local.noalias() = m.transpose() * m;  // nested in a parallel region: single-threaded
    }
#pragma omp critical(muse_als_gram)
    total += local;
  }
  total.diagonal().array() += reg;
  return std::vector<float>(total.data(), total.data() + static_cast<size_t>(f) * f);
}

void solve_side(Als::FactorVector& x, const Interactions& m, const Als::FactorVector& y,
                int32_t y_rows, const AlsConfig& c, const std::vector<float>* extra_reg) {
  const int f = c.factors;
  auto g = gram(y, y_rows, f, c.regularization);
  SolveArgs a{x.data(),
              m.indptr().data(),
              m.indices().data(),
              m.values().data(),
              y.data(),
              g.data(),
              f,
              c.alpha,
              c.cg_steps,
              extra_reg && !extra_reg->empty() ? extra_reg->data() : nullptr};
  const int32_t n = m.rows();
  constexpr int32_t kChunk = 256;
#pragma omp parallel
  {
    std::vector<float> scratch(3 * static_cast<size_t>(f));
#pragma omp for schedule(dynamic, 1)
    for (int32_t b = 0; b < n; b += kChunk) cg_rows(a, b, std::min(n, b + kChunk), scratch.data());
  }
}

}  // namespace

void Als::init(int32_t n_users, int32_t n_items) {
  MUSE_CHECK_ARG(config_.factors >= 1 && config_.factors <= 1024,
                 "ALS factors must be 1..1024, got {}", config_.factors);
  MUSE_CHECK_ARG(config_.regularization >= 0, "ALS regularisation must be >= 0");
  MUSE_CHECK_ARG(config_.alpha >= 0, "ALS alpha must be >= 0");
  MUSE_CHECK_ARG(config_.cg_steps >= 1, "ALS needs at least one CG step");
  n_users_ = n_users;
  n_items_ = n_items;
  std::mt19937_64 rng(config_.seed);
  std::uniform_real_distribution<float> dist(0.f, 0.01f);
  users_.resize(static_cast<size_t>(n_users) * config_.factors);
  items_.resize(static_cast<size_t>(n_items) * config_.factors);
  for (auto& v : users_) v = dist(rng);
  for (auto& v : items_) v = dist(rng);
}

double Als::iterate(const Interactions& x, const Interactions& xt) {
  Timer t;
  if (config_.item_reg_exponent != 0.f &&
      item_extra_reg_.size() != static_cast<size_t>(xt.rows())) {
    // reg_i = reg * ((n_i + 1) / (mean n + 1))^exponent, as the extra over the shared reg.
    double mean = 0;
    for (int32_t i = 0; i < xt.rows(); ++i) mean += static_cast<double>(xt.row_size(i));
    mean /= std::max<int32_t>(1, xt.rows());
    item_extra_reg_.resize(xt.rows());
    for (int32_t i = 0; i < xt.rows(); ++i)
      item_extra_reg_[i] = static_cast<float>(
          config_.regularization *
          (std::pow((xt.row_size(i) + 1.0) / (mean + 1.0), config_.item_reg_exponent) - 1.0));
  }
  solve_side(users_, x, items_, n_items_, config_, nullptr);
  solve_side(items_, xt, users_, n_users_, config_, &item_extra_reg_);
  return t.seconds();
}

void Als::fit(const Interactions& x, const ProgressFn& progress) {
  MUSE_CHECK_ARG(config_.iterations >= 1, "ALS needs at least one iteration");
  for (float v : x.values())
    MUSE_CHECK_ARG(v >= 0 && std::isfinite(v), "ALS needs non-negative values");
  init(x.rows(), x.cols());
  item_extra_reg_.clear();
  Interactions xt = x.transpose();
  for (int it = 0; it < config_.iterations; ++it) {
    iterate(x, xt);
    report(progress, "als", it + 1, config_.iterations);
  }
  update_gram();
}

void Als::update_gram() {
  const int f = config_.factors;
  Eigen::Map<const RowMat> y(items_.data(), n_items_, f);
  Eigen::MatrixXd g = (y.transpose() * y).cast<double>();
  g.diagonal().array() += config_.regularization;
  gram_.assign(g.data(), g.data() + static_cast<size_t>(f) * f);
}

void Als::score(std::span<const Query> queries, std::span<float> out) const {
  const int f = config_.factors;
  const size_t n = static_cast<size_t>(n_items_);
  MUSE_CHECK(out.size() == queries.size() * n, "score buffer size");
  MUSE_CHECK(items_.size() == n * f, "ALS model not fitted");
  Eigen::Map<const RowMat> y(items_.data(), n_items_, f);
  MUSE_CHECK(gram_.size() == static_cast<size_t>(f) * f, "ALS Gram matrix missing");
  Eigen::Map<const Eigen::MatrixXd> g(gram_.data(), f, f);
#pragma omp parallel for schedule(dynamic, 4) if (queries.size() > 1)
  for (size_t q = 0; q < queries.size(); ++q) {
    Eigen::MatrixXd a = g;
    Eigen::VectorXd b = Eigen::VectorXd::Zero(f);
    const auto& qu = queries[q];
    for (size_t k = 0; k < qu.items.size(); ++k) {
      int32_t i = qu.items[k];
      if (i < 0 || static_cast<size_t>(i) >= n) continue;
      Eigen::VectorXd yi = y.row(i).transpose().cast<double>();
      double w = config_.alpha * qu.value(k);
      a.selfadjointView<Eigen::Lower>().rankUpdate(yi, w);
      b += (1.0 + w) * yi;
    }
    a.triangularView<Eigen::StrictlyUpper>() = a.transpose();
    Eigen::VectorXf xu = a.llt().solve(b).cast<float>();
    Eigen::Map<Eigen::VectorXf> o(out.data() + q * n, n_items_);
    o.noalias() = y * xu;
  }
}

double Als::loss(const Interactions& x) const {
  const int f = config_.factors;
  Eigen::Map<const RowMat> y(items_.data(), n_items_, f);
  Eigen::MatrixXd g = (y.transpose() * y).cast<double>();
  double total = 0;
#pragma omp parallel for reduction(+ : total) schedule(dynamic, 256)
  for (int32_t u = 0; u < x.rows(); ++u) {
    Eigen::Map<const Eigen::VectorXf> xu(users_.data() + static_cast<size_t>(u) * f, f);
    Eigen::VectorXd xd = xu.cast<double>();
    double l = xd.dot(g * xd);
    auto idx = x.row_indices(u);
    auto val = x.row_values(u);
    for (size_t k = 0; k < idx.size(); ++k) {
      double s = y.row(idx[k]).dot(xu);
      double c = 1.0 + config_.alpha * val[k];
      l += c * (1 - s) * (1 - s) - s * s;
    }
    total += l;
  }
  double reg = 0;
  for (float v : users_) reg += double(v) * v;
  for (float v : items_) reg += double(v) * v;
  return total + config_.regularization * reg;
}

void Als::save(const std::filesystem::path& path, uint64_t fingerprint) const {
  BinaryWriter w(path, kMagic, kVersion, fingerprint);
  w.write<int32_t>(config_.factors);
  w.write<float>(config_.regularization);
  w.write<float>(config_.alpha);
  w.write<int32_t>(config_.iterations);
  w.write<int32_t>(config_.cg_steps);
  w.write<int32_t>(n_items_);
  w.write_vector(std::vector<float>(items_.begin(), items_.end()));
  w.commit();
}

Als Als::load(const std::filesystem::path& path) {
  BinaryReader r(path, kMagic, kVersion);
  AlsConfig c;
  c.factors = r.read<int32_t>();
  c.regularization = r.read<float>();
  c.alpha = r.read<float>();
  c.iterations = r.read<int32_t>();
  c.cg_steps = r.read<int32_t>();
  int32_t n_items = r.read<int32_t>();
  if (c.factors < 1 || c.factors > 1024 || n_items < 0) {
    MUSE_THROW(ErrorCode::kDataLoss, "{}: implausible ALS header ({} factors, {} items)",
               path.string(), c.factors, n_items);
  }
  Als m(c);
  {
    auto v = r.read_vector<float>();
    m.items_.assign(v.begin(), v.end());
  }
  if (m.items_.size() != static_cast<size_t>(n_items) * c.factors) {
    MUSE_THROW(ErrorCode::kDataLoss, "{}: item factor block has the wrong size", path.string());
  }
  r.expect_end();
  m.n_items_ = n_items;
  m.update_gram();
  return m;
}

}  // namespace muse::cf
