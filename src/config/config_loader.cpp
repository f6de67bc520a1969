#include "config/config_loader.h"
#include "config/quoted.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <map>
#include <sstream>
#include <system_error>
#include <utility>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "classify/category_table.h"
#include "config/byte_size.h"
#include "config/duration.h"
#include "config/yaml_reader.h"
#include "parse/format.h"
#include "sources/source_factory.h"

namespace sdx {
namespace {

constexpr std::array<std::string_view, 10> kTopKeys = {"state_file",
                                                       "labels",
                                                       "max_label_sets",
                                                       "checkpoint_interval",
                                                       "checkpoint_min_interval",
                                                       "poll_interval",
                                                       "max_line_bytes",
                                                       "sources",
                                                       "categories",
                                                       "codes"};
constexpr std::array<std::string_view, 7> kCodeKeys = {
    "errcode", "sub_errcode", "category", "reason", "message_en", "message_zh", "aliases"};

constexpr uint64_t kMinLineBytes = 1024;
constexpr uint64_t kMaxLineBytes = uint64_t{1} << 30;

std::string line_of(const YAML::Mark& mark) { return "line " + std::to_string(mark.line + 1); }

// [a-z][a-z0-9]*(_[a-z0-9]+)* by hand: std::regex recurses once per character
// and overflowed the stack on a reason of some 50 KB.
bool is_slug(std::string_view text) {
  if (text.empty() || text.front() < 'a' || text.front() > 'z' || text.back() == '_') return false;
  char previous = '\0';
  for (char c : text) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (c != '_' || previous == '_')) return false;
    previous = c;
  }
  return true;
}

