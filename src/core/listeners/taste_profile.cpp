#include "listeners/taste_profile.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "util/error.h"
#include "util/text.h"

namespace muse::listeners {

TasteProfile TasteProfile::build(std::span<const Feedback> feedback,
                                 const catalog::Catalog& catalog,
                                 const catalog::FeatureSpace& space, const TasteConfig& config) {
  TasteProfile p;
  p.catalog_ = &catalog;
  p.config_ = config;
  std::vector<const Feedback*> events;
  for (const auto& f : feedback) events.push_back(&f);
  std::stable_sort(events.begin(), events.end(), [](auto* a, auto* b) { return a->id < b->id; });

  // Last word per track and per artist.
  std::map<std::string, TrackOpinion> by_track;
  std::map<std::string, bool> artist_verdict;  // folded artist -> banned?
  for (const Feedback* f : events) {
    if (!f->artist.empty()) {
      if (f->kind == FeedbackKind::kDislike) artist_verdict[fold_key(f->artist)] = true;
      if (f->kind == FeedbackKind::kLike) artist_verdict[fold_key(f->artist)] = false;
      continue;
    }
    TrackOpinion& o = by_track[f->track_id];
    o.track_id = f->track_id;
    switch (f->kind) {
      case FeedbackKind::kLike:
        o.weight = 1;
        break;
      case FeedbackKind::kDislike:
        o.weight = -1;
        break;
      case FeedbackKind::kRating:
        o.weight = static_cast<float>(f->rating - 3);
        break;
      case FeedbackKind::kSkip:
        ++o.skips;
        continue;
    }
    o.last_id = f->id;
  }

  // Vectors: Rocchio over judged tracks that are in the catalogue.
  const int d = space.dim();
  std::vector<float> pos(d, 0.f), neg(d, 0.f), v(d);
  float wpos = 0, wneg = 0;
  std::unordered_map<std::string, int> artist_strikes, artist_likes;
  for (auto& [id, o] : by_track) {
    p.opinions_.push_back(o);
    auto row = catalog.find(id);
    float neg_w = o.weight < 0 ? -o.weight : 0.f;
    if (o.weight == 0 && o.skips > 0) neg_w = std::min(1.f, config.skip_weight * o.skips);
    if (!row) continue;
    const auto& t = catalog.track(*row);
    if (o.weight < 0) {
      p.excluded_.insert(static_cast<uint32_t>(*row));
      for (const auto& a : t.artists) ++artist_strikes[fold_key(a)];
    } else if (config.exclude_known && o.last_id > 0) {
      p.excluded_.insert(static_cast<uint32_t>(*row));
    }
    if (o.weight > 0) {
      for (const auto& a : t.artists) ++artist_likes[fold_key(a)];
    }
    space.transform(t, v.data());
    if (o.weight > 0) {
      for (int j = 0; j < d; ++j) pos[j] += o.weight * v[j];
      wpos += o.weight;
    } else if (neg_w > 0) {
      for (int j = 0; j < d; ++j) neg[j] += neg_w * v[j];
      wneg += neg_w;
    }
  }
  if (wpos > 0) {
    for (auto& x : pos) x /= wpos;
  }
  if (wneg > 0) {
    for (auto& x : neg) x /= wneg;
  }
  if (wpos > 0 || wneg > 0) {
    p.taste_.resize(d);
    for (int j = 0; j < d; ++j) {
      // Liked centroid moved away from the disliked one; with only dislikes, away from them
      // (the origin is the catalogue mean in the standardised space).
      p.taste_[j] = wpos > 0 && wneg > 0 ? pos[j] + config.away * (pos[j] - neg[j])
                    : wpos > 0           ? pos[j]
                                         : -config.away * neg[j];
    }
  }

  // Seeds: liked tracks in the catalogue, strongest then most recent.
  std::vector<TrackOpinion> liked;
  for (const auto& o : p.opinions_) {
    if (o.weight > 0 && catalog.find(o.track_id)) liked.push_back(o);
  }
  std::sort(liked.begin(), liked.end(), [](const auto& a, const auto& b) {
    return a.weight != b.weight ? a.weight > b.weight : a.last_id > b.last_id;
  });
  for (size_t i = 0; i < liked.size() && static_cast<int>(i) < config.max_seeds; ++i) {
    p.seeds_.push_back(liked[i].track_id);
  }

  // Artists: explicit verdicts win; otherwise repeated dislikes with no like ban them.
  for (const auto& [artist, strikes] : artist_strikes) {
    if (config.artist_ban_after > 0 && strikes >= config.artist_ban_after &&
        artist_likes[artist] == 0) {
      p.banned_artists_.insert(artist);
    }
  }
  for (const auto& [artist, banned] : artist_verdict) {
    if (banned) {
      p.banned_artists_.insert(artist);
    } else {
      p.banned_artists_.erase(artist);
    }
  }
  return p;
}

bool TasteProfile::allowed(uint32_t row) const {
  if (excluded_.count(row)) return false;
  if (banned_artists_.empty() || !catalog_) return true;
  for (const auto& a : catalog_->track(row).artists) {
    if (banned_artists_.count(fold_key(a))) return false;
  }
  return true;
}

PersonalQuery TasteProfile::personalise(const recommend::ContentQuery& q) const {
  PersonalQuery out;
  out.query = q;
  auto& pq = out.query;
  if (pq.track_ids.empty() && pq.target.empty()) {
    MUSE_CHECK_ARG(!seeds_.empty() || !taste_.empty(),
                   "no seed tracks given and no likes or ratings yet to recommend from");
    pq.track_ids = seeds_;
    if (!taste_.empty()) {
      pq.target = taste_;
      // With seeds, the seeds' mean and the taste vector (which also pushes away from
      // dislikes) share the query; with only dislikes, the taste vector alone.
      pq.target_weight = seeds_.empty() ? 1.f : config_.shift;
    }
  } else if (!taste_.empty()) {
    const float s = std::clamp(config_.shift, 0.f, 1.f);
    if (pq.target.empty()) {
      pq.target = taste_;
      pq.target_weight = pq.track_ids.empty() ? 1.f : s;
    } else {
      MUSE_CHECK_ARG(pq.target.size() == taste_.size(), "target has {} values, space has {}",
                     pq.target.size(), taste_.size());
      for (size_t j = 0; j < taste_.size(); ++j)
        pq.target[j] = (1 - s) * pq.target[j] + s * taste_[j];
    }
  }
  for (uint32_t r : excluded_) pq.exclude_ids.push_back(catalog_->track(r).id);
  std::sort(pq.exclude_ids.begin(), pq.exclude_ids.end());
  pq.exclude_ids.erase(std::unique(pq.exclude_ids.begin(), pq.exclude_ids.end()),
                       pq.exclude_ids.end());
  out.keep = [this](uint32_t row) { return allowed(row); };
  return out;
}

recommend::RecommendResult recommend_for(const recommend::ContentRecommender& rec,
                                         const TasteProfile& profile,
                                         const recommend::ContentQuery& q) {
  PersonalQuery pq = profile.personalise(q);
  const int want = q.n;
  const int catalog_n = static_cast<int>(rec.catalog().size());
  int fetch = std::min(recommend::ContentRecommender::kMaxN, want * 2 + 8);
  for (;;) {
    recommend::ContentQuery attempt = pq.query;
    attempt.n = std::min(fetch, recommend::ContentRecommender::kMaxN);
    recommend::RecommendResult r = rec.recommend(attempt);
    const size_t got = r.items.size();
    std::erase_if(r.items, [&](const recommend::Recommendation& it) { return !pq.keep(it.row); });
    if (static_cast<int>(r.items.size()) >= want || static_cast<int>(got) < attempt.n ||
        fetch >= catalog_n || fetch >= recommend::ContentRecommender::kMaxN) {
      if (static_cast<int>(r.items.size()) > want) r.items.resize(want);
      return r;
    }
    fetch *= 4;
  }
}

}  // namespace muse::listeners
