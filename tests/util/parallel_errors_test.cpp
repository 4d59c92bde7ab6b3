#include "util/parallel_errors.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>

#include "util/error.h"

using namespace muse;

TEST(ParallelErrors, AnExceptionInsideAnOpenMpRegionReachesTheCaller) {
  auto run = [](int bad) {
    ParallelErrors errors;
    std::atomic<int> done{0};
#pragma omp parallel for num_threads(2)
    for (int i = 0; i < 64; ++i) {
      errors.run([&] {
        if (i == bad) MUSE_THROW(ErrorCode::kDataLoss, "row {} is corrupt", i);
        ++done;
      });
    }
    errors.rethrow();
    return done.load();
  };
  EXPECT_EQ(run(-1), 64);  // no error: every iteration ran
  try {
    run(17);
    FAIL() << "no throw";
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataLoss);
    EXPECT_NE(std::string(e.what()).find("row 17 is corrupt"), std::string::npos);
  }
}
