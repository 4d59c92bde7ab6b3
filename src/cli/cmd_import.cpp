// muse import tracks FILE... : parse, validate, upsert, rebuild snapshot and index.
#include <cstdio>

#include "cf/playlist.h"
#include "cli/command.h"

namespace muse::cli {
namespace {

void run_import_tracks(Context& ctx, const std::vector<std::string>& files, bool json, bool no_index,
                       int show_issues) {
  std::vector<std::filesystem::path> paths(files.begin(), files.end());
  auto sum = ctx.app().import_tracks(paths, ctx.progress("import"), !no_index);
  const auto& r = sum.report;
  if (json) {
    nlohmann::json issues = nlohmann::json::array();
    for (const auto& i : r.issues) issues.push_back({{"file", i.file}, {"line", i.line}, {"reason", i.reason}});
    print_json({{"rows", r.rows}, {"accepted", r.accepted}, {"skipped", r.skipped}, {"merged", r.merged},
                {"tracks", sum.tracks}, {"inserted", sum.stats.inserted}, {"updated", sum.stats.updated},
                {"catalog_size", sum.catalog_size}, {"parse_seconds", sum.parse_seconds},
                {"store_seconds", sum.store_seconds}, {"index_seconds", sum.snapshot_seconds},
                {"issues", issues}});
    return;
  }
  int shown = 0;
  for (const auto& i : r.issues) {
    if (shown++ >= show_issues) break;
    std::fprintf(stderr, "skipped %s:%zu: %s\n", i.file.c_str(), i.line, i.reason.c_str());
  }
  if (r.skipped > static_cast<size_t>(shown)) {
    std::fprintf(stderr, "... %zu more skipped rows (use --json for all)\n", r.skipped - shown);
  }
  std::printf(
      "imported %zu rows -> %zu tracks (%zu new, %zu updated; %zu rows merged as extra genres), "
      "%zu malformed rows skipped\n"
      "catalogue: %lld tracks; parse %.2fs, store %.2fs, snapshot+index %.2fs\n",
      r.rows, sum.tracks, sum.stats.inserted, sum.stats.updated, r.merged, r.skipped,
      static_cast<long long>(sum.catalog_size), sum.parse_seconds, sum.store_seconds, sum.snapshot_seconds);
}

Command cmd([](CLI::App& root, Context& ctx) {
  auto* imp = root.add_subcommand("import", "import data into the Muse store");
  imp->require_subcommand(1);
  auto* tracks = imp->add_subcommand("tracks", "import track CSVs (114k or playlists layout; plain or .zst)");
  struct Opts {
    std::vector<std::string> files;
    bool json = false, no_index = false;
    int show = 20;
  };
  auto o = std::make_shared<Opts>();
  tracks->add_option("files", o->files, "CSV files")->required()->check(CLI::ExistingFile);
  tracks->add_flag("--json", o->json, "machine-readable summary");
  tracks->add_flag("--no-index", o->no_index, "skip rebuilding the snapshot and index");
  tracks->add_option("--show-issues", o->show, "how many skipped rows to list")->default_val(20);
  tracks->callback([&ctx, o] { run_import_tracks(ctx, o->files, o->json, o->no_index, o->show); });

  auto* pls = imp->add_subcommand("playlists",
                                  "import playlists: Spotify genre-playlists CSV (genre + subgenre become tags) "
                                  "or Melon-style JSON / JSON lines");
  struct PlOpts {
    std::vector<std::string> files;
    bool json = false;
    int show = 20;
  };
  auto po = std::make_shared<PlOpts>();
  pls->add_option("files", po->files, "playlist files (plain or .zst)")->required()->check(CLI::ExistingFile);
  pls->add_flag("--json", po->json, "machine-readable summary");
  pls->add_option("--show-issues", po->show, "how many skipped records to list")->default_val(20);
  pls->callback([&ctx, po] {
    cf::PlaylistReport rep;
    std::vector<cf::Playlist> all;
    for (const auto& f : po->files) {
      auto v = cf::read_playlists(f, &rep);
      all.insert(all.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
    }
    auto& store = ctx.app().store();
    auto stats = store.upsert_playlists(all);
    size_t songs = 0;
    for (const auto& p : all) songs += p.tracks.size();
    if (po->json) {
      nlohmann::json issues = nlohmann::json::array();
      for (const auto& i : rep.issues) issues.push_back({{"file", i.file}, {"line", i.line}, {"reason", i.reason}});
      print_json({{"records", rep.records}, {"playlists", all.size()}, {"songs", songs},
                  {"inserted", stats.inserted}, {"updated", stats.updated}, {"skipped", rep.skipped},
                  {"duplicate_songs", rep.duplicate_tracks}, {"empty_playlists", rep.empty},
                  {"stored_playlists", store.playlist_count()}, {"issues", issues}});
      return;
    }
    int shown = 0;
    for (const auto& i : rep.issues) {
      if (shown++ >= po->show) break;
      std::fprintf(stderr, "skipped %s:%zu: %s\n", i.file.c_str(), i.line, i.reason.c_str());
    }
    std::printf("imported %zu playlists with %zu songs (%zu new, %zu updated); %zu malformed records, "
                "%zu duplicate songs dropped, %zu empty playlists skipped; store holds %lld playlists\n",
                all.size(), songs, stats.inserted, stats.updated, rep.skipped, rep.duplicate_tracks, rep.empty,
                static_cast<long long>(store.playlist_count()));
  });
});

}  // namespace
}  // namespace muse::cli
