#include "popularity/popularity_model.h"

#include <xgboost/c_api.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <numeric>

#include "util/binary_file.h"
#include "util/error.h"
#include "util/timer.h"

namespace muse::popularity {

namespace {

void xgb_check(int rc, const char* what) {
  if (rc != 0) MUSE_THROW(ErrorCode::kInternal, "XGBoost {} failed: {}", what, XGBGetLastError());
}

/// One XGBoost prediction over `dm` (caller holds the booster's lock): type 0 = values,
/// type 2 = SHAP contributions (`width` = features + 1 bias per row).
std::vector<float> booster_predict(BoosterHandle booster, DMatrixHandle dm, int type, size_t n,
                                   size_t width) {
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  const std::string cfg = fmt::format(
      R"({{"type": {}, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false}})",
      type);
  xgb_check(XGBoosterPredictFromDMatrix(booster, dm, cfg.c_str(), &shape, &dim, &out),
            type == 2 ? "SHAP contributions" : "prediction");
  if (type == 2) {
    MUSE_CHECK(dim == 2 && shape[0] == n && shape[1] == width, "unexpected SHAP output shape");
  }
  return std::vector<float>(out, out + n * width);
}

/// Owns a DMatrix. Stored sparse: NaN is missing, and so is 0 in the multi-hot genre
/// columns (`zero_absent`), which cuts histogram work by the number of genres.
class DMatrix {
 public:
  DMatrix(const FeatureMatrix& x, size_t n, size_t d, const std::vector<uint8_t>& zero_absent) {
    MUSE_CHECK(x.size() == n * d && zero_absent.size() == d,
               "feature matrix is {} floats, expected {}x{}", x.size(), n, d);
    std::vector<size_t> indptr(n + 1, 0);
    std::vector<unsigned> indices;
    std::vector<float> data;
    indices.reserve(n * 16), data.reserve(n * 16);
    for (size_t i = 0; i < n; ++i) {
      for (size_t c = 0; c < d; ++c) {
        float v = x[i * d + c];
        if (std::isnan(v) || (v == 0.f && zero_absent[c])) continue;
        indices.push_back(static_cast<unsigned>(c));
        data.push_back(v);
      }
      indptr[i + 1] = data.size();
    }
    xgb_check(XGDMatrixCreateFromCSREx(indptr.data(), indices.data(), data.data(), indptr.size(),
                                       data.size(), d, &h_),
              "DMatrix creation");
  }
  ~DMatrix() {
    if (h_) XGDMatrixFree(h_);
  }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  void set(const char* field, const std::vector<float>& v) {
    xgb_check(XGDMatrixSetFloatInfo(h_, field, v.data(), v.size()), "set label/weight");
  }
  DMatrixHandle get() const { return h_; }

