#include "metrics/text_writer.h"

#include <charconv>

namespace sdx {

void TextWriter::family(std::string_view name, std::string_view help, std::string_view type) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += help;  // our own constant text: nothing to escape
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void TextWriter::begin_sample(std::string_view name) {
  out_ += name;
  first_label_ = true;
}

void TextWriter::label(std::string_view name, std::string_view value) {
  out_ += first_label_ ? '{' : ',';
  first_label_ = false;
  out_ += name;
  out_ += "=\"";
  for (char c : value) {
    switch (c) {
      case '\\':
        out_ += "\\\\";
        break;
      case '"':
        out_ += "\\\"";
        break;
      case '\n':
        out_ += "\\n";
        break;
      default:
        out_ += c;
    }
  }
  out_ += '"';
}

void TextWriter::end_sample(uint64_t value) {
  if (!first_label_) out_ += '}';
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out_ += ' ';
  out_.append(digits, end);
  out_ += '\n';
  maybe_flush();
}

void TextWriter::end_sample_millis(uint64_t millis) {
  if (!first_label_) out_ += '}';
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, millis / 1000);
  out_ += ' ';
  out_.append(digits, end);
  const auto fraction = static_cast<unsigned>(millis % 1000);
  if (fraction != 0) {
    out_ += '.';
    out_ += static_cast<char>('0' + fraction / 100);
    out_ += static_cast<char>('0' + fraction / 10 % 10);
    out_ += static_cast<char>('0' + fraction % 10);
  }
  out_ += '\n';
  maybe_flush();
}

}  // namespace sdx
