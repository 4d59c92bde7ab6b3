// muse eval make-queries --playlists FILE --out DIR [--valid 0.12] [--test 0.15] [--seed 1]
// muse eval continuation --queries FILE.jsonl --train FILE [--train FILE] [--tracks FILE] [--method
// NAME|all] [--json] Playlist-continuation evaluation as in the Melon challenge: 100 songs scored
// by nDCG@100 against the hidden songs, 10 tags by nDCG@10; score = 0.85 song + 0.15 tag. Muse sees
// name + seeds only.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <random>
#include <unordered_set>

#include "catalog/track_importer.h"
#include "cf/continuation.h"
#include "cf/metrics.h"
#include "cli/command.h"
#include "cli/subcommand.h"
#include "util/text.h"
#include "util/timer.h"

namespace muse::cli {
namespace {

catalog::CatalogPtr load_catalog(Context& ctx, const std::vector<std::string>& tracks) {
  if (tracks.empty()) return ctx.app().content()->catalog;
  catalog::TrackImporter imp;
  for (const auto& f : tracks) imp.read_file(f, ctx.progress("tracks"));
  return catalog::Catalog::build(imp.take_tracks());
}

std::vector<cf::Playlist> load_training(const std::vector<std::string>& files,
                                        cf::PlaylistReport* rep) {
  std::vector<cf::Playlist> all;
  for (const auto& f : files) {
    auto v = cf::read_playlists(f, rep);
    all.insert(all.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
  }
  return all;
}

nlohmann::json issues_json(const cf::PlaylistReport& r, size_t max = 20) {
  nlohmann::json a = nlohmann::json::array();
  for (size_t i = 0; i < std::min(max, r.issues.size()); ++i)
    a.push_back(
        {{"file", r.issues[i].file}, {"line", r.issues[i].line}, {"reason", r.issues[i].reason}});
  return a;
}

struct EvalOpts {
  std::string queries, method = "all", save_model, details, set_objective = "binary:logistic";
  std::vector<std::string> train, tracks;
  bool json = false, no_tag_sets = false;
  int folds = 4, repeats = 2, rounds = 150;
};

void run_eval(Context& ctx, const EvalOpts& o) {
  cf::PlaylistReport qrep, trep;
  auto cases = cf::read_cases(o.queries, &qrep);
  MUSE_CHECK_ARG(!cases.empty(), "{} holds no valid queries", o.queries);
  auto training = load_training(o.train, &trep);
  auto catalog = load_catalog(ctx, o.tracks);
  cf::ContinuationConfig cfg;
  cfg.folds = o.folds;
  cfg.repeats = o.repeats;
  cfg.song_ranker.rounds = o.rounds;
  cfg.tag_ranker.rounds = o.rounds;
  cfg.set_ranker.rounds = o.rounds;
  cfg.tag_sets = !o.no_tag_sets;
  cfg.set_ranker.objective = o.set_objective;
  Timer fit_t;
  auto model = cf::ContinuationModel::fit(catalog, training, cfg, ctx.progress("fit"));
  double fit_s = fit_t.seconds();
  if (!o.save_model.empty()) model->save(o.save_model);

  std::vector<cf::ContinuationRequest> reqs;
  for (const auto& c : cases) {
    cf::ContinuationRequest r;
    r.title = c.name;
    r.track_ids = c.seeds;
    reqs.push_back(std::move(r));
  }
  std::vector<std::string> methods;
  if (o.method == "all") {
    methods = cf::ContinuationModel::methods();
  } else {
    methods = split(o.method, ',');
  }
  nlohmann::json per_method = nlohmann::json::object();
  size_t unknown = 0;
  nlohmann::json details = nlohmann::json::array();
  for (const auto& m : methods) {
    auto res = model->recommend(reqs, m);
    double song = 0, tag = 0, rec = 0;
    size_t tag_n = 0;
    unknown = 0;
    for (size_t q = 0; q < cases.size(); ++q) {
      unknown += res[q].unknown_tracks;
      std::unordered_set<std::string> hidden(cases[q].hidden.begin(), cases[q].hidden.end());
      for (const auto& s : cases[q].seeds) hidden.erase(s);
      std::vector<std::string> ranked;
      for (const auto& s : res[q].songs) ranked.push_back(s.id);
      auto hits = cf::hit_vector(ranked, hidden, 100);
      song += cf::ndcg(hits, hidden.size(), 100);
      rec += cf::recall(hits, hidden.size());
      std::unordered_set<std::string> tags(cases[q].tags.begin(), cases[q].tags.end());
      std::vector<std::string> tranked;
      for (const auto& t : res[q].tags) tranked.push_back(t.tag);
      double tq = 0;
      if (!tags.empty()) {
        tq = cf::ndcg(cf::hit_vector(tranked, tags, 10), tags.size(), 10);
        tag += tq;
        ++tag_n;
      }
      if (!o.details.empty() && m == methods.front())
        details.push_back({{"id", cases[q].id},
                           {"name", cases[q].name},
                           {"song_ndcg", cf::ndcg(hits, hidden.size(), 100)},
                           {"tag_ndcg", tq},
                           {"tags", tranked},
                           {"truth_tags", cases[q].tags},
                           {"unknown_seeds", res[q].unknown_tracks},
                           {"strategy", res[q].strategy}});
    }
    double n = static_cast<double>(cases.size());
    double sn = song / n, tn = tag_n ? tag / tag_n : 0;
    per_method[m] = {{"song_ndcg", sn},
                     {"tag_ndcg", tn},
                     {"score", 0.85 * sn + 0.15 * tn},
                     {"recall_at_100", rec / n}};
    if (!o.json) {
      std::printf("%-13s song nDCG@100 %.4f  tag nDCG@10 %.4f  score %.4f  recall@100 %.4f\n",
                  m.c_str(), sn, tn, 0.85 * sn + 0.15 * tn, rec / n);
      std::fflush(stdout);
    }
  }
  // Latency of single queries (the serving path), first method.
  // Wall time, and the calling thread's CPU time (a single query runs on it alone), which is
  // what the query costs when the machine is shared.
  auto thread_cpu_ms = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
  };
  std::vector<double> ms, cpu;
  for (const auto& r : reqs) {
    Timer t;
    double c0 = thread_cpu_ms();
    model->recommend(std::span<const cf::ContinuationRequest>(&r, 1), methods.front());
    cpu.push_back(thread_cpu_ms() - c0);
    ms.push_back(t.millis());
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  auto pct = [](const std::vector<double>& v, size_t p) {
    return v[std::min(v.size() - 1, v.size() * p / 100)];
  };
  double p50 = ms[ms.size() / 2], p95 = pct(ms, 95);
  const auto& head = per_method[methods.front()];
  nlohmann::json out = {{"song_ndcg", head["song_ndcg"]},
                        {"tag_ndcg", head["tag_ndcg"]},
                        {"score", head["score"]},
                        {"recall_at_100", head["recall_at_100"]},
                        {"n", cases.size()},
                        {"method", methods.front()},
                        {"methods", per_method},
                        {"unknown_seed_ids", unknown},
                        {"malformed_query_lines", qrep.skipped},
                        {"query_issues", issues_json(qrep)},
                        {"training_playlists", training.size()},
                        {"training_issues", issues_json(trep)},
                        {"catalog_tracks", catalog->size()},
                        {"fit_seconds", fit_s},
                        {"query_ms_p50", p50},
                        {"query_ms_p95", p95},
                        {"query_cpu_ms_p50", cpu[cpu.size() / 2]},
                        {"query_cpu_ms_p95", pct(cpu, 95)}};
  if (!o.details.empty()) {
    std::ofstream f(o.details);
    for (const auto& d : details) f << d.dump() << "\n";
  }
  if (o.json) {
    print_json(out);
  } else {
    std::printf(
        "n=%zu queries, %zu unknown seed ids skipped, %zu malformed lines; fit %.1fs; query p50 "
        "%.2f ms, p95 %.2f ms (thread CPU p50 %.2f ms, p95 %.2f ms)\n",
        cases.size(), unknown, qrep.skipped, fit_s, p50, p95, cpu[cpu.size() / 2], pct(cpu, 95));
    for (const auto& i : qrep.issues)
      std::fprintf(stderr, "skipped %s:%zu: %s\n", i.file.c_str(), i.line, i.reason.c_str());
  }
}

struct SplitOpts {
  std::string playlists, out;
  double valid = 0.12, test = 0.15;
  uint64_t seed = 1;
};

void run_make_queries(const SplitOpts& o) {
  cf::PlaylistReport rep;
  auto pls = cf::read_playlists(o.playlists, &rep);
  MUSE_CHECK_ARG(o.valid >= 0 && o.test > 0 && o.valid + o.test < 1,
                 "valid + test must be below 1");
  std::mt19937_64 rng(o.seed);
  std::vector<size_t> order(pls.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  size_t n_test = static_cast<size_t>(o.test * pls.size()),
         n_valid = static_cast<size_t>(o.valid * pls.size());
  std::vector<cf::Playlist> train;
  std::vector<cf::ContinuationCase> valid, test;
  for (size_t k = 0; k < order.size(); ++k) {
    auto& p = pls[order[k]];
    bool held = k < n_test + n_valid && p.tracks.size() >= 2;
    if (!held) {
      train.push_back(p);
      continue;
    }
    auto songs = p.tracks;
    std::shuffle(songs.begin(), songs.end(), rng);
    size_t half = songs.size() / 2;
    cf::ContinuationCase c{
        p.id,   p.title, {songs.begin(), songs.begin() + half}, {songs.begin() + half, songs.end()},
        p.tags, 0};
    (k < n_test ? test : valid).push_back(std::move(c));
  }
  std::filesystem::create_directories(o.out);
  auto dir = std::filesystem::path(o.out);
  cf::write_playlists_jsonl(dir / "train.jsonl", train);
  cf::write_cases_jsonl(dir / "valid.jsonl", valid);
  cf::write_cases_jsonl(dir / "test.jsonl", test);
  std::printf(
      "%zu playlists (%zu duplicate songs dropped, %zu empty skipped) -> %zu train, %zu valid, %zu "
      "test in %s\n",
      pls.size(), rep.duplicate_tracks, rep.empty, train.size(), valid.size(), test.size(),
      o.out.c_str());
}

Command cmd([](CLI::App& root, Context& ctx) {
  auto* ev = subcommand_group(root, "eval", "offline evaluations");
  {
    auto o = std::make_shared<SplitOpts>();
    auto* s = ev->add_subcommand(
        "make-queries",
        "split playlists into training playlists and held-out continuation queries");
    s->add_option("--playlists", o->playlists, "playlists file (Spotify CSV or Melon JSON)")
        ->required()
        ->check(CLI::ExistingFile);
    s->add_option("--out", o->out, "output folder for train.jsonl, valid.jsonl, test.jsonl")
        ->required();
    s->add_option("--valid", o->valid, "share of playlists held out for validation")
        ->capture_default_str();
    s->add_option("--test", o->test, "share of playlists held out for the test")
        ->capture_default_str();
    s->add_option("--seed", o->seed, "random seed")->capture_default_str();
    s->callback([o] { run_make_queries(*o); });
  }
  auto o = std::make_shared<EvalOpts>();
  auto* s =
      ev->add_subcommand("continuation", "song nDCG@100 / tag nDCG@10 of playlist continuation");
  s->add_option("--queries", o->queries, "JSON lines {id,name,seeds,hidden,tags}")
      ->required()
      ->check(CLI::ExistingFile);
  s->add_option("--train", o->train, "training playlists (CSV or JSON; repeatable)")
      ->required()
      ->check(CLI::ExistingFile);
  s->add_option("--tracks", o->tracks,
                "track CSVs for the catalogue (default: the imported catalogue)")
      ->check(CLI::ExistingFile);
  s->add_option(
       "--method", o->method,
       "all, or comma-separated: ranker,blend,artist,item_knn,als,playlist_knn,content,popularity")
      ->capture_default_str();
  s->add_option("--folds", o->folds, "K-fold splits for training the rankers")
      ->capture_default_str();
  s->add_option("--repeats", o->repeats, "seed/answer splits per training playlist")
      ->capture_default_str();
  s->add_option("--rounds", o->rounds, "boosting rounds")->capture_default_str();
  s->add_option("--save-model", o->save_model, "also write the fitted model to this file");
  s->add_option("--details", o->details,
                "write per-query results (first method) as JSON lines to this file");
  s->add_flag("--no-tag-sets", o->no_tag_sets,
              "rank tags one by one only (no genre/subgenre class model)");
  s->add_option("--set-objective", o->set_objective,
                "XGBoost objective of the tag-set ranker (binary:logistic or rank:pairwise)")
      ->capture_default_str();
  s->add_flag("--json", o->json, "JSON output");
  s->callback([&ctx, o] { run_eval(ctx, *o); });
});

}  // namespace
}  // namespace muse::cli