// Sees only where each document starts.
class DocumentStarts final : public YAML::EventHandler {
 public:
  YAML::Mark start;
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp 0.7's LoadAll never returns on a token no document can start with
// (a stray "," at the top level): it adds empty documents without consuming
// it until memory runs out. Walk the documents without building them first;
// one that starts where the previous one did means the parser is stuck.
void refuse_stuck_stream(std::string_view yaml, const YamlReader& reader) {
  std::istringstream in{std::string(yaml)};
  YAML::Parser parser(in);
  DocumentStarts starts;
  int previous = -1;
  while (parser.HandleNextDocument(starts)) {
    const int pos = starts.start.pos;
    if (pos == previous) {
      const bool shown =
          pos >= 0 && static_cast<size_t>(pos) < yaml.size() && yaml[pos] > ' ' && yaml[pos] < 0x7f;
      reader.fail(starts.start, "invalid YAML: unexpected " +
                                    (shown ? quoted(yaml.substr(pos, 1)) : "character"));
    }
    previous = pos;
  }
}

// yaml-cpp's structure errors name the token, not the cause, which is
// nearly always indentation: say so, and name a tab-indented line if one is
// at or before the error (YAML indents with spaces only).
std::string indentation_hint(std::string_view message, std::string_view yaml,
                             const YAML::Mark& mark) {
  constexpr std::array<std::string_view, 7> kStructureErrors = {
      "end of map not found",
      "end of sequence not found",
      "illegal block entry",
      "illegal map value",
      "illegal tab",
      "block sequence entries are not allowed",
      "end of map flow not found"};
  bool structure = false;
  for (std::string_view known : kStructureErrors) {
    structure = structure || message.find(known) != std::string_view::npos;
  }
  if (!structure || mark.is_null()) return "";
  int line = 1;
  for (size_t start = 0; start < yaml.size() && line <= mark.line + 1; ++line) {
    size_t end = yaml.find('\n', start);
    if (end == std::string_view::npos) end = yaml.size();
    const std::string_view text = yaml.substr(start, end - start);
    const size_t indent = text.find_first_not_of(" \t");
    if (text.substr(0, indent).find('\t') != std::string_view::npos) {
      return " (line " + std::to_string(line) +
             " is indented with a tab: YAML indents with spaces only)";
    }
    start = end + 1;
  }
  return " (check the indentation of line " + std::to_string(mark.line + 1) +
         " against the lines above it: the keys of one map start in the same column, each list "
         "item starts with \"- \" in the same column, and tabs are not allowed)";
}

// Only the first document is the config; a second one is a mistake (often a
// stray "---"), not something to ignore.
YAML::Node parse_document(std::string_view yaml, const YamlReader& reader) {
  std::vector<YAML::Node> documents;
  try {
    refuse_stuck_stream(yaml, reader);
    documents = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::Exception& e) {
    reader.fail(e.mark, "invalid YAML: " + e.msg + indentation_hint(e.msg, yaml, e.mark));
  }
  if (documents.empty() || documents.front().IsNull()) {
    reader.fail(YAML::Mark(), "the config is empty: it needs at least a \"sources\" list");
  }
  for (size_t i = 1; i < documents.size(); ++i) {
    if (!documents[i].IsNull()) {
      reader.fail(documents[i].Mark(), "a config file holds one YAML document; found another");
    }
  }
  return documents.front();
}

std::vector<Dimension> read_labels(const YamlReader& reader, const Value& value) {
  std::vector<Dimension> labels;
  for (const Value& item : reader.list(value)) {
    const std::string name = reader.string(item);
    const std::optional<Dimension> dimension = dimension_from_name(name);
    if (!dimension) {
      std::string expected;
      for (size_t i = 0; i < kDimensionCount; ++i) {
        expected += (i == 0 ? "" : ", ") + std::string(dimension_name(static_cast<Dimension>(i)));
      }
      reader.fail(item, "unknown label " + quoted(name) +
                            " in \"labels\" (expected one of: " + expected + ")");
    }
    for (Dimension seen : labels) {
      if (seen == *dimension) {
        reader.fail(item, "label " + quoted(name) + " is listed twice in \"labels\"");
      }
    }
    labels.push_back(*dimension);
  }
  return labels;
}

std::chrono::milliseconds read_duration(const YamlReader& reader, const Value& value) {
  if (value.node.IsNull()) reader.fail(value, value.what + " has no value");
  // A bare number is accepted as a scalar here so the message says "no unit".
  if (!value.node.IsScalar()) {
    reader.fail(value,
                value.what + " must be a duration like \"5s\", got " + reader.describe(value));
  }
  std::string error;
  const auto duration = parse_duration(value.node.Scalar(), error);
  if (!duration) reader.fail(value, "invalid " + value.what + ": " + error);
  return *duration;
}

constexpr std::chrono::milliseconds kMinCheckpoint{100};
constexpr std::chrono::milliseconds kMinPoll{10};
constexpr std::chrono::milliseconds kMaxInterval{std::chrono::hours(24)};

std::chrono::milliseconds read_bounded_duration(const YamlReader& reader, const Value& value,
                                                std::chrono::milliseconds min,
                                                std::chrono::milliseconds max) {
  const std::chrono::milliseconds duration = read_duration(reader, value);
  if (duration < min || duration > max) {
    reader.fail(value, value.what + " must be between " + std::to_string(min.count()) +
                           "ms and 24h, got " + value.node.Scalar());
  }
  return duration;
}

size_t read_max_line_bytes(const YamlReader& reader, const Value& value) {
  if (value.node.IsNull()) reader.fail(value, value.what + " has no value");
  if (!value.node.IsScalar()) {
    reader.fail(value, value.what + " must be a size like \"1MiB\", got " + reader.describe(value));
  }
  std::string error;
  const auto bytes = parse_byte_size(value.node.Scalar(), error);
  if (!bytes) reader.fail(value, "invalid " + value.what + ": " + error);
  if (*bytes < kMinLineBytes || *bytes > kMaxLineBytes) {
    reader.fail(value,
                value.what + " must be between 1KiB (1024) and 1GiB, got " + value.node.Scalar());
  }
  return static_cast<size_t>(*bytes);
}

// How messages name a source before its keys are checked: by its name when it
// has a usable one, else by its position in the list.
std::string source_label(const YAML::Node& node, size_t index) {
  if (node.IsMap()) {
    for (const auto& pair : node) {
      const YAML::Node key = pair.first;
      const YAML::Node value = pair.second;
      if (key.IsScalar() && key.Scalar() == "name" && value.IsScalar() && !value.Scalar().empty()) {
        return "source " + quoted(value.Scalar());
      }
    }
  }
  return "source #" + std::to_string(index + 1);
}

std::string expected_names(const auto& factories, auto name_of) {
  std::string out;
  for (const auto& factory : factories)
    out += (out.empty() ? "" : ", ") + std::string(name_of(factory));
  return out;
}

// Reads one source: the common keys here, then its type's and its format's
// keys through their factories (each checks only what it owns).
std::optional<SourceConfig> read_source(const YamlReader& reader, const Value& item,
                                        const std::string& label,
                                        std::map<std::string, YAML::Mark>& names) {
  const MapFields fields = reader.fields(item, "in " + label);
  SourceConfig source;
  bool usable = true;
  reader.attempt([&] {
    const Value& name = fields.require("name");
    source.name = reader.string(name);
    if (source.name.empty()) reader.fail(name, name.what + " cannot be empty");
    const auto [first, inserted] = names.emplace(source.name, name.mark);
    if (!inserted) {
      reader.fail(name, "duplicate source name " + quoted(source.name) + " (first defined at " +
                            line_of(first->second) + ")");
    }
  });
  const SourceFactory* type = nullptr;
  if (!reader.attempt([&] {
        const Value& value = fields.require("type");
        source.type = reader.string(value);
        type = find_source_type(source.type);
        if (type == nullptr) {
          reader.fail(value,
                      "unknown source type " + quoted(source.type) + " in " + label +
                          " (expected one of: " +
                          expected_names(source_factories(), [](const auto& f) { return f.type; }) +
                          ")");
        }
      })) {
    return std::nullopt;  // without a type its other keys cannot be judged
  }
  const FormatFactory* format = find_format(type->default_format);
  source.format = std::string(type->default_format);
  if (const Value* value = fields.find("format")) {
    usable &= reader.attempt([&] {
      source.format = reader.string(*value);
      format = find_format(source.format);
      if (format == nullptr) {
        reader.fail(*value,
                    "unknown source format " + quoted(source.format) + " in " + label +
                        " (expected one of: " +
                        expected_names(format_factories(), [](const auto& f) { return f.name; }) +
                        ")");
      }
    });
  }
  std::vector<std::string_view> allowed = {"name", "type", "format"};
  allowed.insert(allowed.end(), type->keys.begin(), type->keys.end());
  if (format != nullptr) allowed.insert(allowed.end(), format->keys.begin(), format->keys.end());
  usable &= reader.attempt([&] { fields.refuse_unknown(allowed); });

  const size_t errors_before = reader.errors().size();
  source.spec = type->read(reader, fields);
  if (format != nullptr) source.format_spec = format->read(reader, fields);
  usable &= reader.errors().size() == errors_before && source.spec && source.format_spec;
  if (!usable) return std::nullopt;
  return source;
}

std::vector<SourceConfig> read_sources(const YamlReader& reader, const Value& value) {
  if (!value.node.IsNull() && !value.node.IsSequence()) {
    reader.fail(value, value.what + " must be a list of sources, got " + reader.describe(value));
  }
  const std::vector<Value> items = reader.list(value);
  if (items.empty()) reader.fail(value, value.what + " must list at least one source");

  std::vector<SourceConfig> sources;
  std::map<std::string, YAML::Mark> names;  // name -> where it was first defined
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string label = source_label(items[i].node, i);
    const Value item{items[i].node, label, items[i].mark};
    reader.attempt([&] {
      if (auto source = read_source(reader, item, label, names)) {
        sources.push_back(std::move(*source));
      }
    });
  }
  return sources;
}

