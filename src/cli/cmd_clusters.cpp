// muse clusters build|list|show|recommend|map : micro-genres (k-means) and the catalogue map.
#include <algorithm>
#include <cstdio>

#include "app/cluster_json.h"
#include "app/clusters.h"
#include "cli/command.h"
#include "explore/same_cluster.h"
#include "util/text.h"

namespace muse::cli {
namespace {

void print_cluster_line(const explore::ClusterDescription& c) {
  std::string genres;
  for (const auto& g : c.genres)
    genres += fmt::format("{}{} {:.0f}%", genres.empty() ? "" : ", ", g.genre, 100 * g.share);
  std::printf("%4d  %-40s %6zu  %s%s%s\n", c.id, c.name.c_str(), c.size, c.profile.c_str(),
              genres.empty() ? "" : "  | ", genres.c_str());
}

void run_build(Context& ctx, const explore::MapParams& p, bool json) {
  explore::MapBuildStats st;
  auto snap = app::build_clusters(ctx.app(), p, ctx.progress("clusters"), &st);
  if (json) {
    print_json({{"k", st.k},
                {"layout", p.layout},
                {"seed", p.seed},
                {"tracks", snap->map.size()},
                {"iterations", st.iterations},
                {"inertia", st.inertia},
                {"kmeans_seconds", st.kmeans_seconds},
                {"knn_seconds", st.knn_seconds},
                {"layout_seconds", st.layout_seconds},
                {"total_seconds", st.total_seconds},
                {"kmeans_cpu_seconds", st.kmeans_cpu_seconds},
                {"knn_cpu_seconds", st.knn_cpu_seconds},
                {"layout_cpu_seconds", st.layout_cpu_seconds},
                {"total_cpu_seconds", st.total_cpu_seconds},
                {"cluster_dims", st.cluster_dims},
                {"cooc", cooc_json(snap->map.cooc())},
                {"cooc_seconds", st.cooc_seconds},
                {"cooc_cpu_seconds", st.cooc_cpu_seconds},
                {"file", ctx.app().path(app::kClustersFile).string()}});
    return;
  }
  std::printf(
      "built %d micro-genres over %zu tracks (%d Lloyd iterations, inertia %.1f) and a %s map\n",
      st.k, snap->map.size(), st.iterations, st.inertia, p.layout.c_str());
  const auto& co = snap->map.cooc();
  if (co.factors > 0) {
    std::printf(
        "clustering space: %d audio features + %d co-occurrence factors (weight %.2f, scale %.3f) "
        "from %llu playlists; %llu tracks in them, %llu imputed from audio neighbours, %llu with "
        "no factored neighbour within 4 hops (mean factors)\n",
        st.cluster_dims - co.factors, co.factors, co.weight, co.scale,
        static_cast<unsigned long long>(co.playlists),
        static_cast<unsigned long long>(co.learned_rows),
        static_cast<unsigned long long>(co.imputed_rows),
        static_cast<unsigned long long>(co.fallback_rows));
  } else {
    std::printf("clustering space: %d audio features only (%s)\n", st.cluster_dims,
                co.weight > 0 ? "no imported playlists" : "--cooc-weight 0");
  }
  std::printf(
      "wall: co-occurrence %.1fs, k-means %.1fs, kNN graph %.1fs, layout %.1fs, total %.1fs\n",
      st.cooc_seconds, st.kmeans_seconds, st.knn_seconds, st.layout_seconds, st.total_seconds);
  std::printf(
      "cpu:  co-occurrence %.1fs, k-means %.1fs, kNN graph %.1fs, layout %.1fs, total %.1fs -> "
      "%s\n",
      st.cooc_cpu_seconds, st.kmeans_cpu_seconds, st.knn_cpu_seconds, st.layout_cpu_seconds,
      st.total_cpu_seconds, ctx.app().path(app::kClustersFile).c_str());
  std::vector<const explore::ClusterDescription*> order;
  for (const auto& c : snap->clusters) order.push_back(&c);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->size > b->size; });
  std::printf("largest:\n");
  for (size_t i = 0; i < order.size() && i < 5; ++i) print_cluster_line(*order[i]);
}

