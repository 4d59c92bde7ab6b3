// Popularity routes: predictions for catalogue tracks or new tracks, SHAP explanations, and
// the model summary (validation scatter, importance) the web page draws.
#include <cmath>

#include "app/app.h"
#include "app/track_json.h"
#include "popularity/popularity_model.h"
#include "server/router.h"
#include "util/error.h"

namespace muse::server {
namespace {

using nlohmann::json;
using popularity::PopularityModel;

constexpr size_t kMaxTracks = 1000;

std::shared_ptr<const PopularityModel> model(app::App& app) {
  return app.model<PopularityModel>(
      "popularity", [&app]() -> std::shared_ptr<const PopularityModel> {
        auto path = app.path("popularity.model");
        if (!std::filesystem::exists(path)) {
          MUSE_THROW(ErrorCode::kUnavailable,
                     "no popularity model yet (train one with `muse popularity train`)");
        }
        return PopularityModel::load(path);
      });
}

catalog::Track catalogue_track(app::App& app, const std::string& id) {
  MUSE_CHECK_ARG(!id.empty() && id.size() <= 64, "track id must be 1..64 bytes");
  auto t = app.store().get_track(id);
  if (!t) MUSE_THROW(ErrorCode::kNotFound, "no track with id '{}'", id);
  return std::move(*t);
}

/// A new track in the API's track shape; audio features may be missing (unknown), but a
/// present one must be a finite number.
catalog::Track track_from_json(const json& j, size_t index) {
  const std::string where = fmt::format("tracks[{}]", index);
  MUSE_CHECK_ARG(j.is_object(), "{} must be an object", where);
  catalog::Track t;
  auto str = [&](const char* k) -> std::string {
    if (!j.contains(k)) return "";
    MUSE_CHECK_ARG(j[k].is_string(), "{}.{} must be a string", where, k);
    return j[k].get<std::string>();
  };
  auto strs = [&](const char* k) {
    std::vector<std::string> out;
    if (!j.contains(k)) return out;
    MUSE_CHECK_ARG(j[k].is_array(), "{}.{} must be an array of strings", where, k);
    for (const auto& v : j[k]) {
      MUSE_CHECK_ARG(v.is_string(), "{}.{} must be an array of strings", where, k);
      out.push_back(v.get<std::string>());
    }
    return out;
  };
  t.id = str("track_id");
  t.name = str("name");
  t.album = str("album");
  t.artists = strs("artists");
  t.genres = strs("genres");
  std::sort(t.genres.begin(), t.genres.end());
  t.genres.erase(std::unique(t.genres.begin(), t.genres.end()), t.genres.end());
  if (j.contains("explicit")) {
    MUSE_CHECK_ARG(j["explicit"].is_boolean(), "{}.explicit must be true or false", where);
    t.explicit_ = j["explicit"].get<bool>() ? 1 : 0;
  }
  MUSE_CHECK_ARG(j.contains("features") && j["features"].is_object(),
                 "{}.features must be an object of audio features", where);
  for (const auto& [name, v] : j["features"].items()) {
    auto f = catalog::feature_from_name(name);
    MUSE_CHECK_ARG(f != catalog::Feature::kCount, "{}.features.{} is not an audio feature", where,
                   name);
    MUSE_CHECK_ARG(v.is_number() && std::isfinite(v.get<double>()),
                   "{}.features.{} must be a finite number", where, name);
    t.feature(f) = v.get<float>();
  }
  return t;
}

json importance_json(const std::vector<popularity::Importance>& v, size_t top) {
  json a = json::array();
  for (size_t i = 0; i < v.size() && i < top; ++i)
    a.push_back({{"feature", v[i].feature}, {"value", v[i].value}});
  return a;
}

json metrics_json(const popularity::Metrics& m) {
  return {{"mse", m.mse}, {"mae", m.mae}, {"r2", m.r2}, {"n", m.n}};
}

const json kImportanceSchema = {
    {"type", "array"},
    {"items",
     {{"type", "object"},
      {"properties", {{"feature", {{"type", "string"}}}, {"value", {{"type", "number"}}}}}}}};

Routes routes([](Router& r, app::App& app) {
  r.post(
      "/api/v1/popularity/predict",
      {.summary = "Predicted Spotify popularity (0-100) for catalogue tracks and/or new tracks",
       .tag = "popularity",
       .request_schema =
           {{"type", "object"},
            {"properties",
             {{"track_ids",
               {{"type", "array"}, {"items", {{"type", "string"}}}, {"maxItems", kMaxTracks}}},
              {"tracks",
               {{"type", "array"},
                {"maxItems", kMaxTracks},
                {"items",
                 {{"type", "object"},
                  {"required", {"features"}},
                  {"properties",
                   {{"name", {{"type", "string"}}},
                    {"artists", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                    {"album", {{"type", "string"}}},
                    {"genres", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                    {"explicit", {{"type", "boolean"}}},
                    {"features",
                     {{"type", "object"}, {"additionalProperties", {{"type", "number"}}}}}}}}}}}}}},
       .response_schema = {{"type", "object"},
                           {"properties",
                            {{"features", {{"type", "string"}}},
                             {"predictions",
                              {{"type", "array"},
                               {"items",
                                {{"type", "object"},
                                 {"properties",
                                  {{"track_id", {{"type", "string"}}},
                                   {"predicted", {{"type", "number"}}},
                                   {"actual", {{"type", "integer"}}}}}}}}}}}}},
      [&app](Request& req) {
        const json& body = req.json();
        std::vector<catalog::Track> tracks;
        if (body.contains("track_ids")) {
          for (const auto& id : req.body_strings("track_ids", kMaxTracks))
            tracks.push_back(catalogue_track(app, id));
        }
        if (body.contains("tracks")) {
          MUSE_CHECK_ARG(body["tracks"].is_array(), "'tracks' must be an array of track objects");
          MUSE_CHECK_ARG(body["tracks"].size() <= kMaxTracks, "'tracks' has more than {} items",
                         kMaxTracks);
          for (size_t i = 0; i < body["tracks"].size(); ++i)
            tracks.push_back(track_from_json(body["tracks"][i], i));
        }
        MUSE_CHECK_ARG(!tracks.empty(),
                       "give 'track_ids' (catalogue ids) and/or 'tracks' (new tracks)");
        MUSE_CHECK_ARG(tracks.size() <= kMaxTracks, "at most {} tracks per request", kMaxTracks);
        auto m = model(app);
        auto pred = m->predict(tracks);
        json arr = json::array();
        for (size_t i = 0; i < tracks.size(); ++i) {
          json p = {{"track_id", tracks[i].id},
                    {"name", tracks[i].name},
                    {"predicted", tidy_float(pred[i])}};
          if (tracks[i].popularity >= 0) p["actual"] = tracks[i].popularity;
          arr.push_back(std::move(p));
        }
        return json{{"features", popularity::feature_set_name(m->feature_set())},
                    {"predictions", std::move(arr)}};
      });

  r.get(
      "/api/v1/popularity/explain/{id}",
      {.summary =
           "Why a catalogue track gets its predicted popularity: SHAP contributions that sum to it",
       .tag = "popularity",
       .query = {{"top", "integer", false, "importance entries to return, 1..200 (default 20)"}},
       .response_schema = {{"type", "object"},
                           {"properties",
                            {{"track", {{"type", "object"}}},
                             {"prediction", {{"type", "number"}}},
                             {"bias", {{"type", "number"}}},
                             {"contributions",
                              {{"type", "array"},
                               {"items",
                                {{"type", "object"},
                                 {"properties",
                                  {{"feature", {{"type", "string"}}},
                                   {"value", {{"type", {"number", "null"}}}},
                                   {"contribution", {{"type", "number"}}}}}}}}},
                             {"importance",
                              {{"type", "object"},
                               {"properties",
                                {{"gain", kImportanceSchema},
                                 {"total_gain", kImportanceSchema},
                                 {"permutation", kImportanceSchema}}}}}}}}},
      [&app](Request& req) {
        int top = req.query_int("top", 20, 1, 200);
        catalog::Track t = catalogue_track(app, req.param("id"));
        auto m = model(app);
        auto e = m->explain({t}).front();
        json cs = json::array();
        for (const auto& c : e.contributions) {
          if (c.contribution == 0.f) continue;  // features the trees never used for this track
          cs.push_back({{"feature", c.feature},
                        {"value", std::isnan(c.value) ? json(nullptr) : json(tidy_float(c.value))},
                        {"contribution", tidy_float(c.contribution)}});
        }
        return json{{"track", track_to_json(t)},
                    {"features", popularity::feature_set_name(m->feature_set())},
                    {"prediction", tidy_float(e.prediction)},
                    {"bias", tidy_float(e.bias)},
                    {"contributions", std::move(cs)},
                    {"importance",
                     {{"gain", importance_json(m->gain(), top)},
                      {"total_gain", importance_json(m->total_gain(), top)},
                      {"permutation", importance_json(m->permutation_importance(), top)}}}};
      });

  r.get("/api/v1/popularity/model",
        {.summary = "The popularity model: validation metrics, importance and held-out "
                    "predicted-vs-actual points",
         .tag = "popularity",
         .response_schema = {{"type", "object"}}},
        [&app](Request&) {
          auto m = model(app);
          const auto& s = m->stats();
          json pts = json::array();
          for (const auto& p : m->validation_points()) {
            pts.push_back({{"track_id", p.id},
                           {"actual", tidy_float(p.actual)},
                           {"predicted", tidy_float(p.predicted)}});
          }
          return json{{"features", popularity::feature_set_name(m->feature_set())},
                      {"train_tracks", s.train_tracks},
                      {"valid_tracks", s.valid_tracks},
                      {"best_iteration", s.best_iteration},
                      {"validation",
                       {{"xgboost", metrics_json(s.valid)},
                        {"ridge", metrics_json(s.valid_ridge)},
                        {"mean", metrics_json(s.valid_mean)}}},
                      {"importance",
                       {{"total_gain", importance_json(m->total_gain(), 25)},
                        {"permutation", importance_json(m->permutation_importance(), 25)}}},
                      {"points", std::move(pts)}};
        });
});

}  // namespace
}  // namespace muse::server
