// muse listener create [--name NAME]
// muse listener whoami
// muse listener feedback like|dislike|skip|rating TARGET [--rating N] [--artist] [--context JSON]
// muse listener history [-n N]
// muse listener recommend [-t SEED]... [-n N] [--genre G]
// Listener commands take --token (or $MUSE_TOKEN): the CLI twin of the /api/v1/listeners API.
#include <cstdio>
#include <cstdlib>

#include "app/listener_recs.h"
#include "app/track_json.h"
#include "cli/command.h"
#include "util/text.h"

namespace muse::cli {
namespace {

std::string track_label(const catalog::Catalog& cat, const std::string& id) {
  auto row = cat.find(id);
  if (!row) return id + " (not in the catalogue)";
  const auto& t = cat.track(*row);
  return t.name + " — " + join(t.artists, ", ");
}

Command cmd([](CLI::App& root, Context& ctx) {
  struct Opts {
    std::string token, name, kind, target, context, genre;
    int rating = 0, n = 10;
    bool artist = false, json = false;
    std::vector<std::string> seeds;
  };
  auto o = std::make_shared<Opts>();
  auto* g =
      root.add_subcommand("listener", "listeners: accounts, feedback and personal recommendations");
  g->require_subcommand(1);

  auto* create =
      g->add_subcommand("create", "create a listener and print its API token (shown once)");
  create->add_option("--name", o->name, "display name");
  create->add_flag("--json", o->json, "JSON output");
  create->callback([&ctx, o] {
    auto nl = ctx.app().store().create_listener(o->name);
    if (o->json) {
      print_json(
          {{"listener_id", nl.listener.id}, {"name", nl.listener.name}, {"token", nl.token}});
      return;
    }
    std::printf(
        "listener %lld created\ntoken: %s\n(keep it: Muse stores only its hash; export "
        "MUSE_TOKEN=...)\n",
        static_cast<long long>(nl.listener.id), nl.token.c_str());
  });

  auto* whoami = g->add_subcommand("whoami", "show the listener a token belongs to");
  whoami->add_option("--token", o->token, "API token (default $MUSE_TOKEN)");
  whoami->callback([&ctx, o] {
    auto who = ctx.listener(o->token);
    print_json({{"listener_id", who.id},
                {"name", who.name},
                {"created_ms", who.created_ms},
                {"feedback", ctx.app().store().feedback_count(who.id)}});
  });

  auto* fb = g->add_subcommand("feedback", "record a like, dislike, skip or 1-5 rating");
  fb->add_option("kind", o->kind, "like | dislike | skip | rating")->required();
  fb->add_option("target", o->target, "track id or name; an artist name with --artist")->required();
  fb->add_option("--rating", o->rating, "1..5, for kind rating");
  fb->add_flag("--artist", o->artist, "the target is an artist (like/dislike only)");
  fb->add_option("--context", o->context,
                 R"(JSON context, e.g. {"source":"recommendations","list_id":"..."})");
  fb->add_option("--token", o->token, "API token (default $MUSE_TOKEN)");
  fb->callback([&ctx, o] {
    auto who = ctx.listener(o->token);
    listeners::Feedback f;
    f.kind = listeners::parse_feedback_kind(o->kind);
    f.rating = o->rating;
    f.context = o->context;
    std::string label;
    if (o->artist) {
      f.artist = o->target;
      label = "artist " + o->target;
    } else {
      auto snap = ctx.app().content();
      f.track_id = app::resolve_track(ctx.app(), *snap->catalog, o->target);
      label = track_label(*snap->catalog, f.track_id);
    }
    int64_t id = ctx.app().store().add_feedback(who.id, f);
    std::printf("recorded %s%s on %s (feedback %lld)\n", o->kind.c_str(),
                f.rating ? fmt::format(" {}", f.rating).c_str() : "", label.c_str(),
                static_cast<long long>(id));
  });

  auto* hist = g->add_subcommand("history", "the listener's feedback and moods, newest first");
  hist->add_option("-n,--limit", o->n, "how many of each")->default_val(20);
  hist->add_option("--token", o->token, "API token (default $MUSE_TOKEN)");
  hist->add_flag("--json", o->json, "JSON output");
  hist->callback([&ctx, o] {
    auto who = ctx.listener(o->token);
    auto& store = ctx.app().store();
    auto events = store.list_feedback(who.id, {o->n, 0});
    auto moods = store.list_moods(who.id, o->n);
    if (o->json) {
      nlohmann::json fj = nlohmann::json::array(), mj = nlohmann::json::array();
      for (const auto& f : events) {
        fj.push_back({{"id", f.id},
                      {"kind", listeners::feedback_kind_name(f.kind)},
                      {"track_id", f.track_id},
                      {"artist", f.artist},
                      {"rating", f.rating},
                      {"created_ms", f.created_ms},
                      {"context", nlohmann::json::parse(f.context, nullptr, false)}});
      }
      for (const auto& m : moods) {
        mj.push_back({{"id", m.id},
                      {"emotions", m.emotions},
                      {"valence", m.valence},
                      {"arousal", m.arousal},
                      {"source", m.source},
                      {"created_ms", m.created_ms}});
      }
      print_json({{"feedback", fj}, {"moods", mj}});
      return;
    }
    std::shared_ptr<const app::ContentSnapshot> snap;
    if (ctx.app().content_ready() || store.track_count() > 0) snap = ctx.app().content();
    for (const auto& f : events) {
      std::string what = !f.artist.empty() ? "artist " + f.artist
                         : snap            ? track_label(*snap->catalog, f.track_id)
                                           : f.track_id;
      std::printf("%lld  %-7s %s%s\n", static_cast<long long>(f.id),
                  listeners::feedback_kind_name(f.kind),
                  f.rating ? fmt::format("{}/5 ", f.rating).c_str() : "", what.c_str());
    }
    if (events.empty()) std::printf("no feedback yet\n");
  });

  auto* rec = g->add_subcommand("recommend", "recommendations shaped by this listener's feedback");
  rec->add_option("-t,--track", o->seeds,
                  "seed track id or name (repeatable; default: your best-liked)");
  rec->add_option("-n,--limit", o->n, "how many (1..1000)")->default_val(10);
  rec->add_option("--genre", o->genre, "only tracks of this genre");
  rec->add_option("--token", o->token, "API token (default $MUSE_TOKEN)");
  rec->add_flag("--json", o->json, "JSON output");
  rec->callback([&ctx, o] {
    auto who = ctx.listener(o->token);
    auto cat0 = ctx.app().content()->catalog;
    recommend::ContentQuery q;
    for (const auto& s : o->seeds) q.track_ids.push_back(app::resolve_track(ctx.app(), *cat0, s));
    q.n = o->n;
    q.genre = o->genre;
    auto pr = app::recommend_for_listener(ctx.app(), who.id, q, o->n);
    auto snap = pr.snapshot;
    const auto& res = pr.result;
    const auto& votes = pr.neighbour_likes;
    if (o->json) {
      nlohmann::json arr = nlohmann::json::array(), nb = nlohmann::json::array();
      for (const auto& r : res.items) {
        auto j = track_to_json(snap->catalog->track(r.row));
        j["score"] = r.score;
        j["reason"] = r.reason;
        arr.push_back(j);
      }
      for (const auto& v : votes) {
        auto j = track_to_json(snap->catalog->track(*snap->catalog->find(v.track_id)));
        j["score"] = v.score;
        j["listeners"] = v.listeners;
        nb.push_back(j);
      }
      print_json({{"listener_id", who.id},
                  {"seeds", pr.seeds},
                  {"banned_artists", pr.banned_artists},
                  {"feedback_events", pr.feedback_events},
                  {"recommendations", arr},
                  {"listeners_who_felt_like_you_liked", nb}});
      return;
    }
    const auto& seeds = pr.seeds;
    std::printf("For listener %lld, %s", static_cast<long long>(who.id),
                seeds.empty() ? "from your taste vector\n" : "because you like: ");
    for (size_t i = 0; i < seeds.size() && i < 5; ++i) {
      std::printf("%s%s", i ? "; " : "", track_label(*snap->catalog, seeds[i]).c_str());
    }
    if (!seeds.empty()) std::printf("%s\n", seeds.size() > 5 ? "; ..." : "");
    int i = 0;
    for (const auto& r : res.items) {
      const auto& t = snap->catalog->track(r.row);
      std::printf("%2d. %s — %s  (%.3f)\n    %s\n", ++i, t.name.c_str(),
                  join(t.artists, ", ").c_str(), r.score, r.reason.c_str());
    }
    if (!votes.empty()) {
      std::printf("Listeners who felt like you liked:\n");
      for (const auto& v : votes) {
        std::printf("  - %s  (%d listener%s)\n", track_label(*snap->catalog, v.track_id).c_str(),
                    v.listeners, v.listeners == 1 ? "" : "s");
      }
    }
  });
});

}  // namespace
}  // namespace muse::cli
