#include "cf/continuation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "catalog/feature_space.h"
#include "util/binary_file.h"
#include "util/error.h"
#include "util/parallel_errors.h"
#include "util/text.h"

namespace muse::cf {
namespace {

constexpr int kSongFeatures = 22;
constexpr int kTagFeatures = 21;
constexpr int kSetFeatures = 22;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::vector<std::string> title_tokens(std::string_view title) {
  std::string f = fold_key(title);
  std::vector<std::string> out;
  for (auto& w : split(f, ' ')) out.push_back("w:" + w);
  std::string padded = " " + f + " ";
  for (size_t i = 0; i + 3 <= padded.size(); ++i) out.push_back("c:" + padded.substr(i, 3));
  return out;
}

/// TF-IDF over title words and character trigrams, with an inverted index over playlists.
struct TitleIndex {
  std::unordered_map<std::string, int> vocab;
  std::vector<float> idf;
  std::vector<std::vector<std::pair<int32_t, float>>> postings;  // token -> (playlist, weight)

  std::vector<std::pair<int, float>> vectorize(std::string_view title, bool grow, int n_docs) {
    std::unordered_map<int, float> tf;
    for (const auto& t : title_tokens(title)) {
      auto it = vocab.find(t);
      if (it == vocab.end()) {
        if (!grow) continue;
        it = vocab.emplace(t, static_cast<int>(vocab.size())).first;
      }
      tf[it->second] += 1.f;
    }
    return {tf.begin(), tf.end()};
  }
  void build(const std::vector<std::string>& titles) {
    std::vector<std::vector<std::pair<int, float>>> docs;
    for (const auto& t : titles) docs.push_back(vectorize(t, true, 0));
    std::vector<int> df(vocab.size(), 0);
    for (const auto& d : docs)
      for (auto& [k, v] : d) ++df[k];
    idf.resize(vocab.size());
    for (size_t k = 0; k < vocab.size(); ++k)
      idf[k] = std::log((1.f + titles.size()) / (1.f + df[k])) + 1.f;
    postings.assign(vocab.size(), {});
    for (size_t p = 0; p < docs.size(); ++p) {
      double norm = 0;
      for (auto& [k, v] : docs[p]) norm += double(v * idf[k]) * (v * idf[k]);
      norm = std::sqrt(std::max(norm, 1e-12));
      for (auto& [k, v] : docs[p])
        postings[k].push_back({static_cast<int32_t>(p), float(v * idf[k] / norm)});
    }
  }
  /// Cosine of `title` with every indexed playlist title.
  void similarities(std::string_view title, std::vector<float>& out) const {
    std::fill(out.begin(), out.end(), 0.f);
    std::unordered_map<int, float> tf;
    for (const auto& t : title_tokens(title)) {
      auto it = vocab.find(t);
      if (it != vocab.end()) tf[it->second] += 1.f;
    }
    if (tf.empty()) return;
    double norm = 0;
    for (auto& [k, v] : tf) norm += double(v * idf[k]) * (v * idf[k]);
    norm = std::sqrt(norm);
    for (auto& [k, v] : tf) {
      float w = static_cast<float>(v * idf[k] / norm);
      for (auto& [p, pw] : postings[k]) out[p] += w * pw;
    }
  }
};

}  // namespace

/// Catalogue-side facts shared by every fold: item ids, artists, albums, years, audio.
/// fold_key without the spaces: "K-Pop", "k pop" and "kpop" are one key.
std::string compact_key(std::string_view text) {
  std::string k = fold_key(text);
  k.erase(std::remove(k.begin(), k.end(), ' '), k.end());
  return k;
}

struct ItemSpace {
  const catalog::Catalog* cat = nullptr;
  int32_t n_cat = 0, n_items = 0, n_artists = 0;
  std::vector<std::string> extra_ids;
  std::unordered_map<std::string, int32_t> extra_index;
  std::vector<int32_t> artist_of, album_of, pop_rank;
  std::vector<float> year_of, pop_of;
  std::vector<std::vector<int32_t>> artist_items;  // by popularity, best first
  /// Catalogue genres by compact key (folded, separators dropped: "k-pop" -> "kpop"): the
  /// genre's name and its tracks. Lets a title-only query ("sad songs", "k-pop") reach songs
  /// that no training playlist holds.
  std::unordered_map<std::string, std::pair<std::string, std::vector<int32_t>>> genre_items;
  int dim = 0;
  std::vector<float> feat;  // n_cat x dim, z-scored

  int32_t item_of(const std::string& id) const {
    if (auto r = cat->find(id)) return static_cast<int32_t>(*r);
    auto it = extra_index.find(id);
    return it == extra_index.end() ? -1 : it->second;
  }
  const std::string& id_of(int32_t item) const {
    return item < n_cat ? cat->track(item).id : extra_ids[item - n_cat];
  }

  void build(const catalog::Catalog& c, const std::vector<Playlist>& pls) {
    cat = &c;
    n_cat = static_cast<int32_t>(c.size());
    for (const auto& p : pls)
      for (const auto& t : p.tracks)
        if (!c.find(t) && !extra_index.count(t)) {
          extra_index.emplace(t, n_cat + static_cast<int32_t>(extra_ids.size()));
          extra_ids.push_back(t);
        }
    n_items = n_cat + static_cast<int32_t>(extra_ids.size());
    artist_of.assign(n_items, -1);
    album_of.assign(n_items, -1);
    year_of.assign(n_items, kNaN);
    pop_of.assign(n_items, kNaN);
    pop_rank.assign(n_items, 0);
    std::unordered_map<std::string, int32_t> artists, albums;
    for (int32_t i = 0; i < n_cat; ++i) {
      const auto& t = c.track(i);
      std::string a = fold_key(t.primary_artist());
      if (!a.empty())
        artist_of[i] = artists.emplace(a, static_cast<int32_t>(artists.size())).first->second;
      std::string al = !t.album_id.empty()
                           ? t.album_id
                           : (t.album.empty() ? "" : a + "\x1f" + fold_key(t.album));
      if (!al.empty())
        album_of[i] = albums.emplace(al, static_cast<int32_t>(albums.size())).first->second;
      if (int y = t.release_year(); y > 0) year_of[i] = static_cast<float>(y);
      if (t.popularity >= 0) pop_of[i] = static_cast<float>(t.popularity);
    }
    n_artists = static_cast<int32_t>(artists.size());
    std::unordered_map<std::string, std::string> key_of;  // fold once per distinct genre
    for (const auto& g : c.genres()) key_of.emplace(g, compact_key(g));
    for (int32_t i = 0; i < n_cat; ++i)
      for (const auto& g : c.track(i).genres)
        if (const std::string& key = key_of.at(g); !key.empty()) {
          auto& e = genre_items[key];
          if (e.first.empty()) e.first = g;
          e.second.push_back(i);
        }
    artist_items.assign(n_artists, {});
    for (int32_t i = 0; i < n_cat; ++i)
      if (artist_of[i] >= 0) artist_items[artist_of[i]].push_back(i);
    for (auto& v : artist_items) {
      std::stable_sort(v.begin(), v.end(), [&](int32_t a, int32_t b) {
        return (std::isnan(pop_of[a]) ? -1 : pop_of[a]) > (std::isnan(pop_of[b]) ? -1 : pop_of[b]);
      });
      for (size_t k = 0; k < v.size(); ++k) pop_rank[v[k]] = static_cast<int32_t>(k);
    }
    if (n_cat > 0) {
      auto space = catalog::FeatureSpace::fit(c);
      dim = space.dim();
      auto m = space.transform_all(c);
      feat.assign(m.data(), m.data() + m.size());
    }
  }
};

/// Everything fitted on one set of playlists (all training playlists, or all but one fold).
struct ContinuationModel::Base {
  const ItemSpace* s = nullptr;
  int32_t n_pl = 0;
  Interactions P, PT, PA;  // playlists x items, items x playlists, playlists x artists
  std::vector<float> item_count, artist_count;
  ItemKnn knn;
  Als als;
  ItemKnn artist_knn;
  bool has_als = false;
  std::vector<std::string> tags;
  std::unordered_map<std::string, int> tag_index;
  std::vector<std::string> tag_folded;
  std::vector<std::vector<int>> pl_tags;
  std::vector<float> tag_prior, artist_tag, tag_profile;  // artist x T, T x dim
  std::vector<float> tag_year, tag_pop;   // mean release year / popularity of the tag's songs
  std::unordered_set<int64_t> tag_pairs;  // (a * T + b) for tags seen together on a playlist
  TitleIndex titles;
  // Naive Bayes over title tokens (words + character trigrams) per tag: "a quick classifier over
  // the title's characters". token -> (tag, count); per-tag token totals.
  std::unordered_map<std::string, std::vector<std::pair<int, float>>> nb_counts;
  std::vector<float> nb_total;
  std::vector<int32_t> popular;
  int T = 0;
  // Tag sets ("classes"): when playlists carry a few recurring tag combinations (a genre and
  // one of its subgenres), the combination is predicted as one class and tags are ranked by
  // their marginal probability, which keeps a genre next to its subgenre.
  bool use_sets = false;
  int C = 0;
  std::vector<std::vector<int>> sets;  // sorted tag indices per class
  std::vector<int> pl_set;             // class per playlist, -1 if none
  std::vector<float> set_prior, set_year, set_pop;
  std::vector<float> set_profile, set_sd, set_inner_sd;  // C x dim
  std::vector<float> artist_set;                         // n_artists x C
  std::vector<float> pl_mean;                            // n_pl x dim, NaN row when no audio
  std::unordered_map<std::string, std::vector<std::pair<int, float>>> set_nb_counts;
  std::vector<float> set_nb_total;

