#include "cf/mult_vae.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "cf/autoencoder_ops.h"
#include "util/error.h"

namespace muse::cf {
namespace {

using RowMat = MultVae::RowMat;
using autoencoder::SparseRows;

/// Encoder to [mean, log-variance]; returns the pre-KL layer outputs in `act` (tanh applied to
/// the hidden layers) so the backward pass can reuse them.
void encode(const MultVae::Params& p, const SparseRows& in, std::vector<RowMat>* act) {
  for (size_t j = 0; j < p.encoder_layers; ++j) {
    RowMat& a = (*act)[j];
    if (j == 0)
      a.noalias() = in * p.w[0];
    else
      a.noalias() = (*act)[j - 1] * p.w[j];
    a.rowwise() += p.b[j];
    if (j + 1 < p.encoder_layers) a = a.array().tanh().matrix();
  }
}

/// Decoder from the latent z to the item logits (the last entry of `act`).
void decode(const MultVae::Params& p, const RowMat& z, std::vector<RowMat>* act) {
  const size_t ne = p.encoder_layers, nl = p.w.size();
  for (size_t j = ne; j < nl; ++j) {
    RowMat& a = (*act)[j];
    if (j == ne)
      a.noalias() = z * p.w[j];
    else
      a.noalias() = (*act)[j - 1] * p.w[j];
    a.rowwise() += p.b[j];
    if (j + 1 < nl) a = a.array().tanh().matrix();
  }
}

/// One batch: the summed NLL + beta x KL of the batch and the gradient of its batch mean.
/// With rng the latent is sampled (reparameterised); without it, z is the mean.
template <class TargetFn>
double forward_backward(const MultVae::Params& p, const SparseRows& in, const TargetFn& target,
                        float beta, std::mt19937_64* rng, MultVae::Params* grad,
                        std::vector<RowMat>* act) {
  const size_t ne = p.encoder_layers, nl = p.w.size();
  const Eigen::Index b = in.rows(), latent = p.w[ne - 1].cols() / 2;
  act->resize(nl);
  grad->w.resize(nl), grad->b.resize(nl), grad->encoder_layers = ne;
  encode(p, in, act);
  const RowMat& enc = (*act)[ne - 1];
  const auto mu = enc.leftCols(latent);
  const auto logvar = enc.rightCols(latent);
  const RowMat sd = (0.5f * logvar.array()).exp().matrix();
  RowMat eps = RowMat::Zero(b, latent);
  if (rng) {
    std::normal_distribution<float> normal(0.f, 1.f);
    for (Eigen::Index i = 0; i < eps.size(); ++i) eps.data()[i] = normal(*rng);
  }
  const RowMat z = mu + eps.cwiseProduct(sd);
  decode(p, z, act);
  const double nll = autoencoder::softmax_nll_backward(&(*act)[nl - 1], target);
  const double kl =
      0.5 * (sd.array().square() + mu.array().square() - logvar.array() - 1.f).cast<double>().sum();

  RowMat d = std::move((*act)[nl - 1]);  // dL/dlogits
  for (size_t j = nl; j-- > ne;) {
    const RowMat& x = j == ne ? z : (*act)[j - 1];
    grad->w[j].noalias() = x.transpose() * d;
    grad->b[j] = d.colwise().sum();
    RowMat dx = d * p.w[j].transpose();
    if (j > ne) dx.array() *= 1.f - (*act)[j - 1].array().square();
    d = std::move(dx);
  }
  // d = dL/dz; z = mu + eps * exp(logvar / 2); KL/b adds mu / b and (exp(logvar) - 1) / 2b.
  const float kb = beta / static_cast<float>(b);
  RowMat denc(b, 2 * latent);
  denc.leftCols(latent) = d + kb * mu;
  denc.rightCols(latent) =
      (0.5f * d.array() * eps.array() * sd.array() + 0.5f * kb * (sd.array().square() - 1.f))
          .matrix();
  d = std::move(denc);
  for (size_t j = ne; j-- > 0;) {
    if (j == 0)
      grad->w[0].noalias() = in.transpose() * d;
    else
      grad->w[j].noalias() = (*act)[j - 1].transpose() * d;
    grad->b[j] = d.colwise().sum();
    if (j > 0) {
      RowMat dx = d * p.w[j].transpose();
      dx.array() *= 1.f - (*act)[j - 1].array().square();
      d = std::move(dx);
    }
  }
  return nll + beta * kl;
}

}  // namespace

MultVae::MultVae(MultVaeConfig config) : config_(config) {}

MultVae::Params MultVae::init(const MultVaeConfig& c, int32_t items, uint64_t seed) {
  MUSE_CHECK_ARG(c.hidden >= 0 && c.latent >= 1,
                 "Mult-VAE needs a latent size >= 1 and a hidden width >= 0, got {} and {}",
                 c.latent, c.hidden);
  MUSE_CHECK_ARG(items >= 1, "Mult-VAE needs at least one item");
  std::vector<std::pair<int, int>> shape;  // (in, out) per layer
  if (c.hidden > 0)
    shape = {{items, c.hidden}, {c.hidden, 2 * c.latent}, {c.latent, c.hidden}, {c.hidden, items}};
  else
    shape = {{items, 2 * c.latent}, {c.latent, items}};
  std::mt19937_64 rng(seed);
  Params p;
  p.encoder_layers = shape.size() / 2;
  for (auto [in, out] : shape) {
    p.w.emplace_back();
    autoencoder::glorot(&p.w.back(), in, out, &rng);
    p.b.push_back(Eigen::RowVectorXf::Zero(out));
  }
  return p;
}

double MultVae::loss_and_gradient(const Params& p, std::span<const Query> rows, float beta,
                                  Params* grad) {
  MUSE_CHECK_ARG(grad != nullptr && !rows.empty(), "loss_and_gradient needs rows and a gradient");
  const auto n = static_cast<int32_t>(p.b.back().size());
  autoencoder::QueryRows q(rows, n);
  SparseRows in = autoencoder::normalised_batch(rows.size(), n, q, 0.f, nullptr);
  std::vector<RowMat> act;
  return forward_backward(p, in, q, beta, nullptr, grad, &act) / static_cast<double>(rows.size());
}

void MultVae::fit(const Interactions& x, const ProgressFn& progress) {
  const auto& c = config_;
  MUSE_CHECK_ARG(c.epochs >= 1, "Mult-VAE needs at least one epoch, got {}", c.epochs);
  MUSE_CHECK_ARG(c.batch >= 1, "Mult-VAE batch must be >= 1, got {}", c.batch);
  MUSE_CHECK_ARG(c.dropout >= 0 && c.dropout < 1, "Mult-VAE dropout must be in [0, 1), got {}",
                 c.dropout);
  MUSE_CHECK_ARG(c.learning_rate > 0 && c.weight_decay >= 0 && c.beta >= 0 && c.anneal >= 0,
                 "Mult-VAE needs a positive learning rate and non-negative decay, beta and anneal");
  for (float v : x.values())
    MUSE_CHECK_ARG(v >= 0 && std::isfinite(v), "Mult-VAE needs non-negative values");
  params_ = init(c, x.cols(), c.seed);
  Params& p = params_;
  std::mt19937_64 rng(c.seed + 1);

  std::vector<autoencoder::Adam> aw, ab;
  for (size_t j = 0; j < p.w.size(); ++j)
    aw.emplace_back(p.w[j].size()), ab.emplace_back(p.b[j].size());
  size_t rows = 0;
  for (int32_t u = 0; u < x.rows(); ++u) rows += x.row_size(u) > 0;
  const size_t batches = (rows + c.batch - 1) / c.batch;
  const double anneal_updates = std::max(1.0, c.anneal * static_cast<double>(batches * c.epochs));
  // The KL weight of update t (1-based): 0 at the first, rising linearly to beta.
  auto kl_weight = [&](int t) {
    return c.anneal > 0 ? static_cast<float>(c.beta * std::min(1.0, (t - 1) / anneal_updates))
                        : c.beta;
  };
  Params g;
  std::vector<RowMat> act;
  losses_ = autoencoder::train_epochs(
      x, c.epochs, c.batch, c.dropout, &rng, "Mult-VAE", "mult_vae", progress,
      [&](const SparseRows& in, const auto& row, int t) {
        const float beta = kl_weight(t);
        const double loss = forward_backward(p, in, row, beta, &rng, &g, &act);
        for (size_t j = 0; j < p.w.size(); ++j) {
          if (c.weight_decay > 0) g.w[j] += (2.f * c.weight_decay) * p.w[j];
          aw[j].step(p.w[j].data(), g.w[j].data(), c.learning_rate, t);
          ab[j].step(p.b[j].data(), g.b[j].data(), c.learning_rate, t);
        }
        return loss;
      });
}

void MultVae::score(std::span<const Query> queries, std::span<float> out) const {
  const int32_t n = n_items();
  const Params& p = params_;
  MUSE_CHECK(n > 0, "Mult-VAE model not fitted");
  MUSE_CHECK(out.size() == queries.size() * static_cast<size_t>(n), "score buffer size");
  constexpr size_t kChunk = 256;
  const Eigen::Index latent = p.w[p.encoder_layers - 1].cols() / 2;
  std::vector<RowMat> act(p.w.size());
  for (size_t start = 0; start < queries.size(); start += kChunk) {
    const size_t b = std::min(queries.size() - start, kChunk);
    autoencoder::QueryRows q(queries.subspan(start, b), n);
    SparseRows in = autoencoder::normalised_batch(b, n, q, 0.f, nullptr);
    encode(p, in, &act);
    const RowMat z = act[p.encoder_layers - 1].leftCols(latent);
    decode(p, z, &act);
    Eigen::Map<RowMat> o(out.data() + start * n, static_cast<Eigen::Index>(b), n);
    o = act.back();
  }
}

}  // namespace muse::cf