 private:
  DMatrixHandle h_ = nullptr;
};

/// Gathers rows of a matrix.
FeatureMatrix take_rows(const FeatureMatrix& x, size_t d, const std::vector<uint32_t>& rows) {
  FeatureMatrix out(rows.size() * d);
  for (size_t i = 0; i < rows.size(); ++i) std::copy_n(&x[rows[i] * d], d, &out[i * d]);
  return out;
}

PopularityData subset(const PopularityData& d, const std::vector<uint32_t>& tracks) {
  PopularityData out;
  out.source = d.source;
  std::vector<int64_t> remap(d.tracks.size(), -1);
  for (uint32_t t : tracks) {
    remap[t] = static_cast<int64_t>(out.tracks.size());
    out.tracks.push_back(d.tracks[t]);
    out.target.push_back(d.target[t]);
    out.weight.push_back(d.weight[t]);
  }
  for (size_t r = 0; r < d.rows(); ++r) {
    if (remap[d.row_track[r]] < 0) continue;
    out.row_track.push_back(static_cast<uint32_t>(remap[d.row_track[r]]));
    out.row_target.push_back(d.row_target[r]);
  }
  return out;
}

/// Row-level metrics of track-level predictions.
Metrics row_metrics(const PopularityData& d, const std::vector<float>& track_pred) {
  std::vector<float> pred(d.rows());
  for (size_t r = 0; r < d.rows(); ++r) pred[r] = track_pred[d.row_track[r]];
  return compute_metrics(pred, d.row_target);
}

std::vector<Importance> sorted_importance(std::vector<Importance> v) {
  std::stable_sort(v.begin(), v.end(),
                   [](const Importance& a, const Importance& b) { return a.value > b.value; });
  return v;
}

void write_importance(BinaryWriter& w, const std::vector<Importance>& v) {
  std::vector<std::string> names;
  std::vector<double> values;
  for (const auto& i : v) names.push_back(i.feature), values.push_back(i.value);
  w.write_strings(names);
  w.write_vector(values);
}

std::vector<Importance> read_importance(BinaryReader& r) {
  auto names = r.read_strings();
  auto values = r.read_vector<double>();
  if (names.size() != values.size())
    MUSE_THROW(ErrorCode::kDataLoss, "model importance table is corrupt");
  std::vector<Importance> v;
  for (size_t i = 0; i < names.size(); ++i) v.push_back({names[i], values[i]});
  return v;
}

void write_metrics(BinaryWriter& w, const Metrics& m) {
  w.write(m.mse), w.write(m.mae), w.write(m.r2), w.write<uint64_t>(m.n);
}
Metrics read_metrics(BinaryReader& r) {
  Metrics m;
  m.mse = r.read<double>(), m.mae = r.read<double>(), m.r2 = r.read<double>();
  m.n = r.read<uint64_t>();
  return m;
}

}  // namespace

struct PopularityModel::Booster {
  BoosterHandle h = nullptr;
  ~Booster() {
    if (h) XGBoosterFree(h);
  }
};

PopularityModel::PopularityModel() : booster_(std::make_unique<Booster>()) {}
PopularityModel::~PopularityModel() = default;

Metrics compute_metrics(const std::vector<float>& pred, const std::vector<float>& target,
                        const std::vector<float>* weight) {
  MUSE_CHECK(pred.size() == target.size(), "{} predictions for {} targets", pred.size(),
             target.size());
  Metrics m;
  m.n = pred.size();
  if (pred.empty()) return m;
  double wsum = 0, ysum = 0;
  for (size_t i = 0; i < pred.size(); ++i) {
    double w = weight ? (*weight)[i] : 1.0;
    wsum += w, ysum += w * target[i];
  }
  const double ymean = ysum / wsum;
  double sse = 0, sae = 0, sst = 0;
  for (size_t i = 0; i < pred.size(); ++i) {
    double w = weight ? (*weight)[i] : 1.0;
    double e = static_cast<double>(pred[i]) - target[i];
    sse += w * e * e, sae += w * std::abs(e);
    sst += w * (target[i] - ymean) * (target[i] - ymean);
  }
  m.mse = sse / wsum;
  m.mae = sae / wsum;
  m.r2 = sst > 0 ? 1.0 - sse / sst : 0.0;
  return m;
}

std::shared_ptr<PopularityModel> PopularityModel::train(const PopularityData& train_in,
                                                        const PopularityData* valid_in,
                                                        const TrainOptions& o,
                                                        const ProgressFn& progress) {
  Timer total;
  MUSE_CHECK_ARG(o.max_rounds > 0 && o.max_rounds <= 100000, "max rounds {} is outside 1..100000",
                 o.max_rounds);
  MUSE_CHECK_ARG(o.nthread > 0, "nthread must be positive");
  for (const auto& y : train_in.target) {
    MUSE_CHECK_ARG(std::isfinite(y), "{}: a training track has no popularity", train_in.source);
  }
  // Validation: the given file, or a grouped carve-out of the training tracks.
  PopularityData carved_train, carved_valid;
  const PopularityData* train = &train_in;
  const PopularityData* valid = valid_in;
  if (valid == nullptr) {
    MUSE_CHECK_ARG(o.valid_fraction > 0 && o.valid_fraction < 0.5,
                   "valid fraction {} is outside (0, 0.5)", o.valid_fraction);
    std::vector<uint32_t> order(train_in.tracks.size());
    std::iota(order.begin(), order.end(), 0u);
    seeded_shuffle(order, o.seed ^ 0x5eedull);
    size_t nv = static_cast<size_t>(std::round(order.size() * o.valid_fraction));
    MUSE_CHECK_ARG(nv >= 1 && nv < order.size(),
                   "{}: too few tracks ({}) to carve a validation split", train_in.source,
                   order.size());
    std::vector<uint32_t> vt(order.begin(), order.begin() + nv),
        tt(order.begin() + nv, order.end());
    std::sort(vt.begin(), vt.end());
    std::sort(tt.begin(), tt.end());
    carved_train = subset(train_in, tt);
    carved_valid = subset(train_in, vt);
    train = &carved_train;
    valid = &carved_valid;
  }
  for (const auto& y : valid->target) {
    MUSE_CHECK_ARG(std::isfinite(y), "{}: a validation track has no popularity", valid->source);
  }

  auto m = std::shared_ptr<PopularityModel>(new PopularityModel());
  m->seed_ = o.seed;
  auto& st = m->stats_;
  st.train_tracks = train->tracks.size(), st.train_rows = train->rows();
  st.valid_tracks = valid->tracks.size(), st.valid_rows = valid->rows();
  st.valid_carved = valid_in == nullptr;

  Timer t;
  report(progress, "features", 0, 3);
  m->features_ = FeatureBuilder::fit(*train, o.features, o.smoothing);
  const size_t d = m->features_.dim();
  const size_t n = train->tracks.size(), nv = valid->tracks.size();
  FeatureMatrix x = m->features_.build_training(*train, o.folds, o.seed);
  report(progress, "features", 2, 3);
  FeatureMatrix xv = m->features_.build(valid->tracks);
  report(progress, "features", 3, 3);
  st.seconds_features = t.seconds();

  // ---- baselines: weighted mean (= row-level mean) and ridge on standardised features ----
  double wsum = 0, ysum = 0;
  for (size_t i = 0; i < n; ++i)
    wsum += train->weight[i], ysum += train->weight[i] * train->target[i];
  m->mean_ = ysum / wsum;
  m->ridge_mu_.assign(d, 0), m->ridge_sd_.assign(d, 1);
  {
    std::vector<double> cnt(d, 0), s(d, 0), s2(d, 0);
    for (size_t i = 0; i < n; ++i) {
      for (size_t c = 0; c < d; ++c) {
        float v = x[i * d + c];
        if (std::isnan(v)) continue;
        double w = train->weight[i];
        cnt[c] += w, s[c] += w * v, s2[c] += w * v * v;
      }
    }
    for (size_t c = 0; c < d; ++c) {
      if (cnt[c] == 0) continue;
      m->ridge_mu_[c] = s[c] / cnt[c];
      double var = s2[c] / cnt[c] - m->ridge_mu_[c] * m->ridge_mu_[c];
      m->ridge_sd_[c] = var > 1e-12 ? std::sqrt(var) : 1.0;
    }
    Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(d, d);
    Eigen::VectorXd rhs = Eigen::VectorXd::Zero(d);
    Eigen::VectorXd z(d);
    for (size_t i = 0; i < n; ++i) {
      for (size_t c = 0; c < d; ++c) {
        float v = x[i * d + c];
        z[c] = std::isnan(v) ? 0.0 : (v - m->ridge_mu_[c]) / m->ridge_sd_[c];
      }
      double w = train->weight[i];
      gram.selfadjointView<Eigen::Lower>().rankUpdate(z, w);
      rhs += w * (train->target[i] - m->mean_) * z;
    }
    gram = gram.selfadjointView<Eigen::Lower>();
    // Lambda picked on the validation side from a fixed grid (scaled by the training weight).
    double best = std::numeric_limits<double>::infinity();
    for (double rel : {1e-4, 1e-3, 1e-2, 1e-1, 1.0}) {
      double lambda = rel * wsum;
      Eigen::MatrixXd a = gram;
      a.diagonal().array() += lambda;
      Eigen::VectorXd w = a.ldlt().solve(rhs);
      m->ridge_w_.assign(w.data(), w.data() + d);
      m->ridge_bias_ = m->mean_;
      Metrics vm = row_metrics(*valid, m->ridge_rows(xv, nv));
      if (vm.mse < best) best = vm.mse, st.ridge_lambda = lambda;
    }
    Eigen::MatrixXd a = gram;
    a.diagonal().array() += st.ridge_lambda;
    Eigen::VectorXd w = a.ldlt().solve(rhs);
    m->ridge_w_.assign(w.data(), w.data() + d);
    st.valid_ridge = row_metrics(*valid, m->ridge_rows(xv, nv));
    st.valid_mean = row_metrics(*valid, std::vector<float>(nv, static_cast<float>(m->mean_)));
  }

  // ---- gradient-boosted trees with early stopping on the validation side ----
  t.reset();
  const auto sparse = m->features_.zero_absent_columns();
  DMatrix dtrain(x, n, d, sparse), dvalid(xv, nv, d, sparse);
  dtrain.set("label", train->target), dtrain.set("weight", train->weight);
  dvalid.set("label", valid->target), dvalid.set("weight", valid->weight);
  BoosterHandle h = nullptr;
  DMatrixHandle cache[2] = {dtrain.get(), dvalid.get()};
  xgb_check(XGBoosterCreate(cache, 2, &h), "booster creation");
  Booster full;
  full.h = h;
  auto param = [&](const char* k, const std::string& v) {
    xgb_check(XGBoosterSetParam(h, k, v.c_str()), k);
  };
  param("objective", "reg:squarederror");
  param("tree_method", "hist");
  param("eval_metric", "rmse");
  param("verbosity", "0");
  param("nthread", std::to_string(o.nthread));
  param("seed", std::to_string(o.seed & 0x7fffffff));
  param("eta", fmt::format("{}", o.eta));
  param("max_depth", std::to_string(o.max_depth));
  param("subsample", fmt::format("{}", o.subsample));
  param("colsample_bytree", fmt::format("{}", o.colsample_bytree));
  param("min_child_weight", fmt::format("{}", o.min_child_weight));
  param("lambda", fmt::format("{}", o.lambda));
  param("max_bin", std::to_string(o.max_bin));
  param("base_score", fmt::format("{}", m->mean_));
  DMatrixHandle evals[1] = {dvalid.get()};
  const char* eval_names[1] = {"valid"};
  double best_rmse = std::numeric_limits<double>::infinity();
  int best_iter = -1, iter = 0;
  for (; iter < o.max_rounds; ++iter) {
    xgb_check(XGBoosterUpdateOneIter(h, iter, dtrain.get()), "boosting");
    const char* out = nullptr;
    xgb_check(XGBoosterEvalOneIter(h, iter, evals, eval_names, 1, &out), "evaluation");
    const char* p = std::strstr(out, "valid-rmse:");
    MUSE_CHECK(p != nullptr, "unexpected XGBoost evaluation output '{}'", out);
    double rmse = std::strtod(p + 11, nullptr);
    if (rmse < best_rmse - 1e-9) best_rmse = rmse, best_iter = iter;
    if (iter - best_iter >= o.early_stopping_rounds) break;
    if ((iter & 7) == 0) report(progress, "boost", iter, o.max_rounds);
  }
  report(progress, "boost", o.max_rounds, o.max_rounds);
  st.rounds = std::min(iter + 1, o.max_rounds);
  st.best_iteration = best_iter;
  xgb_check(XGBoosterSlice(h, 0, best_iter + 1, 1, &m->booster_->h),
            "slicing to the best iteration");
  st.seconds_boost = t.seconds();

  // ---- validation metrics, importance ----
  t.reset();
  std::vector<float> pv = m->predict_rows(xv, nv);
  st.valid = row_metrics(*valid, pv);
  for (size_t i = 0; i < nv && i < 3000; ++i)
    m->points_.push_back({valid->tracks[i].id, valid->target[i], pv[i]});

  for (const char* type : {"gain", "total_gain"}) {
    bst_ulong nf = 0, dim = 0;
    const char** names = nullptr;
    const bst_ulong* shape = nullptr;
    const float* scores = nullptr;
    std::string cfg = fmt::format("{{\"importance_type\": \"{}\"}}", type);
    xgb_check(
        XGBoosterFeatureScore(m->booster_->h, cfg.c_str(), &nf, &names, &dim, &shape, &scores),
        "feature score");
    std::vector<Importance> imp;
    std::vector<bool> seen(d, false);
    for (bst_ulong i = 0; i < nf; ++i) {
      // Without names XGBoost calls features f0, f1, ...
      size_t c = names[i][0] == 'f' ? std::strtoul(names[i] + 1, nullptr, 10) : d;
      if (c >= d) continue;
      imp.push_back({m->features_.names()[c], scores[i]});
      seen[c] = true;
    }
    for (size_t c = 0; c < d; ++c) {
      if (!seen[c]) imp.push_back({m->features_.names()[c], 0.0});
    }
    (std::string(type) == "gain" ? m->gain_ : m->total_gain_) = sorted_importance(std::move(imp));
  }

  {  // permutation importance on (a sample of) the validation tracks
    std::vector<uint32_t> rows(nv);
    std::iota(rows.begin(), rows.end(), 0u);
    seeded_shuffle(rows, o.seed ^ 0x9e3779b97f4a7c15ull);
    rows.resize(std::min(nv, o.permutation_rows));
    std::sort(rows.begin(), rows.end());
    FeatureMatrix xs = take_rows(xv, d, rows);
    std::vector<float> ys, ws;
    for (uint32_t r : rows) ys.push_back(valid->target[r]), ws.push_back(valid->weight[r]);
    const double base = compute_metrics(m->predict_rows(xs, rows.size()), ys, &ws).mse;
    std::vector<std::string> gnames;
    auto groups = m->features_.groups(&gnames);
    std::vector<uint32_t> perm(rows.size());
    std::vector<Importance> imp;
    for (size_t g = 0; g < groups.size(); ++g) {
      std::iota(perm.begin(), perm.end(), 0u);
      seeded_shuffle(perm, o.seed + 1000 + g);
      FeatureMatrix xp = xs;
      for (size_t i = 0; i < rows.size(); ++i) {
        for (int c : groups[g]) xp[i * d + c] = xs[perm[i] * d + c];
      }
      double mse = compute_metrics(m->predict_rows(xp, rows.size()), ys, &ws).mse;
      imp.push_back({gnames[g], mse - base});
      report(progress, "importance", g + 1, groups.size());
    }
    m->permutation_ = sorted_importance(std::move(imp));
  }
  st.seconds_importance = t.seconds();
  st.seconds_total = total.seconds();
  return m;
}

std::vector<float> PopularityModel::ridge_rows(const FeatureMatrix& x, size_t n) const {
  const size_t d = ridge_w_.size();
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) {
    double s = ridge_bias_;
    for (size_t c = 0; c < d; ++c) {
      float v = x[i * d + c];
      if (!std::isnan(v)) s += ridge_w_[c] * (v - ridge_mu_[c]) / ridge_sd_[c];
    }
    out[i] = static_cast<float>(s);
  }
  return out;
}

