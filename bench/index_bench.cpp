// Kernel benchmarks: single-query exact and HNSW search at catalogue scale, CSV parsing.
#include <benchmark/benchmark.h>

#include <random>

#include "catalog/csv_reader.h"
#include "index/exact_index.h"
#include "index/hnsw_index.h"

using namespace muse;

namespace {
std::vector<float> data(int64_t n, int d, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> x(n * d);
  for (auto& v : x) v = g(rng);
  return x;
}

void BM_ExactSearch(benchmark::State& st) {
  const int d = 9;
  const int64_t n = st.range(0);
  auto x = data(n, d, 1);
  auto q = data(256, d, 2);
  index::ExactIndex idx(d);
  idx.add(x.data(), n);
  int i = 0;
  for (auto _ : st) {
    auto r = idx.search(&q[(i++ % 256) * d], 1, 10);
    benchmark::DoNotOptimize(r.labels.data());
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_ExactSearch)->Arg(28000)->Arg(90000)->Unit(benchmark::kMicrosecond);

void BM_HnswSearch(benchmark::State& st) {
  const int d = 9;
  const int64_t n = st.range(0);
  static std::unique_ptr<index::HnswIndex> idx;
  static int64_t built = 0;
  static std::vector<float> q;
  if (built != n) {
    auto x = data(n, d, 3);
    idx = std::make_unique<index::HnswIndex>(d, n);
    idx->add(x.data(), n);
    q = data(256, d, 4);
    built = n;
  }
  int i = 0;
  for (auto _ : st) {
    auto r = idx->search(&q[(i++ % 256) * d], 1, 10);
    benchmark::DoNotOptimize(r.labels.data());
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_HnswSearch)->Arg(90000)->Unit(benchmark::kMicrosecond);

void BM_CsvParse(benchmark::State& st) {
  std::string text = "a,b,c,d\n";
  for (int i = 0; i < 20000; ++i) text += "id" + std::to_string(i) + ",\"name, with comma\",0.123,-5.5\n";
  for (auto _ : st) {
    catalog::CsvReader r(catalog::InputStream::from_string(text));
    catalog::CsvRecord rec;
    size_t n = 0;
    while (r.next(rec)) ++n;
    benchmark::DoNotOptimize(n);
  }
  st.SetBytesProcessed(st.iterations() * text.size());
}
BENCHMARK(BM_CsvParse)->Unit(benchmark::kMillisecond);
}  // namespace
