#include "recommend/content_recommender.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "util/error.h"
#include "util/text.h"

namespace muse::recommend {

using catalog::Feature;

ContentRecommender::ContentRecommender(catalog::CatalogPtr catalog,
                                       std::shared_ptr<const catalog::FeatureSpace> space,
                                       std::shared_ptr<const index::VectorIndex> index)
    : catalog_(std::move(catalog)), space_(std::move(space)), index_(std::move(index)) {
  MUSE_CHECK(catalog_ && space_ && index_, "recommender needs a catalogue, space and index");
  MUSE_CHECK(index_->size() == static_cast<index::idx_t>(catalog_->size()),
             "index has {} vectors, catalogue {} tracks", index_->size(), catalog_->size());
  MUSE_CHECK(index_->dim() == space_->dim(), "index and feature space dimensions differ");
  for (size_t r = 0; r < catalog_->size(); ++r)
    for (const auto& g : catalog_->track(r).genres) genre_rows_[g].push_back(static_cast<uint32_t>(r));
}

std::string song_key(const catalog::Track& t) {
  return fold_key(base_title(t.name)) + "|" + fold_key(t.primary_artist());
}

std::string describe_feature(Feature f, float z) {
  const bool hi = z > 0;
  switch (f) {
    case Feature::kDanceability: return hi ? "very danceable" : "not made for dancing";
    case Feature::kEnergy: return hi ? "high energy" : "calm, low energy";
    case Feature::kLoudness: return hi ? "loud" : "quiet";
    case Feature::kSpeechiness: return hi ? "lots of spoken word" : "sung rather than spoken";
    case Feature::kAcousticness: return hi ? "acoustic" : "electric/produced";
    case Feature::kInstrumentalness: return hi ? "instrumental" : "with vocals";
    case Feature::kLiveness: return hi ? "live feel" : "studio sound";
    case Feature::kValence: return hi ? "bright, happy mood" : "dark, sad mood";
    case Feature::kTempo: return hi ? "fast tempo" : "slow tempo";
    case Feature::kMode: return hi ? "major key" : "minor key";
    case Feature::kKey: return "same key";
    case Feature::kTimeSignature: return "same metre";
    case Feature::kDurationMs: return hi ? "long" : "short";
    case Feature::kCount: break;
  }
  return "similar sound";
}

namespace {
std::string format_raw(Feature f, float v) {
  // Means of z-scores mapped back can drift just outside a feature's range ("-0.00").
  if (f == Feature::kTempo) return fmt::format("{:.0f} BPM", std::max(v, 0.f));
  if (f == Feature::kLoudness) return fmt::format("{:.1f} dB", v);
  return fmt::format("{:.2f}", std::clamp(v, 0.f, 1.f) + 0.f);  // + 0 turns -0 into 0
}
}  // namespace

std::string ContentRecommender::reason(const std::vector<float>& query, uint32_t row,
                                       const std::vector<std::string>& seed_genres) const {
  const int d = space_->dim();
  std::vector<float> c(d);
  space_->transform(catalog_->track(row), c.data());
  struct Shared {
    int dim;
    float strength;
  };
  std::vector<Shared> shared;
  for (int j = 0; j < d; ++j) {
    float qz = space_->zscore(j, query[j]);
    float cz = space_->zscore(j, c[j]);
    if (std::abs(qz) >= 0.5f && std::abs(cz - qz) < 0.6f && (qz > 0) == (cz > 0)) {
      shared.push_back({j, std::abs(qz)});
    }
  }
  std::sort(shared.begin(), shared.end(), [](auto& a, auto& b) { return a.strength > b.strength; });
  std::string out;
  for (size_t i = 0; i < shared.size() && i < 3; ++i) {
    int j = shared[i].dim;
    Feature f = space_->features()[j];
    if (!out.empty()) out += ", ";
    out += fmt::format("{} ({} vs your {})", describe_feature(f, space_->zscore(j, query[j])),
                       format_raw(f, space_->raw(j, c[j])), format_raw(f, space_->raw(j, query[j])));
  }
  if (out.empty()) {
    out = "close to your songs' overall audio profile";
  } else {
    out = "shares " + out;
  }
  for (const auto& g : catalog_->track(row).genres) {
    if (std::find(seed_genres.begin(), seed_genres.end(), g) != seed_genres.end()) {
      out += "; also " + g;
      break;
    }
  }
  return out;
}

std::vector<float> ContentRecommender::mean_vector(std::span<const uint32_t> rows) const {
  const int d = space_->dim();
  std::vector<float> mean(d, 0.f), v(d);
  for (uint32_t r : rows) {
    space_->transform(catalog_->track(r), v.data());
    for (int j = 0; j < d; ++j) mean[j] += v[j];
  }
  if (!rows.empty()) {
    for (auto& x : mean) x /= static_cast<float>(rows.size());
  }
  return mean;
}

RecommendResult ContentRecommender::recommend(const ContentQuery& query) const {
  return recommend(std::span<const ContentQuery>(&query, 1)).front();
}

std::vector<RecommendResult> ContentRecommender::recommend(std::span<const ContentQuery> queries) const {
  const int d = space_->dim();
  const size_t nq = queries.size();
  std::vector<RecommendResult> results(nq);
  std::vector<std::vector<uint32_t>> seeds(nq);
  std::vector<float> qmat(nq * d);
  std::vector<std::unique_ptr<index::BitmapSelector>> selectors(nq);
  // Style: each seed genre's share of the seeds' genre labels, and the rows holding any of them
  // (scanned exactly too, so same-genre songs a little further away in sound are candidates).
  std::vector<std::unordered_map<std::string_view, float>> style(nq);
  std::vector<std::vector<uint32_t>> style_rows(nq);
  std::vector<std::vector<std::pair<float, uint32_t>>> style_dist(nq);  // (audio distance, row)
  int max_fetch = 0;
  for (size_t i = 0; i < nq; ++i) {
    const ContentQuery& q = queries[i];
    MUSE_CHECK_ARG(q.n >= 1 && q.n <= kMaxN, "n must be between 1 and {}, got {}", kMaxN, q.n);
    MUSE_CHECK_ARG(q.max_per_artist >= 0, "max_per_artist must be >= 0");
    MUSE_CHECK_ARG(!q.track_ids.empty() || !q.target.empty(), "give at least one seed track");
    MUSE_CHECK_ARG(q.track_ids.size() <= 1000, "at most 1000 seed tracks");
    for (const auto& id : q.track_ids) seeds[i].push_back(static_cast<uint32_t>(catalog_->require(id)));
    std::vector<float> v = mean_vector(seeds[i]);
    if (!q.target.empty()) {
      MUSE_CHECK_ARG(static_cast<int>(q.target.size()) == d, "target has {} values, space has {}",
                     q.target.size(), d);
      float w = seeds[i].empty() ? 1.f : std::clamp(q.target_weight, 0.f, 1.f);
      for (int j = 0; j < d; ++j) v[j] = w * q.target[j] + (1 - w) * v[j];
    }
    std::copy(v.begin(), v.end(), qmat.begin() + i * d);
    results[i].query = std::move(v);
    if (!q.genre.empty()) {
      const auto& genres = catalog_->genres();
      if (!std::binary_search(genres.begin(), genres.end(), q.genre)) {
        MUSE_THROW(ErrorCode::kNotFound, "unknown genre '{}' ({} genres known, e.g. {})",
                   q.genre.substr(0, 64), genres.size(),
                   genres.empty() ? "none" : genres.front());
      }
      std::vector<bool> allowed(catalog_->size());
      if (auto it = genre_rows_.find(q.genre); it != genre_rows_.end())
        for (uint32_t r : it->second) allowed[r] = true;
      selectors[i] = std::make_unique<index::BitmapSelector>(std::move(allowed));
    }
    MUSE_CHECK_ARG(q.style_weight >= 0 && q.style_weight <= 10, "style_weight must be 0..10, got {}",
                   q.style_weight);
    if (q.style_weight > 0 && q.genre.empty()) {
      float labels = 0;
      for (uint32_t r : seeds[i])
        for (const auto& g : catalog_->track(r).genres) style[i][g] += 1.f, labels += 1.f;
      for (auto& [g, w] : style[i]) w /= labels;
      for (const auto& [g, w] : style[i])
        if (auto it = genre_rows_.find(std::string(g)); it != genre_rows_.end())
          style_rows[i].insert(style_rows[i].end(), it->second.begin(), it->second.end());
      std::sort(style_rows[i].begin(), style_rows[i].end());
      style_rows[i].erase(std::unique(style_rows[i].begin(), style_rows[i].end()),
                          style_rows[i].end());
      // Exact distances to those rows only (a few thousand; a filtered graph search would fall
      // back to scanning the catalogue), once: widening rounds only take more of them.
      style_dist[i].reserve(style_rows[i].size());
      std::vector<float> row(d);
      const float* qv = &qmat[i * d];
      for (uint32_t r : style_rows[i]) {
        index_->reconstruct(r, row.data());
        float dist = 0;
        for (int j = 0; j < d; ++j) dist += (row[j] - qv[j]) * (row[j] - qv[j]);
        style_dist[i].emplace_back(dist, r);
      }
    }
    int fetch = q.n * (q.max_per_artist > 0 ? 4 : 2) + static_cast<int>(q.track_ids.size()) * 3 + 16;
    max_fetch = std::max(max_fetch, fetch);
  }
  const int catalog_n = static_cast<int>(catalog_->size());
  std::vector<bool> done(nq, false);
  int fetch = std::min(max_fetch, catalog_n);
  while (fetch > 0) {
    // Queries without a filter go in one batch; filtered ones one by one (own selector).
    std::vector<size_t> todo;
    for (size_t i = 0; i < nq; ++i) {
      if (!done[i]) todo.push_back(i);
    }
    if (todo.empty()) break;
    std::vector<index::SearchResult> found(nq);
    std::vector<size_t> plain;
    for (size_t i : todo) {
      if (selectors[i]) {
        found[i] = index_->search(&qmat[i * d], 1, fetch, selectors[i].get());
      } else {
        plain.push_back(i);
      }
    }
    if (!plain.empty()) {
      std::vector<float> sub(plain.size() * d);
      for (size_t p = 0; p < plain.size(); ++p) {
        std::copy_n(&qmat[plain[p] * d], d, &sub[p * d]);
      }
      index::SearchResult batch = index_->search(sub.data(), static_cast<index::idx_t>(plain.size()), fetch);
      for (size_t p = 0; p < plain.size(); ++p) {
        auto& r = found[plain[p]];
        r.resize(1, fetch);
        std::copy_n(&batch.labels[p * fetch], fetch, r.labels.begin());
        std::copy_n(&batch.distances[p * fetch], fetch, r.distances.begin());
      }
    }
    // Candidates in visiting order with their audio distance and combined distance.
    struct Candidate {
      uint32_t row;
      float dist, combined;
    };
    for (size_t i : todo) {
      const ContentQuery& q = queries[i];
      std::vector<Candidate> cands;
      for (int j = 0; j < fetch; ++j) {
        index::idx_t label = found[i].label(0, j);
        if (label < 0) break;
        float dist = found[i].distance(0, j);
        cands.push_back({static_cast<uint32_t>(label), dist, std::sqrt(std::max(0.f, dist))});
      }
      if (!style[i].empty()) {
        // The nearest `fetch` of the seeds' genres' rows.
        auto& same = style_dist[i];
        const size_t keep = std::min<size_t>(same.size(), static_cast<size_t>(fetch));
        std::partial_sort(same.begin(), same.begin() + keep, same.end());
        std::unordered_set<uint32_t> have;
        for (const auto& c : cands) have.insert(c.row);
        for (size_t j = 0; j < keep; ++j)
          if (have.insert(same[j].second).second)
            cands.push_back(
                {same[j].second, same[j].first, std::sqrt(std::max(0.f, same[j].first))});
        for (auto& c : cands) {
          float covered = 0;
          for (const auto& g : catalog_->track(c.row).genres)
            if (auto it = style[i].find(g); it != style[i].end()) covered += it->second;
          c.combined += q.style_weight * (1.f - std::min(1.f, covered));
        }
        std::stable_sort(cands.begin(), cands.end(),
                         [](const Candidate& a, const Candidate& b) { return a.combined < b.combined; });
      }
      std::unordered_set<uint32_t> excluded(seeds[i].begin(), seeds[i].end());
      for (const auto& id : q.exclude_ids) {
        if (auto r = catalog_->find(id)) excluded.insert(static_cast<uint32_t>(*r));
      }
      std::unordered_set<std::string> keys;
      std::vector<std::string> seed_genres;
      for (uint32_t s : seeds[i]) {
        keys.insert(song_key(catalog_->track(s)));
        for (const auto& g : catalog_->track(s).genres) seed_genres.push_back(g);
      }
      std::unordered_map<std::string, int> per_artist;
      auto& items = results[i].items;
      items.clear();
      for (size_t j = 0; j < cands.size() && static_cast<int>(items.size()) < q.n; ++j) {
        const uint32_t row = cands[j].row;
        if (excluded.count(row)) continue;
        const auto& t = catalog_->track(row);
        if (!keys.insert(song_key(t)).second) continue;  // a seed's or an earlier result's twin
        if (q.max_per_artist > 0 && ++per_artist[fold_key(t.primary_artist())] > q.max_per_artist) continue;
        items.push_back({row, 1.f / (1.f + cands[j].combined), cands[j].dist, {}});
      }
      done[i] = static_cast<int>(items.size()) >= q.n || fetch >= catalog_n;
      if (done[i]) {
        for (auto& item : items) item.reason = reason(results[i].query, item.row, seed_genres);
      }
    }
    if (fetch >= catalog_n) break;
    fetch = std::min(catalog_n, fetch * 4);
  }
  return results;
}

}  // namespace muse::recommend
