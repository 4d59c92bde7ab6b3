// muse chat --token T [--conversation ID] [--lang en|ko] [-n N] "MESSAGE" [--json]
// muse chat --token T --list | --show ID
// The CLI twin of POST /api/v1/chat (same JSON with --json).
#include <cstdio>
#include <cstdlib>

#include "app/chat_service.h"
#include "cli/command.h"
#include "util/text.h"

namespace muse::cli {
namespace {

void print_tracks(const char* title, const nlohmann::json& list) {
  std::printf("%s:\n", title);
  for (const auto& t : list) {
    std::string artists;
    for (const auto& a : t["artists"])
      artists += (artists.empty() ? "" : ", ") + a.get<std::string>();
    std::printf("  %s — %s  (%s)\n", t["name"].get<std::string>().c_str(), artists.c_str(),
                t["reason"].get<std::string>().c_str());
  }
}

Command cmd([](CLI::App& root, Context& ctx) {
  struct Opts {
    std::string token, lang, message;
    int64_t conversation = 0, show = 0;
    int n = 5;
    bool json = false, list = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = root.add_subcommand(
      "chat", "talk to Muse: replies, a gauge, and songs for your mood once it is full");
  c->add_option("message", o->message, "what you want to say (at most 4000 characters)");
  c->add_option("--token", o->token, "API token (default $MUSE_TOKEN)");
  c->add_option("--conversation", o->conversation,
                "continue this conversation (default: start one)");
  c->add_option("--lang", o->lang, "en | ko (default: detected)");
  c->add_option("-n,--limit", o->n, "songs per list when the gauge is full")->default_val(5);
  c->add_flag("--list", o->list, "list your conversations");
  c->add_option("--show", o->show, "print one conversation");
  c->add_flag("--json", o->json, "JSON output (the API's shape)");
  c->callback([&ctx, o] {
    auto who = ctx.listener(o->token);
    if (o->list) {
      print_json(app::list_chats(ctx.app(), who.id, 1000));
      return;
    }
    if (o->show > 0) {
      print_json(app::get_chat(ctx.app(), who.id, o->show));
      return;
    }
    MUSE_CHECK_ARG(!o->message.empty(), "give a MESSAGE (or --list / --show ID)");
    app::ChatRequest r;
    r.listener_id = who.id;
    if (o->conversation > 0) r.conversation_id = o->conversation;
    r.message = o->message;
    r.lang = o->lang;
    r.n = o->n;
    auto j = app::chat_turn(ctx.app(), r);
    if (o->json) {
      print_json(j);
      return;
    }
    const auto& g = j["gauge"];
    std::printf("muse: %s\n", j["reply"]["text"].get<std::string>().c_str());
    std::printf("conversation %lld · gauge %.0f%%%s · you sound: %s\n",
                static_cast<long long>(j["conversation_id"].get<int64_t>()),
                g["value"].get<double>() * 100, g["full"].get<bool>() ? " (full)" : "",
                j["message_analysis"]["dominant"].get<std::string>().c_str());
    if (!j["analysis"].is_null()) {
      std::printf("conversation mood: %s (valence %.2f, arousal %.2f)\n",
                  j["analysis"]["dominant"].get<std::string>().c_str(),
                  j["analysis"]["valence"].get<double>(), j["analysis"]["arousal"].get<double>());
    }
    if (!j["recommendations"].is_null()) {
      print_tracks("match", j["recommendations"]["match"]);
      print_tracks("lift", j["recommendations"]["lift"]);
    }
  });
});

}  // namespace
}  // namespace muse::cli
