// type: file — the factory: its keys (paths, start_at) and the FileSource it
// makes (file_source.h).
#include "config/quoted.h"
#include "config/yaml_reader.h"
#include "sources/file_source.h"
#include "sources/source_factory.h"

namespace sdx {
namespace {

enum class StartAt { beginning, end };

class FileSpec final : public SourceSpec {
 public:
  std::vector<std::string> paths;
  StartAt start_at = StartAt::beginning;
  size_t max_open_files = 256;

  std::string canonical() const override {
    return identity() + (start_at == StartAt::beginning ? "\nbeginning" : "\nend") +
           "\nmax_open_files=" + std::to_string(max_open_files);
  }
  std::string identity() const override { return FileSource::identity_of(paths); }
};

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

std::shared_ptr<const SourceSpec> read_file_spec(const YamlReader& reader,
                                                 const MapFields& fields) {
  auto spec = std::make_shared<FileSpec>();
  reader.attempt([&] { spec->paths = read_paths(reader, fields.require("paths")); });
  if (const Value* start_at = fields.find("start_at")) {
    reader.attempt([&] { spec->start_at = read_start_at(reader, *start_at); });
  }
  if (const Value* max_open = fields.find("max_open_files")) {
    reader.attempt([&] {
      const int64_t n = reader.integer(*max_open);
      if (n < 1 || n > 1000000) {
        reader.fail(*max_open,
                    max_open->what + " must be between 1 and 1000000, got " + std::to_string(n));
      }
      spec->max_open_files = static_cast<size_t>(n);
    });
  }
  return spec;
}

std::unique_ptr<Source> create_file_source(const SourceSpec& spec, const SourceContext& context,
                                           LineSink& sink) {
  const auto& file = static_cast<const FileSpec&>(spec);
  FileSourceOptions options;
  options.name = context.name;
  options.paths = file.paths;
  options.start_at_beginning = context.read_from_start || file.start_at == StartAt::beginning;
  options.max_line_bytes = context.max_line_bytes;
  options.max_open_files = file.max_open_files;
  return std::make_unique<FileSource>(std::move(options), sink);
}

}  // namespace

extern const SourceFactory kFileSourceType{"file",
                                           {"paths", "start_at", "max_open_files"},
                                           "tencent_callback",
                                           read_file_spec,
                                           create_file_source};

}  // namespace sdx