  void fit_sets(const std::vector<const Playlist*>& pls);

  void fit(const ItemSpace& space, const std::vector<const Playlist*>& pls,
           const ContinuationConfig& cfg) {
    s = &space;
    n_pl = static_cast<int32_t>(pls.size());
    std::vector<Triplet> t, ta;
    std::unordered_map<std::string, int> tag_freq;
    for (const auto* p : pls)
      for (const auto& g : p->tags) ++tag_freq[g];
    std::vector<std::pair<int, std::string>> tf;
    for (auto& [g, n] : tag_freq) tf.push_back({-n, g});
    std::sort(tf.begin(), tf.end());
    if (tf.size() > static_cast<size_t>(cfg.max_tags)) tf.resize(cfg.max_tags);
    for (auto& [n, g] : tf) {
      tag_index.emplace(g, static_cast<int>(tags.size()));
      tags.push_back(g);
      tag_folded.push_back(fold_key(g));
      tag_prior.push_back(static_cast<float>(-n) / std::max<int32_t>(1, n_pl));
    }
    T = static_cast<int>(tags.size());
    pl_tags.resize(n_pl);
    std::vector<std::string> title_list;
    for (int32_t p = 0; p < n_pl; ++p) {
      std::unordered_set<int32_t> arts;
      for (const auto& id : pls[p]->tracks) {
        int32_t i = s->item_of(id);
        if (i < 0) continue;
        t.push_back({p, i, 1.f});
        if (s->artist_of[i] >= 0 && arts.insert(s->artist_of[i]).second)
          ta.push_back({p, s->artist_of[i], 1.f});
      }
      for (const auto& g : pls[p]->tags)
        if (auto it = tag_index.find(g); it != tag_index.end()) pl_tags[p].push_back(it->second);
      title_list.push_back(pls[p]->title);
    }
    nb_total.assign(T, 0.f);
    for (int32_t p = 0; p < n_pl; ++p) {
      if (pl_tags[p].empty()) continue;
      auto toks = title_tokens(pls[p]->title);
      for (const auto& tok : toks) {
        auto& v = nb_counts[tok];
        for (int g : pl_tags[p]) {
          auto it = std::find_if(v.begin(), v.end(), [g](auto& e) { return e.first == g; });
          if (it == v.end())
            v.push_back({g, 1.f});
          else
            it->second += 1.f;
        }
      }
      for (int g : pl_tags[p]) nb_total[g] += static_cast<float>(toks.size());
    }
    P = Interactions::from_triplets(n_pl, s->n_items, std::move(t));
    PT = P.transpose();
    PA = Interactions::from_triplets(n_pl, s->n_artists, std::move(ta));
    item_count.assign(s->n_items, 0.f);
    for (int32_t c : P.indices()) item_count[c] += 1.f;
    artist_count.assign(s->n_artists, 0.f);
    for (int32_t c : PA.indices()) artist_count[c] += 1.f;
    knn = ItemKnn(cfg.knn);
    knn.fit(P);
    ItemKnnConfig acfg = cfg.knn;
    acfg.neighbours = 100;
    artist_knn = ItemKnn(acfg);
    artist_knn.fit(PA);
    has_als = P.nnz() > 0;
    if (has_als) {
      als = Als(cfg.als);
      als.fit(P);
    }
    // Tag statistics: per artist (over the playlists they appear in) and audio profile per tag.
    artist_tag.assign(static_cast<size_t>(s->n_artists) * T, 0.f);
    for (int32_t p = 0; p < n_pl; ++p)
      for (int32_t a : PA.row_indices(p))
        for (int g : pl_tags[p]) artist_tag[static_cast<size_t>(a) * T + g] += 1.f;
    tag_profile.assign(static_cast<size_t>(T) * s->dim, 0.f);
    std::vector<float> tag_n(T, 0.f);
    for (int32_t p = 0; p < n_pl; ++p)
      for (int32_t i : P.row_indices(p)) {
        if (i >= s->n_cat) continue;
        for (int g : pl_tags[p]) {
          for (int d = 0; d < s->dim; ++d)
            tag_profile[static_cast<size_t>(g) * s->dim + d] +=
                s->feat[static_cast<size_t>(i) * s->dim + d];
          tag_n[g] += 1.f;
        }
      }
    for (int g = 0; g < T; ++g)
      for (int d = 0; d < s->dim; ++d)
        tag_profile[static_cast<size_t>(g) * s->dim + d] /= std::max(1.f, tag_n[g]);
    tag_year.assign(T, 0.f);
    tag_pop.assign(T, 0.f);
    std::vector<float> ny(T, 0.f), np(T, 0.f);
    for (int32_t p = 0; p < n_pl; ++p)
      for (int32_t i : P.row_indices(p))
        for (int g : pl_tags[p]) {
          if (!std::isnan(s->year_of[i])) tag_year[g] += s->year_of[i], ny[g] += 1.f;
          if (!std::isnan(s->pop_of[i])) tag_pop[g] += s->pop_of[i], np[g] += 1.f;
        }
    for (int g = 0; g < T; ++g) {
      tag_year[g] = ny[g] > 0 ? tag_year[g] / ny[g] : kNaN;
      tag_pop[g] = np[g] > 0 ? tag_pop[g] / np[g] : kNaN;
    }
    for (int32_t p = 0; p < n_pl; ++p)
      for (int a : pl_tags[p])
        for (int c : pl_tags[p])
          if (a != c) tag_pairs.insert(int64_t(a) * T + c);
    titles.build(title_list);
    std::vector<int32_t> order(s->n_items);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int32_t a, int32_t b) { return item_count[a] > item_count[b]; });
    order.resize(std::min<size_t>(order.size(), 300));
    popular = order;
    if (cfg.tag_sets) fit_sets(pls);
  }
};

void ContinuationModel::Base::fit_sets(const std::vector<const Playlist*>& pls) {
  std::map<std::vector<int>, int> count;
  std::vector<std::vector<int>> key(n_pl);
  size_t tagged = 0;
  for (int32_t p = 0; p < n_pl; ++p) {
    if (pl_tags[p].empty()) continue;
    key[p] = pl_tags[p];
    std::sort(key[p].begin(), key[p].end());
    key[p].erase(std::unique(key[p].begin(), key[p].end()), key[p].end());
    ++count[key[p]];
    ++tagged;
  }
  size_t covered = 0;
  for (auto& [k, n] : count)
    if (n >= 2) covered += n;
  // Only for a small closed set of recurring combinations; free-form tags (Melon) keep the
  // per-tag ranker alone.
  if (tagged == 0 || count.size() > 64 || covered < 0.9 * tagged) return;
  std::map<std::vector<int>, int> index;
  for (auto& [k, n] : count)
    if (n >= 2) {
      index.emplace(k, static_cast<int>(sets.size()));
      sets.push_back(k);
    }
  C = static_cast<int>(sets.size());
  if (C < 2) {
    sets.clear();
    C = 0;
    return;
  }
  use_sets = true;
  pl_set.assign(n_pl, -1);
  for (int32_t p = 0; p < n_pl; ++p)
    if (auto it = index.find(key[p]); !key[p].empty() && it != index.end()) pl_set[p] = it->second;
  const int dim = s->dim;
  set_prior.assign(C, 0.f);
  set_nb_total.assign(C, 0.f);
  artist_set.assign(static_cast<size_t>(s->n_artists) * C, 0.f);
  pl_mean.assign(static_cast<size_t>(n_pl) * dim, kNaN);
  std::vector<double> sum(static_cast<size_t>(C) * dim, 0), sq(sum.size(), 0), inner(sum.size(), 0);
  std::vector<float> n_feat(C, 0.f), n_inner(C, 0.f), ys(C, 0.f), ny(C, 0.f), ps(C, 0.f),
      np(C, 0.f);
  for (int32_t p = 0; p < n_pl; ++p) {
    // Per-playlist audio mean (for the audio nearest-playlist vote), even when untagged.
    std::vector<double> m(dim, 0), m2(dim, 0);
    int k = 0;
    for (int32_t i : P.row_indices(p))
      if (i < s->n_cat) {
        for (int d = 0; d < dim; ++d) {
          double v = s->feat[static_cast<size_t>(i) * dim + d];
          m[d] += v, m2[d] += v * v;
        }
        ++k;
      }
    if (k > 0)
      for (int d = 0; d < dim; ++d) pl_mean[static_cast<size_t>(p) * dim + d] = float(m[d] / k);
    const int c = pl_set[p];
    if (c < 0) continue;
    set_prior[c] += 1.f;
    for (int32_t a : PA.row_indices(p)) artist_set[static_cast<size_t>(a) * C + c] += 1.f;
    for (int32_t i : P.row_indices(p)) {
      if (!std::isnan(s->year_of[i])) ys[c] += s->year_of[i], ny[c] += 1.f;
      if (!std::isnan(s->pop_of[i])) ps[c] += s->pop_of[i], np[c] += 1.f;
    }
    if (k > 0) {
      for (int d = 0; d < dim; ++d) {
        double mu = m[d] / k;
        sum[static_cast<size_t>(c) * dim + d] += mu;
        sq[static_cast<size_t>(c) * dim + d] += mu * mu;
        inner[static_cast<size_t>(c) * dim + d] += std::sqrt(std::max(0.0, m2[d] / k - mu * mu));
      }
      n_feat[c] += 1.f;
    }
    auto toks = title_tokens(pls[p]->title);
    for (const auto& tok : toks) {
      auto& v = set_nb_counts[tok];
      auto it = std::find_if(v.begin(), v.end(), [c](auto& e) { return e.first == c; });
      if (it == v.end())
        v.push_back({c, 1.f});
      else
        it->second += 1.f;
    }
    set_nb_total[c] += static_cast<float>(toks.size());
  }
  float total = std::accumulate(set_prior.begin(), set_prior.end(), 0.f);
  set_profile.assign(sum.size(), 0.f);
  set_sd.assign(sum.size(), 1.f);
  set_inner_sd.assign(sum.size(), 0.f);
  set_year.assign(C, kNaN);
  set_pop.assign(C, kNaN);
  for (int c = 0; c < C; ++c) {
    for (int d = 0; d < dim; ++d) {
      size_t j = static_cast<size_t>(c) * dim + d;
      double n = std::max(1.f, n_feat[c]), mu = sum[j] / n;
      set_profile[j] = float(mu);
      // Spread of playlist means within the class, floored so that one-playlist classes do not
      // get a zero width.
      set_sd[j] = float(std::max(0.25, std::sqrt(std::max(0.0, sq[j] / n - mu * mu))));
      set_inner_sd[j] = float(inner[j] / n);
    }
    if (ny[c] > 0) set_year[c] = ys[c] / ny[c];
    if (np[c] > 0) set_pop[c] = ps[c] / np[c];
    set_prior[c] /= std::max(1.f, total);
  }
}

