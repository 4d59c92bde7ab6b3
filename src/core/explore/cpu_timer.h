#pragma once
/// Process CPU time (all threads). On a shared machine wall time depends on the neighbours;
/// CPU seconds / cores is what the work itself costs.
#include <ctime>

namespace muse::explore {

class CpuTimer {
 public:
  CpuTimer() : start_(std::clock()) {}
  void reset() { start_ = std::clock(); }
  double seconds() const { return static_cast<double>(std::clock() - start_) / CLOCKS_PER_SEC; }

 private:
  std::clock_t start_;
};

}  // namespace muse::explore
