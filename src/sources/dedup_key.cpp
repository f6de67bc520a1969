#include "sources/dedup_key.h"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

#include "parse/line_parser.h"

namespace sdx {
namespace {

static_assert(kLinePadding >= simdjson::SIMDJSON_PADDING);

constexpr std::array<std::string_view, 5> kSessionFields = {"sequence", "event_type", "stream_id",
                                                            "event_time", "errcode"};

void append_member(std::string& out, std::string_view name, simdjson::dom::element value) {
  out += name;
  out += '=';
  out += simdjson::minify(value);
  out += '\n';
}

}  // namespace

std::optional<std::string> dedup_key_text(simdjson::dom::element body) {
  simdjson::dom::object object;
  if (body.get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
  std::string text;
  simdjson::dom::element value;
  if (object.at_key("sequence").get(value) == simdjson::SUCCESS) {
    text = "session\n";
    for (std::string_view name : kSessionFields) {
      if (object.at_key(name).get(value) == simdjson::SUCCESS) append_member(text, name, value);
    }
    return text;
  }
  text = "body\n";
  for (auto [name, member] : object) {
    if (name == "t" || name == "sign") continue;
    append_member(text, name, member);
  }
  return text;
}

uint64_t dedup_key_hash(std::string_view key_text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(key_text.data(), key_text.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("sha256 failed (libcrypto)");
  }
  uint64_t hash = 0;
  for (int i = 0; i < 8; ++i) hash = (hash << 8) | digest[i];
  return hash;
}

std::optional<uint64_t> DedupKeyer::key(std::string_view body) {
  simdjson::dom::element root;
  if (parser_.parse(body.data(), body.size(), false).get(root) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  std::optional<std::string> text = dedup_key_text(root);
  if (!text) return std::nullopt;
  return dedup_key_hash(*text);
}

}  // namespace sdx
