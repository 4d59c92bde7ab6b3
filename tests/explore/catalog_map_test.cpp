#include "explore/catalog_map.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "explore/map_builder.h"
#include "explore/random.h"
#include "util/error.h"

namespace muse::explore {
namespace {

CatalogMap grid_map(int side, int k = 3) {
  // side x side points on the integer lattice, cluster = x % k.
  const int n = side * side;
  RowMatrix xy(n, 2), cent = RowMatrix::Zero(k, 2);
  std::vector<int32_t> labels(n);
  for (int i = 0; i < n; ++i) {
    xy(i, 0) = static_cast<float>(i % side);
    xy(i, 1) = static_cast<float>(i / side);
    labels[i] = (i % side) % k;
  }
  return CatalogMap::build(labels, cent, xy, "test", 1);
}

TEST(CatalogMap, RegionQueryReturnsExactlyThePointsInside) {
  CatalogMap m = grid_map(50);
  auto r = m.query({10.5f, 20.5f, 14.5f, 22.5f}, 1000);
  EXPECT_EQ(r.total, 4u * 2u);
  ASSERT_EQ(r.rows.size(), 8u);
  for (uint32_t row : r.rows) {
    EXPECT_GE(m.x(row), 10.5f);
    EXPECT_LE(m.x(row), 14.5f);
    EXPECT_GE(m.y(row), 20.5f);
    EXPECT_LE(m.y(row), 22.5f);
  }
  EXPECT_EQ(m.query({-100, -100, 1000, 1000}, 100000).total, 2500u);
  EXPECT_EQ(m.query({100, 100, 200, 200}, 10).total, 0u);  // off the map: empty, not an error
}

TEST(CatalogMap, ThinningIsStableUnderZoom) {
  CatalogMap m = grid_map(100);
  auto all = m.query(m.bounds(), 500);
  EXPECT_EQ(all.rows.size(), 500u);
  EXPECT_EQ(all.total, 10000u);
  // Points shown in the full view that fall in a sub-region are still shown when zoomed in.
  MapBounds sub{0, 0, 49.5f, 49.5f};
  auto zoom = m.query(sub, 500);
  std::set<uint32_t> zoomed(zoom.rows.begin(), zoom.rows.end());
  int inside = 0;
  for (uint32_t row : all.rows) {
    if (m.x(row) <= 49.5f && m.y(row) <= 49.5f) {
      ++inside;
      EXPECT_TRUE(zoomed.count(row)) << row;
    }
  }
  EXPECT_GT(inside, 50);
  EXPECT_LT(inside, 250);
}

TEST(CatalogMap, AbsurdBoundsAndLimitsAreRejected) {
  CatalogMap m = grid_map(10);
  const float nan = std::nanf(""), inf = INFINITY;
  for (MapBounds b : {MapBounds{nan, 0, 1, 1}, MapBounds{0, 0, inf, 1}, MapBounds{5, 0, 1, 1},
                      MapBounds{0, 3, 1, 3}, MapBounds{-1e30f, -1, 1e30f, 1}}) {
    try {
      m.query(b, 10);
      FAIL() << "accepted bounds " << b.x0 << "," << b.y0 << "," << b.x1 << "," << b.y1;
    } catch (const MuseError& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    }
  }
  EXPECT_THROW(m.query({0, 0, 1, 1}, 0), MuseError);
  EXPECT_THROW(m.query({0, 0, 1, 1}, CatalogMap::kMaxLimit + 1), MuseError);
  EXPECT_THROW(m.members(3), MuseError);
  EXPECT_THROW(m.members(-1), MuseError);
}

TEST(CatalogMap, SaveLoadRoundTripAndStaleness) {
  CatalogMap m = grid_map(30, 4);
  auto dir =
      std::filesystem::temp_directory_path() / ("muse_map_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "clusters.map";
  m.save(path, 77);
  CatalogMap l = CatalogMap::load(path, 77);
  EXPECT_EQ(l.labels(), m.labels());
  EXPECT_TRUE(l.coords() == m.coords());
  EXPECT_EQ(l.k(), 4);
  EXPECT_EQ(l.layout(), "test");
  auto a = m.query({3, 3, 20, 9}, 17), b = l.query({3, 3, 20, 9}, 17);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.total, b.total);
  try {
    CatalogMap::load(path, 78);
    FAIL() << "stale map accepted";
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataLoss);
  }
  {  // truncated file
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 7);
    EXPECT_THROW(CatalogMap::load(path, 77), MuseError);
  }
  EXPECT_THROW(CatalogMap::load(dir / "missing.map"), MuseError);
  std::filesystem::remove_all(dir);
}

TEST(CatalogMap, BuildValidatesItsInput) {
  RowMatrix c = RowMatrix::Zero(2, 3);
  RowMatrix xy = RowMatrix::Zero(3, 2);
  EXPECT_THROW(CatalogMap::build({0, 1}, c, xy, "x", 1), MuseError);     // sizes differ
  EXPECT_THROW(CatalogMap::build({0, 1, 2}, c, xy, "x", 1), MuseError);  // label out of range
  xy(1, 1) = NAN;
  EXPECT_THROW(CatalogMap::build({0, 1, 1}, c, xy, "x", 1), MuseError);
  EXPECT_THROW(CatalogMap::build({}, c, RowMatrix(0, 2), "x", 1), MuseError);
}

TEST(MapBuilder, DefaultKAndBadInput) {
  EXPECT_EQ(default_k(116128), 1000);
  EXPECT_EQ(default_k(5000), 50);
  EXPECT_EQ(default_k(30), 2);
  RowMatrix x = RowMatrix::Random(40, 4);
  MapParams p;
  p.k = 41;
  EXPECT_THROW(build_map(x, p, nullptr), MuseError);
  p.k = -1;
  EXPECT_THROW(build_map(x, p, nullptr), MuseError);
  p.k = 3;
  p.layout = "tsne";
  EXPECT_THROW(build_map(x, p, nullptr), MuseError);
  p.layout = "pca";
  EXPECT_THROW(build_map(RowMatrix(0, 4), p, nullptr), MuseError);
  CatalogMap m = build_map(x, p, nullptr);
  EXPECT_EQ(m.size(), 40u);
  EXPECT_EQ(m.k(), 3);
  p.layout = "umap";
  p.epochs = 30;
  MapBuildStats st;
  CatalogMap u = build_map(x, p, nullptr, {}, &st);
  EXPECT_EQ(u.layout(), "umap");
  EXPECT_EQ(st.k, 3);
}

}  // namespace
}  // namespace muse::explore
