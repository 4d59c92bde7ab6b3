#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "index/exact_index.h"
#include "index/hnsw_index.h"
#include "test_catalog.h"
#include "util/error.h"

using namespace muse::index;

namespace {
std::vector<float> gaussian_vectors(idx_t n, int d, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> x(n * d);
  for (auto& v : x) v = g(rng);
  return x;
}

double recall_at_k(const SearchResult& truth, const SearchResult& got, int k) {
  double hits = 0;
  for (idx_t q = 0; q < truth.nq; ++q) {
    std::set<idx_t> t;
    for (int i = 0; i < k; ++i) t.insert(truth.label(q, i));
    for (int i = 0; i < k; ++i) hits += t.count(got.label(q, i));
  }
  return hits / (truth.nq * k);
}

std::filesystem::path tmp(const std::string& name) {
  return muse::testing::temp_path("muse_index_test_" + name);
}
}  // namespace

TEST(ExactIndex, MatchesNaiveSearch) {
  const int d = 9;
  auto x = gaussian_vectors(2000, d, 1);
  auto q = gaussian_vectors(20, d, 2);
  ExactIndex idx(d);
  idx.add(x.data(), 2000);
  auto res = idx.search(q.data(), 20, 5);
  for (int qi = 0; qi < 20; ++qi) {
    std::vector<std::pair<float, idx_t>> all;
    for (idx_t i = 0; i < 2000; ++i) {
      float s = 0;
      for (int j = 0; j < d; ++j) s += (x[i * d + j] - q[qi * d + j]) * (x[i * d + j] - q[qi * d + j]);
      all.push_back({s, i});
    }
    std::sort(all.begin(), all.end());
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(res.label(qi, i), all[i].second);
      EXPECT_NEAR(res.distance(qi, i), all[i].first, 1e-3);
    }
  }
}

TEST(ExactIndex, SelectorRestrictsResultsAndPadsWhenShort) {
  const int d = 4;
  auto x = gaussian_vectors(100, d, 3);
  ExactIndex idx(d);
  idx.add(x.data(), 100);
  std::vector<bool> allowed(100, false);
  allowed[7] = allowed[42] = true;
  BitmapSelector sel(allowed);
  auto res = idx.search(x.data(), 1, 5, &sel);
  std::set<idx_t> got = {res.label(0, 0), res.label(0, 1)};
  EXPECT_EQ(got, (std::set<idx_t>{7, 42}));
  EXPECT_EQ(res.label(0, 2), -1);
  EXPECT_TRUE(std::isinf(res.distance(0, 4)));
}

TEST(ExactIndex, RejectsBadK) {
  ExactIndex idx(3);
  float q[3] = {0, 0, 0};
  EXPECT_THROW(idx.search(q, 1, 0), muse::MuseError);
}

TEST(HnswIndex, RecallAgainstExactReference) {
  const int d = 9;
  const idx_t n = 20000;
  auto x = gaussian_vectors(n, d, 4);
  auto q = gaussian_vectors(200, d, 5);
  ExactIndex exact(d);
  exact.add(x.data(), n);
  HnswIndex hnsw(d, n);
  hnsw.add(x.data(), n);
  EXPECT_EQ(hnsw.size(), n);
  auto truth = exact.search(q.data(), 200, 10);
  auto got = hnsw.search(q.data(), 200, 10);
  EXPECT_GE(recall_at_k(truth, got, 10), 0.97);
}

TEST(HnswIndex, SelectiveFilterFallsBackToExact) {
  const int d = 6;
  const idx_t n = 5000;
  auto x = gaussian_vectors(n, d, 6);
  HnswIndex hnsw(d, n);
  hnsw.add(x.data(), n);
  ExactIndex exact(d);
  exact.add(x.data(), n);
  std::vector<bool> allowed(n, false);
  for (idx_t i = 0; i < n; i += 500) allowed[i] = true;  // 10 allowed ids
  BitmapSelector sel(allowed);
  auto a = hnsw.search(x.data() + 3 * d, 1, 10, &sel);
  auto b = exact.search(x.data() + 3 * d, 1, 10, &sel);
  EXPECT_EQ(a.labels, b.labels);
}

TEST(HnswIndex, SaveLoadRoundTripAndStaleDetection) {
  const int d = 5;
  auto x = gaussian_vectors(3000, d, 7);
  HnswIndex hnsw(d, 3000);
  hnsw.add(x.data(), 3000);
  auto path = tmp("roundtrip.hnsw");
  hnsw.save(path, 1234);
  auto loaded = VectorIndex::load(path, 1234);
  EXPECT_STREQ(loaded->kind(), "hnsw");
  auto a = hnsw.search(x.data(), 10, 5);
  auto b = loaded->search(x.data(), 10, 5);
  EXPECT_EQ(a.labels, b.labels);
  std::vector<float> v(d);
  loaded->reconstruct(17, v.data());
  EXPECT_FLOAT_EQ(v[2], x[17 * d + 2]);
  try {
    VectorIndex::load(path, 999);  // built from another catalogue
    FAIL();
  } catch (const muse::MuseError& e) {
    EXPECT_EQ(e.code(), muse::ErrorCode::kDataLoss);
  }
  std::filesystem::remove(path);
}

TEST(VectorIndex, RejectsForeignAndFutureFiles) {
  auto path = tmp("garbage.idx");
  {
    std::ofstream out(path, std::ios::binary);
    out << "this is not an index file at all, just text";
  }
  EXPECT_THROW(VectorIndex::load(path), muse::MuseError);
  ExactIndex e(3);
  float v[3] = {1, 2, 3};
  e.add(v, 1);
  e.save(path, 0);
  {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(8);
    uint32_t future = 99;
    f.write(reinterpret_cast<char*>(&future), 4);
  }
  try {
    VectorIndex::load(path);
    FAIL();
  } catch (const muse::MuseError& e) {
    EXPECT_NE(std::string(e.what()).find("version 99"), std::string::npos);
  }
  std::filesystem::remove(path);
  EXPECT_THROW(VectorIndex::load(tmp("missing.idx")), muse::MuseError);
}
