#include "catalog/feature_space.h"

#include <gtest/gtest.h>

#include "util/error.h"

using namespace muse::catalog;

namespace {
Track make(const std::string& id, float energy, float tempo) {
  Track t;
  t.id = id;
  t.name = id;
  t.artists = {"a"};
  t.feature(Feature::kEnergy) = energy;
  t.feature(Feature::kTempo) = tempo;
  return t;
}
}  // namespace

TEST(FeatureSpace, StandardisesAndWeights) {
  auto cat = Catalog::build({make("a", 0.2f, 100), make("b", 0.4f, 120), make("c", 0.6f, 140)});
  FeatureSpaceConfig cfg;
  cfg.features = {Feature::kEnergy, Feature::kTempo};
  cfg.weights = {1.f, 2.f};
  auto fs = FeatureSpace::fit(*cat, cfg);
  ASSERT_EQ(fs.dim(), 2);
  auto m = fs.transform_all(*cat);
  EXPECT_NEAR(m(1, 0), 0.f, 1e-5);
  EXPECT_NEAR(m(2, 0), 1.2247f, 1e-3);  // (0.6-0.4)/std, std = sqrt(0.08/3)
  EXPECT_NEAR(m(2, 1), 2 * 1.2247f, 1e-3);
  EXPECT_NEAR(fs.raw(1, m(2, 1)), 140.f, 1e-3);
}

TEST(FeatureSpace, UnknownValuesMapToMean) {
  Track t = make("x", 0.5f, 120);
  t.feature(Feature::kTempo) = std::nanf("");
  auto cat = Catalog::build({make("a", 0.2f, 100), make("b", 0.8f, 140), t});
  auto fs = FeatureSpace::fit(*cat);
  std::vector<float> v(fs.dim());
  fs.transform(t, v.data());
  for (float x : v) EXPECT_TRUE(std::isfinite(x));
}

TEST(FeatureSpace, ParsesWeightOverrides) {
  auto cfg = FeatureSpaceConfig::parse_weights("energy=2,mode=0.5");
  EXPECT_EQ(cfg.features.size(), 10u);
  EXPECT_FLOAT_EQ(cfg.weights[1], 2.f);
  EXPECT_EQ(cfg.features.back(), Feature::kMode);
  EXPECT_THROW(FeatureSpaceConfig::parse_weights("loudnesss=1"), muse::MuseError);
  EXPECT_THROW(FeatureSpaceConfig::parse_weights("energy=-1"), muse::MuseError);
  EXPECT_THROW(FeatureSpaceConfig::parse_weights("energy"), muse::MuseError);
}
