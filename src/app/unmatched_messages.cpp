#include "app/unmatched_messages.h"

#include <spdlog/spdlog.h>

namespace sdx {
namespace {

constexpr size_t kMaxLoggedBytes = 240;

// Readable (Chinese included), one line, bounded, cut on a UTF-8 boundary.
std::string printable(std::string_view text) {
  if (text.size() > kMaxLoggedBytes) {
    size_t cut = kMaxLoggedBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out += byte < 0x20 || byte == 0x7F ? ' ' : (c == '"' ? '\'' : c);
  }
  return out;
}

}  // namespace

bool UnmatchedMessages::note(std::string_view source, std::string_view message) {
  // Keys are bounded too: texts differing only past this point count as one.
  std::string key(message.substr(0, 2 * kMaxLoggedBytes));
  if (seen_.size() >= max_texts_) {
    if (!seen_.contains(key) && !cap_logged_) {
      spdlog::warn("source={} more than {} distinct unmatched messages: no longer logging new ones",
                   source, max_texts_);
      cap_logged_ = true;
    }
    return false;
  }
  if (!seen_.insert(std::move(key)).second) return false;
  spdlog::warn(
      "source={} message matches no code table row (counted as unknown/unmatched_message; "
      "please report this wording): \"{}\"",
      source, printable(message));
  return true;
}

}  // namespace sdx