std::vector<float> PopularityModel::predict_rows(const FeatureMatrix& x, size_t n) const {
  if (n == 0) return {};
  DMatrix dm(x, n, features_.dim(), features_.zero_absent_columns());
  std::lock_guard lock(mu_);
  return booster_predict(booster_->h, dm.get(), 0, n, 1);
}

std::vector<float> PopularityModel::predict(const std::vector<catalog::Track>& tracks) const {
  return predict_rows(features_.build(tracks), tracks.size());
}

std::vector<Explanation> PopularityModel::explain(const std::vector<catalog::Track>& tracks) const {
  const size_t n = tracks.size(), d = features_.dim();
  if (n == 0) return {};
  FeatureMatrix x = features_.build(tracks);
  // One DMatrix for both the values and their SHAP contributions.
  DMatrix dm(x, n, d, features_.zero_absent_columns());
  std::vector<float> pred, contrib;
  {
    std::lock_guard lock(mu_);
    pred = booster_predict(booster_->h, dm.get(), 0, n, 1);
    contrib = booster_predict(booster_->h, dm.get(), 2, n, d + 1);
  }
  std::vector<Explanation> res(n);
  for (size_t i = 0; i < n; ++i) {
    auto& e = res[i];
    e.prediction = pred[i];
    const float* c = &contrib[i * (d + 1)];
    e.bias = c[d];
    for (size_t f = 0; f < d; ++f)
      e.contributions.push_back({features_.names()[f], x[i * d + f], c[f]});
    std::stable_sort(e.contributions.begin(), e.contributions.end(),
                     [](const Contribution& a, const Contribution& b) {
                       return std::abs(a.contribution) > std::abs(b.contribution);
                     });
  }
  return res;
}

