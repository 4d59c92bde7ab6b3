// muse bench als [--users 358000] [--items 160000] [--nnz 17500000] [--factors 64] [--iterations 3]
// [--json] ALS seconds per iteration on a synthetic implicit-feedback matrix shaped like
// Last.fm-360k (power-law item popularity, play-count-like values). Uses all OpenMP threads
// (OMP_NUM_THREADS).
#include <omp.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "cf/als.h"
#include "cli/command.h"
#include "cli/subcommand.h"
#include "util/timer.h"

namespace muse::cli {
namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct Opts {
  int64_t users = 358000, items = 160000, nnz = 17500000;
  int factors = 64, iterations = 3, cg_steps = 3;
  bool json = false;
};

void run(Context& ctx, const Opts& o) {
  MUSE_CHECK_ARG(
      o.users > 0 && o.items > 0 && o.nnz > 0 && o.users < (1ll << 31) && o.items < (1ll << 31),
      "bad matrix shape");
  Timer gen;
  std::mt19937_64 rng(1);
  // Item popularity ~ rank^-0.8 (sampled by inverse CDF), per-user counts ~ around nnz/users.
  std::vector<double> cdf(o.items);
  double acc = 0;
  for (int64_t i = 0; i < o.items; ++i) cdf[i] = acc += std::pow(static_cast<double>(i + 1), -0.8);
  std::uniform_real_distribution<double> u01(0, acc);
  std::uniform_int_distribution<int64_t> user_d(0, o.users - 1);
  std::vector<cf::Triplet> t(static_cast<size_t>(o.nnz));
  std::geometric_distribution<int> plays(0.01);
  for (auto& x : t) {
    x.row = static_cast<int32_t>(user_d(rng));
    x.col = static_cast<int32_t>(std::lower_bound(cdf.begin(), cdf.end(), u01(rng)) - cdf.begin());
    x.value = static_cast<float>(std::log1p(1 + plays(rng)));
  }
  auto m = cf::Interactions::from_triplets(static_cast<int32_t>(o.users),
                                           static_cast<int32_t>(o.items), std::move(t));
  auto mt = m.transpose();
  double gen_s = gen.seconds();
  cf::AlsConfig c;
  c.factors = o.factors;
  c.cg_steps = o.cg_steps;
  c.iterations = o.iterations;
  cf::Als als(c);
  als.init(m.rows(), m.cols());
  std::vector<double> secs, cpu;
  for (int i = 0; i < o.iterations; ++i) {
    double c0 = cpu_seconds();
    secs.push_back(als.iterate(m, mt));
    cpu.push_back(cpu_seconds() - c0);
    // On a shared machine wall time includes waiting for a core; CPU seconds / threads is what
    // the iteration costs on dedicated cores.
    if (!o.json)
      std::printf("iteration %d: %.3f s wall, %.3f CPU-s\n", i + 1, secs.back(), cpu.back());
    std::fflush(stdout);
  }
  std::vector<double> sorted = secs;
  std::sort(sorted.begin(), sorted.end());
  double median = sorted[sorted.size() / 2];
  nlohmann::json out = {{"users", m.rows()},
                        {"items", m.cols()},
                        {"nnz", m.nnz()},
                        {"factors", o.factors},
                        {"cg_steps", o.cg_steps},
                        {"threads", omp_get_max_threads()},
                        {"generate_seconds", gen_s},
                        {"seconds_per_iteration", secs},
                        {"median_seconds_per_iteration", median},
                        {"cpu_seconds_per_iteration", cpu}};
  if (o.json) {
    print_json(out);
  } else {
    std::printf("ALS %dx%d, %lld non-zeros, %d factors, %d threads: median %.3f s per iteration\n",
                m.rows(), m.cols(), static_cast<long long>(m.nnz()), o.factors,
                omp_get_max_threads(), median);
  }
}

Command cmd([](CLI::App& root, Context& ctx) {
  auto* b = subcommand_group(root, "bench", "end-to-end benchmarks");
  auto o = std::make_shared<Opts>();
  auto* s = b->add_subcommand("als",
                              "ALS seconds per iteration on a Last.fm-360k-sized synthetic matrix");
  s->add_option("--users", o->users)->capture_default_str();
  s->add_option("--items", o->items)->capture_default_str();
  s->add_option("--nnz", o->nnz, "non-zeros before duplicate merging")->capture_default_str();
  s->add_option("--factors", o->factors)->capture_default_str();
  s->add_option("--iterations", o->iterations)->capture_default_str();
  s->add_option("--cg-steps", o->cg_steps)->capture_default_str();
  s->add_flag("--json", o->json, "JSON output");
  s->callback([&ctx, o] { run(ctx, *o); });
});

}  // namespace
}  // namespace muse::cli
