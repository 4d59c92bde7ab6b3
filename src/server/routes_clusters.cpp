// Micro-genre and map routes: the clusters with their descriptions, one cluster, the map
// points of a visible region (thinned, so the browser never gets the whole catalogue), the
// positions of given tracks, and "more from this micro-genre".
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "app/app.h"
#include "app/cluster_json.h"
#include "app/clusters.h"
#include "explore/same_cluster.h"
#include "server/router.h"
#include "util/error.h"

namespace muse::server {
namespace {

using nlohmann::json;

float query_float(const Request& req, const std::string& name, float fallback) {
  if (!req.has_query(name)) return fallback;
  const std::string s = req.query(name);
  MUSE_CHECK_ARG(!s.empty() && s.size() <= 40, "query parameter '{}' must be a number", name);
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (...) {
    MUSE_THROW(ErrorCode::kInvalidArgument, "query parameter '{}' must be a number, got '{}'", name,
               s);
  }
  MUSE_CHECK_ARG(used == s.size(), "query parameter '{}' must be a number, got '{}'", name, s);
  MUSE_CHECK_ARG(std::isfinite(v) && std::abs(v) <= 1e9, "query parameter '{}' is out of range: {}",
                 name, s);
  return static_cast<float>(v);
}

json bounds_json(const explore::MapBounds& b) {
  return {{"x0", b.x0}, {"y0", b.y0}, {"x1", b.x1}, {"y1", b.y1}};
}

const json kClusterSummary = {{"type", "object"},
                              {"properties",
                               {{"id", {{"type", "integer"}}},
                                {"name", {{"type", "string"}}},
                                {"size", {{"type", "integer"}}},
                                {"profile", {{"type", "string"}}},
                                {"genres", {{"type", "array"}}},
                                {"traits", {{"type", "array"}}},
                                {"x", {{"type", "number"}}},
                                {"y", {{"type", "number"}}}}}};

Routes routes([](Router& r, app::App& app) {
  r.get(
      "/api/v1/clusters",
      {.summary =
           "All micro-genres (k-means clusters of the catalogue) with descriptions and map centres",
       .tag = "explore",
       .response_schema = {{"type", "object"},
                           {"properties",
                            {{"k", {{"type", "integer"}}},
                             {"layout", {{"type", "string"}}},
                             {"bounds", {{"type", "object"}}},
                             {"clusters", {{"type", "array"}, {"items", kClusterSummary}}}}}}},
      [&app](Request&) {
        auto snap = app::clusters(app);
        const auto& map = snap->map;
        // Map centre of each cluster (mean of its points), for labels.
        std::vector<double> sx(map.k(), 0), sy(map.k(), 0);
        for (size_t row = 0; row < map.size(); ++row) {
          sx[map.cluster(row)] += map.x(row);
          sy[map.cluster(row)] += map.y(row);
        }
        // The initial view: the central 99% of points on each axis (a few outliers would
        // otherwise shrink the whole catalogue into the middle of the screen).
        auto quantiles = [&](int col) {
          std::vector<float> v(map.size());
          for (size_t row = 0; row < map.size(); ++row) v[row] = map.coords()(row, col);
          const size_t lo = v.size() / 200, hi = v.size() - 1 - v.size() / 200;
          std::nth_element(v.begin(), v.begin() + lo, v.end());
          const float a = v[lo];
          std::nth_element(v.begin(), v.begin() + hi, v.end());
          return std::make_pair(a, v[hi]);
        };
        const auto [vx0, vx1] = quantiles(0);
        const auto [vy0, vy1] = quantiles(1);
        json arr = json::array();
        for (const auto& c : snap->clusters) {
          json j = cluster_summary_json(c);
          j["x"] = c.size ? sx[c.id] / c.size : 0.0;
          j["y"] = c.size ? sy[c.id] / c.size : 0.0;
          arr.push_back(std::move(j));
        }
        return json{{"k", map.k()},
                    {"layout", map.layout()},
                    {"tracks", map.size()},
                    {"cooc", cooc_json(map.cooc())},
                    {"bounds", bounds_json(map.bounds())},
                    {"view", bounds_json({vx0, vy0, std::max(vx1, vx0 + 1e-6f),
                                          std::max(vy1, vy0 + 1e-6f)})},
                    {"clusters", std::move(arr)}};
      });

  r.get("/api/v1/clusters/{id}",
        {.summary = "One micro-genre: description, audio profile, popular tracks",
         .tag = "explore",
         .query = {{"tracks", "integer", false, "popular tracks to include, 0..50 (default 10)"}},
         .response_schema = kClusterSummary},
        [&app](Request& req) {
          const std::string& s = req.param("id");
          int id = -1;
          MUSE_CHECK_ARG(
              !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string::npos,
              "cluster id must be a non-negative integer, got '{}'", s.substr(0, 40));
          id = std::stoi(s);
          const int n = req.query_int("tracks", 10, 0, 50);
          auto snap = app::clusters(app);
          if (id >= snap->map.k())
            MUSE_THROW(ErrorCode::kNotFound, "no cluster {} (ids are 0..{})", id,
                       snap->map.k() - 1);
          return cluster_json(*snap, snap->clusters[id], n);
        });

  r.get(
      "/api/v1/map",
      {.summary = "Map points inside a rectangle, thinned to `limit` by a fixed random priority "
                  "(zooming in only adds points)",
       .tag = "explore",
       .query = {{"x0", "number", false, "left (default: map extent)"},
                 {"y0", "number", false, "bottom"},
                 {"x1", "number", false, "right"},
                 {"y1", "number", false, "top"},
                 {"limit", "integer", false, "most points, 1..20000 (default 3000)"}},
       .response_schema = {{"type", "object"},
                           {"properties",
                            {{"total", {{"type", "integer"}}},
                             {"returned", {{"type", "integer"}}},
                             {"bounds", {{"type", "object"}}},
                             {"points", {{"type", "array"}}}}}}},
      [&app](Request& req) {
        auto snap = app::clusters(app);
        const auto& b = snap->map.bounds();
        explore::MapBounds region{query_float(req, "x0", b.x0), query_float(req, "y0", b.y0),
                                  query_float(req, "x1", b.x1), query_float(req, "y1", b.y1)};
        const int limit = req.query_int("limit", 3000, 1, 20000);
        auto res = snap->map.query(region, limit);
        // Columnar arrays: a few thousand points stay small on the wire.
        json ids = json::array(), xs = json::array(), ys = json::array(), cs = json::array(),
             names = json::array(), artists = json::array();
        const auto& cat = *snap->content->catalog;
        for (uint32_t row : res.rows) {
          const auto& t = cat.track(row);
          ids.push_back(t.id);
          xs.push_back(snap->map.x(row));
          ys.push_back(snap->map.y(row));
          cs.push_back(snap->map.cluster(row));
          names.push_back(t.name);
          artists.push_back(t.primary_artist());
        }
        return json{
            {"bounds", bounds_json(b)},
            {"region", bounds_json(region)},
            {"total", res.total},
            {"returned", res.rows.size()},
            {"points",
             {{"id", ids}, {"x", xs}, {"y", ys}, {"c", cs}, {"name", names}, {"artist", artists}}}};
      });

  r.post("/api/v1/map/locate",
         {.summary = "Map positions and clusters of the given tracks (e.g. the listener's songs)",
          .tag = "explore",
          .request_schema = {{"type", "object"},
                             {"required", {"tracks"}},
                             {"properties",
                              {{"tracks", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}}},
         [&app](Request& req) {
           auto ids = req.body_strings("tracks", 1000);
           auto snap = app::clusters(app);
           const auto& cat = *snap->content->catalog;
           json out = json::array(), missing = json::array();
           for (const auto& id : ids) {
             auto row = cat.find(id);
             if (!row) {
               missing.push_back(id.substr(0, 64));
               continue;
             }
             out.push_back(map_point_json(*snap, static_cast<uint32_t>(*row)));
           }
           return json{{"points", out}, {"missing", missing}};
         });

  r.post("/api/v1/clusters/recommendations",
         {.summary = "More from this micro-genre: tracks of the seeds' cluster, nearest first",
          .tag = "explore",
          .request_schema = {{"type", "object"},
                             {"required", {"tracks"}},
                             {"properties",
                              {{"tracks", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                               {"limit", {{"type", "integer"}}},
                               {"max_per_artist", {{"type", "integer"}}}}}}},
         [&app](Request& req) {
           auto ids = req.body_strings("tracks", 1000);
           MUSE_CHECK_ARG(!ids.empty(), "'tracks' needs at least one track id");
           explore::SameClusterQuery q;
           q.n = req.body_int("limit", 10, 1, 100);
           q.max_per_artist = req.body_int("max_per_artist", 2, 0, 100);
           auto snap = app::clusters(app);
           const auto& cat = *snap->content->catalog;
           for (const auto& id : ids) q.seed_rows.push_back(static_cast<uint32_t>(cat.require(id)));
           auto res = explore::recommend_same_cluster(snap->map, *snap->content->recommender, q);
           json arr = json::array();
           for (const auto& item : res.items) {
             const auto& t = cat.track(item.row);
             arr.push_back({{"track_id", t.id},
                            {"name", t.name},
                            {"artists", t.artists},
                            {"genres", t.genres},
                            {"score", item.score},
                            {"reason", item.reason}});
           }
           return json{{"cluster", cluster_summary_json(snap->clusters[res.cluster])},
                       {"recommendations", arr}};
         });
});

}  // namespace
}  // namespace muse::server