namespace {

using Base = ContinuationModel::Base;

struct QueryCtx {
  std::vector<int32_t> seeds;
  size_t unknown = 0;
  std::string title;
  std::vector<int> given_tags;
  std::unordered_map<int32_t, int> seed_artist, seed_album;
  std::vector<float> mean_feat;
  int n_feat = 0;
  float med_year = kNaN, mean_pop = kNaN;
  std::vector<float> title_sim, pl_sim;  // per playlist
  float title_sum = 0, pl_sum = 0;
  std::vector<float> knn, als, item_title, item_pl;        // per item
  std::vector<float> artist_knn, artist_title, artist_pl;  // per artist
  std::vector<float> qtag;                                 // tag distribution (sums to 1 or all 0)
  std::vector<float> seed_vote, artist_vote;
};

void item_tag_dist(const Base& b, int32_t item, std::vector<float>& out) {
  std::fill(out.begin(), out.end(), 0.f);
  if (item < 0) return;
  if (b.item_count[item] > 0) {
    for (int32_t p : b.PT.row_indices(item))
      for (int g : b.pl_tags[p]) out[g] += 1.f;
  } else if (int32_t a = b.s->artist_of[item]; a >= 0) {
    for (int g = 0; g < b.T; ++g) out[g] = b.artist_tag[static_cast<size_t>(a) * b.T + g];
  }
}

/// Catalogue genres named in `text` (a title or a tag): windows of up to three folded words,
/// longest first and without overlap ("hip hop classics" -> hip-hop, "chill acoustic" -> chill,
/// acoustic). Appends new genre keys to `out`.
void genres_named(const ItemSpace& s, std::string_view text, std::vector<std::string>& out) {
  if (s.genre_items.empty()) return;
  const auto words = split(fold_key(text), ' ');
  for (size_t i = 0; i < words.size();) {
    size_t took = 0;
    for (size_t len = std::min<size_t>(3, words.size() - i); len >= 1 && took == 0; --len) {
      std::string key;
      for (size_t k = 0; k < len; ++k) key += words[i + k];
      if (s.genre_items.count(key)) {
        if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
        took = len;
      }
    }
    i += took ? took : 1;
  }
}

/// The first `n` of `ranked`, at most `per_artist` songs by one artist while others are left
/// (a genre's top songs by popularity are often one artist's hits), then the rest in order.
std::vector<int32_t> artist_diverse(const ItemSpace& s, const std::vector<int32_t>& ranked, size_t n,
                                    int per_artist) {
  std::vector<int32_t> out;
  std::vector<char> used(ranked.size(), 0);
  std::unordered_map<int32_t, int> by_artist;
  for (size_t k = 0; k < ranked.size() && out.size() < n; ++k) {
    const int32_t a = s.artist_of[ranked[k]];
    if (a >= 0 && by_artist[a] >= per_artist) continue;
    if (a >= 0) ++by_artist[a];
    out.push_back(ranked[k]);
    used[k] = 1;
  }
  for (size_t k = 0; k < ranked.size() && out.size() < n; ++k)
    if (!used[k]) out.push_back(ranked[k]);
  return out;
}

QueryCtx make_context(const Base& b, const std::string& title, const std::vector<std::string>& ids,
                      const std::vector<std::string>& tags) {
  const ItemSpace& s = *b.s;
  QueryCtx q;
  q.title = title;
  std::unordered_set<int32_t> seen;
  for (const auto& id : ids) {
    int32_t i = s.item_of(id);
    if (i < 0) {
      ++q.unknown;
      continue;
    }
    if (seen.insert(i).second) q.seeds.push_back(i);
  }
  for (const auto& t : tags)
    if (auto it = b.tag_index.find(t); it != b.tag_index.end()) q.given_tags.push_back(it->second);
  std::vector<float> years;
  q.mean_feat.assign(s.dim, 0.f);
  for (int32_t i : q.seeds) {
    if (s.artist_of[i] >= 0) ++q.seed_artist[s.artist_of[i]];
    if (s.album_of[i] >= 0) ++q.seed_album[s.album_of[i]];
    if (!std::isnan(s.year_of[i])) years.push_back(s.year_of[i]);
    if (i < s.n_cat) {
      for (int d = 0; d < s.dim; ++d) q.mean_feat[d] += s.feat[static_cast<size_t>(i) * s.dim + d];
      ++q.n_feat;
    }
  }
  if (q.n_feat > 0)
    for (auto& v : q.mean_feat) v /= q.n_feat;
  float pop_sum = 0, pop_n = 0;
  for (int32_t i : q.seeds)
    if (!std::isnan(s.pop_of[i])) pop_sum += s.pop_of[i], pop_n += 1.f;
  if (pop_n > 0) q.mean_pop = pop_sum / pop_n;
  if (!years.empty()) {
    std::nth_element(years.begin(), years.begin() + years.size() / 2, years.end());
    q.med_year = years[years.size() / 2];
  }
  q.title_sim.assign(b.n_pl, 0.f);
  b.titles.similarities(title, q.title_sim);
  q.pl_sim.assign(b.n_pl, 0.f);
  for (int32_t i : q.seeds)
    for (int32_t p : b.PT.row_indices(i)) q.pl_sim[p] += 1.f;
  for (int32_t p = 0; p < b.n_pl; ++p) {
    if (q.pl_sim[p] > 0)
      q.pl_sim[p] /= std::sqrt(float(q.seeds.size()) * std::max<int64_t>(1, b.P.row_size(p)));
    q.title_sum += q.title_sim[p];
    q.pl_sum += q.pl_sim[p];
  }
  const size_t n = s.n_items, na = s.n_artists;
  q.item_title.assign(n, 0.f);
  q.item_pl.assign(n, 0.f);
  q.artist_title.assign(na, 0.f);
  q.artist_pl.assign(na, 0.f);
  for (int32_t p = 0; p < b.n_pl; ++p) {
    float ts = q.title_sim[p], ps = q.pl_sim[p];
    if (ts <= 0 && ps <= 0) continue;
    for (int32_t i : b.P.row_indices(p)) q.item_title[i] += ts, q.item_pl[i] += ps;
    for (int32_t a : b.PA.row_indices(p)) q.artist_title[a] += ts, q.artist_pl[a] += ps;
  }
  Query cq;
  cq.items = q.seeds;
  q.knn.assign(n, 0.f);
  q.als.assign(n, 0.f);
  if (!q.seeds.empty()) {
    b.knn.score(std::span<const Query>(&cq, 1), q.knn);
    if (b.has_als) b.als.score(std::span<const Query>(&cq, 1), q.als);
  }
  Query aq;
  for (auto& [a, c] : q.seed_artist) aq.items.push_back(a), aq.values.push_back(float(c));
  q.artist_knn.assign(na, 0.f);
  if (!aq.items.empty()) b.artist_knn.score(std::span<const Query>(&aq, 1), q.artist_knn);
  // Tag evidence: the seeds' playlists, the seed artists' playlists, similar titles.
  const int T = b.T;
  q.seed_vote.assign(T, 0.f);
  q.artist_vote.assign(T, 0.f);
  float sv = 0, av = 0;
  for (int32_t i : q.seeds)
    for (int32_t p : b.PT.row_indices(i))
      for (int g : b.pl_tags[p]) q.seed_vote[g] += 1.f, sv += 1.f;
  for (auto& [a, c] : q.seed_artist)
    for (int g = 0; g < T; ++g) {
      float v = c * b.artist_tag[static_cast<size_t>(a) * T + g];
      q.artist_vote[g] += v;
      av += v;
    }
  if (sv > 0)
    for (auto& v : q.seed_vote) v /= sv;
  if (av > 0)
    for (auto& v : q.artist_vote) v /= av;
  q.qtag.assign(T, 0.f);
  for (int g = 0; g < T; ++g) q.qtag[g] = q.seed_vote[g] + q.artist_vote[g];
  for (int32_t p = 0; p < b.n_pl; ++p)
    if (q.title_sum > 0)
      for (int g : b.pl_tags[p]) q.qtag[g] += q.title_sim[p] / q.title_sum;
  for (int g : q.given_tags) q.qtag[g] += 3.f;
  float tot = std::accumulate(q.qtag.begin(), q.qtag.end(), 0.f);
  if (tot > 0)
    for (auto& v : q.qtag) v /= tot;
  return q;
}

std::vector<int32_t> candidates(const Base& b, const QueryCtx& q) {
  const ItemSpace& s = *b.s;
  std::vector<char> mark(s.n_items, 0);
  for (int32_t i : q.seeds) mark[i] = 2;
  std::vector<int32_t> out;
  auto add = [&](int32_t i) {
    if (i >= 0 && !mark[i]) mark[i] = 1, out.push_back(i);
  };
  for (auto& [a, c] : q.seed_artist)
    for (int32_t i : s.artist_items[a]) add(i);
  auto add_top = [&](const std::vector<float>& sc, int k) {
    for (auto& it : top_k(sc, k, q.seeds))
      if (it.score > 0 || &sc == &q.als) add(it.item);
  };
  add_top(q.knn, 200);
  if (b.has_als && !q.seeds.empty()) add_top(q.als, 150);
  add_top(q.item_pl, 150);
  add_top(q.item_title, 100);
  // Neighbouring artists' best-known tracks (reaches songs no training playlist holds).
  std::vector<int32_t> seed_art;
  for (auto& [a, c] : q.seed_artist) seed_art.push_back(a);
  for (auto& it : top_k(q.artist_knn, 25, seed_art))
    if (it.score > 0)
      for (size_t k = 0; k < std::min<size_t>(15, s.artist_items[it.item].size()); ++k)
        add(s.artist_items[it.item][k]);
  if (q.n_feat > 0 && s.dim > 0) {
    std::vector<float> neg(s.n_cat);
    for (int32_t i = 0; i < s.n_cat; ++i) {
      float d = 0;
      for (int k = 0; k < s.dim; ++k) {
        float x = s.feat[static_cast<size_t>(i) * s.dim + k] - q.mean_feat[k];
        d += x * x;
      }
      neg[i] = -d;
    }
    for (auto& it : top_k(neg, 60, q.seeds)) add(it.item);
  }
  for (size_t k = 0; k < std::min<size_t>(60, b.popular.size()); ++k) add(b.popular[k]);
  return out;
}

void song_features(const Base& b, const QueryCtx& q, int32_t i, float* f,
                   std::vector<float>& scratch) {
  const ItemSpace& s = *b.s;
  const float ns = std::max<size_t>(1, q.seeds.size());
  int32_t a = s.artist_of[i], al = s.album_of[i];
  auto ca = a >= 0 ? q.seed_artist.find(a) : q.seed_artist.end();
  float same_artist = ca == q.seed_artist.end() ? 0.f : float(ca->second);
  auto cal = al >= 0 ? q.seed_album.find(al) : q.seed_album.end();
  float same_album = cal == q.seed_album.end() ? 0.f : float(cal->second);
  f[0] = same_artist / ns;
  f[1] = same_artist;
  f[2] = same_album / ns;
  f[3] = q.knn[i] / ns;
  f[4] = q.als[i];
  f[5] = a >= 0 ? q.artist_knn[a] / ns : 0.f;
  f[6] = q.item_pl[i];
  f[7] = q.item_title[i];
  f[8] = a >= 0 ? q.artist_title[a] : 0.f;
  f[9] = a >= 0 ? q.artist_pl[a] : 0.f;
  if (q.n_feat > 0 && i < s.n_cat) {
    float d = 0;
    for (int k = 0; k < s.dim; ++k) {
      float x = s.feat[static_cast<size_t>(i) * s.dim + k] - q.mean_feat[k];
      d += x * x;
    }
    f[10] = d;
  } else {
    f[10] = kNaN;
  }
  f[11] = std::isnan(q.med_year) || std::isnan(s.year_of[i]) ? kNaN
                                                             : std::fabs(s.year_of[i] - q.med_year);
  f[12] = s.pop_of[i];
  f[13] = std::log1p(b.item_count[i]);
  f[14] = a >= 0 ? std::log1p(b.artist_count[a]) : kNaN;
  f[15] = a >= 0 ? std::log1p(float(s.artist_items[a].size())) : kNaN;
  item_tag_dist(b, i, scratch);
  float dot = 0, nn = 0, nq = 0;
  for (int g = 0; g < b.T; ++g)
    dot += scratch[g] * q.qtag[g], nn += scratch[g] * scratch[g], nq += q.qtag[g] * q.qtag[g];
  f[16] = nn > 0 && nq > 0 ? dot / std::sqrt(nn * nq) : kNaN;
  f[17] = float(q.seeds.size());
  f[18] = float(q.seed_artist.size()) / ns;
  f[19] = s.year_of[i];
  f[20] = a >= 0 ? float(s.pop_rank[i]) : kNaN;
  f[21] = q.title_sum;
}

/// Hand-weighted linear blend of the main signals (the fallback when no ranker is trained).
float blend_score(const float* f, float max_art, float max_knn, float max_pl, float max_title,
                  float max_aknn) {
  auto nz = [](float v) { return std::isnan(v) ? 0.f : v; };
  return 2.f * (max_art > 0 ? f[0] / max_art : 0) + 0.5f * f[2] +
         (max_knn > 0 ? f[3] / max_knn : 0) + 0.5f * (max_aknn > 0 ? f[5] / max_aknn : 0) +
         0.5f * (max_pl > 0 ? f[6] / max_pl : 0) + 0.3f * (max_title > 0 ? f[7] / max_title : 0) +
         0.3f * nz(f[16]) + 0.002f * nz(f[12]);
}

struct Scored {
  std::vector<int32_t> items;
  std::vector<float> x;  // items x kSongFeatures
  std::vector<float> blend;
};

Scored score_candidates(const Base& b, const QueryCtx& q) {
  Scored sc;
  sc.items = candidates(b, q);
  sc.x.resize(sc.items.size() * kSongFeatures);
  std::vector<float> scratch(b.T);
  float mk = 0, mp = 0, mt = 0, ma = 0, mart = 0;
  for (size_t k = 0; k < sc.items.size(); ++k) {
    float* f = sc.x.data() + k * kSongFeatures;
    song_features(b, q, sc.items[k], f, scratch);
    mk = std::max(mk, f[3]), mp = std::max(mp, f[6]), mt = std::max(mt, f[7]),
    ma = std::max(ma, f[5]);
    mart = std::max(mart, f[0]);
  }
  sc.blend.resize(sc.items.size());
  for (size_t k = 0; k < sc.items.size(); ++k)
    sc.blend[k] = blend_score(sc.x.data() + k * kSongFeatures, mart, mk, mp, mt, ma);
  return sc;
}

std::vector<int32_t> top_by(const std::vector<int32_t>& items, const std::vector<float>& score,
                            size_t n) {
  std::vector<size_t> idx(items.size());
  std::iota(idx.begin(), idx.end(), 0);
  size_t k = std::min(n, idx.size());
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](size_t a, size_t b) {
    return score[a] != score[b] ? score[a] > score[b] : items[a] < items[b];
  });
  std::vector<int32_t> out;
  for (size_t j = 0; j < k; ++j) out.push_back(items[idx[j]]);
  return out;
}

