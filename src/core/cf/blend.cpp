#include "cf/blend.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "util/error.h"

namespace muse::cf {

void Blend::add(std::unique_ptr<Recommender> model, float weight,
                std::function<float(float)> transform) {
  models_.push_back(std::move(model));
  weights_.push_back(weight);
  transforms_.push_back(std::move(transform));
}

void Blend::fit(const Interactions& x, const ProgressFn& progress) {
  MUSE_CHECK_ARG(!models_.empty(), "blend has no models");
  for (size_t m = 0; m < models_.size(); ++m)
    models_[m]->fit(transforms_[m] ? x.map_values(transforms_[m]) : x, progress);
}

int32_t Blend::n_items() const { return models_.empty() ? 0 : models_.front()->n_items(); }

void Blend::score(std::span<const Query> queries, std::span<float> out) const {
  const size_t n = static_cast<size_t>(n_items());
  MUSE_CHECK(out.size() == queries.size() * n, "score buffer size");
  std::fill(out.begin(), out.end(), 0.f);
  std::vector<float> buf(out.size());
  for (size_t m = 0; m < models_.size(); ++m) {
    if (transforms_[m]) {
      std::vector<Query> tq(queries.begin(), queries.end());
      for (auto& q : tq) {
        if (q.values.empty()) q.values.assign(q.items.size(), 1.f);
        for (auto& v : q.values) v = transforms_[m](v);
      }
      models_[m]->score(tq, buf);
    } else {
      models_[m]->score(queries, buf);
    }
    for (size_t q = 0; q < queries.size(); ++q) {
      float* b = buf.data() + q * n;
      float mx = 0;
      for (size_t i = 0; i < n; ++i)
        if (std::isfinite(b[i])) mx = std::max(mx, std::fabs(b[i]));
      if (mx <= 0) continue;
      float w = weights_[m] / mx;
      float* o = out.data() + q * n;
      for (size_t i = 0; i < n; ++i)
        if (std::isfinite(b[i])) o[i] += w * b[i];
    }
  }
}

}  // namespace muse::cf
