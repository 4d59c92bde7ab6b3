#include "mood/mood_recommender.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"

namespace muse::mood {

using catalog::Feature;

namespace {
/// Deterministic jitter in [0, 1) for (seed, row): independent of candidate order.
double jitter(uint64_t seed, uint32_t row) {
  uint64_t z = seed * 0x9e3779b97f4a7c15ULL + row + 0x632be59bd9b4e019ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

std::string format_raw(Feature f, float v) {
  if (f == Feature::kTempo) return fmt::format("{:.0f} BPM", v);
  if (f == Feature::kLoudness) return fmt::format("{:.1f} dB", v);
  return fmt::format("{:.2f}", v);
}
}  // namespace

MoodRecommender::MoodRecommender(std::shared_ptr<const recommend::ContentRecommender> content,
                                 MoodMapper mapper)
    : content_(std::move(content)), mapper_(mapper) {
  MUSE_CHECK(content_ != nullptr, "mood recommendations need the content recommender");
}

std::string MoodRecommender::reason(const AudioTarget& target, uint32_t row) const {
  const auto& space = content_->space();
  const auto& track = content_->catalog().track(row);
  std::vector<float> c(space.dim());
  space.transform(track, c.data());
  struct Hit {
    int d;
    float strength;
  };
  std::vector<Hit> hits;
  for (int d = 0; d < space.dim(); ++d) {
    float tz = target.z[static_cast<int>(space.features()[d])];
    if (std::isnan(tz) || std::abs(tz) < 0.3f) continue;
    float cz = space.zscore(d, c[d]);
    if ((cz > 0) == (tz > 0) && std::abs(cz) >= 0.2f) hits.push_back({d, std::abs(tz)});
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.strength > b.strength; });
  std::string out;
  if (target.mode == MoodMode::kMatch) {
    out = fmt::format("fits the {} mood", target.quadrant);
  } else if (target.from_quadrant == target.quadrant) {
    out = fmt::format("a brighter step within {}", target.quadrant);
  } else {
    out = fmt::format("a step from {} toward {}", target.from_quadrant, target.quadrant);
  }
  for (size_t i = 0; i < hits.size() && i < 2; ++i) {
    int d = hits[i].d;
    Feature f = space.features()[d];
    out += fmt::format("{} {} ({})", i == 0 ? ":" : ",",
                       recommend::describe_feature(f, target.z[static_cast<int>(f)]),
                       format_raw(f, space.raw(d, c[d])));
  }
  return out;
}

MoodResult MoodRecommender::recommend(const MoodQuery& query) const {
  return recommend(std::span<const MoodQuery>(&query, 1)).front();
}

std::vector<MoodResult> MoodRecommender::recommend(std::span<const MoodQuery> queries) const {
  const auto& space = content_->space();
  std::vector<recommend::ContentQuery> cqs(queries.size());
  std::vector<MoodResult> out(queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    const MoodQuery& q = queries[i];
    MUSE_CHECK_ARG(q.n >= 1 && q.n <= 200, "n must be between 1 and 200, got {}", q.n);
    MUSE_CHECK_ARG(q.taste >= 0 && q.taste <= 1, "taste weight must be in 0..1, got {}", q.taste);
    MUSE_CHECK_ARG(q.taste == 0 || !q.track_ids.empty(),
                   "a taste weight needs the listener's tracks (--track)");
    MUSE_CHECK_ARG(q.tie_margin >= 0 && q.tie_margin <= 1, "tie margin must be in 0..1");
    out[i].target = mapper_.map(q.valence, q.arousal, q.distribution, q.mode);
    auto& cq = cqs[i];
    cq.target = out[i].target.scaled(space);
    cq.track_ids = q.track_ids;
    cq.target_weight = 1.f - q.taste;
    cq.n = std::min(recommend::ContentRecommender::kMaxN, std::max(q.n * 3, q.n + 20));
    cq.genre = q.genre;
    cq.max_per_artist = 2;
  }
  auto found = content_->recommend(cqs);
  for (size_t i = 0; i < queries.size(); ++i) {
    const MoodQuery& q = queries[i];
    auto& items = found[i].items;
    out[i].query = found[i].query;
    // Jitter only reorders candidates whose similarity differs by less than tie_margin.
    std::vector<std::pair<double, size_t>> order(items.size());
    for (size_t k = 0; k < items.size(); ++k) {
      order[k] = {items[k].score + q.tie_margin * jitter(q.seed, items[k].row), k};
    }
    std::stable_sort(order.begin(), order.end(), [](auto& a, auto& b) { return a.first > b.first; });
    for (size_t k = 0; k < order.size() && static_cast<int>(out[i].items.size()) < q.n; ++k) {
      const auto& r = items[order[k].second];
      std::string why = reason(out[i].target, r.row);
      if (q.taste > 0 && !r.reason.empty()) why += "; your taste: " + r.reason;
      out[i].items.push_back({r.row, r.score, std::move(why)});
    }
  }
  return out;
}

}  // namespace muse::mood