EvalResult PopularityModel::evaluate(const PopularityData& data) const {
  for (const auto& y : data.row_target) {
    MUSE_CHECK_ARG(std::isfinite(y), "{}: every row needs a popularity to be evaluated",
                   data.source);
  }
  EvalResult r;
  r.tracks = data.tracks.size();
  FeatureMatrix x = features_.build(data.tracks);
  std::vector<float> p = predict_rows(x, data.tracks.size());
  r.model = row_metrics(data, p);
  r.model_tracks = compute_metrics(p, data.target);
  r.mean = row_metrics(data, std::vector<float>(data.tracks.size(), static_cast<float>(mean_)));
  r.ridge = row_metrics(data, ridge_rows(x, data.tracks.size()));
  return r;
}

void PopularityModel::save(const std::filesystem::path& path) const {
  std::lock_guard lock(mu_);
  bst_ulong len = 0;
  const char* raw = nullptr;
  xgb_check(XGBoosterSaveModelToBuffer(booster_->h, R"({"format": "ubj"})", &len, &raw),
            "model serialisation");
  std::vector<char> bytes(raw, raw + len);
  uint64_t fp = 0;
  for (const auto& name : features_.names())
    fp = fnv1a(name.data(), name.size(), fp ? fp : 1469598103934665603ull);
  BinaryWriter w(path, kMagic, kVersion, fp);
  features_.save(w);
  w.write<uint64_t>(seed_);
  w.write<double>(mean_);
  w.write_vector(ridge_mu_), w.write_vector(ridge_sd_), w.write_vector(ridge_w_);
  w.write<double>(ridge_bias_);
  const auto& s = stats_;
  w.write(s.train_tracks), w.write(s.train_rows), w.write(s.valid_tracks), w.write(s.valid_rows);
  w.write<int32_t>(s.valid_carved), w.write<int32_t>(s.best_iteration), w.write<int32_t>(s.rounds);
  w.write(s.ridge_lambda), w.write(s.seconds_features), w.write(s.seconds_boost);
  w.write(s.seconds_importance), w.write(s.seconds_total);
  write_metrics(w, s.valid), write_metrics(w, s.valid_mean), write_metrics(w, s.valid_ridge);
  write_importance(w, gain_), write_importance(w, total_gain_), write_importance(w, permutation_);
  std::vector<std::string> ids;
  std::vector<float> actual, predicted;
  for (const auto& p : points_)
    ids.push_back(p.id), actual.push_back(p.actual), predicted.push_back(p.predicted);
  w.write_strings(ids), w.write_vector(actual), w.write_vector(predicted);
  w.write_vector(bytes);
  w.commit();
}