/// Posterior of each tag under the title naive Bayes (prior = tag frequency); the prior alone
/// when the title has no token seen in training.
std::vector<float> title_bayes(const Base& b, const std::string& title) {
  const int T = b.T;
  std::vector<float> out(T, 0.f);
  if (T == 0) return out;
  constexpr double kSmooth = 0.5;
  const double v = static_cast<double>(std::max<size_t>(1, b.nb_counts.size()));
  std::vector<double> lp(T);
  for (int g = 0; g < T; ++g) lp[g] = std::log(std::max(1e-6f, b.tag_prior[g]));
  for (const auto& tok : title_tokens(title)) {
    auto it = b.nb_counts.find(tok);
    if (it == b.nb_counts.end()) continue;
    for (int g = 0; g < T; ++g) lp[g] += std::log(kSmooth) - std::log(b.nb_total[g] + kSmooth * v);
    for (auto& [g, c] : it->second) lp[g] += std::log(c + kSmooth) - std::log(kSmooth);
  }
  double mx = *std::max_element(lp.begin(), lp.end()), z = 0;
  for (int g = 0; g < T; ++g) z += std::exp(lp[g] - mx);
  for (int g = 0; g < T; ++g) out[g] = static_cast<float>(std::exp(lp[g] - mx) / z);
  return out;
}

