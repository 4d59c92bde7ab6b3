#pragma once
/// What a listener told Muse: the domain records the store persists and the taste profile
/// learns from. Plain data, shared by the storage layer (which saves them) and the core
/// (which learns from them), so neither depends on the other's details.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace muse::listeners {

enum class FeedbackKind { kLike, kDislike, kSkip, kRating };

/// "like", "dislike", "skip", "rating".
const char* feedback_kind_name(FeedbackKind k);
/// Parses a kind name; throws kInvalidArgument on anything else.
FeedbackKind parse_feedback_kind(std::string_view name);

/// One feedback event. Exactly one of track_id / artist is set: track feedback is the norm,
/// an artist target lets a listener say "never this artist".
struct Feedback {
  int64_t id = 0;           ///< assigned by the store
  int64_t listener_id = 0;  ///< assigned by the store from the caller's scope
  FeedbackKind kind = FeedbackKind::kLike;
  std::string track_id;
  std::string artist;
  int rating = 0;          ///< 1..5 for kRating, 0 otherwise
  int64_t created_ms = 0;  ///< Unix ms; 0 on write = now
  /// JSON object: {"source":"recommendations|mood|chat","list_id":..,"mood":..}; "" = {}.
  std::string context;
  /// Optional idempotency key from the client (<= 128 bytes): writing again with the same key
  /// (a retry after a timeout or a crash) returns the first write's id instead of a duplicate.
  std::string request_id;
};

/// Checks a feedback event before it is written (kind/rating/target/context shape and sizes);
/// throws kInvalidArgument naming the field.
void validate_feedback(const Feedback& f);

/// One mood analysis of a listener's text: emotion distribution plus valence/arousal.
struct MoodEntry {
  int64_t id = 0;
  int64_t listener_id = 0;
  std::map<std::string, double> emotions;  ///< label -> probability
  double valence = 0;                      ///< -1..1
  double arousal = 0;                      ///< -1..1
  std::string text_hash;                   ///< hex digest of the analysed text (never the text)
  std::string source;                      ///< "mood", "chat", ...
  int64_t created_ms = 0;
};

void validate_mood(const MoodEntry& m);

struct Conversation {
  int64_t id = 0;
  int64_t listener_id = 0;
  std::string language;  ///< "en", "ko", ...
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct Message {
  int64_t id = 0;
  int64_t conversation_id = 0;
  std::string role;  ///< "listener" or "muse"
  std::string text;
  std::string analysis;  ///< JSON ("" = none): the mood analysis / gauge of this turn
  int64_t created_ms = 0;
};

void validate_message(const Message& m);

/// Current wall-clock time in Unix milliseconds.
int64_t now_ms();

/// Size limits the store enforces (the HTTP layer may enforce tighter ones).
inline constexpr size_t kMaxIdBytes = 256;
inline constexpr size_t kMaxContextBytes = 4096;
inline constexpr size_t kMaxMessageBytes = 16384;
inline constexpr size_t kMaxNameBytes = 256;

}  // namespace muse::listeners
