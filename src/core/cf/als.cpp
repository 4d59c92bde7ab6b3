#include "cf/als.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
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
};

/// Conjugate-gradient update of rows [begin, end). `scratch` holds max_row*f + max_row*2 + 4f.
/// F > 0 fixes the factor count at compile time (fully unrolled inner loops).
template <int F>
[[gnu::always_inline]] inline void cg_rows_impl(const SolveArgs& a, int32_t begin, int32_t end,
                                                float* scratch, int64_t max_row) {
  const int f = F > 0 ? F : a.f;
  float* yu = scratch;
  float* w = yu + max_row * f;
  float* t = w + max_row;
  float* r = t + max_row;
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
    for (int k = 0; k < n; ++k) {
      const float* src = a.y + static_cast<size_t>(a.idx[s + k]) * f;
      float* dst = yu + static_cast<size_t>(k) * f;
      for (int i = 0; i < f; ++i) dst[i] = src[i];
      w[k] = a.alpha * a.val[s + k];
    }
    // r = b - A x with A = G + Yu^T W Yu, b = Yu^T (1 + w).
    symv(a.gram, x, r, f);
    for (int i = 0; i < f; ++i) r[i] = -r[i];
    for (int k = 0; k < n; ++k) {
      const float* yk = yu + static_cast<size_t>(k) * f;
      float tk = dot(yk, x, f);
      axpy(r, yk, 1.f + w[k] * (1.f - tk), f);
    }
    for (int i = 0; i < f; ++i) p[i] = r[i];
    float rs = dot(r, r, f);
    for (int it = 0; it < a.steps; ++it) {
      if (rs < 1e-20f) break;
      for (int k = 0; k < n; ++k) t[k] = w[k] * dot(yu + static_cast<size_t>(k) * f, p, f);
      symv(a.gram, p, ap, f);
      for (int k = 0; k < n; ++k) axpy(ap, yu + static_cast<size_t>(k) * f, t[k], f);
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

#define MUSE_CG_VARIANT(NAME, F)                                                         \
  __attribute__((target_clones("arch=haswell", "default"))) void NAME(                   \
      const SolveArgs& a, int32_t begin, int32_t end, float* scratch, int64_t max_row) { \
    cg_rows_impl<F>(a, begin, end, scratch, max_row);                                    \
  }
MUSE_CG_VARIANT(cg_rows_32, 32)
MUSE_CG_VARIANT(cg_rows_64, 64)
MUSE_CG_VARIANT(cg_rows_128, 128)
MUSE_CG_VARIANT(cg_rows_any, 0)
#undef MUSE_CG_VARIANT

void cg_rows(const SolveArgs& a, int32_t begin, int32_t end, float* scratch, int64_t max_row) {
  switch (a.f) {
    case 32:
      return cg_rows_32(a, begin, end, scratch, max_row);
    case 64:
      return cg_rows_64(a, begin, end, scratch, max_row);
    case 128:
      return cg_rows_128(a, begin, end, scratch, max_row);
    default:
      return cg_rows_any(a, begin, end, scratch, max_row);
  }
}

std::vector<float> gram(const std::vector<float>& y, int32_t rows, int f, float reg) {
  Eigen::Map<const RowMat> m(y.data(), rows, f);
  RowMat g = m.transpose() * m;
  g.diagonal().array() += reg;
  return std::vector<float>(g.data(), g.data() + static_cast<size_t>(f) * f);
}

void solve_side(std::vector<float>& x, const Interactions& m, const std::vector<float>& y,
                int32_t y_rows, const AlsConfig& c) {
  const int f = c.factors;
  auto g = gram(y, y_rows, f, c.regularization);
  int64_t max_row = 1;
  for (int32_t r = 0; r < m.rows(); ++r) max_row = std::max(max_row, m.row_size(r));
  SolveArgs a{
      x.data(), m.indptr().data(), m.indices().data(), m.values().data(), y.data(), g.data(),
      f,        c.alpha,           c.cg_steps};
  const int32_t n = m.rows();
  constexpr int32_t kChunk = 256;
#pragma omp parallel
  {
    std::vector<float> scratch(static_cast<size_t>(max_row) * (f + 2) + 4 * f + 16);
#pragma omp for schedule(dynamic, 1)
    for (int32_t b = 0; b < n; b += kChunk)
      cg_rows(a, b, std::min(n, b + kChunk), scratch.data(), max_row);
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
  solve_side(users_, x, items_, n_items_, config_);
  solve_side(items_, xt, users_, n_users_, config_);
  return t.seconds();
}

void Als::fit(const Interactions& x, const ProgressFn& progress) {
  MUSE_CHECK_ARG(config_.iterations >= 1, "ALS needs at least one iteration");
  for (float v : x.values())
    MUSE_CHECK_ARG(v >= 0 && std::isfinite(v), "ALS needs non-negative values");
  init(x.rows(), x.cols());
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
  w.write_vector(items_);
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
  m.items_ = r.read_vector<float>();
  if (m.items_.size() != static_cast<size_t>(n_items) * c.factors) {
    MUSE_THROW(ErrorCode::kDataLoss, "{}: item factor block has the wrong size", path.string());
  }
  r.expect_end();
  m.n_items_ = n_items;
  m.update_gram();
  return m;
}

}  // namespace muse::cf