Command cmd([](CLI::App& root, Context& ctx) {
  auto* cl = root.add_subcommand("clusters",
                                 "micro-genres: fine-grained clusters of similar-sounding tracks");
  cl->require_subcommand(1);

  auto p = std::make_shared<explore::MapParams>();
  auto build_json = std::make_shared<bool>(false);
  auto* build = cl->add_subcommand("build", "cluster the catalogue and lay it out on a 2-D map");
  build->add_option("--k", p->k, "number of micro-genres (default: tracks/100, at most 1000)");
  build->add_option("--layout", p->layout, "map layout: umap (neighbour-preserving) or pca")
      ->default_val("umap");
  build->add_option("--seed", p->seed, "random seed")->default_val(42);
  build->add_option("--restarts", p->restarts, "k-means restarts (best inertia wins)")
      ->default_val(1);
  build->add_option("--max-iterations", p->max_iterations, "Lloyd iterations per restart")
      ->default_val(50);
  build->add_option("--epochs", p->epochs, "layout epochs (0 = default for the size)")
      ->default_val(0);
  build
      ->add_option("--cooc-weight", p->cooc_weight,
                   "weight of playlist co-occurrence factors vs audio features when playlists "
                   "are imported (total-variance ratio; 0 = audio only)")
      ->default_val(1.0)
      ->check(CLI::Range(0.0, 100.0));
  build->add_option("--cooc-factors", p->cooc_factors, "co-occurrence factors (ALS)")
      ->default_val(16)
      ->check(CLI::Range(1, 256));
  build->add_flag("--json", *build_json, "JSON output");
  build->callback([&ctx, p, build_json, build] {
    MUSE_CHECK_ARG(build->count("--k") == 0 || p->k > 0, "--k must be positive, got {}", p->k);
    run_build(ctx, *p, *build_json);
  });

  struct ListOpts {
    bool json = false;
    std::string sort = "size";
  };
  auto lo = std::make_shared<ListOpts>();
  auto* list = cl->add_subcommand("list", "list the micro-genres");
  list->add_flag("--json", lo->json, "JSON output");
  list->add_option("--sort", lo->sort, "size or id")
      ->default_val("size")
      ->check(CLI::IsMember({"size", "id"}));
  list->callback([&ctx, lo] {
    auto snap = app::clusters(ctx.app());
    std::vector<const explore::ClusterDescription*> order;
    for (const auto& c : snap->clusters) order.push_back(&c);
    if (lo->sort == "size") {
      std::stable_sort(order.begin(), order.end(),
                       [](auto* a, auto* b) { return a->size > b->size; });
    }
    if (lo->json) {
      nlohmann::json arr = nlohmann::json::array();
      for (auto* c : order) arr.push_back(cluster_summary_json(*c));
      print_json({{"k", snap->map.k()},
                  {"layout", snap->map.layout()},
                  {"cooc", cooc_json(snap->map.cooc())},
                  {"clusters", arr}});
      return;
    }
    std::printf("%zu micro-genres over %zu tracks (%s map)\n", order.size(), snap->map.size(),
                snap->map.layout().c_str());
    std::printf("  id  %-40s %6s  profile | genres\n", "name", "tracks");
    for (auto* c : order) print_cluster_line(*c);
  });

  struct ShowOpts {
    int id = -1;
    int tracks = 10;
    bool json = false;
  };
  auto so = std::make_shared<ShowOpts>();
  auto* show = cl->add_subcommand("show", "describe one micro-genre");
  show->add_option("id", so->id, "cluster id (see `muse clusters list`)")->required();
  show->add_option("--tracks", so->tracks, "how many popular tracks to list")->default_val(10);
  show->add_flag("--json", so->json, "JSON output");
  show->callback([&ctx, so] {
    auto snap = app::clusters(ctx.app());
    if (so->id < 0 || so->id >= snap->map.k()) {
      MUSE_THROW(ErrorCode::kNotFound, "no cluster {} (ids are 0..{})", so->id, snap->map.k() - 1);
    }
    MUSE_CHECK_ARG(so->tracks >= 0 && so->tracks <= 1000, "--tracks must be 0..1000");
    const auto& c = snap->clusters[so->id];
    if (so->json) {
      print_json(cluster_json(*snap, c, so->tracks));
      return;
    }
    const auto& cat = *snap->content->catalog;
    std::printf("micro-genre %d: %s\n%zu tracks (%.0f%% with genre labels)\n", c.id, c.name.c_str(),
                c.size, 100 * c.labelled);
    std::printf("sound: %s\n", c.profile.c_str());
    for (const auto& t : c.traits)
      std::printf("  %-18s %+.2f sd vs catalogue\n", catalog::feature_name(t.feature), t.z);
    if (!c.genres.empty()) {
      std::printf("genres:");
      for (const auto& g : c.genres) std::printf(" %s (%.0f%%)", g.genre.c_str(), 100 * g.share);
      std::printf("\n");
    }
    std::printf("popular tracks:\n");
    for (size_t i = 0; i < c.top_tracks.size() && static_cast<int>(i) < so->tracks; ++i) {
      const auto& t = cat.track(c.top_tracks[i]);
      std::printf("%3zu. %s — %s  [%d]\n", i + 1, t.name.c_str(), join(t.artists, ", ").c_str(),
                  t.popularity);
    }
  });

  struct RecOpts {
    std::vector<std::string> tracks;
    int n = 10, per_artist = 2;
    bool json = false;
  };
  auto ro = std::make_shared<RecOpts>();
  auto* rec =
      cl->add_subcommand("recommend", "more from this micro-genre: tracks of the seeds' cluster");
  rec->add_option("-t,--track", ro->tracks, "seed track id or name (repeatable)")->required();
  rec->add_option("-n,--limit", ro->n, "how many (1..1000)")->default_val(10);
  rec->add_option("--max-per-artist", ro->per_artist, "artist diversity cap (0 = none)")
      ->default_val(2);
  rec->add_flag("--json", ro->json, "JSON output");
  rec->callback([&ctx, ro] {
    auto snap = app::clusters(ctx.app());
    const auto& cat = *snap->content->catalog;
    explore::SameClusterQuery q;
    for (const auto& t : ro->tracks)
      q.seed_rows.push_back(
          static_cast<uint32_t>(cat.require(app::resolve_track(ctx.app(), cat, t))));
    q.n = ro->n;
    q.max_per_artist = ro->per_artist;
    auto res = explore::recommend_same_cluster(snap->map, *snap->content->recommender, q);
    const auto& c = snap->clusters[res.cluster];
    if (ro->json) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& r : res.items) {
        const auto& t = cat.track(r.row);
        arr.push_back({{"track_id", t.id},
                       {"name", t.name},
                       {"artists", t.artists},
                       {"score", r.score},
                       {"reason", r.reason},
                       {"genres", t.genres}});
      }
      print_json({{"cluster", cluster_summary_json(c)}, {"recommendations", arr}});
      return;
    }
    std::printf("More from micro-genre %d, %s (%zu tracks): %s\n", c.id, c.name.c_str(), c.size,
                c.profile.c_str());
    int i = 0;
    for (const auto& r : res.items) {
      const auto& t = cat.track(r.row);
      std::printf("%2d. %s — %s  (%.3f)\n    %s\n", ++i, t.name.c_str(),
                  join(t.artists, ", ").c_str(), r.score, r.reason.c_str());
    }
  });

  struct MapOpts {
    float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    int limit = 2000;
    bool bounds = false;
  };
  auto mo = std::make_shared<MapOpts>();
  auto* mp = cl->add_subcommand("map", "map points in a rectangle (JSON), thinned to --limit");
  mp->add_option("--x0", mo->x0, "left");
  mp->add_option("--y0", mo->y0, "bottom");
  mp->add_option("--x1", mo->x1, "right");
  mp->add_option("--y1", mo->y1, "top");
  mp->add_option("--limit", mo->limit, "most points to return")->default_val(2000);
  mp->add_flag("--bounds", mo->bounds, "print the map's extent only");
  mp->callback([&ctx, mo, mp] {
    auto snap = app::clusters(ctx.app());
    const auto& b = snap->map.bounds();
    nlohmann::json extent = {{"x0", b.x0}, {"y0", b.y0}, {"x1", b.x1}, {"y1", b.y1}};
    if (mo->bounds) {
      print_json({{"bounds", extent}, {"points", snap->map.size()}, {"k", snap->map.k()}});
      return;
    }
    explore::MapBounds r = b;
    if (mp->count("--x0")) r.x0 = mo->x0;
    if (mp->count("--y0")) r.y0 = mo->y0;
    if (mp->count("--x1")) r.x1 = mo->x1;
    if (mp->count("--y1")) r.y1 = mo->y1;
    auto res = snap->map.query(r, mo->limit);
    nlohmann::json pts = nlohmann::json::array();
    for (uint32_t row : res.rows) pts.push_back(map_point_json(*snap, row));
    print_json(
        {{"bounds", extent}, {"total", res.total}, {"returned", res.rows.size()}, {"points", pts}});
  });
});

}  // namespace
}  // namespace muse::cli
