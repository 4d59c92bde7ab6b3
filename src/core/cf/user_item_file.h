#pragma once
/// Tab-separated user-item-weight files in the Last.fm HetRec layout (`user_artists.dat`:
/// header "userID artistID weight"), plus the per-user hold-out split used for offline evaluation.
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "cf/interactions.h"

namespace muse::cf {

struct UserItemRow {
  std::string user;
  std::string item;
  float weight = 1.f;
};

/// Reads the file; throws kInvalidArgument naming file and line for a malformed row.
std::vector<UserItemRow> read_user_items(const std::filesystem::path& path);
void write_user_items(const std::filesystem::path& path, const std::vector<UserItemRow>& rows);

/// Per user, a random `fraction` of their items (at least one, if they have two or more) goes
/// to test, the rest to train. Deterministic for a seed.
void split_per_user(const std::vector<UserItemRow>& rows, double fraction, uint64_t seed,
                    std::vector<UserItemRow>* train, std::vector<UserItemRow>* test);

/// Dense ids for users and items, shared by a train and a test file.
struct IdMap {
  std::unordered_map<std::string, int32_t> users, items;
  int32_t user(const std::string& u);
  int32_t item(const std::string& i);
};

}  // namespace muse::cf
