#include "explore/cluster_describer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_set>

#include "recommend/content_recommender.h"
#include "util/error.h"

namespace muse::explore {

using catalog::Feature;

std::string feature_adjective(Feature f, float z) {
  const bool hi = z > 0;
  switch (f) {
    case Feature::kDanceability:
      return hi ? "danceable" : "free-flowing";
    case Feature::kEnergy:
      return hi ? "energetic" : "calm";
    case Feature::kLoudness:
      return hi ? "loud" : "quiet";
    case Feature::kSpeechiness:
      return hi ? "spoken" : "sung";
    case Feature::kAcousticness:
      return hi ? "acoustic" : "electric";
    case Feature::kInstrumentalness:
      return hi ? "instrumental" : "vocal";
    case Feature::kLiveness:
      return hi ? "live" : "studio";
    case Feature::kValence:
      return hi ? "bright" : "dark";
    case Feature::kTempo:
      return hi ? "fast" : "slow";
    case Feature::kMode:
      return hi ? "major" : "minor";
    case Feature::kDurationMs:
      return hi ? "long" : "short";
    default:
      return "";
  }
}

ClusterDescriber::ClusterDescriber(const catalog::Catalog& catalog,
                                   const catalog::FeatureSpace& space, DescriberParams params)
    : catalog_(catalog), space_(space), params_(params) {}

std::vector<ClusterDescription> ClusterDescriber::describe(const RowMatrix& x,
                                                           std::span<const int32_t> labels,
                                                           int k) const {
  const size_t n = catalog_.size();
  const int d = space_.dim();
  MUSE_CHECK_ARG(k > 0, "k must be positive, got {}", k);
  MUSE_CHECK_ARG(labels.size() == n && static_cast<size_t>(x.rows()) == n && x.cols() == d,
                 "describe: {} labels and {} x {} features for a catalogue of {} tracks",
                 labels.size(), x.rows(), x.cols(), n);
  std::vector<std::vector<uint32_t>> members(k);
  for (size_t r = 0; r < n; ++r) {
    MUSE_CHECK_ARG(labels[r] >= 0 && labels[r] < k, "row {} has cluster {} outside 0..{}", r,
                   labels[r], k - 1);
    members[labels[r]].push_back(static_cast<uint32_t>(r));
  }
  std::vector<ClusterDescription> out(k);
  for (int c = 0; c < k; ++c) {
    ClusterDescription& desc = out[c];
    desc.id = c;
    desc.size = members[c].size();
    desc.mean_z.assign(d, 0.f);
    if (members[c].empty()) {
      desc.name = "empty";
      desc.profile = "no tracks";
      continue;
    }
    // Audio profile: mean z-score per feature (the space is standardised over the catalogue).
    for (uint32_t r : members[c]) {
      for (int j = 0; j < d; ++j) desc.mean_z[j] += space_.zscore(j, x(r, j));
    }
    for (auto& v : desc.mean_z) v /= static_cast<float>(members[c].size());
    for (int j = 0; j < d; ++j) {
      if (std::abs(desc.mean_z[j]) >= params_.min_trait_z) {
        Feature f = space_.features()[j];
        desc.traits.push_back({f, desc.mean_z[j], recommend::describe_feature(f, desc.mean_z[j])});
      }
    }
    std::stable_sort(desc.traits.begin(), desc.traits.end(),
                     [](const auto& a, const auto& b) { return std::abs(a.z) > std::abs(b.z); });
    if (static_cast<int>(desc.traits.size()) > params_.max_traits)
      desc.traits.resize(params_.max_traits);
    std::string profile;
    for (const auto& t : desc.traits) profile += (profile.empty() ? "" : ", ") + t.words;
    desc.profile = profile.empty() ? "close to the catalogue average" : profile;

    // Dominant genres: share of genre-labelled members carrying each label.
    std::map<std::string, size_t> counts;
    size_t labelled = 0;
    for (uint32_t r : members[c]) {
      const auto& g = catalog_.track(r).genres;
      if (g.empty()) continue;
      ++labelled;
      for (const auto& s : g) ++counts[s];
    }
    desc.labelled = static_cast<double>(labelled) / members[c].size();
    std::vector<GenreShare> shares;
    for (const auto& [g, cnt] : counts) shares.push_back({g, static_cast<double>(cnt) / labelled});
    std::stable_sort(shares.begin(), shares.end(),
                     [](const auto& a, const auto& b) { return a.share > b.share; });
    for (const auto& s : shares) {
      if (static_cast<int>(desc.genres.size()) >= params_.max_genres ||
          s.share < params_.min_genre_share)
        break;
      desc.genres.push_back(s);
    }

    // Most popular songs, one per song (re-releases folded).
    std::vector<uint32_t> by_pop = members[c];
    std::stable_sort(by_pop.begin(), by_pop.end(), [&](uint32_t a, uint32_t b) {
      return catalog_.track(a).popularity > catalog_.track(b).popularity;
    });
    std::unordered_set<std::string> songs;
    for (uint32_t r : by_pop) {
      if (static_cast<int>(desc.top_tracks.size()) >= params_.top_tracks) break;
      if (songs.insert(recommend::song_key(catalog_.track(r))).second) desc.top_tracks.push_back(r);
    }

    // Name: up to two adjectives for the strongest traits, then the leading genre.
    std::string name;
    for (size_t t = 0; t < desc.traits.size() && t < 2; ++t) {
      std::string adj = feature_adjective(desc.traits[t].feature, desc.traits[t].z);
      if (!adj.empty()) name += (name.empty() ? "" : " ") + adj;
    }
    std::string noun = desc.genres.empty() ? "mix" : desc.genres.front().genre;
    desc.name = name.empty() ? "mainstream " + noun : name + " " + noun;
  }
  // Tell apart clusters that got the same name: first by their second genre, then by their
  // third trait. Names may still repeat (the id always differs).
  auto disambiguate = [&](auto&& extend) {
    std::map<std::string, int> seen;
    for (const auto& desc : out) ++seen[desc.name];
    for (auto& desc : out) {
      if (seen[desc.name] > 1 && desc.size > 0) extend(desc);
    }
  };
  disambiguate([](ClusterDescription& desc) {
    if (desc.genres.size() >= 2) desc.name += " / " + desc.genres[1].genre;
  });
  disambiguate([](ClusterDescription& desc) {
    if (desc.traits.size() >= 3) {
      std::string adj = feature_adjective(desc.traits[2].feature, desc.traits[2].z);
      if (!adj.empty()) desc.name = adj + " " + desc.name;
    }
  });
  return out;
}

}  // namespace muse::explore
