// muse eval clusters --playlists FILE : are micro-genres more coherent than genre labels, and
// does the map keep neighbours together? Also times clustering + layout on the catalogue.
#include <cstdio>
#include <map>

#include "app/clusters.h"
#include "cli/command.h"
#include "cli/subcommand.h"
#include "explore/cluster_eval.h"
#include "explore/cooc_factors.h"
#include "explore/cpu_timer.h"
#include "explore/kmeans.h"
#include "explore/layout.h"
#include "explore/random.h"
#include "util/timer.h"

namespace muse::cli {
namespace {

struct Opts {
  std::string playlists;
  std::vector<int> ks;
  int sample = 2000, min_tracks = 5, draws = 20, epochs = 0;
  int folds = 5, cooc_factors = 16;
  float cooc_weight = 1.f;
  uint64_t seed = 42;
  bool json = false, no_layout = false;
};

nlohmann::json stats_json(const explore::ConcentrationStats& s) {
  return {{"categories", s.categories},
          {"playlists", s.playlists},
          {"tracks", s.tracks},
          {"entropy_bits", s.entropy_bits},
          {"chance_entropy_bits", s.chance_entropy_bits},
          {"entropy_ratio", s.ratio},
          {"top_share", s.top_share},
          {"chance_top_share", s.chance_top_share},
          {"pair_agreement", s.pair_agreement},
          {"chance_pair_agreement", s.chance_pair_agreement},
          {"pair_lift", s.pair_lift}};
}

void print_stats(const char* label, const explore::ConcentrationStats& s) {
  std::printf(
      "  %-24s %4d cats %3zu playlists %5zu tracks | H %.3f bits (chance %.3f) H/chance %.3f | "
      "top %.3f (chance %.3f) | same-category pairs %.4f (chance %.4f) lift %.1f\n",
      label, s.categories, s.playlists, s.tracks, s.entropy_bits, s.chance_entropy_bits, s.ratio,
      s.top_share, s.chance_top_share, s.pair_agreement, s.chance_pair_agreement, s.pair_lift);
}

/// k-fold cross-fitting: co-occurrence factors are learned on the playlists of the other
/// folds, the catalogue is clustered on audio + factors, and only the held-out fold's
/// playlists are scored (genre labels and audio-only clusters on the same playlists).
nlohmann::json cross_fit(Context& ctx, const Opts& o, const catalog::RowMatrix& x,
                         const explore::KnnGraph& graph,
                         const std::vector<std::vector<uint32_t>>& rows,
                         const explore::CategoryAssignment& genres, int n_genres,
                         const std::vector<bool>& labelled, const std::vector<bool>& all,
                         const std::vector<explore::CategoryAssignment>& audio_clusters,
                         const std::vector<int>& kvals) {
  const size_t n = static_cast<size_t>(x.rows());
  const auto fold = explore::assign_folds(rows.size(), o.folds, o.seed);
  const size_t nk = kvals.size();
  std::vector<explore::ConcentrationStats> g_lab;
  std::vector<std::vector<explore::ConcentrationStats>> a_lab(nk), a_all(nk), c_lab(nk), c_all(nk);
  explore::CoocParams cp;
  cp.weight = o.cooc_weight;
  cp.factors = o.cooc_factors;
  cp.seed = o.seed;
  double learned = 0, imputed = 0, fitted = 0, cooc_s = 0, cooc_cpu = 0, km_s = 0, km_cpu = 0;
  Timer t;
  explore::CpuTimer cpu;
  for (int f = 0; f < o.folds; ++f) {
    std::vector<std::vector<uint32_t>> train, test;
    for (size_t i = 0; i < rows.size(); ++i) (fold[i] == f ? test : train).push_back(rows[i]);
    t.reset();
    cpu.reset();
    auto emb = explore::learn_cooc_factors(train, n, graph, cp);
    auto cx = explore::combine_features(x, emb.factors, cp.weight);
    cooc_s += t.seconds();
    cooc_cpu += cpu.seconds();
    learned += emb.learned_rows;
    imputed += emb.imputed_rows;
    fitted += emb.playlists;
    const uint64_t seed = o.seed + 1000 * (f + 1);
    g_lab.push_back(explore::playlist_concentration(test, genres, n_genres, labelled, o.min_tracks,
                                                    o.draws, seed));
    for (size_t i = 0; i < nk; ++i) {
      const auto& ac = audio_clusters[i];
      a_lab[i].push_back(explore::playlist_concentration(test, ac, kvals[i], labelled, o.min_tracks,
                                                         o.draws, seed));
      a_all[i].push_back(
          explore::playlist_concentration(test, ac, kvals[i], all, o.min_tracks, o.draws, seed));
      explore::KMeansParams kp;
      kp.k = kvals[i];
      kp.seed = o.seed;
      t.reset();
      cpu.reset();
      auto km = explore::KMeans(kp).fit(cx, ctx.progress(fmt::format("fold {} k={}", f + 1, kp.k)));
      km_s += t.seconds();
      km_cpu += cpu.seconds();
      explore::CategoryAssignment cl(n);
      for (size_t r = 0; r < n; ++r) cl[r].push_back({km.labels[r], 1.f});
      c_lab[i].push_back(explore::playlist_concentration(test, cl, kvals[i], labelled, o.min_tracks,
                                                         o.draws, seed));
      c_all[i].push_back(
          explore::playlist_concentration(test, cl, kvals[i], all, o.min_tracks, o.draws, seed));
    }
  }
  const double nf = o.folds;
  nlohmann::json j = {{"folds", o.folds},
                      {"cooc_weight", o.cooc_weight},
                      {"cooc_factors", o.cooc_factors},
                      {"mean_train_playlists", fitted / nf},
                      {"mean_tracks_with_learned_factors", learned / nf},
                      {"mean_tracks_imputed", imputed / nf},
                      {"cooc_seconds", cooc_s},
                      {"cooc_cpu_seconds", cooc_cpu},
                      {"kmeans_seconds", km_s},
                      {"kmeans_cpu_seconds", km_cpu}};
  const auto g = explore::pool_folds(g_lab);
  j["genre_labels"] = stats_json(g);
  if (!o.json) {
    std::printf(
        "cross-fitted (%d folds over playlists; co-occurrence factors learned on the other folds, "
        "%d factors, weight %.2f; per fold %.0f training playlists, %.0f tracks with learned "
        "factors, %.0f imputed):\n",
        o.folds, o.cooc_factors, o.cooc_weight, fitted / nf, learned / nf, imputed / nf);
    print_stats("genre labels (labelled)", g);
  }
  nlohmann::json ks = nlohmann::json::array();
  for (size_t i = 0; i < nk; ++i) {
    const auto al = explore::pool_folds(a_lab[i]), aa = explore::pool_folds(a_all[i]),
               cl = explore::pool_folds(c_lab[i]), ca = explore::pool_folds(c_all[i]);
    ks.push_back(
        {{"k", kvals[i]},
         {"audio", {{"on_labelled_tracks", stats_json(al)}, {"on_all_tracks", stats_json(aa)}}},
         {"audio_cooc",
          {{"on_labelled_tracks", stats_json(cl)}, {"on_all_tracks", stats_json(ca)}}}});
    if (!o.json) {
      std::printf(" k=%d\n", kvals[i]);
      print_stats("audio (labelled)", al);
      print_stats("audio+cooc (labelled)", cl);
      print_stats("audio (all tracks)", aa);
      print_stats("audio+cooc (all tracks)", ca);
    }
  }
  j["clusters"] = ks;
  if (!o.json)
    std::printf("cross-fitting time: factors %.1fs wall / %.1fs cpu, k-means %.1fs / %.1fs\n",
                cooc_s, cooc_cpu, km_s, km_cpu);
  return j;
}

void run(Context& ctx, const Opts& o) {
  MUSE_CHECK_ARG(o.sample >= 10 && o.sample <= 100000, "--sample must be in 10..100000, got {}",
                 o.sample);
  auto content = ctx.app().content();
  const auto& cat = *content->catalog;
  const size_t n = cat.size();
  Timer t;
  catalog::RowMatrix x = content->space->transform_all(cat);
  const double features_s = t.seconds();

  // Playlists -> catalogue rows.
  auto playlists = explore::read_playlists(o.playlists);
  std::vector<std::vector<uint32_t>> rows(playlists.size());
  size_t refs = 0, missing = 0;
  for (size_t i = 0; i < playlists.size(); ++i) {
    for (const auto& id : playlists[i].track_ids) {
      ++refs;
      if (auto r = cat.find(id))
        rows[i].push_back(static_cast<uint32_t>(*r));
      else
        ++missing;
    }
  }
  MUSE_CHECK_ARG(refs > missing,
                 "none of the {} playlist tracks in {} are in the catalogue: import them first "
                 "(muse import tracks .../spotify_playlists/tracks.csv.zst)",
                 refs, o.playlists);

  // Genre labels (multi-label rows split their weight) and which rows have any.
  std::map<std::string, int32_t> genre_id;
  for (const auto& g : cat.genres()) genre_id.emplace(g, static_cast<int32_t>(genre_id.size()));
  explore::CategoryAssignment genres(n);
  std::vector<bool> labelled(n, false), all(n, true);
  for (size_t r = 0; r < n; ++r) {
    const auto& g = cat.track(r).genres;
    for (const auto& s : g) genres[r].push_back({genre_id.at(s), 1.f / g.size()});
    labelled[r] = !g.empty();
  }
  nlohmann::json out = {{"catalog_tracks", n},       {"playlists", playlists.size()},
                        {"playlist_tracks", refs},   {"playlist_tracks_missing", missing},
                        {"genres", genre_id.size()}, {"min_tracks", o.min_tracks},
                        {"chance_draws", o.draws},   {"seed", o.seed}};
  if (!o.json) {
    std::printf(
        "catalogue %zu tracks, %zu genre labels; %zu playlists, %zu track refs (%zu not in "
        "catalogue)\n",
        n, genre_id.size(), playlists.size(), refs, missing);
    std::printf(
        "concentration (lower H/chance = more concentrated than a random set of the same size):\n");
  }
  auto genre_stats = explore::playlist_concentration(
      rows, genres, static_cast<int>(genre_id.size()), labelled, o.min_tracks, o.draws, o.seed);
  out["genre_labels"] = stats_json(genre_stats);
  if (!o.json) print_stats("genre labels (labelled)", genre_stats);

  nlohmann::json kres = nlohmann::json::array();
  double default_kmeans_s = 0, default_kmeans_cpu = 0;
  explore::CpuTimer cpu;
  std::vector<explore::CategoryAssignment> audio_clusters;
  std::vector<int> kvals;
  for (int k : o.ks) {
    explore::KMeansParams kp;
    kp.k = k == 0 ? explore::default_k(n) : k;
    kp.seed = o.seed;
    t.reset();
    cpu.reset();
    auto km = explore::KMeans(kp).fit(x, ctx.progress(fmt::format("k={}", kp.k)));
    const double secs = t.seconds(), cpu_secs = cpu.seconds();
    if (k == 0) {
      default_kmeans_s = secs;
      default_kmeans_cpu = cpu_secs;
    }
    explore::CategoryAssignment cl(n);
    for (size_t r = 0; r < n; ++r) cl[r].push_back({km.labels[r], 1.f});
    audio_clusters.push_back(cl);
    kvals.push_back(kp.k);
    auto on_labelled =
        explore::playlist_concentration(rows, cl, kp.k, labelled, o.min_tracks, o.draws, o.seed);
    auto on_all =
        explore::playlist_concentration(rows, cl, kp.k, all, o.min_tracks, o.draws, o.seed);
    kres.push_back({{"k", kp.k},
                    {"default", k == 0},
                    {"seconds", secs},
                    {"cpu_seconds", cpu_secs},
                    {"init_seconds", km.init_seconds},
                    {"iterations", km.iterations},
                    {"inertia", km.inertia},
                    {"on_labelled_tracks", stats_json(on_labelled)},
                    {"on_all_tracks", stats_json(on_all)}});
    if (!o.json) {
      std::printf(
          " k-means k=%d%s: %.1fs wall, %.1fs cpu (seeding %.1fs), %d iterations, inertia %.0f\n",
          kp.k, k == 0 ? " (default)" : "", secs, cpu_secs, km.init_seconds, km.iterations,
          km.inertia);
      print_stats("clusters (labelled)", on_labelled);
      print_stats("clusters (all tracks)", on_all);
    }
  }
  out["clusters"] = kres;

  const bool cross = o.cooc_weight > 0;
  explore::KnnGraph graph;
  double knn_s = 0, knn_cpu = 0;
  if (cross || !o.no_layout) {
    t.reset();
    cpu.reset();
    graph = explore::knn_graph(x, std::min<int>(15, static_cast<int>(n) - 1), content->hnsw.get(),
                               ctx.progress("knn"));
    knn_s = t.seconds();
    knn_cpu = cpu.seconds();
  }
  if (cross) {
    out["cross_fitted"] =
        cross_fit(ctx, o, x, graph, rows, genres, static_cast<int>(genre_id.size()), labelled, all,
                  audio_clusters, kvals);
  }

  if (!o.no_layout) {
    t.reset();
    cpu.reset();
    explore::UmapParams up;
    up.seed = o.seed;
    up.epochs = o.epochs;
    auto umap = explore::umap_layout(x, graph, up, ctx.progress("umap"));
    const double umap_s = t.seconds(), umap_cpu = cpu.seconds();
    t.reset();
    auto pca = explore::pca_layout(x);
    const double pca_s = t.seconds();
    catalog::RowMatrix rnd(n, 2);
    {
      uint64_t s = o.seed;
      for (Eigen::Index i = 0; i < rnd.size(); ++i)
        rnd.data()[i] = static_cast<float>(explore::splitmix64(s) >> 40);
    }
    t.reset();
    const double np_umap = explore::neighbourhood_preservation(x, umap, 10, o.sample, o.seed + 1);
    const double np_pca = explore::neighbourhood_preservation(x, pca, 10, o.sample, o.seed + 1);
    const double np_rnd = explore::neighbourhood_preservation(x, rnd, 10, o.sample, o.seed + 1);
    const double np_s = t.seconds();
    out["layout"] = {{"sample", std::min<size_t>(o.sample, n)},
                     {"k", 10},
                     {"umap",
                      {{"preservation", np_umap},
                       {"knn_seconds", knn_s},
                       {"layout_seconds", umap_s},
                       {"knn_cpu_seconds", knn_cpu},
                       {"layout_cpu_seconds", umap_cpu}}},
                     {"pca", {{"preservation", np_pca}, {"seconds", pca_s}}},
                     {"random", {{"preservation", np_rnd}}},
                     {"measure_seconds", np_s}};
    out["timing"] = {
        {"features_seconds", features_s},
        {"kmeans_default_seconds", default_kmeans_s},
        {"knn_seconds", knn_s},
        {"umap_seconds", umap_s},
        {"clustering_plus_layout_seconds", default_kmeans_s + knn_s + umap_s},
        {"clustering_plus_layout_cpu_seconds", default_kmeans_cpu + knn_cpu + umap_cpu}};
    if (!o.json) {
      std::printf(
          "map neighbourhood preservation (share of 10 feature-space neighbours among the 10 "
          "nearest on "
          "the map, %zu sampled tracks):\n",
          std::min<size_t>(o.sample, n));
      std::printf("  umap %.3f   pca %.3f   random %.4f\n", np_umap, np_pca, np_rnd);
      std::printf(
          "timing (wall): k-means (default k) %.1fs + kNN graph %.1fs + umap %.1fs = %.1fs (pca "
          "%.2fs)\n",
          default_kmeans_s, knn_s, umap_s, default_kmeans_s + knn_s + umap_s, pca_s);
      std::printf(
          "timing (cpu, all threads): k-means %.1fs + kNN graph %.1fs + umap %.1fs = %.1fs\n",
          default_kmeans_cpu, knn_cpu, umap_cpu, default_kmeans_cpu + knn_cpu + umap_cpu);
    }
  }
  if (o.json) print_json(out);
}

Command cmd([](CLI::App& root, Context& ctx) {
  auto* ev = subcommand_group(root, "eval", "offline evaluations (inputs are files)");
  auto o = std::make_shared<Opts>();
  auto* s = ev->add_subcommand(
      "clusters", "micro-genres vs genre labels on playlists; map neighbour preservation");
  s->add_option("--playlists", o->playlists, "playlist membership CSV (playlist_id, track_id)")
      ->required()
      ->check(CLI::ExistingFile);
  s->add_option("--k", o->ks, "cluster counts to evaluate (0 = default)")
      ->delimiter(',')
      ->default_str("0,114");
  s->add_option("--sample", o->sample, "tracks sampled for neighbourhood preservation")
      ->default_val(2000);
  s->add_option("--min-tracks", o->min_tracks, "playlists need this many counted tracks")
      ->default_val(5);
  s->add_option("--draws", o->draws, "random sets per playlist for the chance level")
      ->default_val(20);
  s->add_option("--epochs", o->epochs, "layout epochs (0 = default)")->default_val(0);
  s->add_option("--seed", o->seed, "seed")->default_val(42);
  s->add_flag("--no-layout", o->no_layout, "skip the map part");
  s->add_option("--folds", o->folds, "cross-fitting folds over playlists for audio+co-occurrence")
      ->default_val(5)
      ->check(CLI::Range(2, 100));
  s->add_option("--cooc-weight", o->cooc_weight,
                "co-occurrence factors' weight vs audio (0 = skip the cross-fitted part)")
      ->default_val(1.0)
      ->check(CLI::Range(0.0, 100.0));
  s->add_option("--cooc-factors", o->cooc_factors, "co-occurrence factors (ALS)")
      ->default_val(16)
      ->check(CLI::Range(1, 256));
  s->add_flag("--json", o->json, "JSON output");
  s->callback([&ctx, o] {
    if (o->ks.empty()) o->ks = {0, 114};
    for (int k : o->ks)
      MUSE_CHECK_ARG(k >= 0, "--k values must be positive (0 = default), got {}", k);
    run(ctx, *o);
  });
});

}  // namespace
}  // namespace muse::cli