void tag_features(const Base& b, const QueryCtx& q, const std::vector<int32_t>& chosen,
                  std::vector<float>& x) {
  const int T = b.T;
  x.assign(static_cast<size_t>(T) * kTagFeatures, 0.f);
  std::vector<float> title_vote(T, 0.f), title_max(T, 0.f), pl_vote(T, 0.f), chosen_vote(T, 0.f),
      audio(T, kNaN);
  for (int32_t p = 0; p < b.n_pl; ++p) {
    for (int g : b.pl_tags[p]) {
      title_vote[g] += q.title_sim[p];
      title_max[g] = std::max(title_max[g], q.title_sim[p]);
      pl_vote[g] += q.pl_sim[p];
    }
  }
  std::vector<float> scratch(T);
  float ct = 0;
  for (int32_t i : chosen) {
    item_tag_dist(b, i, scratch);
    float s = std::accumulate(scratch.begin(), scratch.end(), 0.f);
    if (s <= 0) continue;
    for (int g = 0; g < T; ++g) chosen_vote[g] += scratch[g] / s;
    ct += 1;
  }
  std::string folded_title = " " + fold_key(q.title) + " ";
  if (q.n_feat > 0 && b.s->dim > 0)
    for (int g = 0; g < T; ++g) {
      float d = 0;
      for (int k = 0; k < b.s->dim; ++k) {
        float v = b.tag_profile[static_cast<size_t>(g) * b.s->dim + k] - q.mean_feat[k];
        d += v * v;
      }
      audio[g] = d;
    }
  std::vector<int> order(T);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int c) {
    float da = std::isnan(audio[a]) ? 1e30f : audio[a],
          dc = std::isnan(audio[c]) ? 1e30f : audio[c];
    return da < dc;
  });
  std::vector<float> audio_rank(T);
  for (int r = 0; r < T; ++r) audio_rank[order[r]] = float(r);
  auto rank_of = [&](const std::vector<float>& v) {
    std::vector<int> o(T);
    std::iota(o.begin(), o.end(), 0);
    std::stable_sort(o.begin(), o.end(), [&](int a, int c) { return v[a] > v[c]; });
    std::vector<float> r(T);
    for (int k = 0; k < T; ++k) r[o[k]] = float(k);
    return r;
  };
  auto seed_rank = rank_of(q.seed_vote), artist_rank = rank_of(q.artist_vote),
       title_rank = rank_of(title_vote);
  auto bayes = title_bayes(b, q.title);
  auto bayes_rank = rank_of(bayes);
  // Vote of the 5 most similar titles.
  std::vector<float> top_title(T, 0.f);
  {
    std::vector<int32_t> ps(b.n_pl);
    std::iota(ps.begin(), ps.end(), 0);
    size_t k = std::min<size_t>(5, ps.size());
    std::partial_sort(ps.begin(), ps.begin() + k, ps.end(), [&](int32_t a, int32_t c) {
      return q.title_sim[a] != q.title_sim[c] ? q.title_sim[a] > q.title_sim[c] : a < c;
    });
    for (size_t j = 0; j < k; ++j)
      if (q.title_sim[ps[j]] > 0)
        for (int g : b.pl_tags[ps[j]]) top_title[g] += 1.f / k;
  }
  for (int g = 0; g < T; ++g) {
    float* f = x.data() + static_cast<size_t>(g) * kTagFeatures;
    f[0] = q.seed_vote[g];
    f[1] = q.artist_vote[g];
    f[2] = q.title_sum > 0 ? title_vote[g] / q.title_sum : 0.f;
    f[3] = title_max[g];
    f[4] = !b.tag_folded[g].empty() &&
                   folded_title.find(" " + b.tag_folded[g] + " ") != std::string::npos
               ? 1.f
               : 0.f;
    f[5] = audio[g];
    f[6] = audio_rank[g];
    f[7] = b.tag_prior[g];
    f[8] = q.pl_sum > 0 ? pl_vote[g] / q.pl_sum : 0.f;
    f[9] = ct > 0 ? chosen_vote[g] / ct : 0.f;
    f[10] = float(q.seeds.size());
    f[11] = q.title_sum;
    f[12] =
        std::find(q.given_tags.begin(), q.given_tags.end(), g) != q.given_tags.end() ? 1.f : 0.f;
    f[13] = std::fabs(q.med_year - b.tag_year[g]);  // NaN propagates as "missing"
    f[14] = std::fabs(q.mean_pop - b.tag_pop[g]);
    f[15] = seed_rank[g];
    f[16] = artist_rank[g];
    f[17] = title_rank[g];
    f[18] = top_title[g];
    f[19] = bayes[g];
    f[20] = bayes_rank[g];
  }
}

std::vector<float> rank_desc(const std::vector<float>& v) {
  std::vector<int> o(v.size());
  std::iota(o.begin(), o.end(), 0);
  std::stable_sort(o.begin(), o.end(), [&](int a, int c) { return v[a] > v[c]; });
  std::vector<float> r(v.size());
  for (size_t k = 0; k < o.size(); ++k) r[o[k]] = float(k);
  return r;
}

/// Per-class (tag set) features: the same evidence as the per-tag features, voted by whole
/// playlists, plus a Gaussian-style audio fit of the seeds' mean and spread to each class and
/// the vote of the training playlists nearest in mean audio.
void set_features(const Base& b, const QueryCtx& q, const std::vector<int32_t>& chosen,
                  std::vector<float>& x) {
  const int C = b.C, dim = b.s->dim;
  x.assign(static_cast<size_t>(C) * kSetFeatures, kNaN);
  std::vector<float> seed_v(C, 0.f), art_v(C, 0.f), title_v(C, 0.f), pl_v(C, 0.f), chosen_v(C, 0.f),
      top_title(C, 0.f), audio_knn(C, 0.f), nb(C, 0.f);
  float sv = 0, av = 0, cv = 0;
  for (int32_t i : q.seeds)
    for (int32_t p : b.PT.row_indices(i))
      if (int c = b.pl_set[p]; c >= 0) seed_v[c] += 1.f, sv += 1.f;
  for (auto& [a, n] : q.seed_artist)
    for (int c = 0; c < C; ++c) {
      float v = n * b.artist_set[static_cast<size_t>(a) * C + c];
      art_v[c] += v, av += v;
    }
  for (int32_t i : chosen)
    for (int32_t p : b.PT.row_indices(i))
      if (int c = b.pl_set[p]; c >= 0) chosen_v[c] += 1.f, cv += 1.f;
  float ts = 0, ps = 0;
  for (int32_t p = 0; p < b.n_pl; ++p)
    if (int c = b.pl_set[p]; c >= 0) {
      title_v[c] += q.title_sim[p], ts += q.title_sim[p];
      pl_v[c] += q.pl_sim[p], ps += q.pl_sim[p];
    }
  {
    std::vector<int32_t> order;
    for (int32_t p = 0; p < b.n_pl; ++p)
      if (b.pl_set[p] >= 0 && q.title_sim[p] > 0) order.push_back(p);
    size_t k = std::min<size_t>(5, order.size());
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t c) {
      return q.title_sim[a] != q.title_sim[c] ? q.title_sim[a] > q.title_sim[c] : a < c;
    });
    for (size_t j = 0; j < k; ++j) top_title[b.pl_set[order[j]]] += 1.f / 5;
  }
  // Seeds' audio mean (q.mean_feat) and spread.
  std::vector<float> sd(dim, 0.f);
  if (q.n_feat > 1) {
    for (int32_t i : q.seeds)
      if (i < b.s->n_cat)
        for (int d = 0; d < dim; ++d) {
          float v = b.s->feat[static_cast<size_t>(i) * dim + d] - q.mean_feat[d];
          sd[d] += v * v;
        }
    for (auto& v : sd) v = std::sqrt(v / q.n_feat);
  }
  std::vector<float> zdist(C, kNaN), edist(C, kNaN), sddist(C, kNaN);
  if (q.n_feat > 0 && dim > 0) {
    for (int c = 0; c < C; ++c) {
      double z = 0, e = 0, w = 0;
      for (int d = 0; d < dim; ++d) {
        size_t j = static_cast<size_t>(c) * dim + d;
        double diff = q.mean_feat[d] - b.set_profile[j];
        z += diff * diff / (double(b.set_sd[j]) * b.set_sd[j]);
        e += diff * diff;
        double ds = sd[d] - b.set_inner_sd[j];
        w += ds * ds;
      }
      zdist[c] = float(z / dim), edist[c] = float(e);
      if (q.n_feat > 1) sddist[c] = float(w);
    }
    // Vote of the 10 training playlists nearest in mean audio.
    std::vector<std::pair<float, int32_t>> near;
    for (int32_t p = 0; p < b.n_pl; ++p) {
      if (b.pl_set[p] < 0 || std::isnan(b.pl_mean[static_cast<size_t>(p) * dim])) continue;
      float d2 = 0;
      for (int d = 0; d < dim; ++d) {
        float v = b.pl_mean[static_cast<size_t>(p) * dim + d] - q.mean_feat[d];
        d2 += v * v;
      }
      near.push_back({d2, p});
    }
    size_t k = std::min<size_t>(10, near.size());
    std::partial_sort(near.begin(), near.begin() + k, near.end());
    for (size_t j = 0; j < k; ++j) audio_knn[b.pl_set[near[j].second]] += 1.f / 10;
  }
  // Naive Bayes over the title's words and character trigrams, classes as labels.
  {
    constexpr double kSmooth = 0.5;
    const double v = static_cast<double>(std::max<size_t>(1, b.set_nb_counts.size()));
    std::vector<double> lp(C);
    for (int c = 0; c < C; ++c) lp[c] = std::log(std::max(1e-6f, b.set_prior[c]));
    for (const auto& tok : title_tokens(q.title)) {
      auto it = b.set_nb_counts.find(tok);
      if (it == b.set_nb_counts.end()) continue;
      for (int c = 0; c < C; ++c)
        lp[c] += std::log(kSmooth) - std::log(b.set_nb_total[c] + kSmooth * v);
      for (auto& [c, n] : it->second) lp[c] += std::log(n + kSmooth) - std::log(kSmooth);
    }
    double mx = *std::max_element(lp.begin(), lp.end()), z = 0;
    for (int c = 0; c < C; ++c) z += std::exp(lp[c] - mx);
    for (int c = 0; c < C; ++c) nb[c] = static_cast<float>(std::exp(lp[c] - mx) / z);
  }
  std::vector<float> neg_z(C);
  for (int c = 0; c < C; ++c) neg_z[c] = std::isnan(zdist[c]) ? -1e30f : -zdist[c];
  auto nb_rank = rank_desc(nb), seed_rank = rank_desc(seed_v), art_rank = rank_desc(art_v),
       audio_rank = rank_desc(neg_z);
  std::string folded_title = " " + fold_key(q.title) + " ";
  for (int c = 0; c < C; ++c) {
    float* f = x.data() + static_cast<size_t>(c) * kSetFeatures;
    float in_title = 0, given = 0;
    for (int g : b.sets[c]) {
      if (!b.tag_folded[g].empty() &&
          folded_title.find(" " + b.tag_folded[g] + " ") != std::string::npos)
        in_title += 1.f;
      if (std::find(q.given_tags.begin(), q.given_tags.end(), g) != q.given_tags.end())
        given += 1.f;
    }
    f[0] = b.set_prior[c];
    f[1] = nb[c];
    f[2] = nb_rank[c];
    f[3] = sv > 0 ? seed_v[c] / sv : 0.f;
    f[4] = seed_rank[c];
    f[5] = av > 0 ? art_v[c] / av : 0.f;
    f[6] = art_rank[c];
    f[7] = ts > 0 ? title_v[c] / ts : 0.f;
    f[8] = top_title[c];
    f[9] = ps > 0 ? pl_v[c] / ps : 0.f;
    f[10] = cv > 0 ? chosen_v[c] / cv : 0.f;
    f[11] = zdist[c];
    f[12] = audio_rank[c];
    f[13] = edist[c];
    f[14] = sddist[c];
    f[15] = audio_knn[c];
    f[16] = float(q.seeds.size());
    f[17] = q.title_sum;
    f[18] = in_title;
    f[19] = given;
    f[20] = std::fabs(q.med_year - b.set_year[c]);  // NaN propagates as "missing"
    f[21] = std::fabs(q.mean_pop - b.set_pop[c]);
  }
}

