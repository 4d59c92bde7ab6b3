// muse popularity split|train|eval|predict|explain: Spotify popularity from audio features
// (and catalogue context), gradient-boosted trees with baselines and SHAP explanations.
#include <cmath>
#include <cstdio>

#include "cli/command.h"
#include "popularity/popularity_model.h"
#include "popularity/split.h"
#include "util/text.h"
#include "util/timer.h"

namespace muse::cli {
namespace {

using popularity::PopularityModel;

std::filesystem::path model_path(Context& ctx, const std::string& flag) {
  return flag.empty() ? ctx.app().path("popularity.model") : std::filesystem::path(flag);
}

std::shared_ptr<PopularityModel> load_model(Context& ctx, const std::string& flag) {
  auto path = model_path(ctx, flag);
  if (!std::filesystem::exists(path)) {
    MUSE_THROW(ErrorCode::kNotFound,
               "no popularity model at {} (train one with `muse popularity train`)", path.string());
  }
  return PopularityModel::load(path);
}

nlohmann::json metrics_json(const popularity::Metrics& m) {
  return {{"mse", m.mse}, {"mae", m.mae}, {"r2", m.r2}, {"n", m.n}};
}

nlohmann::json importance_json(const std::vector<popularity::Importance>& v, size_t top) {
  nlohmann::json a = nlohmann::json::array();
  for (size_t i = 0; i < v.size() && i < top; ++i)
    a.push_back({{"feature", v[i].feature}, {"value", v[i].value}});
  return a;
}

/// Tracks by id: from a CSV file when given, else from the catalogue in the store.
std::vector<catalog::Track> find_tracks(Context& ctx, const std::vector<std::string>& ids,
                                        const std::string& csv) {
  std::vector<catalog::Track> out;
  if (!csv.empty()) {
    auto data = popularity::load_popularity_csv(csv);
    std::unordered_map<std::string, size_t> by_id;
    for (size_t i = 0; i < data.tracks.size(); ++i) by_id.emplace(data.tracks[i].id, i);
    for (const auto& id : ids) {
      auto it = by_id.find(id);
      if (it == by_id.end())
        MUSE_THROW(ErrorCode::kNotFound, "track '{}' is not in {}", id.substr(0, 64), csv);
      catalog::Track t = data.tracks[it->second];
      t.popularity = static_cast<int>(std::lround(data.target[it->second]));
      out.push_back(std::move(t));
    }
    return out;
  }
  for (const auto& id : ids) {
    auto t = ctx.app().store().get_track(id);
    if (!t) {
      MUSE_THROW(ErrorCode::kNotFound,
                 "track '{}' is not in the catalogue (import it with `muse import tracks`, or pass "
                 "--csv FILE)",
                 id.substr(0, 64));
    }
    out.push_back(std::move(*t));
  }
  return out;
}

void print_importance(const char* title, const std::vector<popularity::Importance>& v, size_t top) {
  std::printf("%s\n", title);
  for (size_t i = 0; i < v.size() && i < top; ++i)
    std::printf("  %2zu. %-24s %12.4f\n", i + 1, v[i].feature.c_str(), v[i].value);
}

void run_split(Context& ctx, const std::string& input, const std::string& train,
               const std::string& test, const std::string& valid, const popularity::SplitOptions& o,
               bool json) {
  std::optional<std::filesystem::path> v;
  if (!valid.empty()) v = valid;
  auto c = popularity::grouped_split(input, train, test, v, o, ctx.progress("split"));
  if (json) {
    print_json({{"train", {{"rows", c.train_rows}, {"tracks", c.train_tracks}, {"file", train}}},
                {"valid", {{"rows", c.valid_rows}, {"tracks", c.valid_tracks}, {"file", valid}}},
                {"test", {{"rows", c.test_rows}, {"tracks", c.test_tracks}, {"file", test}}},
                {"seed", o.seed},
                {"dropped", c.dropped}});
    return;
  }
  for (const auto& d : c.dropped) std::fprintf(stderr, "dropped %s\n", d.c_str());
  std::printf("train %zu rows / %zu tracks -> %s\n", c.train_rows, c.train_tracks, train.c_str());
  if (v)
    std::printf("valid %zu rows / %zu tracks -> %s\n", c.valid_rows, c.valid_tracks, valid.c_str());
  std::printf("test  %zu rows / %zu tracks -> %s\n", c.test_rows, c.test_tracks, test.c_str());
}

void run_train(Context& ctx, const std::string& train_file, const std::string& valid_file,
               const std::string& model_flag, const std::string& features,
               const popularity::TrainOptions& base, bool json) {
  popularity::TrainOptions o = base;
  o.features = popularity::parse_feature_set(features);
  Timer t;
  auto train = popularity::load_popularity_csv(train_file, ctx.progress("read train"));
  std::optional<popularity::PopularityData> valid;
  if (!valid_file.empty())
    valid = popularity::load_popularity_csv(valid_file, ctx.progress("read valid"));
  const double read_s = t.seconds();
  auto model = PopularityModel::train(train, valid ? &*valid : nullptr, o, ctx.progress("train"));
  auto path = model_path(ctx, model_flag);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  model->save(path);
  const auto& s = model->stats();
  if (json) {
    print_json({{"model", path.string()},
                {"features", popularity::feature_set_name(o.features)},
                {"dim", model->features().dim()},
                {"seed", o.seed},
                {"nthread", o.nthread},
                {"train_tracks", s.train_tracks},
                {"train_rows", s.train_rows},
                {"valid_tracks", s.valid_tracks},
                {"valid_rows", s.valid_rows},
                {"valid_carved", s.valid_carved != 0},
                {"best_iteration", s.best_iteration},
                {"rounds", s.rounds},
                {"ridge_lambda", s.ridge_lambda},
                {"valid", metrics_json(s.valid)},
                {"valid_baselines",
                 {{"mean", metrics_json(s.valid_mean)}, {"ridge", metrics_json(s.valid_ridge)}}},
                {"seconds",
                 {{"read", read_s},
                  {"features", s.seconds_features},
                  {"boost", s.seconds_boost},
                  {"importance", s.seconds_importance},
                  {"train_total", s.seconds_total}}},
                {"top_gain", importance_json(model->total_gain(), 15)},
                {"top_permutation", importance_json(model->permutation_importance(), 15)}});
    return;
  }
  std::printf(
      "trained %s model on %llu tracks (%llu rows), %d features; validation %llu tracks%s\n",
      popularity::feature_set_name(o.features), static_cast<unsigned long long>(s.train_tracks),
      static_cast<unsigned long long>(s.train_rows), model->features().dim(),
      static_cast<unsigned long long>(s.valid_tracks),
      s.valid_carved ? " (carved from --train)" : "");
  std::printf(
      "boosting: best iteration %d of %d; read %.1fs, features %.1fs, boost %.1fs, importance "
      "%.1fs, total %.1fs\n",
      s.best_iteration + 1, s.rounds, read_s, s.seconds_features, s.seconds_boost,
      s.seconds_importance, s.seconds_total);
  std::printf("validation (rows)   MSE      MAE     R2\n");
  std::printf("  xgboost       %8.2f %8.2f %6.3f\n", s.valid.mse, s.valid.mae, s.valid.r2);
  std::printf("  ridge         %8.2f %8.2f %6.3f\n", s.valid_ridge.mse, s.valid_ridge.mae,
              s.valid_ridge.r2);
  std::printf("  mean          %8.2f %8.2f %6.3f\n", s.valid_mean.mse, s.valid_mean.mae,
              s.valid_mean.r2);
  print_importance("top features by total gain:", model->total_gain(), 10);
  print_importance("top features by permutation importance (validation MSE increase):",
                   model->permutation_importance(), 10);
  std::printf("model written to %s\n", path.string().c_str());
}

void run_eval(Context& ctx, const std::string& model_flag, const std::string& test_file,
              bool json) {
  auto model = load_model(ctx, model_flag);
  auto data = popularity::load_popularity_csv(test_file, ctx.progress("read"));
  auto r = model->evaluate(data);
  if (json) {
    nlohmann::json j = metrics_json(r.model);
    j["baselines"] = {{"mean", metrics_json(r.mean)}, {"ridge", metrics_json(r.ridge)}};
    j["tracks"] = r.tracks;
    j["track_level"] = metrics_json(r.model_tracks);
    j["features"] = popularity::feature_set_name(model->feature_set());
    j["file"] = test_file;
    print_json(j);
    return;
  }
  std::printf("%s: %zu rows, %zu tracks (%s model)\n", test_file.c_str(), r.model.n, r.tracks,
              popularity::feature_set_name(model->feature_set()));
  std::printf("             MSE      MAE     R2\n");
  std::printf("  xgboost %8.2f %8.2f %6.3f\n", r.model.mse, r.model.mae, r.model.r2);
  std::printf("  ridge   %8.2f %8.2f %6.3f\n", r.ridge.mse, r.ridge.mae, r.ridge.r2);
  std::printf("  mean    %8.2f %8.2f %6.3f\n", r.mean.mse, r.mean.mae, r.mean.r2);
}

void run_predict(Context& ctx, const std::string& model_flag, const std::vector<std::string>& ids,
                 const std::string& csv, bool json) {
  if (ids.empty() && csv.empty())
    MUSE_THROW(ErrorCode::kInvalidArgument, "give --track ID... or --csv FILE");
  auto model = load_model(ctx, model_flag);
  std::vector<catalog::Track> tracks;
  if (!ids.empty()) {
    tracks = find_tracks(ctx, ids, csv);
  } else {
    auto data = popularity::load_popularity_csv(csv, ctx.progress("read"));
    tracks = std::move(data.tracks);
  }
  auto pred = model->predict(tracks);
  if (json) {
    nlohmann::json a = nlohmann::json::array();
    for (size_t i = 0; i < tracks.size(); ++i) {
      a.push_back({{"track_id", tracks[i].id},
                   {"name", tracks[i].name},
                   {"artists", tracks[i].artists},
                   {"predicted", pred[i]}});
    }
    print_json(
        {{"predictions", a}, {"features", popularity::feature_set_name(model->feature_set())}});
    return;
  }
  for (size_t i = 0; i < tracks.size(); ++i) {
    std::printf("%-22s %6.1f  %s — %s\n", tracks[i].id.c_str(), pred[i], tracks[i].name.c_str(),
                join(tracks[i].artists, ", ").c_str());
  }
}

void run_explain(Context& ctx, const std::string& id, const std::string& model_flag,
                 const std::string& csv, size_t top, bool json) {
  auto model = load_model(ctx, model_flag);
  auto tracks = find_tracks(ctx, {id}, csv);
  auto e = model->explain(tracks).front();
  const auto& t = tracks.front();
  double sum = e.bias;
  for (const auto& c : e.contributions) sum += c.contribution;
  if (json) {
    nlohmann::json cs = nlohmann::json::array();
    for (const auto& c : e.contributions) {
      if (c.contribution == 0.f) continue;  // unused features contribute exactly nothing
      nlohmann::json v = std::isnan(c.value) ? nlohmann::json(nullptr) : nlohmann::json(c.value);
      cs.push_back({{"feature", c.feature}, {"value", v}, {"contribution", c.contribution}});
    }
    print_json(
        {{"track_id", t.id},
         {"name", t.name},
         {"artists", t.artists},
         {"actual", t.popularity >= 0 ? nlohmann::json(t.popularity) : nlohmann::json(nullptr)},
         {"prediction", e.prediction},
         {"bias", e.bias},
         {"contributions", cs},
         {"contribution_sum", sum},
         {"features", popularity::feature_set_name(model->feature_set())},
         {"importance",
          {{"gain", importance_json(model->gain(), top)},
           {"total_gain", importance_json(model->total_gain(), top)},
           {"permutation", importance_json(model->permutation_importance(), top)}}}});
    return;
  }
  std::printf("%s — %s (%s)\n", t.name.c_str(), join(t.artists, ", ").c_str(), t.id.c_str());
  std::printf("predicted popularity %.1f", e.prediction);
  if (t.popularity >= 0) std::printf(" (actual %d)", t.popularity);
  std::printf("\n  %+8.2f  bias (average prediction)\n", e.bias);
  double rest = 0;
  size_t shown = 0, others = 0;
  for (const auto& c : e.contributions) {
    if (c.contribution == 0.f) continue;
    if (shown < top) {
      std::printf("  %+8.2f  %s = %s\n", c.contribution, c.feature.c_str(),
                  std::isnan(c.value) ? "(missing)" : fmt::format("{:g}", c.value).c_str());
      ++shown;
    } else {
      rest += c.contribution, ++others;
    }
  }
  if (others) std::printf("  %+8.2f  %zu other features\n", rest, others);
  std::printf("  = %.2f\n", sum);
  print_importance("global importance, total gain:", model->total_gain(), top);
  print_importance("global importance, permutation on validation (MSE increase):",
                   model->permutation_importance(), top);
}

Command cmd([](CLI::App& root, Context& ctx) {
  auto* pop = root.add_subcommand("popularity", "predict and explain Spotify popularity");
  pop->require_subcommand(1);

  {
    struct Opts {
      std::string input, train, test, valid;
      popularity::SplitOptions split;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    auto* s = pop->add_subcommand("split",
                                  "split a track CSV by track_id into train/test (and valid) CSVs");
    s->add_option("--input", o->input, "track CSV (plain or .zst)")->required();
    s->add_option("--train", o->train, "output training CSV")->required();
    s->add_option("--test", o->test, "output test CSV (never use it for tuning)")->required();
    s->add_option("--valid", o->valid, "output validation CSV, carved from the training side");
    s->add_option("--test-fraction", o->split.test_fraction, "share of tracks in test")
        ->default_val(0.2);
    s->add_option("--valid-fraction", o->split.valid_fraction,
                  "share of the non-test tracks in valid")
        ->default_val(0.1);
    s->add_option("--seed", o->split.seed, "random seed")->default_val(42);
    s->add_flag("--json", o->json, "JSON output");
    s->callback(
        [&ctx, o] { run_split(ctx, o->input, o->train, o->test, o->valid, o->split, o->json); });
  }
  {
    struct Opts {
      std::string train, valid, model, features = "audio";
      popularity::TrainOptions train_options;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    auto& t = o->train_options;
    auto* s =
        pop->add_subcommand("train", "train the popularity model (XGBoost) and its baselines");
    s->add_option("--train", o->train, "training CSV")->required();
    s->add_option("--valid", o->valid,
                  "validation CSV for early stopping and importance (default: 10% of --train)");
    s->add_option("--model", o->model, "output model file (default HOME/popularity.model)");
    s->add_option("--features", o->features, "feature set: audio or full")->default_val("audio");
    s->add_option("--seed", t.seed, "random seed")->default_val(42);
    s->add_option("--nthread", t.nthread, "XGBoost threads")->default_val(2);
    s->add_option("--max-rounds", t.max_rounds, "boosting rounds at most")
        ->default_val(t.max_rounds);
    s->add_option("--early-stopping", t.early_stopping_rounds,
                  "stop after this many rounds without improvement")
        ->default_val(t.early_stopping_rounds);
    s->add_option("--eta", t.eta, "learning rate")->default_val(t.eta);
    s->add_option("--max-depth", t.max_depth, "tree depth")->default_val(t.max_depth);
    s->add_option("--max-bin", t.max_bin, "histogram bins per feature")->default_val(t.max_bin);
    s->add_option("--subsample", t.subsample, "row subsample per tree")->default_val(t.subsample);
    s->add_option("--colsample", t.colsample_bytree, "column subsample per tree")
        ->default_val(t.colsample_bytree);
    s->add_option("--min-child-weight", t.min_child_weight, "minimum weight in a leaf")
        ->default_val(t.min_child_weight);
    s->add_option("--folds", t.folds, "out-of-fold encoding folds (full set)")
        ->default_val(t.folds);
    s->add_flag("--json", o->json, "JSON output");
    s->callback([&ctx, o] {
      run_train(ctx, o->train, o->valid, o->model, o->features, o->train_options, o->json);
    });
  }
  {
    struct Opts {
      std::string model, test;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    auto* s = pop->add_subcommand(
        "eval", "MSE/MAE/R2 of the model and its baselines on every row of a CSV");
    s->add_option("--model", o->model, "model file (default HOME/popularity.model)");
    s->add_option("--test", o->test, "held-out CSV")->required();
    s->add_flag("--json", o->json, "JSON output");
    s->callback([&ctx, o] { run_eval(ctx, o->model, o->test, o->json); });
  }
  {
    struct Opts {
      std::string model, csv;
      std::vector<std::string> ids;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    auto* s = pop->add_subcommand("predict", "predict popularity for catalogue tracks or CSV rows");
    s->add_option("--model", o->model, "model file (default HOME/popularity.model)");
    s->add_option("--track", o->ids,
                  "track id (repeatable); looked up in --csv if given, else the catalogue");
    s->add_option("--csv", o->csv,
                  "CSV of tracks (114k layout; popularity column required but unused)");
    s->add_flag("--json", o->json, "JSON output");
    s->callback([&ctx, o] { run_predict(ctx, o->model, o->ids, o->csv, o->json); });
  }
  {
    struct Opts {
      std::string id, model, csv;
      size_t top = 15;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    auto* s = pop->add_subcommand(
        "explain", "a prediction's SHAP contributions and the model's global importance");
    s->add_option("id", o->id, "track id")->required();
    s->add_option("--model", o->model, "model file (default HOME/popularity.model)");
    s->add_option("--csv", o->csv, "look the track up in this CSV instead of the catalogue");
    s->add_option("--top", o->top, "how many contributions / features to list")->default_val(15);
    s->add_flag("--json", o->json, "JSON output");
    s->callback([&ctx, o] { run_explain(ctx, o->id, o->model, o->csv, o->top, o->json); });
  }
});

}  // namespace
}  // namespace muse::cli
