#include "listeners/feedback.h"

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/text.h"

namespace muse::listeners {

const char* feedback_kind_name(FeedbackKind k) {
  switch (k) {
    case FeedbackKind::kLike:
      return "like";
    case FeedbackKind::kDislike:
      return "dislike";
    case FeedbackKind::kSkip:
      return "skip";
    case FeedbackKind::kRating:
      return "rating";
  }
  return "?";
}

FeedbackKind parse_feedback_kind(std::string_view name) {
  if (name == "like") return FeedbackKind::kLike;
  if (name == "dislike") return FeedbackKind::kDislike;
  if (name == "skip") return FeedbackKind::kSkip;
  if (name == "rating") return FeedbackKind::kRating;
  MUSE_THROW(ErrorCode::kInvalidArgument,
             "feedback kind must be like, dislike, skip or rating, got '{}'", name.substr(0, 32));
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

/// Text both backends can store verbatim: valid UTF-8, no NUL (PostgreSQL text cannot hold it).
void check_text(std::string_view field, std::string_view v, size_t max_bytes) {
  MUSE_CHECK_ARG(v.size() <= max_bytes, "{} is too long ({} bytes, max {})", field, v.size(),
                 max_bytes);
  size_t bad = first_invalid_utf8(v);
  MUSE_CHECK_ARG(bad == std::string_view::npos, "{} is not valid UTF-8 (byte {})", field, bad);
  MUSE_CHECK_ARG(v.find('\0') == std::string_view::npos, "{} contains a NUL character", field);
}

void check_json_object(std::string_view field, const std::string& v, size_t max_bytes) {
  if (v.empty()) return;
  check_text(field, v, max_bytes);
  nlohmann::json j = nlohmann::json::parse(v, nullptr, /*allow_exceptions=*/false);
  MUSE_CHECK_ARG(!j.is_discarded(), "{} is not valid JSON", field);
  MUSE_CHECK_ARG(j.is_object(), "{} must be a JSON object", field);
}

}  // namespace

void validate_feedback(const Feedback& f) {
  MUSE_CHECK_ARG(f.track_id.empty() != f.artist.empty(),
                 "feedback needs exactly one target: a track_id or an artist");
  check_text("track_id", f.track_id, kMaxIdBytes);
  check_text("artist", f.artist, kMaxNameBytes);
  if (f.kind == FeedbackKind::kRating) {
    MUSE_CHECK_ARG(f.rating >= 1 && f.rating <= 5, "rating must be 1..5, got {}", f.rating);
    MUSE_CHECK_ARG(!f.track_id.empty(), "ratings are for tracks, not artists");
  } else {
    MUSE_CHECK_ARG(f.rating == 0, "only rating feedback carries a rating (got {} for {})", f.rating,
                   feedback_kind_name(f.kind));
  }
  MUSE_CHECK_ARG(f.kind != FeedbackKind::kSkip || !f.track_id.empty(), "skips are for tracks");
  MUSE_CHECK_ARG(f.created_ms >= 0, "created_ms must be >= 0");
  check_text("request_id", f.request_id, 128);
  check_json_object("context", f.context, kMaxContextBytes);
  if (!f.context.empty()) {
    auto j = nlohmann::json::parse(f.context);
    if (j.contains("source")) {
      MUSE_CHECK_ARG(j["source"].is_string(), "context.source must be a string");
    }
  }
}

void validate_mood(const MoodEntry& m) {
  MUSE_CHECK_ARG(m.emotions.size() <= 64, "at most 64 emotion labels, got {}", m.emotions.size());
  for (const auto& [label, p] : m.emotions) {
    check_text("emotion label", label, 64);
    MUSE_CHECK_ARG(!label.empty(), "emotion labels must not be empty");
    MUSE_CHECK_ARG(std::isfinite(p) && p >= 0 && p <= 1,
                   "emotion '{}' has probability {}, want 0..1", label, p);
  }
  MUSE_CHECK_ARG(std::isfinite(m.valence) && m.valence >= -1 && m.valence <= 1,
                 "valence must be -1..1");
  MUSE_CHECK_ARG(std::isfinite(m.arousal) && m.arousal >= -1 && m.arousal <= 1,
                 "arousal must be -1..1");
  check_text("text_hash", m.text_hash, 128);
  check_text("source", m.source, 64);
  MUSE_CHECK_ARG(m.created_ms >= 0, "created_ms must be >= 0");
}

void validate_message(const Message& m) {
  MUSE_CHECK_ARG(m.role == "listener" || m.role == "muse",
                 "message role must be listener or muse, got '{}'", m.role.substr(0, 32));
  check_text("message text", m.text, kMaxMessageBytes);
  check_json_object("message analysis", m.analysis, 65536);
  MUSE_CHECK_ARG(m.created_ms >= 0, "created_ms must be >= 0");
}

}  // namespace muse::listeners
