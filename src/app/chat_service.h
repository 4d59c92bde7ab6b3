#pragma once
/// The chat (issue 7) as one call shared by `muse chat` and POST /api/v1/chat: validate the
/// message, analyse it with the mood model, answer from the response bank, recompute the
/// gauge from the stored conversation and, once it is full, attach the conversation's pooled
/// mood with `match` and `lift` recommendations. All state lives in the store.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "app/app.h"

namespace muse::app {

/// Longest chat message accepted, in characters (code points).
inline constexpr size_t kMaxChatChars = 4000;
/// Most sentences a chat message may have (keeps the stored analysis bounded).
inline constexpr size_t kMaxChatSentences = 100;

struct ChatRequest {
  int64_t listener_id = 0;
  std::optional<int64_t> conversation_id;  ///< nullopt: start a conversation
  std::string message;
  std::string lang;  ///< "", "en" or "ko" ("" = detected from the message)
  int n = 5;         ///< tracks per list when the gauge is full
};

/// One turn; the reply has the shape of the API contract (conversation_id, reply,
/// message_analysis, gauge, analysis, recommendations) plus "mood_id" when this turn filled
/// the gauge. Nothing is stored when validation, analysis or the bank fail. Throws
/// kInvalidArgument (bad message or lang), kNotFound (conversation not the listener's),
/// kUnavailable (no emotion model, bank file missing).
nlohmann::json chat_turn(App& app, const ChatRequest& request);

/// {"conversations":[{"id","language","created_ms","updated_ms"}]}, newest activity first.
nlohmann::json list_chats(App& app, int64_t listener_id, int limit);

/// {"conversation":{…},"messages":[…],"gauge":{…}}; kNotFound if not the listener's.
nlohmann::json get_chat(App& app, int64_t listener_id, int64_t conversation_id);

}  // namespace muse::app