/// Tags ranked by their marginal probability under the class model (the class scores
/// normalised to sum to 1): sorting by marginals maximises the expected DCG, and a genre is
/// always at least as likely as each of its subgenres. Tags no class holds follow in
/// `per_tag` order.
std::vector<ScoredItem> rank_by_sets(const Base& b, const std::vector<float>& set_score,
                                     const std::vector<float>& per_tag, int n) {
  std::vector<float> marg(b.T, 0.f);
  double z = std::accumulate(set_score.begin(), set_score.end(), 0.0);
  if (z <= 0) z = 1;
  for (int c = 0; c < b.C; ++c)
    for (int g : b.sets[c]) marg[g] += static_cast<float>(set_score[c] / z);
  std::vector<int> order(b.T);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int c) {
    if (marg[a] != marg[c]) return marg[a] > marg[c];
    return per_tag[a] > per_tag[c];
  });
  std::vector<ScoredItem> out;
  for (int g : order) {
    if (static_cast<int>(out.size()) >= n) break;
    if (!std::isfinite(per_tag[g])) continue;  // a tag the query already has
    out.push_back({g, marg[g] > 0 ? marg[g] : 0.f});
  }
  return out;
}

/// Playlists carry tags that go together (a genre and one of its subgenres): put the most
/// likely pair of tags seen together in training first (odds product of the ranker's
/// probabilities among the top 8), then the rest in ranker order.
std::vector<ScoredItem> pair_first(const Base& b, std::vector<ScoredItem> ranked) {
  const size_t m = std::min<size_t>(8, ranked.size());
  double best = -1;
  size_t ba = 0, bb = 0;
  auto odds = [](float p) {
    return std::clamp<double>(p, 1e-6, 1 - 1e-6) / (1 - std::clamp<double>(p, 1e-6, 1 - 1e-6));
  };
  for (size_t i = 0; i < m; ++i)
    for (size_t j = i + 1; j < m; ++j)
      if (b.tag_pairs.count(int64_t(ranked[i].item) * b.T + ranked[j].item)) {
        double o = odds(ranked[i].score) * odds(ranked[j].score);
        if (o > best) best = o, ba = i, bb = j;
      }
  if (best < 0) return ranked;
  std::vector<ScoredItem> out = {ranked[ba], ranked[bb]};
  for (size_t i = 0; i < ranked.size(); ++i)
    if (i != ba && i != bb) out.push_back(ranked[i]);
  return out;
}

std::vector<const Playlist*> pointers(const std::vector<Playlist>& v) {
  std::vector<const Playlist*> out;
  for (const auto& p : v) out.push_back(&p);
  return out;
}

}  // namespace

ContinuationModel::ContinuationModel() = default;
ContinuationModel::~ContinuationModel() = default;

const std::vector<std::string>& ContinuationModel::methods() {
  static const std::vector<std::string> m = {"ranker", "blend",        "artist",  "item_knn",
                                             "als",    "playlist_knn", "content", "popularity"};
  return m;
}

size_t ContinuationModel::n_playlists() const { return training_.size(); }

