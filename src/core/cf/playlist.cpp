#include "cf/playlist.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "catalog/csv_reader.h"
#include "catalog/input_stream.h"
#include "util/error.h"
#include "util/text.h"

namespace muse::cf {
namespace {

using nlohmann::json;

void push_unique(std::vector<std::string>& v, std::unordered_set<std::string>& seen, std::string s,
                 size_t* dups) {
  if (s.empty()) return;
  if (seen.insert(s).second) {
    v.push_back(std::move(s));
  } else if (dups) {
    ++*dups;
  }
}

/// A JSON scalar id as text ("123" for 123).
std::string id_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  throw std::invalid_argument("ids must be strings or integers");
}

std::vector<std::string> id_list(const json& obj, std::initializer_list<const char*> keys,
                                 bool required) {
  for (const char* k : keys) {
    auto it = obj.find(k);
    if (it == obj.end() || it->is_null()) continue;
    if (!it->is_array()) throw std::invalid_argument(std::string("\"") + k + "\" must be an array");
    std::vector<std::string> out;
    for (const auto& v : *it) out.push_back(id_text(v));
    return out;
  }
  if (required) throw std::invalid_argument(std::string("missing \"") + *keys.begin() + "\"");
  return {};
}

std::string text_field(const json& obj, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    auto it = obj.find(k);
    if (it != obj.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

bool playlist_from_json(const json& o, Playlist* p, size_t* dups, std::string* err) {
  try {
    if (!o.is_object()) throw std::invalid_argument("expected a JSON object");
    auto idit = o.find("id");
    if (idit == o.end()) throw std::invalid_argument("missing \"id\"");
    p->id = id_text(*idit);
    p->title = text_field(o, {"plylst_title", "name", "title"});
    std::unordered_set<std::string> seen_t, seen_g;
    // A continuation query line ({"seeds", "hidden"}) reads as the whole playlist it came from.
    auto songs = o.contains("songs") || o.contains("tracks") || !o.contains("seeds")
                     ? id_list(o, {"songs", "tracks"}, true)
                     : id_list(o, {"seeds"}, true);
    if (!o.contains("songs") && !o.contains("tracks") && o.contains("seeds"))
      for (auto& h : id_list(o, {"hidden"}, false)) songs.push_back(std::move(h));
    for (auto& t : songs) push_unique(p->tracks, seen_t, std::move(t), dups);
    for (auto& g : id_list(o, {"tags"}, false))
      push_unique(p->tags, seen_g, std::string(trim(g)), nullptr);
    if (!is_valid_utf8(p->title)) throw std::invalid_argument("title is not valid UTF-8");
    return true;
  } catch (const std::exception& e) {
    *err = e.what();
    return false;
  }
}

template <class F>
void for_each_json_record(const std::string& data, const std::string& name, PlaylistReport* rep,
                          F on_obj) {
  size_t start = data.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (start != std::string::npos && data[start] == '[') {
    json arr;
    try {
      arr = json::parse(data);
    } catch (const json::parse_error& e) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "{}: not valid JSON (byte {}): {}", name, e.byte,
                 e.what());
    }
    size_t i = 0;
    for (const auto& o : arr) on_obj(o, ++i);  // "line" = position in the array
    return;
  }
  size_t line = 0, pos = 0;
  while (pos <= data.size()) {
    size_t nl = data.find('\n', pos);
    std::string_view l(data.data() + pos, (nl == std::string::npos ? data.size() : nl) - pos);
    ++line;
    pos = nl == std::string::npos ? data.size() + 1 : nl + 1;
    if (trim(l).empty()) continue;
    ++rep->records;
    json o;
    try {
      o = json::parse(l);
    } catch (const json::parse_error& e) {
      ++rep->skipped;
      rep->add(name, line, fmt::format("malformed JSON: {}", e.what()));
      continue;
    }
    on_obj(o, line);
  }
}

std::vector<Playlist> parse_csv(const std::string& data, const std::string& name,
                                PlaylistReport* rep) {
  catalog::CsvReader reader(catalog::InputStream::from_string(data, name));
  catalog::CsvRecord rec;
  if (!reader.next(rec)) return {};
  catalog::CsvHeader h(rec.fields);
  int c_id = h.find("playlist_id"), c_name = h.find("playlist_name"),
      c_genre = h.find("playlist_genre"), c_sub = h.find("playlist_subgenre"),
      c_track = h.find("track_id");
  if (c_id < 0 || c_track < 0) {
    MUSE_THROW(ErrorCode::kInvalidArgument,
               "{}: unknown playlist layout (need playlist_id and track_id columns, or JSON)",
               name);
  }
  std::vector<Playlist> out;
  std::unordered_map<std::string, size_t> pos;
  std::vector<std::unordered_set<std::string>> seen_t, seen_g;
  auto field = [&](int c) -> std::string {
    return c >= 0 && c < static_cast<int>(rec.fields.size()) ? rec.fields[c] : "";
  };
  while (reader.next(rec)) {
    ++rep->records;
    if (!rec.error.empty() || rec.fields.size() < h.size()) {
      ++rep->skipped;
      rep->add(name, rec.line,
               rec.error.empty()
                   ? fmt::format("{} fields, expected {}", rec.fields.size(), h.size())
                   : rec.error);
      continue;
    }
    std::string id(trim(field(c_id))), track(trim(field(c_track)));
    if (id.empty() || track.empty()) {
      ++rep->skipped;
      rep->add(name, rec.line, "empty playlist_id or track_id");
      continue;
    }
    auto [it, fresh] = pos.emplace(id, out.size());
    if (fresh) {
      out.push_back({id, field(c_name), {}, {}});
      seen_t.emplace_back();
      seen_g.emplace_back();
    }
    size_t k = it->second;
    push_unique(out[k].tags, seen_g[k], std::string(trim(field(c_genre))), nullptr);
    push_unique(out[k].tags, seen_g[k], std::string(trim(field(c_sub))), nullptr);
    push_unique(out[k].tracks, seen_t[k], track, &rep->duplicate_tracks);
  }
  return out;
}

}  // namespace

