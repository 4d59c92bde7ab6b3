#include "emotion/va_regressor.h"

#include <algorithm>
#include <cmath>

#include "emotion/metrics.h"
#include "text/normalize.h"
#include "util/binary_file.h"
#include "util/error.h"
#include "util/timer.h"

namespace muse::emotion {

VaRegressor::VaRegressor(text::FeatureConfig config, text::Lexicon lexicon, bool use_lexicon)
    : config_(config), featurizer_(config), lexicon_(std::move(lexicon)), use_lexicon_(use_lexicon) {}

uint32_t VaRegressor::dim() const {
  return config_.buckets() + (use_lexicon_ ? text::Lexicon::kDenseFeatures : 0) + 1;
}

void VaRegressor::features(std::string_view norm, text::TextFeatures& tf) const {
  featurizer_.featurize(norm, tf);
  uint32_t next = config_.buckets();
  if (use_lexicon_) {
    float dense[text::Lexicon::kDenseFeatures];
    lexicon_.dense_features(tf, dense);
    for (int k = 0; k < text::Lexicon::kDenseFeatures; ++k) {
      tf.ids.push_back(next++);
      tf.values.push_back(dense[k]);
    }
  }
  tf.ids.push_back(next);  // intercept
  tf.values.push_back(1.f);
}

namespace {

struct Csr {
  std::vector<size_t> offsets{0};
  std::vector<uint32_t> ids;
  std::vector<float> values;
  size_t rows() const { return offsets.size() - 1; }
};

/// Solves (X^T X + lambda I) w = X^T y by conjugate gradients, warm-started from w.
void ridge_cg(const Csr& X, const std::vector<double>& y, double lambda, int iters, std::vector<double>& w) {
  const size_t d = w.size(), n = X.rows();
  std::vector<double> tmp(n);
  auto apply = [&](const std::vector<double>& p, std::vector<double>& out) {
    for (size_t i = 0; i < n; ++i) {
      double s = 0;
      for (size_t k = X.offsets[i]; k < X.offsets[i + 1]; ++k) s += X.values[k] * p[X.ids[k]];
      tmp[i] = s;
    }
    for (size_t j = 0; j < d; ++j) out[j] = lambda * p[j];
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = X.offsets[i]; k < X.offsets[i + 1]; ++k) out[X.ids[k]] += X.values[k] * tmp[i];
    }
  };
  std::vector<double> b(d, 0.0), r(d), p(d), Ap(d);
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = X.offsets[i]; k < X.offsets[i + 1]; ++k) b[X.ids[k]] += X.values[k] * y[i];
  }
  apply(w, Ap);
  double rr = 0, bb = 0;
  for (size_t j = 0; j < d; ++j) {
    r[j] = b[j] - Ap[j];
    p[j] = r[j];
    rr += r[j] * r[j];
    bb += b[j] * b[j];
  }
  for (int it = 0; it < iters && rr > 1e-12 * bb; ++it) {
    apply(p, Ap);
    double pAp = 0;
    for (size_t j = 0; j < d; ++j) pAp += p[j] * Ap[j];
    if (pAp <= 0) break;
    double alpha = rr / pAp, rr_new = 0;
    for (size_t j = 0; j < d; ++j) {
      w[j] += alpha * p[j];
      r[j] -= alpha * Ap[j];
      rr_new += r[j] * r[j];
    }
    double beta = rr_new / rr;
    rr = rr_new;
    for (size_t j = 0; j < d; ++j) p[j] = r[j] + beta * p[j];
  }
}

}  // namespace

