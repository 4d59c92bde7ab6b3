#include "app/chat_service.h"

#include <cstdlib>
#include <filesystem>

#include "app/mood_service.h"
#include "app/track_json.h"
#include "chat/chat_session.h"
#include "chat/response_bank.h"
#include "listeners/taste_profile.h"
#include "mood/mood_mapper.h"
#include "mood/mood_recommender.h"
#include "text/normalize.h"
#include "util/error.h"
#include "util/sha256.h"
#include "util/timer.h"

namespace muse::app {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int kMaxMessagesRead = 10000;

uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t x = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

fs::path english_bank_path() {
  if (const char* env = std::getenv("MUSE_CHAT_BANK_EN"); env && *env) return env;
#ifdef MUSE_SOURCE_DIR
  return fs::path(MUSE_SOURCE_DIR) / "data" / "chat" / "en_responses.tsv";
#else
  return fs::path("data") / "chat" / "en_responses.tsv";
#endif
}

std::shared_ptr<const chat::ResponseBank> bank_for(App& app, text::Language lang) {
  if (lang == text::Language::kKorean) {
    return app.model<chat::ResponseBank>("chat_bank_ko", [&app] {
      auto path = app.data_dir() / "korean_chatbot_data" / "ChatbotData.csv";
      return std::make_shared<const chat::ResponseBank>(chat::ResponseBank::load_korean_csv(path));
    });
  }
  return app.model<chat::ResponseBank>("chat_bank_en", [] {
    return std::make_shared<const chat::ResponseBank>(
        chat::ResponseBank::load_tsv(english_bank_path(), text::Language::kEnglish));
  });
}

void validate_message(const std::string& m) {
  // More than 4 bytes per allowed character cannot be within the limit: reject before
  // reading further, as 400 (too long for a chat message), not 413.
  if (m.size() > kMaxChatChars * 4) {
    MUSE_THROW(ErrorCode::kInvalidArgument, "message is too long: {} bytes; at most {} characters",
               m.size(), kMaxChatChars);
  }
  text::check_text(m, "message");
  size_t chars = 0;
  for (unsigned char c : m) chars += (c & 0xC0) != 0x80;
  MUSE_CHECK_ARG(chars <= kMaxChatChars, "message is too long: {} characters; at most {}", chars,
                 kMaxChatChars);
  MUSE_CHECK_ARG(m.find_first_not_of(" \t\r\n") != std::string::npos, "message is empty");
}

std::array<float, emotion::kNumLabels> probs_from_json(const json& j) {
  std::array<float, emotion::kNumLabels> p{};
  if (!j.is_object()) return p;
  for (int l = 0; l < emotion::kNumLabels; ++l) {
    auto it = j.find(emotion::emotion_name(l));
    if (it != j.end() && it->is_number()) p[l] = it->get<float>();
  }
  return p;
}

mood::SentenceMood sentence_from_json(const json& j) {
  mood::SentenceMood s;
  s.text = j.value("text", "");
  s.language = text::language_from_code(j.value("language", ""));
  s.probs = probs_from_json(j.value("probs", json::object()));
  s.shares = probs_from_json(j.value("shares", json::object()));
  for (const auto& name : j.value("labels", json::array())) {
    if (!name.is_string()) continue;
    int l = emotion::emotion_from_name(name.get<std::string>());
    if (l >= 0) s.labels |= static_cast<emotion::LabelSet>(1u << l);
  }
  s.valence = j.value("valence", 0.f);
  s.arousal = j.value("arousal", 0.f);
  s.weight = j.value("weight", 0.f);
  return s;
}

json parse_analysis(const listeners::Message& m) {
  if (m.analysis.empty()) return nullptr;
  json j = json::parse(m.analysis, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    MUSE_THROW(ErrorCode::kDataLoss, "message {} has an unreadable analysis", m.id);
  }
  return j;
}

/// The conversation's listener turns, from what the store holds.
std::vector<chat::ListenerTurn> turns_of(const std::vector<listeners::Message>& messages) {
  std::vector<chat::ListenerTurn> turns;
  for (const auto& m : messages) {
    if (m.role != "listener") continue;
    chat::ListenerTurn t;
    t.text = m.text;
    json a = parse_analysis(m);
    if (a.is_object() && a.contains("sentences") && a["sentences"].is_array()) {
      for (const auto& s : a["sentences"]) {
        if (s.is_object()) t.sentences.push_back(sentence_from_json(s));
      }
    }
    turns.push_back(std::move(t));
  }
  return turns;
}

json gauge_json(const chat::Gauge& g) {
  return {{"value", tidy_float(g.value)},
          {"full", g.full},
          {"messages", g.messages},
          {"evidence", tidy_float(g.evidence)}};
}

json message_analysis_json(const mood::MoodAnalysis& a) {
  json sentences = json::array();
  for (const auto& s : a.sentences) sentences.push_back(sentence_json(s));
  return {{"emotions", emotions_json(a.distribution)},
          {"dominant", emotion::emotion_name(a.dominant())},
          {"valence", tidy_float(a.valence)},
          {"arousal", tidy_float(a.arousal)},
          {"language", text::language_code(a.language)},
          {"sentences", sentences}};
}

json pooled_json(const mood::MoodAnalysis& a) {
  json sentences = json::array();
  for (const auto& s : a.sentences) sentences.push_back(sentence_json(s));
  return {{"distribution", emotions_json(a.distribution)},
          {"dominant", emotion::emotion_name(a.dominant())},
          {"valence", tidy_float(a.valence)},
          {"arousal", tidy_float(a.arousal)},
          {"quadrant", mood::quadrant_name(a.valence, a.arousal)},
          {"sentences", sentences}};
}

json conversation_json(const listeners::Conversation& c) {
  return {{"id", c.id},
          {"language", c.language},
          {"created_ms", c.created_ms},
          {"updated_ms", c.updated_ms}};
}

/// match and lift lists for the pooled mood, personalised with the listener's feedback:
/// liked tracks pull the target a little (taste 0.25), disliked tracks and banned artists are
/// filtered out. Null when there is no catalogue yet (the chat itself still works).
json recommend_lists(App& app, int64_t listener_id, const mood::MoodAnalysis& a, int n,
                     uint64_t seed) {
  std::shared_ptr<const ContentSnapshot> snap;
  try {
    snap = app.content();
  } catch (const MuseError& e) {
    if (e.code() != ErrorCode::kUnavailable) throw;
    return nullptr;
  }
  auto feedback = app.store().all_feedback(listener_id);
  auto profile = listeners::TasteProfile::build(feedback, *snap->catalog, *snap->space);
  json out = json::object();
  for (auto mode : {mood::MoodMode::kMatch, mood::MoodMode::kLift}) {
    mood::MoodQuery q;
    q.valence = a.valence;
    q.arousal = a.arousal;
    q.distribution = a.distribution;
    q.mode = mode;
    q.seed = seed;
    const auto& seeds = profile.seeds();
    for (size_t i = 0; i < seeds.size() && i < 10; ++i) q.track_ids.push_back(seeds[i]);
    if (!q.track_ids.empty()) q.taste = 0.25f;
    q.n = n;
    auto res = recommend_mood(*snap, q, &profile);
    json list = json::array();
    for (const auto& it : res.items) {
      list.push_back(scored_track_json(snap->catalog->track(it.row), it.score, it.reason));
    }
    out[mood::mode_name(mode)] = std::move(list);
  }
  return out;
}

}  // namespace

