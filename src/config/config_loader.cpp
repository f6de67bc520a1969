#include "config/config_loader.h"
#include "config/quoted.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <map>
#include <sstream>
#include <system_error>
#include <utility>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "config/byte_size.h"
#include "config/duration.h"
#include "config/yaml_reader.h"

namespace sdx {
namespace {

constexpr std::array<std::string_view, 8> kTopKeys = {
    "state_file",    "labels",         "max_label_sets", "checkpoint_interval",
    "poll_interval", "max_line_bytes", "sources",        "codes"};
constexpr std::array<std::string_view, 5> kFileSourceKeys = {"name", "type", "format", "paths",
                                                             "start_at"};
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

// Only the first document is the config; a second one is a mistake (often a
// stray "---"), not something to ignore.
YAML::Node parse_document(std::string_view yaml, const YamlReader& reader) {
  std::vector<YAML::Node> documents;
  try {
    refuse_stuck_stream(yaml, reader);
    documents = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::Exception& e) {
    reader.fail(e.mark, "invalid YAML: " + e.msg);
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

SourceType read_source_type(const YamlReader& reader, const Value& value,
                            const std::string& label) {
  const std::string type = reader.string(value);
  if (type == "file") return SourceType::file;
  if (type == "webhook" || type == "tencent_api") {
    reader.fail(value, "source type " + quoted(type) +
                           " is not supported by this version yet (supported: file)");
  }
  reader.fail(value, "unknown source type " + quoted(type) + " in " + label + " (expected: file)");
}

SourceFormat read_source_format(const YamlReader& reader, const Value& value,
                                const std::string& label) {
  const std::string format = reader.string(value);
  if (format == "tencent_callback") return SourceFormat::tencent_callback;
  if (format == "json" || format == "regex") {
    reader.fail(value, "source format " + quoted(format) +
                           " is not supported by this version yet (supported: tencent_callback)");
  }
  reader.fail(value, "unknown source format " + quoted(format) + " in " + label +
                         " (expected: tencent_callback)");
}

std::vector<std::string> read_paths(const YamlReader& reader, const Value& value) {
  std::vector<std::string> paths;
  auto add = [&](const Value& item) {
    std::string path = reader.string(item);
    if (path.empty()) reader.fail(item, item.what + " is an empty path");
    paths.push_back(std::move(path));
  };
  // One path may be written without the list.
  if (value.node.IsScalar() && reader.kind(value) == ScalarKind::string) {
    add(value);
    return paths;
  }
  if (!value.node.IsSequence()) {
    reader.fail(value, value.what + " must be a list of paths, got " + reader.describe(value));
  }
  for (const Value& item : reader.list(value)) add(item);
  if (paths.empty()) reader.fail(value, value.what + " must list at least one path");
  return paths;
}

StartAt read_start_at(const YamlReader& reader, const Value& value) {
  const std::string start_at = reader.string(value);
  if (start_at == "beginning") return StartAt::beginning;
  if (start_at == "end") return StartAt::end;
  reader.fail(value, value.what + " must be \"beginning\" or \"end\", got " + quoted(start_at));
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
    const MapFields fields = reader.fields(item, "in " + label);
    SourceConfig source;
    // The type decides which keys are valid, so an unsupported type is
    // reported before its keys look unknown.
    if (const Value* type = fields.find("type")) {
      source.type = read_source_type(reader, *type, label);
    }
    fields.refuse_unknown(kFileSourceKeys);

    const Value& name = fields.require("name");
    source.name = reader.string(name);
    if (source.name.empty()) reader.fail(name, name.what + " cannot be empty");
    const auto [first, inserted] = names.emplace(source.name, name.mark);
    if (!inserted) {
      reader.fail(name, "duplicate source name " + quoted(source.name) + " (first defined at " +
                            line_of(first->second) + ")");
    }
    fields.require("type");
    if (const Value* format = fields.find("format")) {
      source.format = read_source_format(reader, *format, label);
    }
    source.paths = read_paths(reader, fields.require("paths"));
    if (const Value* start_at = fields.find("start_at")) {
      source.start_at = read_start_at(reader, *start_at);
    }
    sources.push_back(std::move(source));
  }
  return sources;
}

std::optional<std::string> optional_string(const YamlReader& reader, const MapFields& fields,
                                           std::string_view key) {
  const Value* value = fields.find(key);
  if (value == nullptr) return std::nullopt;
  return reader.string(*value);
}

CodeEntry read_code(const YamlReader& reader, const Value& item) {
  const MapFields fields = reader.fields(item, "in " + item.what);
  fields.refuse_unknown(kCodeKeys);
  CodeEntry entry;
  entry.errcode = reader.integer(fields.require("errcode"));
  if (const Value* sub = fields.find("sub_errcode")) entry.sub_errcode = reader.integer(*sub);

  const Value& category = fields.require("category");
  const std::string category_text = reader.string(category);
  const std::optional<Category> parsed = category_from_name(category_text);
  if (!parsed) {
    std::string expected;
    for (size_t i = 0; i < kCategoryCount; ++i) {
      expected += (i == 0 ? "" : ", ") + std::string(category_name(static_cast<Category>(i)));
    }
    reader.fail(category, "unknown category " + quoted(category_text) + " in " + item.what +
                              " (expected one of: " + expected + ")");
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

std::vector<CodeEntry> read_codes(const YamlReader& reader, const Value& value) {
  std::vector<CodeEntry> codes;
  std::map<std::pair<int64_t, int64_t>, YAML::Mark> seen;  // code -> where first defined
  const std::vector<Value> items = reader.list(value);
  for (size_t i = 0; i < items.size(); ++i) {
    const Value item{items[i].node, "codes entry #" + std::to_string(i + 1), items[i].mark};
    CodeEntry entry = read_code(reader, item);
    const auto [first, inserted] =
        seen.emplace(std::pair{entry.errcode, entry.sub_errcode}, item.mark);
    if (!inserted) {
      reader.fail(
          item, "code " + std::to_string(entry.errcode) + "/" + std::to_string(entry.sub_errcode) +
                    " is listed twice in \"codes\" (first at " + line_of(first->second) + ")");
    }
    codes.push_back(std::move(entry));
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

Config load_config_string(std::string_view yaml, const std::string& file_name) {
  const YamlReader reader(file_name);
  const YAML::Node root = parse_document(yaml, reader);
  const Value top_value{root, "the config", root.Mark()};
  if (!root.IsMap()) {
    reader.fail(top_value, "the config must be a map of settings (sources, state_file, ...), got " +
                               reader.describe(top_value));
  }
  const MapFields top = reader.fields(top_value, "");
  top.refuse_unknown(kTopKeys);

  Config config;
  config.path = file_name;
  if (const Value* value = top.find("state_file")) config.state_file = reader.string(*value);
  if (const Value* value = top.find("labels")) config.labels = read_labels(reader, *value);
  if (const Value* value = top.find("max_label_sets")) {
    const int64_t max = reader.integer(*value);
    if (max < 1)
      reader.fail(*value, value->what + " must be at least 1, got " + std::to_string(max));
    config.max_label_sets = static_cast<size_t>(max);
  }
  if (const Value* value = top.find("checkpoint_interval")) {
    config.checkpoint_interval = read_duration(reader, *value);
  }
  if (const Value* value = top.find("poll_interval")) {
    config.poll_interval = read_duration(reader, *value);
  }
  if (const Value* value = top.find("max_line_bytes")) {
    config.max_line_bytes = read_max_line_bytes(reader, *value);
  }
  config.sources = read_sources(reader, top.require("sources"));
  if (const Value* value = top.find("codes")) config.codes = read_codes(reader, *value);
  return config;
}

Config load_config_file(const std::string& path) {
  auto cannot_read = [&path](int error) {
    return ConfigError(path, 0, 0,
                       "cannot read: " + std::error_code(error, std::generic_category()).message());
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