namespace {

struct TrainingRows {
  std::vector<float> song_x, song_y, tag_x, tag_y, set_x, set_y;
  std::vector<unsigned> song_groups, set_groups;
  size_t queries = 0;
};

void append_query(const Base& b, const Playlist& pl, const std::vector<int32_t>& items,
                  size_t n_seed, TrainingRows& out) {
  std::vector<std::string> seed_ids;
  for (size_t k = 0; k < n_seed; ++k) seed_ids.push_back(b.s->id_of(items[k]));
  std::unordered_set<int32_t> hidden(items.begin() + n_seed, items.end());
  QueryCtx q = make_context(b, pl.title, seed_ids, {});
  Scored sc = score_candidates(b, q);
  size_t pos = 0;
  for (int32_t i : sc.items) pos += hidden.count(i);
  if (pos > 0 && pos < sc.items.size()) {
    out.song_x.insert(out.song_x.end(), sc.x.begin(), sc.x.end());
    for (int32_t i : sc.items) out.song_y.push_back(hidden.count(i) ? 1.f : 0.f);
    out.song_groups.push_back(static_cast<unsigned>(sc.items.size()));
  }
  if (b.T > 0 && !pl.tags.empty()) {
    std::vector<float> tx;
    tag_features(b, q, top_by(sc.items, sc.blend, 100), tx);
    std::unordered_set<std::string> truth(pl.tags.begin(), pl.tags.end());
    out.tag_x.insert(out.tag_x.end(), tx.begin(), tx.end());
    for (int g = 0; g < b.T; ++g) out.tag_y.push_back(truth.count(b.tags[g]) ? 1.f : 0.f);
    if (b.use_sets) {
      std::vector<float> sx;
      set_features(b, q, top_by(sc.items, sc.blend, 100), sx);
      out.set_x.insert(out.set_x.end(), sx.begin(), sx.end());
      for (int c = 0; c < b.C; ++c) {
        bool same = b.sets[c].size() == truth.size();
        for (int g : b.sets[c]) same = same && truth.count(b.tags[g]);
        out.set_y.push_back(same ? 1.f : 0.f);
      }
      out.set_groups.push_back(static_cast<unsigned>(b.C));
    }
  }
  ++out.queries;
}

void train_rankers(const ItemSpace& space, const std::vector<Playlist>& training,
                   const ContinuationConfig& cfg, Gbdt& song, Gbdt& tag, Gbdt& set,
                   const ProgressFn& progress) {
  const int folds = std::max(2, cfg.folds);
  std::vector<size_t> order(training.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(cfg.seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<int> fold_of(training.size());
  for (size_t k = 0; k < order.size(); ++k) fold_of[order[k]] = static_cast<int>(k % folds);
  TrainingRows rows;
  for (int f = 0; f < folds; ++f) {
    report(progress, "folds", f, folds);
    std::vector<const Playlist*> rest;
    std::vector<size_t> held;
    for (size_t p = 0; p < training.size(); ++p)
      (fold_of[p] == f ? held.push_back(p) : rest.push_back(&training[p]));
    Base b;
    b.fit(space, rest, cfg);
    // Query splits are drawn up front so the result does not depend on thread scheduling.
    struct Job {
      size_t pl;
      std::vector<int32_t> items;
      size_t n_seed;
    };
    std::vector<Job> jobs;
    for (size_t p : held) {
      std::vector<int32_t> items;
      for (const auto& id : training[p].tracks)
        if (int32_t i = space.item_of(id); i >= 0) items.push_back(i);
      if (items.size() < 2) continue;
      for (int r = 0; r < std::max(1, cfg.repeats); ++r) {
        std::shuffle(items.begin(), items.end(), rng);
        jobs.push_back({p, items, items.size() / 2});
      }
    }
    std::vector<TrainingRows> parts(jobs.size());
    ParallelErrors errors;
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t j = 0; j < jobs.size(); ++j)
      errors.run(
          [&] { append_query(b, training[jobs[j].pl], jobs[j].items, jobs[j].n_seed, parts[j]); });
    errors.rethrow();
    for (auto& part : parts) {
      rows.song_x.insert(rows.song_x.end(), part.song_x.begin(), part.song_x.end());
      rows.song_y.insert(rows.song_y.end(), part.song_y.begin(), part.song_y.end());
      rows.song_groups.insert(rows.song_groups.end(), part.song_groups.begin(),
                              part.song_groups.end());
      rows.tag_x.insert(rows.tag_x.end(), part.tag_x.begin(), part.tag_x.end());
      rows.tag_y.insert(rows.tag_y.end(), part.tag_y.begin(), part.tag_y.end());
      rows.set_x.insert(rows.set_x.end(), part.set_x.begin(), part.set_x.end());
      rows.set_y.insert(rows.set_y.end(), part.set_y.begin(), part.set_y.end());
      rows.set_groups.insert(rows.set_groups.end(), part.set_groups.begin(), part.set_groups.end());
      rows.queries += part.queries;
    }
  }
  report(progress, "rankers", 0, 3);
  if (!rows.song_groups.empty())
    song.train(rows.song_x, kSongFeatures, rows.song_y, rows.song_groups, cfg.song_ranker);
  report(progress, "rankers", 1, 3);
  if (!rows.tag_y.empty()) tag.train(rows.tag_x, kTagFeatures, rows.tag_y, {}, cfg.tag_ranker);
  report(progress, "rankers", 2, 3);
  // Needs both classes among the rows (a fold's model may lack the class model altogether).
  if (!rows.set_y.empty() &&
      std::find(rows.set_y.begin(), rows.set_y.end(), 1.f) != rows.set_y.end()) {
    std::vector<unsigned> groups;
    if (cfg.set_ranker.objective.rfind("rank:", 0) == 0) groups = rows.set_groups;
    set.train(rows.set_x, kSetFeatures, rows.set_y, groups, cfg.set_ranker);
  }
  report(progress, "rankers", 3, 3);
}

}  // namespace

std::shared_ptr<ContinuationModel> ContinuationModel::fit(catalog::CatalogPtr catalog,
                                                          std::vector<Playlist> training,
                                                          ContinuationConfig config,
                                                          const ProgressFn& progress) {
  MUSE_CHECK_ARG(catalog != nullptr, "continuation needs a track catalogue");
  MUSE_CHECK_ARG(!training.empty(), "continuation needs at least one training playlist");
  auto m = std::make_shared<ContinuationModel>();
  m->catalog_ = std::move(catalog);
  m->config_ = config;
  m->training_ = std::move(training);
  m->space_ = std::make_unique<ItemSpace>();
  m->space_->build(*m->catalog_, m->training_);
  if (m->training_.size() >= 2 * static_cast<size_t>(std::max(2, config.folds)))
    train_rankers(*m->space_, m->training_, config, m->song_ranker_, m->tag_ranker_, m->set_ranker_,
                  progress);
  m->base_ = std::make_unique<Base>();
  m->base_->fit(*m->space_, pointers(m->training_), config);
  return m;
}

std::vector<ContinuationResult> ContinuationModel::recommend(
    std::span<const ContinuationRequest> requests, const std::string& method) const {
  MUSE_CHECK_ARG(std::find(methods().begin(), methods().end(), method) != methods().end(),
                 "unknown continuation method '{}' (ranker, blend, artist, item_knn, als, "
                 "playlist_knn, content, "
                 "popularity)",
                 method);
  for (const auto& r : requests) {
    MUSE_CHECK_ARG(r.n_songs >= 0 && r.n_songs <= 1000, "n_songs must be 0..1000, got {}",
                   r.n_songs);
    MUSE_CHECK_ARG(r.n_tags >= 0 && r.n_tags <= 100, "n_tags must be 0..100, got {}", r.n_tags);
    MUSE_CHECK_ARG(r.track_ids.size() <= 5000, "at most 5000 seed tracks, got {}",
                   r.track_ids.size());
    MUSE_CHECK_ARG(is_valid_utf8(r.title) && r.title.size() <= 1000,
                   "title must be valid UTF-8, at most 1000 bytes");
  }
  const Base& b = *base_;
  const ItemSpace& s = *space_;
  std::vector<ContinuationResult> out(requests.size());
  ParallelErrors errors;
#pragma omp parallel for schedule(dynamic, 1) if (requests.size() > 1)
  for (size_t r = 0; r < requests.size(); ++r) {
    errors.run([&] {
      const auto& req = requests[r];
      auto& res = out[r];
      QueryCtx q = make_context(b, req.title, req.track_ids, req.tags);
      res.unknown_tracks = q.unknown;
      res.known_tracks = q.seeds.size();
      std::vector<int32_t> chosen;
      std::vector<float> chosen_score;
      const size_t n = static_cast<size_t>(req.n_songs);
      auto take = [&](const std::vector<ScoredItem>& v) {
        for (const auto& it : v) chosen.push_back(it.item), chosen_score.push_back(it.score);
      };
      if (q.seeds.empty()) {
        std::vector<float> sc(s.n_items, 0.f);
        if (q.title_sum > 0) {
          res.strategy = "title";
          for (int32_t i = 0; i < s.n_items; ++i) sc[i] = q.item_title[i];
        } else if (!q.given_tags.empty()) {
          res.strategy = "tags";
          for (int32_t p = 0; p < b.n_pl; ++p) {
            float w = 0;
            for (int g : b.pl_tags[p])
              if (std::find(q.given_tags.begin(), q.given_tags.end(), g) != q.given_tags.end())
                w += 1.f;
            if (w > 0)
              for (int32_t i : b.P.row_indices(p)) sc[i] += w;
          }
        } else {
          res.strategy = "popularity";
        }
        for (int32_t i = 0; i < s.n_items; ++i) {
          float pop = std::isnan(s.pop_of[i]) ? 0.f : s.pop_of[i];
          sc[i] = sc[i] * 1000.f + b.item_count[i] + 0.001f * pop;
        }
        // Catalogue genres the title or the tags name ("sad songs", "k-pop"): their songs come
        // first, most genres matched first, then by the score above; at most two per artist
        // while others are left.
        std::vector<std::string> named;
        genres_named(s, req.title, named);
        for (const auto& t : req.tags) genres_named(s, t, named);
        if (!named.empty() && n > 0) {
          res.strategy = "genres";
          std::unordered_map<int32_t, int> hits;
          for (const auto& key : named) {
            const auto& [name, items] = s.genre_items.at(key);
            res.genres.push_back(name);
            for (int32_t i : items) ++hits[i];
          }
          std::vector<std::pair<int, int32_t>> by_hits;  // (genres matched, item)
          by_hits.reserve(hits.size());
          for (const auto& [i, h] : hits) by_hits.emplace_back(h, i);
          std::sort(by_hits.begin(), by_hits.end(), [&](const auto& x, const auto& y) {
            if (x.first != y.first) return x.first > y.first;
            return sc[x.second] != sc[y.second] ? sc[x.second] > sc[y.second] : x.second < y.second;
          });
          std::vector<int32_t> ranked;
          ranked.reserve(by_hits.size());
          for (const auto& [h, i] : by_hits) ranked.push_back(i);
          chosen = artist_diverse(s, ranked, n, 2);
          for (int32_t i : chosen) chosen_score.push_back(static_cast<float>(hits[i]));
          if (chosen.size() < n) {
            std::unordered_set<int32_t> have(chosen.begin(), chosen.end());
            for (const auto& it : top_k(sc, static_cast<int>(n + chosen.size()), {}))
              if (chosen.size() < n && have.insert(it.item).second)
                chosen.push_back(it.item), chosen_score.push_back(0.f);
          }
        } else {
          take(top_k(sc, static_cast<int>(n), {}));
        }
      } else if (method == "ranker" || method == "blend") {
        Scored sc = score_candidates(b, q);
        std::vector<float> score = sc.blend;
        res.strategy = "blend";
        if (method == "ranker" && song_ranker_.trained()) {
          score = song_ranker_.predict(sc.x.data(), sc.items.size());
          res.strategy = "ranker";
        }
        chosen = top_by(sc.items, score, n);
        std::unordered_map<int32_t, float> m;
        for (size_t k = 0; k < sc.items.size(); ++k) m[sc.items[k]] = score[k];
        for (int32_t i : chosen) chosen_score.push_back(m[i]);
      } else {
        res.strategy = method;
        std::vector<float> sc(s.n_items, 0.f);
        if (method == "artist") {
          for (int32_t i = 0; i < s.n_items; ++i) {
            int32_t a = s.artist_of[i];
            auto it = a >= 0 ? q.seed_artist.find(a) : q.seed_artist.end();
            float pop = std::isnan(s.pop_of[i]) ? 0.f : s.pop_of[i];
            sc[i] = (it == q.seed_artist.end() ? 0.f : it->second * 1000.f) +
                    b.item_count[i] * 10.f + 0.01f * pop;
          }
        } else if (method == "item_knn") {
          sc = q.knn;
        } else if (method == "als") {
          sc = q.als;
        } else if (method == "playlist_knn") {
          sc = q.item_pl;
        } else if (method == "content") {
          for (int32_t i = 0; i < s.n_items; ++i) {
            if (i >= s.n_cat || q.n_feat == 0) {
              sc[i] = -std::numeric_limits<float>::infinity();
              continue;
            }
            float d = 0;
            for (int k = 0; k < s.dim; ++k) {
              float x = s.feat[static_cast<size_t>(i) * s.dim + k] - q.mean_feat[k];
              d += x * x;
            }
            sc[i] = -d;
          }
        } else {  // popularity
          for (int32_t i = 0; i < s.n_items; ++i)
            sc[i] = b.item_count[i] + 0.001f * (std::isnan(s.pop_of[i]) ? 0.f : s.pop_of[i]);
        }
        take(top_k(sc, static_cast<int>(n), q.seeds));
      }
      // Fill up with popular songs.
      if (chosen.size() < n) {
        std::unordered_set<int32_t> have(chosen.begin(), chosen.end());
        have.insert(q.seeds.begin(), q.seeds.end());
        for (int32_t i : b.popular) {
          if (chosen.size() >= n) break;
          if (have.insert(i).second) chosen.push_back(i), chosen_score.push_back(0.f);
        }
      }
      for (size_t k = 0; k < chosen.size(); ++k)
        res.songs.push_back({s.id_of(chosen[k]), chosen_score[k]});
      // Tags.
      if (req.n_tags > 0 && b.T > 0) {
        std::vector<float> tscore(b.T);
        if ((method == "ranker" || method == "blend") && tag_ranker_.trained()) {
          std::vector<float> tx;
          std::vector<int32_t> top(chosen.begin(),
                                   chosen.begin() + std::min<size_t>(100, chosen.size()));
          tag_features(b, q, top, tx);
          tscore = tag_ranker_.predict(tx.data(), b.T);
        } else {
          for (int g = 0; g < b.T; ++g) tscore[g] = q.qtag[g] + 1e-3f * b.tag_prior[g];
        }
        for (int g : q.given_tags) tscore[g] = -std::numeric_limits<float>::infinity();
        std::vector<ScoredItem> ranked;
        const bool learned = (method == "ranker" || method == "blend") && tag_ranker_.trained();
        if (learned && b.use_sets && set_ranker_.trained()) {
          std::vector<float> sx;
          std::vector<int32_t> top(chosen.begin(),
                                   chosen.begin() + std::min<size_t>(100, chosen.size()));
          set_features(b, q, top, sx);
          auto ss = set_ranker_.predict(sx.data(), b.C);
          if (config_.set_ranker.objective.rfind("rank:", 0) == 0) {
            // Pairwise margins -> softmax, so that they sum to one like probabilities.
            float mx = *std::max_element(ss.begin(), ss.end());
            for (auto& v : ss) v = std::exp(v - mx);
          }
          if (const float w = config_.set_mix; w > 0) {
            // Mix in the per-tag ranker: class score × (geometric mean of its tags'
            // probabilities)^w.
            for (int c = 0; c < b.C; ++c) {
              double lp = 0;
              for (int g : b.sets[c]) lp += std::log(std::clamp(tscore[g], 1e-6f, 1.f));
              ss[c] *= static_cast<float>(std::exp(w * lp / b.sets[c].size()));
            }
          }
          // Condition on the tags the playlist already has: keep the classes holding all of them
          // (when some class does).
          std::vector<float> cond = ss;
          bool any = false;
          for (int c = 0; c < b.C; ++c) {
            bool all = true;
            for (int g : q.given_tags)
              all = all && std::find(b.sets[c].begin(), b.sets[c].end(), g) != b.sets[c].end();
            if (!all) cond[c] = 0.f;
            any = any || all;
          }
          if (any) ss = cond;
          ranked = rank_by_sets(b, ss, tscore, req.n_tags);
          {  // The best class's tags first (a consistent genre/subgenre pair), then marginals.
            int best = static_cast<int>(std::max_element(ss.begin(), ss.end()) - ss.begin());
            std::vector<ScoredItem> head, rest;
            for (auto& it : ranked)
              (std::find(b.sets[best].begin(), b.sets[best].end(), it.item) != b.sets[best].end()
                   ? head
                   : rest)
                  .push_back(it);
            head.insert(head.end(), rest.begin(), rest.end());
            ranked = head;
          }
        } else {
          ranked = top_k(tscore, req.n_tags, {});
          if (learned) ranked = pair_first(b, ranked);
        }
        for (auto& it : ranked) res.tags.push_back({b.tags[it.item], it.score});
      }
    });
  }
  errors.rethrow();
  return out;
}

void ContinuationModel::save(const std::filesystem::path& path) const {
  BinaryWriter w(path, kMagic, kVersion, catalog_->fingerprint());
  w.write<int32_t>(config_.folds);
  w.write<int32_t>(config_.repeats);
  w.write<uint64_t>(config_.seed);
  w.write(config_.als);
  w.write(config_.knn);
  w.write<int32_t>(config_.max_tags);
  w.write<uint64_t>(training_.size());
  for (const auto& p : training_) {
    w.write_string(p.id);
    w.write_string(p.title);
    w.write_strings(p.tags);
    w.write_strings(p.tracks);
  }
  w.write_string(song_ranker_.trained() ? song_ranker_.save() : "");
  w.write_string(tag_ranker_.trained() ? tag_ranker_.save() : "");
  w.write<uint8_t>(config_.tag_sets ? 1 : 0);
  w.write_string(config_.set_ranker.objective);
  w.write<float>(config_.set_mix);
  w.write_string(set_ranker_.trained() ? set_ranker_.save() : "");
  w.commit();
}

std::shared_ptr<ContinuationModel> ContinuationModel::load(const std::filesystem::path& path,
                                                           catalog::CatalogPtr catalog,
                                                           const ProgressFn& progress) {
  MUSE_CHECK_ARG(catalog != nullptr, "continuation needs a track catalogue");
  BinaryReader r(path, kMagic, kVersion);
  if (r.version() != kVersion) {
    MUSE_THROW(ErrorCode::kDataLoss,
               "{} is a continuation model of format version {}, this build reads {}; retrain it",
               path.string(), r.version(), kVersion);
  }
  if (r.fingerprint() != catalog->fingerprint()) {
    MUSE_THROW(ErrorCode::kDataLoss, "{} was built for another catalogue; retrain it",
               path.string());
  }
  auto m = std::make_shared<ContinuationModel>();
  m->catalog_ = std::move(catalog);
  auto& c = m->config_;
  c.folds = r.read<int32_t>();
  c.repeats = r.read<int32_t>();
  c.seed = r.read<uint64_t>();
  c.als = r.read<AlsConfig>();
  c.knn = r.read<ItemKnnConfig>();
  c.max_tags = r.read<int32_t>();
  uint64_t n = r.read<uint64_t>();
  if (n > (1ull << 26))
    MUSE_THROW(ErrorCode::kDataLoss, "{}: implausible playlist count {}", path.string(), n);
  m->training_.resize(n);
  for (auto& p : m->training_) {
    p.id = r.read_string();
    p.title = r.read_string();
    p.tags = r.read_strings();
    p.tracks = r.read_strings();
  }
  std::string song = r.read_string(), tag = r.read_string();
  c.tag_sets = r.read<uint8_t>() != 0;
  c.set_ranker.objective = r.read_string();
  c.set_mix = r.read<float>();
  std::string set = r.read_string();
  r.expect_end();
  if (!song.empty()) m->song_ranker_.load(song, kSongFeatures);
  if (!tag.empty()) m->tag_ranker_.load(tag, kTagFeatures);
  if (!set.empty()) m->set_ranker_.load(set, kSetFeatures);
  report(progress, "load", 0, 1);
  m->space_ = std::make_unique<ItemSpace>();
  m->space_->build(*m->catalog_, m->training_);
  m->base_ = std::make_unique<Base>();
  m->base_->fit(*m->space_, pointers(m->training_), c);
  report(progress, "load", 1, 1);
  return m;
}

}  // namespace muse::cf
