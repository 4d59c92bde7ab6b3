#include "cf/gbdt.h"

#include <fmt/format.h>
#include <xgboost/c_api.h>

#include <cmath>
#include <cstdint>

#include "util/error.h"

namespace muse::cf {
namespace {
void check(int rc, const char* what) {
  if (rc != 0) MUSE_THROW(ErrorCode::kInternal, "xgboost {} failed: {}", what, XGBGetLastError());
}
struct DMatrix {
  DMatrixHandle h = nullptr;
  ~DMatrix() {
    if (h) XGDMatrixFree(h);
  }
};
}  // namespace

Gbdt::Gbdt() = default;
Gbdt::~Gbdt() {
  if (handle_) XGBoosterFree(handle_);
}

void Gbdt::train(const std::vector<float>& x, int n_features, const std::vector<float>& labels,
                 const std::vector<unsigned>& groups, const GbdtParams& p,
                 const std::vector<float>& base_margin) {
  MUSE_CHECK_ARG(n_features > 0, "no features");
  const size_t rows = labels.size();
  MUSE_CHECK_ARG(rows > 0 && x.size() == rows * n_features,
                 "feature matrix has {} values for {} rows x {}", x.size(), rows, n_features);
  DMatrix d;
  check(XGDMatrixCreateFromMat(x.data(), rows, n_features, NAN, &d.h), "DMatrix");
  check(XGDMatrixSetFloatInfo(d.h, "label", labels.data(), rows), "labels");
  if (!groups.empty())
    check(XGDMatrixSetUIntInfo(d.h, "group", groups.data(), groups.size()), "groups");
  if (!base_margin.empty()) {
    MUSE_CHECK_ARG(base_margin.size() == rows, "{} base margins for {} rows", base_margin.size(),
                   rows);
    check(XGDMatrixSetFloatInfo(d.h, "base_margin", base_margin.data(), rows), "base margin");
  }
  if (handle_) XGBoosterFree(handle_);
  handle_ = nullptr;
  check(XGBoosterCreate(&d.h, 1, &handle_), "booster");
  auto set = [&](const char* k, const std::string& v) {
    check(XGBoosterSetParam(handle_, k, v.c_str()), k);
  };
  set("objective", p.objective);
  set("max_depth", std::to_string(p.max_depth));
  set("eta", std::to_string(p.eta));
  set("subsample", std::to_string(p.subsample));
  set("colsample_bytree", std::to_string(p.colsample));
  set("min_child_weight", std::to_string(p.min_child_weight));
  set("nthread", std::to_string(p.threads));
  set("seed", std::to_string(p.seed));
  set("tree_method", "hist");
  set("verbosity", "0");
  for (int i = 0; i < p.rounds; ++i) check(XGBoosterUpdateOneIter(handle_, i, d.h), "training");
  set("nthread", "1");  // predictions are per query: small blocks, no thread team
  n_features_ = n_features;
}

std::vector<float> Gbdt::predict(const float* x, size_t rows) const {
  MUSE_CHECK(handle_, "ranker not trained");
  if (rows == 0) return {};
  // In-place prediction from the dense array: no DMatrix is built, which for one query's
  // block of rows cost more than walking the trees.
  std::string arr =
      fmt::format(R"({{"data":[{},true],"shape":[{},{}],"typestr":"<f4","version":3}})",
                  reinterpret_cast<uintptr_t>(x), rows, n_features_);
  static constexpr const char* kConfig =
      R"({"type":0,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false,"missing":NaN,"cache_id":0})";
  std::lock_guard lock(mu_);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  check(XGBoosterPredictFromDense(handle_, arr.c_str(), kConfig, nullptr, &shape, &dim, &out),
        "predict");
  const bst_ulong len = dim == 0 ? 0 : shape[0] * (dim > 1 ? shape[1] : 1);
  MUSE_CHECK(len == rows, "xgboost returned {} scores for {} rows", len, rows);
  return std::vector<float>(out, out + len);
}

std::vector<float> Gbdt::predict_dmatrix(const float* x, size_t rows) const {
  MUSE_CHECK(handle_, "ranker not trained");
  if (rows == 0) return {};
  std::lock_guard lock(mu_);
  DMatrix d;
  check(XGDMatrixCreateFromMat(x, rows, n_features_, NAN, &d.h), "DMatrix");
  bst_ulong len = 0;
  const float* out = nullptr;
  check(XGBoosterPredict(handle_, d.h, 0, 0, 0, &len, &out), "predict");
  MUSE_CHECK(len == rows, "xgboost returned {} scores for {} rows", len, rows);
  return std::vector<float>(out, out + len);
}

std::string Gbdt::save() const {
  MUSE_CHECK(handle_, "ranker not trained");
  std::lock_guard lock(mu_);
  bst_ulong len = 0;
  const char* buf = nullptr;
  check(XGBoosterSaveModelToBuffer(handle_, "{\"format\": \"ubj\"}", &len, &buf), "save");
  return std::string(buf, len);
}

void Gbdt::load(const std::string& bytes, int n_features) {
  if (handle_) XGBoosterFree(handle_);
  handle_ = nullptr;
  check(XGBoosterCreate(nullptr, 0, &handle_), "booster");
  if (XGBoosterLoadModelFromBuffer(handle_, bytes.data(), bytes.size()) != 0) {
    MUSE_THROW(ErrorCode::kDataLoss, "ranker model is unreadable: {}", XGBGetLastError());
  }
  XGBoosterSetParam(handle_, "nthread", "1");
  n_features_ = n_features;
}

}  // namespace muse::cf
