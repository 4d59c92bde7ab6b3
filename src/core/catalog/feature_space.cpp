#include "catalog/feature_space.h"

#include <cmath>

#include "util/binary_file.h"
#include "util/error.h"
#include "util/text.h"

namespace muse::catalog {

FeatureSpaceConfig FeatureSpaceConfig::defaults() {
  FeatureSpaceConfig c;
  c.features = {Feature::kDanceability,     Feature::kEnergy,   Feature::kLoudness,
                Feature::kSpeechiness,      Feature::kAcousticness,
                Feature::kInstrumentalness, Feature::kLiveness, Feature::kValence,
                Feature::kTempo};
  c.weights.assign(c.features.size(), 1.f);
  return c;
}

FeatureSpaceConfig FeatureSpaceConfig::parse_weights(const std::string& spec) {
  FeatureSpaceConfig c = defaults();
  for (const auto& part : split(spec, ',')) {
    auto kv = split(part, '=');
    MUSE_CHECK_ARG(kv.size() == 2, "feature weight '{}' is not NAME=WEIGHT", part);
    Feature f = feature_from_name(kv[0]);
    MUSE_CHECK_ARG(f != Feature::kCount, "unknown feature '{}' in weights", kv[0]);
    float w = 0;
    try {
      w = std::stof(kv[1]);
    } catch (...) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "weight '{}' for {} is not a number", kv[1], kv[0]);
    }
    MUSE_CHECK_ARG(std::isfinite(w) && w >= 0 && w <= 100, "weight for {} must be in 0..100", kv[0]);
    bool found = false;
    for (size_t i = 0; i < c.features.size(); ++i) {
      if (c.features[i] == f) {
        c.weights[i] = w;
        found = true;
      }
    }
    if (!found) {
      c.features.push_back(f);
      c.weights.push_back(w);
    }
  }
  return c;
}

FeatureSpace FeatureSpace::fit(const Catalog& catalog, FeatureSpaceConfig config) {
  MUSE_CHECK_ARG(!config.features.empty(), "feature space needs at least one feature");
  if (config.weights.empty()) config.weights.assign(config.features.size(), 1.f);
  MUSE_CHECK_ARG(config.weights.size() == config.features.size(), "one weight per feature");
  FeatureSpace fs;
  fs.features_ = config.features;
  fs.weight_ = config.weights;
  const int d = fs.dim();
  fs.mean_.assign(d, 0.f);
  fs.std_.assign(d, 1.f);
  for (int j = 0; j < d; ++j) {
    double sum = 0, sum2 = 0;
    size_t n = 0;
    for (const Track& t : catalog.tracks()) {
      float v = t.feature(fs.features_[j]);
      if (std::isnan(v)) continue;
      sum += v;
      sum2 += double(v) * v;
      ++n;
    }
    if (n > 0) {
      double m = sum / n;
      double var = std::max(0.0, sum2 / n - m * m);
      fs.mean_[j] = static_cast<float>(m);
      fs.std_[j] = var > 1e-12 ? static_cast<float>(std::sqrt(var)) : 1.f;
    }
  }
  return fs;
}

void FeatureSpace::transform(const Track& t, float* out) const {
  for (int j = 0; j < dim(); ++j) {
    float v = t.feature(features_[j]);
    out[j] = std::isnan(v) ? 0.f : (v - mean_[j]) / std_[j] * weight_[j];
  }
}

RowMatrix FeatureSpace::transform_all(const Catalog& catalog) const {
  RowMatrix m(catalog.size(), dim());
  for (size_t i = 0; i < catalog.size(); ++i) transform(catalog.track(i), m.row(i).data());
  return m;
}

void FeatureSpace::save(BinaryWriter& w) const {
  std::vector<int32_t> fi;
  for (auto x : features_) fi.push_back(static_cast<int32_t>(x));
  w.write_vector(fi);
  w.write_vector(mean_);
  w.write_vector(std_);
  w.write_vector(weight_);
}

FeatureSpace FeatureSpace::load(BinaryReader& r) {
  FeatureSpace fs;
  auto fi = r.read_vector<int32_t>(1024);
  for (auto x : fi) {
    if (x < 0 || x >= kNumFeatures) MUSE_THROW(ErrorCode::kDataLoss, "feature space has unknown feature {}", x);
    fs.features_.push_back(static_cast<Feature>(x));
  }
  fs.mean_ = r.read_vector<float>(1024);
  fs.std_ = r.read_vector<float>(1024);
  fs.weight_ = r.read_vector<float>(1024);
  if (fs.mean_.size() != fi.size() || fs.std_.size() != fi.size() || fs.weight_.size() != fi.size()) {
    MUSE_THROW(ErrorCode::kDataLoss, "feature space arrays disagree in size");
  }
  return fs;
}

uint64_t FeatureSpace::fingerprint() const {
  uint64_t h = fnv1a("fs", 2);
  for (auto f : features_) {
    int32_t x = static_cast<int32_t>(f);
    h = fnv1a(&x, sizeof(x), h);
  }
  h = fnv1a(mean_.data(), mean_.size() * 4, h);
  h = fnv1a(std_.data(), std_.size() * 4, h);
  return fnv1a(weight_.data(), weight_.size() * 4, h);
}

}  // namespace muse::catalog