std::shared_ptr<VaRegressor> VaRegressor::train(const std::vector<VaExample>& train,
                                                const std::vector<VaExample>& dev, text::Lexicon lexicon,
                                                const VaTrainOptions& opt, VaTrainReport* report_out,
                                                const ProgressFn& progress) {
  MUSE_CHECK_ARG(train.size() >= 10, "need at least 10 training rows, got {}", train.size());
  MUSE_CHECK_ARG(!dev.empty(), "no dev rows (needed to pick the ridge strength)");
  MUSE_CHECK_ARG(!opt.lambdas.empty(), "no ridge strengths to try");
  opt.features.validate();
  Timer timer;
  bool use_lex = opt.lexicon && !lexicon.empty();
  std::shared_ptr<VaRegressor> m(new VaRegressor(opt.features, std::move(lexicon), use_lex));
  const uint32_t d = m->dim();
  Csr X;
  text::TextFeatures tf;
  std::string norm;
  std::vector<double> yv(train.size()), ya(train.size());
  double mv = 0, ma = 0;
  for (const auto& ex : train) {
    mv += ex.valence;
    ma += ex.arousal;
  }
  mv /= train.size();
  ma /= train.size();
  for (size_t i = 0; i < train.size(); ++i) {
    text::check_text(train[i].text, "training text");
    text::nfkc(train[i].text, norm);
    m->features(norm, tf);
    X.ids.insert(X.ids.end(), tf.ids.begin(), tf.ids.end());
    X.values.insert(X.values.end(), tf.values.begin(), tf.values.end());
    X.offsets.push_back(X.ids.size());
    yv[i] = train[i].valence - mv;
    ya[i] = train[i].arousal - ma;
  }
  m->mean_v_ = static_cast<float>(mv);
  m->mean_a_ = static_cast<float>(ma);
  std::vector<std::string> dev_texts(dev.size());
  std::vector<float> dev_v(dev.size()), dev_a(dev.size());
  for (size_t i = 0; i < dev.size(); ++i) {
    dev_texts[i] = dev[i].text;
    dev_v[i] = dev[i].valence;
    dev_a[i] = dev[i].arousal;
  }
  std::vector<float> lambdas = opt.lambdas;
  std::sort(lambdas.rbegin(), lambdas.rend());  // strong to weak: warm starts converge fast
  VaTrainReport rep;
  rep.train_rows = train.size();
  rep.dev_rows = dev.size();
  rep.dev_r_valence = rep.dev_r_arousal = -2;
  std::vector<double> wv(d, 0.0), wa(d, 0.0);
  std::vector<float> best_v, best_a;
  int step = 0;
  for (float lambda : lambdas) {
    MUSE_CHECK_ARG(lambda > 0, "ridge strength must be > 0");
    ridge_cg(X, yv, lambda, opt.cg_iterations, wv);
    ridge_cg(X, ya, lambda, opt.cg_iterations, wa);
    m->wv_.assign(wv.begin(), wv.end());
    m->wa_.assign(wa.begin(), wa.end());
    auto preds = m->predict(dev_texts);
    std::vector<float> pv(dev.size()), pa(dev.size());
    for (size_t i = 0; i < dev.size(); ++i) {
      pv[i] = preds[i].valence;
      pa[i] = preds[i].arousal;
    }
    double rv = pearson(pv, dev_v), ra = pearson(pa, dev_a);
    if (rv > rep.dev_r_valence) {
      rep.dev_r_valence = rv;
      rep.lambda_valence = lambda;
      best_v = m->wv_;
    }
    if (ra > rep.dev_r_arousal) {
      rep.dev_r_arousal = ra;
      rep.lambda_arousal = lambda;
      best_a = m->wa_;
    }
    report(progress, "ridge", ++step, lambdas.size());
  }
  m->wv_ = std::move(best_v);
  m->wa_ = std::move(best_a);
  rep.seconds = timer.seconds();
  if (report_out) *report_out = rep;
  return m;
}

VaRegressor::Prediction VaRegressor::predict_one(std::string_view text) const {
  thread_local std::string norm;
  thread_local text::TextFeatures tf;
  text::nfkc(text, norm);
  features(norm, tf);
  double v = mean_v_, a = mean_a_;
  for (size_t j = 0; j < tf.ids.size(); ++j) {
    v += tf.values[j] * wv_[tf.ids[j]];
    a += tf.values[j] * wa_[tf.ids[j]];
  }
  return {static_cast<float>(std::clamp(v, 1.0, 5.0)), static_cast<float>(std::clamp(a, 1.0, 5.0))};
}

std::vector<VaRegressor::Prediction> VaRegressor::predict(std::span<const std::string> texts) const {
  std::vector<Prediction> out(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) out[i] = predict_one(texts[i]);
  return out;
}

void VaRegressor::save(const std::filesystem::path& path) const {
  BinaryWriter w(path, kMagic, kVersion);
  config_.save(w);
  w.write<uint8_t>(use_lexicon_ ? 1 : 0);
  lexicon_.save(w);
  w.write(mean_v_);
  w.write(mean_a_);
  w.write_vector(wv_);
  w.write_vector(wa_);
  w.commit();
}

std::shared_ptr<VaRegressor> VaRegressor::load(const std::filesystem::path& path) {
  BinaryReader r(path, kMagic, kVersion);
  auto config = text::FeatureConfig::load(r);
  bool use_lex = r.read<uint8_t>() != 0;
  auto lex = text::Lexicon::load(r);
  std::shared_ptr<VaRegressor> m(new VaRegressor(config, std::move(lex), use_lex));
  m->mean_v_ = r.read<float>();
  m->mean_a_ = r.read<float>();
  m->wv_ = r.read_vector<float>();
  m->wa_ = r.read_vector<float>();
  if (m->wv_.size() != m->dim() || m->wa_.size() != m->dim()) {
    MUSE_THROW(ErrorCode::kDataLoss, "{}: weight vectors do not match the feature configuration",
               path.string());
  }
  r.expect_end();
  return m;
}

}  // namespace muse::emotion