std::optional<std::string> optional_string(const YamlReader& reader, const MapFields& fields,
                                           std::string_view key) {
  const Value* value = fields.find(key);
  if (value == nullptr) return std::nullopt;
  return reader.string(*value);
}

std::vector<std::string> read_categories(const YamlReader& reader, const Value& value) {
  std::vector<std::string> declared;
  CategoryTable table;
  for (const Value& item : reader.list(value)) {
    reader.attempt([&] {
      const std::string name = reader.string(item);
      if (!is_slug(name)) {
        reader.fail(item,
                    "category " + quoted(name) + " must be a snake_case slug like \"transcoding\"");
      }
      if (category_from_name(name)) {
        reader.fail(item, "category " + quoted(name) + " is built in; declare only new ones");
      }
      if (!table.declare(name)) {
        reader.fail(item, table.find(name) ? "category " + quoted(name) + " is declared twice"
                                           : "too many declared categories (at most " +
                                                 std::to_string(CategoryTable::kMaxDeclared) + ")");
      }
      declared.push_back(name);
    });
  }
  return declared;
}

CodeEntry read_code(const YamlReader& reader, const Value& item, const CategoryTable& categories) {
  const MapFields fields = reader.fields(item, "in " + item.what);
  fields.refuse_unknown(kCodeKeys);
  CodeEntry entry;
  entry.errcode = reader.integer(fields.require("errcode"));
  if (const Value* sub = fields.find("sub_errcode")) entry.sub_errcode = reader.integer(*sub);

  const Value& category = fields.require("category");
  const std::string category_text = reader.string(category);
  const std::optional<Category> parsed = categories.find(category_text);
  if (!parsed) {
    reader.fail(category, "unknown category " + quoted(category_text) + " in " + item.what +
                              " (expected one of: " + categories.joined_names() +
                              "; declare new ones under \"categories\")");
  }
  entry.category = *parsed;

  // The reason becomes a label value dashboards filter on: keep it a slug.
  const Value& reason = fields.require("reason");
  entry.reason = reader.string(reason);
  if (!is_slug(entry.reason)) {
    reader.fail(reason, reason.what + " must be a snake_case slug like \"bad_codec\", got " +
                            quoted(entry.reason));
  }
  entry.message_en = optional_string(reader, fields, "message_en").value_or("");
  entry.message_zh = optional_string(reader, fields, "message_zh").value_or("");
  if (const Value* aliases = fields.find("aliases")) {
    for (const Value& alias : reader.list(*aliases)) {
      entry.message_aliases.push_back(reader.string(alias));
      if (entry.message_aliases.back().empty()) reader.fail(alias, alias.what + " is empty");
    }
  }
  return entry;
}

