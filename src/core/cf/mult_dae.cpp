#include "cf/mult_dae.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "cf/autoencoder_ops.h"
#include "util/error.h"

namespace muse::cf {
namespace {

using RowMat = MultDae::RowMat;
using autoencoder::SparseRows;

/// One batch: forward through tanh and softmax, the summed NLL of `target(r)`'s items, and the
/// gradient of the batch-mean NLL into grad (scratch: the caller's buffers, reused).
template <class TargetFn>
double forward_backward(const MultDae::Params& p, const SparseRows& in, const TargetFn& target,
                        MultDae::Params* grad, RowMat* hid, RowMat* z) {
  hid->noalias() = in * p.w1;
  hid->rowwise() += p.b1;
  *hid = hid->array().tanh().matrix();
  z->noalias() = *hid * p.w2;
  z->rowwise() += p.b2;
  const double loss = autoencoder::softmax_nll_backward(z, target);
  grad->w2.noalias() = hid->transpose() * *z;
  grad->b2 = z->colwise().sum();
  RowMat dh = (*z * p.w2.transpose()).array() * (1.f - hid->array().square());
  grad->w1.noalias() = in.transpose() * dh;
  grad->b1 = dh.colwise().sum();
  return loss;
}

}  // namespace

MultDae::MultDae(MultDaeConfig config) : config_(config) {}

double MultDae::loss_and_gradient(const Params& p, std::span<const Query> rows, Params* grad) {
  MUSE_CHECK_ARG(grad != nullptr && !rows.empty(), "loss_and_gradient needs rows and a gradient");
  const auto n = static_cast<int32_t>(p.b2.size());
  autoencoder::QueryRows q(rows, n);
  SparseRows in = autoencoder::normalised_batch(rows.size(), n, q, 0.f, nullptr);
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
  Params& p = params_;
  autoencoder::glorot(&p.w1, n_items, h, &rng);
  autoencoder::glorot(&p.w2, h, n_items, &rng);
  p.b1 = Eigen::RowVectorXf::Zero(h);
  p.b2 = Eigen::RowVectorXf::Zero(n_items);

  autoencoder::Adam aw1(p.w1.size()), aw2(p.w2.size()), ab1(h), ab2(n_items);
  Params g;
  RowMat hid, z;
  losses_ = autoencoder::train_epochs(x, c.epochs, c.batch, c.dropout, &rng, "Mult-DAE", "mult_dae",
                                      progress, [&](const SparseRows& in, const auto& row, int t) {
                                        const double loss =
                                            forward_backward(p, in, row, &g, &hid, &z);
                                        if (c.weight_decay > 0) {
                                          g.w1 += (2.f * c.weight_decay) * p.w1;
                                          g.w2 += (2.f * c.weight_decay) * p.w2;
                                        }
                                        aw1.step(p.w1.data(), g.w1.data(), c.learning_rate, t);
                                        aw2.step(p.w2.data(), g.w2.data(), c.learning_rate, t);
                                        ab1.step(p.b1.data(), g.b1.data(), c.learning_rate, t);
                                        ab2.step(p.b2.data(), g.b2.data(), c.learning_rate, t);
                                        return loss;
                                      });
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
    autoencoder::QueryRows q(queries.subspan(start, b), n);
    SparseRows in = autoencoder::normalised_batch(b, n, q, 0.f, nullptr);
    hid.noalias() = in * p.w1;
    hid.rowwise() += p.b1;
    hid = hid.array().tanh().matrix();
    Eigen::Map<RowMat> o(out.data() + start * n, static_cast<Eigen::Index>(b), n);
    o.noalias() = hid * p.w2;
    o.rowwise() += p.b2;
  }
}

}  // namespace muse::cf