json chat_turn(App& app, const ChatRequest& r) {
  Timer timer;
  validate_message(r.message);
  MUSE_CHECK_ARG(r.n >= 1 && r.n <= 50, "n must be 1..50, got {}", r.n);
  text::Language lang = text::Language::kUnknown;
  if (!r.lang.empty()) {
    lang = text::language_from_code(r.lang);
    MUSE_CHECK_ARG(lang != text::Language::kUnknown, "field 'lang' must be 'en' or 'ko', got '{}'",
                   r.lang.substr(0, 16));
  }
  auto& store = app.store();
  std::optional<listeners::Conversation> conv;
  std::vector<listeners::Message> history;
  if (r.conversation_id) {
    conv = store.get_conversation(r.listener_id, *r.conversation_id);
    if (!conv) MUSE_THROW(ErrorCode::kNotFound, "no conversation {}", *r.conversation_id);
    history = store.list_messages(r.listener_id, conv->id, kMaxMessagesRead);
  }
  if (lang == text::Language::kUnknown) {
    const auto scripts = text::count_scripts(text::nfkc(r.message));
    lang = text::detect_language(scripts);
    // A very short message ("ok", "ㅋㅋ") keeps the conversation's language.
    if (conv && scripts.letters() < 4) {
      auto c = text::language_from_code(conv->language);
      if (c != text::Language::kUnknown) lang = c;
    }
  }
  if (lang == text::Language::kUnknown) lang = text::Language::kEnglish;

  // Everything that can fail on the input or a missing model/bank runs before any write.
  mood::MoodAnalysis analysis = mood_analyzer(app).analyze(r.message);
  MUSE_CHECK_ARG(analysis.sentences.size() <= kMaxChatSentences,
                 "message has {} sentences; at most {}", analysis.sentences.size(),
                 kMaxChatSentences);
  auto bank = bank_for(app, lang);
  const double analyze_ms = timer.millis();

  auto before = turns_of(history);
  const chat::Gauge gauge_before = chat::compute_gauge(before);
  auto turns = before;
  turns.push_back({r.message, analysis.sentences});
  const chat::Gauge gauge = chat::compute_gauge(turns);

  bool mood_stored = false;
  for (const auto& m : history) {
    if (m.role != "muse") continue;
    json a = parse_analysis(m);
    if (a.is_object() && a.contains("mood_id")) mood_stored = true;
  }

  const uint64_t seed_base = conv ? static_cast<uint64_t>(conv->id) : 0;
  const uint64_t reply_seed = mix(seed_base, history.size());
  chat::ReplyChoice choice = bank->choose(r.message, analysis.distribution, lang, reply_seed);
  const std::string& reply_text = bank->entry(choice.index).reply;

  json pooled = nullptr, recs = nullptr;
  mood::MoodAnalysis pooled_mood;
  if (gauge.full) {
    pooled_mood = chat::pooled_analysis(turns);
    pooled = pooled_json(pooled_mood);
  }

  // Writes: conversation (if new), the listener's message, the pooled mood once, the reply.
  if (!conv) conv = store.create_conversation(r.listener_id, text::language_code(lang));
  json msg_analysis = message_analysis_json(analysis);
  listeners::Message lm;
  lm.role = "listener";
  lm.text = r.message;
  lm.analysis = msg_analysis.dump();
  store.add_message(r.listener_id, conv->id, lm);

  json muse_analysis = {{"gauge", gauge_json(gauge)},
                        {"similarity", tidy_float(choice.similarity)}};
  std::optional<int64_t> mood_id;
  if (gauge.full && !mood_stored) {
    listeners::MoodEntry me;
    for (int l = 0; l < emotion::kNumLabels; ++l)
      me.emotions[emotion::emotion_name(l)] = pooled_mood.distribution[l];
    me.valence = pooled_mood.valence;
    me.arousal = pooled_mood.arousal;
    Sha256 h;
    for (const auto& t : turns) h.update(t.text).update("\n", 1);
    auto d = h.digest();
    me.text_hash = to_hex(d.data(), d.size());
    me.source = "chat";
    mood_id = store.add_mood(r.listener_id, me);
    muse_analysis["mood_id"] = *mood_id;
  }
  if (gauge.full)
    recs = recommend_lists(app, r.listener_id, pooled_mood, r.n, static_cast<uint64_t>(conv->id));

  listeners::Message mm;
  mm.role = "muse";
  mm.text = reply_text;
  mm.analysis = muse_analysis.dump();
  store.add_message(r.listener_id, conv->id, mm);

  json out = {{"conversation_id", conv->id},
              {"reply", {{"text", reply_text}, {"language", text::language_code(lang)}}},
              {"message_analysis", msg_analysis},
              {"gauge", gauge_json(gauge)},
              {"gauge_before", tidy_float(gauge_before.value)},
              {"analysis", pooled},
              {"recommendations", recs}};
  if (mood_id) out["mood_id"] = *mood_id;
  out["timing_ms"] = {{"analyze", analyze_ms}, {"total", timer.millis()}};
  return out;
}

json list_chats(App& app, int64_t listener_id, int limit) {
  json list = json::array();
  for (const auto& c : app.store().list_conversations(listener_id, limit))
    list.push_back(conversation_json(c));
  return {{"conversations", list}};
}

json get_chat(App& app, int64_t listener_id, int64_t conversation_id) {
  auto& store = app.store();
  auto conv = store.get_conversation(listener_id, conversation_id);
  if (!conv) MUSE_THROW(ErrorCode::kNotFound, "no conversation {}", conversation_id);
  auto messages = store.list_messages(listener_id, conversation_id, kMaxMessagesRead);
  json list = json::array();
  for (const auto& m : messages) {
    list.push_back({{"id", m.id},
                    {"role", m.role},
                    {"text", m.text},
                    {"created_ms", m.created_ms},
                    {"analysis", parse_analysis(m)}});
  }
  return {{"conversation", conversation_json(*conv)},
          {"messages", list},
          {"gauge", gauge_json(chat::compute_gauge(turns_of(messages)))}};
}

}  // namespace muse::app