std::shared_ptr<PopularityModel> PopularityModel::load(const std::filesystem::path& path) {
  BinaryReader r(path, kMagic, kVersion);
  auto m = std::shared_ptr<PopularityModel>(new PopularityModel());
  m->features_ = FeatureBuilder::load(r);
  m->seed_ = r.read<uint64_t>();
  m->mean_ = r.read<double>();
  m->ridge_mu_ = r.read_vector<double>(), m->ridge_sd_ = r.read_vector<double>(),
  m->ridge_w_ = r.read_vector<double>();
  m->ridge_bias_ = r.read<double>();
  const size_t d = m->features_.dim();
  if (m->ridge_mu_.size() != d || m->ridge_sd_.size() != d || m->ridge_w_.size() != d) {
    MUSE_THROW(ErrorCode::kDataLoss, "{}: ridge baseline does not match the {} features",
               path.string(), d);
  }
  auto& s = m->stats_;
  s.train_tracks = r.read<uint64_t>(), s.train_rows = r.read<uint64_t>();
  s.valid_tracks = r.read<uint64_t>(), s.valid_rows = r.read<uint64_t>();
  s.valid_carved = r.read<int32_t>(), s.best_iteration = r.read<int32_t>(),
  s.rounds = r.read<int32_t>();
  s.ridge_lambda = r.read<double>(), s.seconds_features = r.read<double>(),
  s.seconds_boost = r.read<double>();
  s.seconds_importance = r.read<double>(), s.seconds_total = r.read<double>();
  s.valid = read_metrics(r), s.valid_mean = read_metrics(r), s.valid_ridge = read_metrics(r);
  m->gain_ = read_importance(r), m->total_gain_ = read_importance(r),
  m->permutation_ = read_importance(r);
  auto ids = r.read_strings();
  auto actual = r.read_vector<float>(), predicted = r.read_vector<float>();
  if (ids.size() != actual.size() || ids.size() != predicted.size()) {
    MUSE_THROW(ErrorCode::kDataLoss, "{}: validation points are corrupt", path.string());
  }
  for (size_t i = 0; i < ids.size(); ++i) m->points_.push_back({ids[i], actual[i], predicted[i]});
  auto bytes = r.read_vector<char>();
  r.expect_end();
  xgb_check(XGBoosterCreate(nullptr, 0, &m->booster_->h), "booster creation");
  if (XGBoosterLoadModelFromBuffer(m->booster_->h, bytes.data(), bytes.size()) != 0) {
    MUSE_THROW(ErrorCode::kDataLoss, "{}: the embedded XGBoost model is unreadable: {}",
               path.string(), XGBGetLastError());
  }
  bst_ulong nf = 0;
  xgb_check(XGBoosterGetNumFeature(m->booster_->h, &nf), "feature count");
  if (nf != d)
    MUSE_THROW(ErrorCode::kDataLoss, "{}: booster has {} features, the feature builder {}",
               path.string(), nf, d);
  XGBoosterSetParam(m->booster_->h, "verbosity", "0");
  return m;
}

}  // namespace muse::popularity
