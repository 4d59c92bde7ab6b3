#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

namespace muse {

/// p-th percentile (0..100) by nearest rank; sorts a copy.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * v.size()));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace muse
