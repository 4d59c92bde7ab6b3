#pragma once
// Building blocks shared by the autoencoder recommenders (Mult-DAE, Mult-VAE): the normalised
// sparse input batch, Adam, query rows and the softmax-NLL output gradient. Internal header.
#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "cf/interactions.h"
#include "cf/recommender.h"
#include "util/error.h"
#include "util/progress.h"

namespace muse::cf::autoencoder {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
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

/// Logits z (batch x items) in, the summed multinomial NLL of target(r)'s items out; z is
/// overwritten by dL/dz of the batch-mean NLL, (softmax(z) * sum(x) - x) / batch.
template <class TargetFn>
double softmax_nll_backward(RowMat* z, const TargetFn& target) {
  const Eigen::Index b = z->rows();
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
  return loss;
}

/// Glorot-uniform weights of a rows x cols layer.
inline void glorot(RowMat* w, Eigen::Index rows, Eigen::Index cols, std::mt19937_64* rng) {
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  const float s = std::sqrt(6.f / static_cast<float>(rows + cols));
  w->resize(rows, cols);
  for (Eigen::Index i = 0; i < w->size(); ++i) w->data()[i] = s * d(*rng);
}

/// The training loop: each epoch shuffles x's non-empty rows and cuts them into batches;
/// step(input, row, t) gets the batch as a normalised sparse input with dropout, its rows as
/// (items, values) for the loss, and the 1-based update count, and returns the batch's summed
/// loss. Returns the mean loss per row of each epoch.
template <class StepFn>
std::vector<double> train_epochs(const Interactions& x, int epochs, int batch, float dropout,
                                 std::mt19937_64* rng, const char* model, const char* stage,
                                 const ProgressFn& progress, const StepFn& step) {
  std::vector<int32_t> users;
  for (int32_t u = 0; u < x.rows(); ++u)
    if (x.row_size(u) > 0) users.push_back(u);
  MUSE_CHECK_ARG(!users.empty(), "{} needs at least one non-empty row", model);
  std::vector<double> losses;
  int t = 0;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    std::shuffle(users.begin(), users.end(), *rng);
    double epoch_loss = 0;
    for (size_t start = 0; start < users.size(); start += static_cast<size_t>(batch)) {
      const size_t b = std::min(users.size() - start, static_cast<size_t>(batch));
      auto row = [&](size_t r) {
        const int32_t u = users[start + r];
        return std::pair{x.row_indices(u), x.row_values(u)};
      };
      SparseRows in = normalised_batch(b, x.cols(), row, dropout, rng);
      epoch_loss += step(in, row, ++t);
    }
    losses.push_back(epoch_loss / static_cast<double>(users.size()));
    report(progress, stage, epoch + 1, epochs);
  }
  return losses;
}

}  // namespace muse::cf::autoencoder
