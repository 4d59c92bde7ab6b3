#pragma once
// Scalar functions the models share.
#include <cmath>

namespace muse {

template <class T>
inline T sigmoid(T z) {
  return T(1) / (T(1) + std::exp(-z));
}

/// log(1 + e^x) without overflow: -log sigmoid(-x).
template <class T>
inline T softplus(T x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

}  // namespace muse