std::vector<CodeEntry> read_codes(const YamlReader& reader, const Value& value,
                                  const CategoryTable& categories) {
  std::vector<CodeEntry> codes;
  std::map<std::pair<int64_t, int64_t>, YAML::Mark> seen;  // code -> where first defined
  const std::vector<Value> items = reader.list(value);
  for (size_t i = 0; i < items.size(); ++i) {
    const Value item{items[i].node, "codes entry #" + std::to_string(i + 1), items[i].mark};
    reader.attempt([&] {
      CodeEntry entry = read_code(reader, item, categories);
      const auto [first, inserted] =
          seen.emplace(std::pair{entry.errcode, entry.sub_errcode}, item.mark);
      if (!inserted) {
        reader.fail(item, "code " + std::to_string(entry.errcode) + "/" +
                              std::to_string(entry.sub_errcode) +
                              " is listed twice in \"codes\" (first at " + line_of(first->second) +
                              ")");
      }
      codes.push_back(std::move(entry));
    });
  }
  return codes;
}

}  // namespace

ConfigError::ConfigError(std::string file, int line, int column, std::string reason)
    : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                         reason),
      file_(std::move(file)),
      line_(line),
      column_(column),
      reason_(std::move(reason)) {}

ConfigErrors::ConfigErrors(std::vector<ConfigError> errors)
    : std::runtime_error([&errors] {
        std::string text;
        for (const auto& e : errors) text += (text.empty() ? "" : "\n") + std::string(e.what());
        return text;
      }()),
      errors_(std::move(errors)) {}

Config load_config_string(std::string_view yaml, const std::string& file_name) {
  const YamlReader reader(file_name);
  Config config;
  config.path = file_name;
  reader.attempt([&] {
    const YAML::Node root = parse_document(yaml, reader);
    const Value top_value{root, "the config", root.Mark()};
    if (!root.IsMap()) {
      reader.fail(top_value,
                  "the config must be a map of settings (sources, state_file, ...), got " +
                      reader.describe(top_value));
    }
    const MapFields top = reader.fields(top_value, "");
    reader.attempt([&] { top.refuse_unknown(kTopKeys); });
    auto read = [&](std::string_view key, auto&& apply) {
      if (const Value* value = top.find(key)) reader.attempt([&] { apply(*value); });
    };
    read("state_file", [&](const Value& v) { config.state_file = reader.string(v); });
    read("labels", [&](const Value& v) { config.labels = read_labels(reader, v); });
    read("max_label_sets", [&](const Value& v) {
      const int64_t max = reader.integer(v);
      if (max < 1) reader.fail(v, v.what + " must be at least 1, got " + std::to_string(max));
      config.max_label_sets = static_cast<size_t>(max);
    });
    // Bounded so the clock arithmetic cannot overflow and a typo cannot
    // silently stop checkpoints or polling.
    read("checkpoint_interval", [&](const Value& v) {
      config.checkpoint_interval = read_bounded_duration(reader, v, kMinCheckpoint, kMaxInterval);
    });
    read("checkpoint_min_interval", [&](const Value& v) {
      config.checkpoint_min_interval =
          read_bounded_duration(reader, v, std::chrono::milliseconds(0), kMaxInterval);
    });
    read("poll_interval", [&](const Value& v) {
      config.poll_interval = read_bounded_duration(reader, v, kMinPoll, kMaxInterval);
    });
    read("max_line_bytes",
         [&](const Value& v) { config.max_line_bytes = read_max_line_bytes(reader, v); });
    reader.attempt([&] { config.sources = read_sources(reader, top.require("sources")); });
    read("categories", [&](const Value& v) { config.categories = read_categories(reader, v); });
    CategoryTable categories;
    for (const auto& name : config.categories) categories.declare(name);
    read("codes", [&](const Value& v) { config.codes = read_codes(reader, v, categories); });
  });
  if (!reader.errors().empty()) {
    std::vector<ConfigError> errors = reader.errors();
    std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) {
      return std::pair(a.line(), a.column()) < std::pair(b.line(), b.column());
    });
    throw ConfigErrors(std::move(errors));
  }
  return config;
}

Config load_config_file(const std::string& path) {
  auto cannot_read = [&path](int error) {
    return ConfigReadError("cannot read config file " + path + ": " +
                           std::error_code(error, std::generic_category()).message());
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw cannot_read(errno);
  std::string content;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      throw cannot_read(error);
    }
    content.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return load_config_string(content, path);
}

}  // namespace sdx