void PlaylistReport::add(const std::string& file, size_t line, std::string reason) {
  if (issues.size() < 1000) issues.push_back({file, line, std::move(reason)});
}

std::vector<Playlist> parse_playlists(const std::string& data, const std::string& name,
                                      PlaylistReport* rep) {
  PlaylistReport local;
  if (!rep) rep = &local;
  size_t start = data.find_first_not_of(" \t\r\n");
  std::vector<Playlist> out;
  if (start != std::string::npos && (data[start] == '[' || data[start] == '{')) {
    std::unordered_set<std::string> ids;
    for_each_json_record(data, name, rep, [&](const json& o, size_t line) {
      if (data[start] == '[') ++rep->records;
      Playlist p;
      std::string err;
      if (!playlist_from_json(o, &p, &rep->duplicate_tracks, &err)) {
        ++rep->skipped;
        rep->add(name, line, err);
        return;
      }
      if (!ids.insert(p.id).second) {
        ++rep->skipped;
        rep->add(name, line, fmt::format("duplicate playlist id '{}'", p.id));
        return;
      }
      out.push_back(std::move(p));
    });
  } else {
    out = parse_csv(data, name, rep);
  }
  std::vector<Playlist> kept;
  for (auto& p : out) {
    if (p.tracks.empty()) {
      ++rep->empty;
      rep->add(name, 0, fmt::format("playlist '{}' has no songs; skipped", p.id));
      continue;
    }
    kept.push_back(std::move(p));
  }
  return kept;
}

std::vector<Playlist> read_playlists(const std::filesystem::path& path, PlaylistReport* report) {
  return parse_playlists(catalog::read_all(path), path.string(), report);
}

void write_playlists_jsonl(const std::filesystem::path& path,
                           const std::vector<Playlist>& playlists) {
  std::ofstream out(path);
  if (!out) MUSE_THROW(ErrorCode::kInvalidArgument, "cannot write {}", path.string());
  for (const auto& p : playlists)
    out << json{{"id", p.id}, {"plylst_title", p.title}, {"tags", p.tags}, {"songs", p.tracks}}
               .dump()
        << "\n";
}

std::vector<ContinuationCase> read_cases(const std::filesystem::path& path, PlaylistReport* rep) {
  PlaylistReport local;
  if (!rep) rep = &local;
  std::string data = catalog::read_all(path);
  std::vector<ContinuationCase> out;
  for_each_json_record(data, path.string(), rep, [&](const json& o, size_t line) {
    try {
      if (!o.is_object()) throw std::invalid_argument("expected a JSON object");
      ContinuationCase c;
      c.line = line;
      auto idit = o.find("id");
      c.id = idit == o.end() ? std::to_string(line) : id_text(*idit);
      c.name = text_field(o, {"name", "plylst_title", "title"});
      c.seeds = id_list(o, {"seeds"}, true);
      c.hidden = id_list(o, {"hidden"}, true);
      c.tags = id_list(o, {"tags"}, false);
      out.push_back(std::move(c));
    } catch (const std::exception& e) {
      ++rep->skipped;
      rep->add(path.string(), line, e.what());
    }
  });
  return out;
}

void write_cases_jsonl(const std::filesystem::path& path,
                       const std::vector<ContinuationCase>& cases) {
  std::ofstream out(path);
  if (!out) MUSE_THROW(ErrorCode::kInvalidArgument, "cannot write {}", path.string());
  for (const auto& c : cases)
    out << json{{"id", c.id},
                {"name", c.name},
                {"seeds", c.seeds},
                {"hidden", c.hidden},
                {"tags", c.tags}}
               .dump()
        << "\n";
}

}  // namespace muse::cf
