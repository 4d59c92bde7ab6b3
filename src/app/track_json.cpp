#include "app/track_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace muse {

void append_json_string(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;  // copy plain bytes in runs
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

namespace {
void append_strings(std::string& out, const std::vector<std::string>& v) {
  out.push_back('[');
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(out, v[i]);
  }
  out.push_back(']');
}

void append_float(std::string& out, float v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  std::string_view txt(buf, r.ptr - buf);
  out.append(txt);
  // nlohmann prints integral doubles with ".0"; keep the value a JSON float the same way.
  if (txt.find_first_of(".eE") == std::string_view::npos && txt.find_first_of("ni") == std::string_view::npos) {
    out += ".0";
  }
}
}  // namespace

void append_track_json(std::string& out, const catalog::Track& t, std::string_view extra_fields) {
  // Keys in the order nlohmann prints them (sorted), so both paths produce identical text.
  out += "{\"album\":";
  append_json_string(out, t.album);
  if (!t.album_id.empty()) {
    out += ",\"album_id\":";
    append_json_string(out, t.album_id);
  }
  out += ",\"artists\":";
  append_strings(out, t.artists);
  if (t.explicit_ >= 0) out += t.explicit_ == 1 ? ",\"explicit\":true" : ",\"explicit\":false";
  out += ",\"features\":{";
  // Feature names sorted alphabetically, as nlohmann's object prints them.
  static const std::vector<int> order = [] {
    std::vector<int> idx(catalog::kNumFeatures);
    for (int i = 0; i < catalog::kNumFeatures; ++i) idx[i] = i;
    std::sort(idx.begin(), idx.end(), [](int a, int b) {
      return std::string_view(catalog::feature_name(static_cast<catalog::Feature>(a))) <
             std::string_view(catalog::feature_name(static_cast<catalog::Feature>(b)));
    });
    return idx;
  }();
  bool first = true;
  for (int i : order) {
    float v = t.features[i];
    if (std::isnan(v)) continue;
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    out += catalog::feature_name(static_cast<catalog::Feature>(i));
    out += "\":";
    append_float(out, v);
  }
  out += "},\"genres\":";
  append_strings(out, t.genres);
  out += ",\"name\":";
  append_json_string(out, t.name);
  out += ",\"popularity\":";
  out += std::to_string(t.popularity);
  if (!t.release_date.empty()) {
    out += ",\"release_date\":";
    append_json_string(out, t.release_date);
  }
  out += extra_fields;
  out += ",\"track_id\":";
  append_json_string(out, t.id);
  out.push_back('}');
}

void append_recommendation_json(std::string& out, const catalog::Track& t, const recommend::Recommendation& r) {
  // "reason" and "score" sort between "release_date" and "track_id".
  std::string extra = ",\"reason\":";
  append_json_string(extra, r.reason);
  extra += ",\"score\":";
  append_float(extra, r.score);
  append_track_json(out, t, extra);
}

}  // namespace muse
