#include "cf/mult_dae.h"

#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "util/error.h"

namespace muse::cf {
namespace {

using RowMat = MultDae::RowMat;
using SparseRows = Eigen::SparseMatrix<float, Eigen::RowMajor, int32_t>;

/// Rows of (item, value) lists as an L2-normalised sparse batch; with dropout > 0 each entry
/// is kept with probability 1 - dropout and scaled by 1 / (1 - dropout).
template <class RowFn>
SparseRows normalised_batch(size_t rows, int32_t cols, const RowFn& row, float dropout,
                            std::mt19937_64* rng) {
  std::vector<Eigen::Triplet<float, int32_t>> t;
  std::uniform_real_distribution<float> coin(0.f, 1.f);
  const float keep_scale = dropout > 0 ? 1.f / (1.f - dropout) : 1.f;
  for (size_t r = 0; r < rows; ++r) {
    auto [idx, val] = row(r);
    double norm = 0;
    for (size_t k = 0; k < idx.size(); ++k) norm += double(val[k]) * val[k];
    if (norm <= 0) continue;
    const float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (size_t k = 0; k < idx.size(); ++k) {
      if (idx[k] < 0 || idx[k] >= cols || val[k] == 0) continue;
      if (dropout > 0 && coin(*rng) < dropout) continue;
      t.emplace_back(static_cast<int32_t>(r), idx[k], val[k] * inv * keep_scale);
    }
  }
  SparseRows s(static_cast<int32_t>(rows), cols);
  s.setFromTriplets(t.begin(), t.end());
  return s;
}

/// Adam state for one parameter block.
struct Adam {
  Eigen::ArrayXf m, v;
  explicit Adam(Eigen::Index n) : m(Eigen::ArrayXf::Zero(n)), v(Eigen::ArrayXf::Zero(n)) {}
  void step(float* param, const float* grad, float lr, int t) {
    constexpr float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    const float c1 = 1.f - std::pow(b1, static_cast<float>(t));
    const float c2 = 1.f - std::pow(b2, static_cast<float>(t));
    const float a = lr * std::sqrt(c2) / c1;
    const Eigen::Index n = m.size();
#pragma omp parallel for schedule(static) if (n > 100000)
    for (Eigen::Index i = 0; i < n; ++i) {
      const float g = grad[i];
      m[i] = b1 * m[i] + (1.f - b1) * g;
      v[i] = b2 * v[i] + (1.f - b2) * g * g;
      param[i] -= a * m[i] / (std::sqrt(v[i]) + eps * std::sqrt(c2));
    }
  }
};

/// One batch: forward through tanh and softmax, the summed NLL of `target(r)`'s items, and the
/// gradient of the batch-mean NLL into grad (scratch: the caller's buffers, reused).
template <class TargetFn>
double forward_backward(const MultDae::Params& p, const SparseRows& in, const TargetFn& target,
                        MultDae::Params* grad, RowMat* hid, RowMat* z) {
  const Eigen::Index b = in.rows();
  hid->noalias() = in * p.w1;
  hid->rowwise() += p.b1;
  *hid = hid->array().tanh().matrix();
  z->noalias() = *hid * p.w2;
  z->rowwise() += p.b2;
  // dL/dz = (softmax(z) * sum(x) - x) / b, written over z.
  double loss = 0;
#pragma omp parallel for reduction(+ : loss) schedule(static)
  for (Eigen::Index r = 0; r < b; ++r) {
    auto zr = z->row(r);
    const float mx = zr.maxCoeff();
    const double lse = mx + std::log(static_cast<double>((zr.array() - mx).exp().sum()));
    auto [idx, val] = target(static_cast<size_t>(r));
    double total = 0, nll = 0;
    for (size_t k = 0; k < idx.size(); ++k) {
      total += val[k];
      nll -= val[k] * (zr(idx[k]) - lse);
    }
    loss += nll;
    zr = ((zr.array() - static_cast<float>(lse)).exp() * static_cast<float>(total / b)).matrix();
    for (size_t k = 0; k < idx.size(); ++k) zr(idx[k]) -= val[k] / static_cast<float>(b);
  }
  grad->w2.noalias() = hid->transpose() * *z;
  grad->b2 = z->colwise().sum();
  RowMat dh = (*z * p.w2.transpose()).array() * (1.f - hid->array().square());
  grad->w1.noalias() = in.transpose() * dh;
  grad->b1 = dh.colwise().sum();
  return loss;
}

/// A query's (items, values) with values defaulting to 1; items outside [0, n) dropped.
struct QueryRows {
  std::vector<std::vector<int32_t>> idx;
  std::vector<std::vector<float>> val;
  QueryRows(std::span<const Query> qs, int32_t n) : idx(qs.size()), val(qs.size()) {
    for (size_t r = 0; r < qs.size(); ++r)
      for (size_t k = 0; k < qs[r].items.size(); ++k) {
        const int32_t i = qs[r].items[k];
        if (i < 0 || i >= n) continue;
        idx[r].push_back(i);
        val[r].push_back(qs[r].value(k));
      }
  }
  std::pair<std::span<const int32_t>, std::span<const float>> operator()(size_t r) const {
    return {idx[r], val[r]};
  }
};

}  // namespace

MultDae::MultDae(MultDaeConfig config) : config_(config) {}

double MultDae::loss_and_gradient(const Params& p, std::span<const Query> rows, Params* grad) {
  MUSE_CHECK_ARG(grad != nullptr && !rows.empty(), "loss_and_gradient needs rows and a gradient");
  const auto n = static_cast<int32_t>(p.b2.size());
  QueryRows q(rows, n);
  SparseRows in = normalised_batch(rows.size(), n, q, 0.f, nullptr);
  RowMat hid, z;
  return forward_backward(p, in, q, grad, &hid, &z) / static_cast<double>(rows.size());
}

void MultDae::fit(const Interactions& x, const ProgressFn& progress) {
  const auto& c = config_;
  MUSE_CHECK_ARG(c.hidden >= 1, "Mult-DAE needs at least one hidden unit, got {}", c.hidden);
  MUSE_CHECK_ARG(c.epochs >= 1, "Mult-DAE needs at least one epoch, got {}", c.epochs);
  MUSE_CHECK_ARG(c.batch >= 1, "Mult-DAE batch must be >= 1, got {}", c.batch);
  MUSE_CHECK_ARG(c.dropout >= 0 && c.dropout < 1, "Mult-DAE dropout must be in [0, 1), got {}",
                 c.dropout);
  MUSE_CHECK_ARG(c.learning_rate > 0 && c.weight_decay >= 0,
                 "Mult-DAE needs a positive learning rate and a non-negative weight decay");
  for (float v : x.values())
    MUSE_CHECK_ARG(v >= 0 && std::isfinite(v), "Mult-DAE needs non-negative values");
  const int32_t n_items = x.cols(), h = c.hidden;
  std::mt19937_64 rng(c.seed);
  // Glorot-uniform weights, zero biases.
  auto glorot = [&](RowMat& w, int32_t rows, int32_t cols) {
    std::uniform_real_distribution<float> d(-1.f, 1.f);
    const float s = std::sqrt(6.f / static_cast<float>(rows + cols));
    w.resize(rows, cols);
    for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = s * d(rng);
  };
  Params& p = params_;
  glorot(p.w1, n_items, h);
  glorot(p.w2, h, n_items);
  p.b1 = Eigen::RowVectorXf::Zero(h);
  p.b2 = Eigen::RowVectorXf::Zero(n_items);
  losses_.clear();

  std::vector<int32_t> users;
  for (int32_t u = 0; u < x.rows(); ++u)
    if (x.row_size(u) > 0) users.push_back(u);
  MUSE_CHECK_ARG(!users.empty(), "Mult-DAE needs at least one non-empty row");
  Adam aw1(p.w1.size()), aw2(p.w2.size()), ab1(h), ab2(n_items);
  Params g;
  RowMat hid, z;
  int t = 0;
  for (int epoch = 0; epoch < c.epochs; ++epoch) {
    std::shuffle(users.begin(), users.end(), rng);
    double epoch_loss = 0;
    for (size_t start = 0; start < users.size(); start += static_cast<size_t>(c.batch)) {
      const size_t b = std::min(users.size() - start, static_cast<size_t>(c.batch));
      auto row = [&](size_t r) {
        const int32_t u = users[start + r];
        return std::pair{x.row_indices(u), x.row_values(u)};
      };
      SparseRows in = normalised_batch(b, n_items, row, c.dropout, &rng);
      epoch_loss += forward_backward(p, in, row, &g, &hid, &z);
      if (c.weight_decay > 0) {
        g.w1 += (2.f * c.weight_decay) * p.w1;
        g.w2 += (2.f * c.weight_decay) * p.w2;
      }
      ++t;
      aw1.step(p.w1.data(), g.w1.data(), c.learning_rate, t);
      aw2.step(p.w2.data(), g.w2.data(), c.learning_rate, t);
      ab1.step(p.b1.data(), g.b1.data(), c.learning_rate, t);
      ab2.step(p.b2.data(), g.b2.data(), c.learning_rate, t);
    }
    losses_.push_back(epoch_loss / static_cast<double>(users.size()));
    report(progress, "mult_dae", epoch + 1, c.epochs);
  }
}

void MultDae::score(std::span<const Query> queries, std::span<float> out) const {
  const int32_t n = n_items();
  const Params& p = params_;
  MUSE_CHECK(p.w1.rows() == n && n > 0, "Mult-DAE model not fitted");
  MUSE_CHECK(out.size() == queries.size() * static_cast<size_t>(n), "score buffer size");
  constexpr size_t kChunk = 256;
  RowMat hid;
  for (size_t start = 0; start < queries.size(); start += kChunk) {
    const size_t b = std::min(queries.size() - start, kChunk);
    QueryRows q(queries.subspan(start, b), n);
    SparseRows in = normalised_batch(b, n, q, 0.f, nullptr);
    hid.noalias() = in * p.w1;
    hid.rowwise() += p.b1;
    hid = hid.array().tanh().matrix();
    Eigen::Map<RowMat> o(out.data() + start * n, static_cast<Eigen::Index>(b), n);
    o.noalias() = hid * p.w2;
    o.rowwise() += p.b2;
  }
}

}  // namespace muse::cf
