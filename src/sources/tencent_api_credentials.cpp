#include "sources/tencent_api_credentials.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/quoted.h"

namespace sdx {
namespace {

constexpr std::string_view kKeys[] = {"secret_id", "secret_key"};

std::string read_secret(const YamlReader& reader, const MapFields& fields, std::string_view key) {
  const Value& value = fields.require(key);
  // Only the kind is named in messages: the value is a secret.
  if (value.node.IsNull()) reader.fail(value, value.what + " is empty");
  if (!value.node.IsScalar()) reader.fail(value, value.what + " must be a string");
  std::string secret = value.node.Scalar();
  if (secret.empty()) reader.fail(value, value.what + " is empty");
  return secret;
}

Tc3Credentials read_file(const YamlReader& reader, const Value& file) {
  const std::string path = reader.string(file);
  struct stat info {};
  if (path.empty()) reader.fail(file, file.what + " is an empty path");
  if (::stat(path.c_str(), &info) != 0) {
    reader.fail(file, "cannot read credentials file " + quoted(path) + ": " + std::strerror(errno));
  }
  if ((info.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    reader.fail(file, "credentials file " + quoted(path) +
                          " is readable by group or others (mode " + mode + "): run chmod 600 " +
                          path);
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    reader.fail(file, "cannot read credentials file " + quoted(path) + ": " + std::strerror(errno));
  }
  const YamlReader secrets(path);
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    secrets.fail(e.mark, "credentials file is not YAML: " + e.msg);
  }
  const Value top{root, "credentials file " + quoted(path), root.Mark()};
  if (!root.IsMap()) {
    secrets.fail(top, top.what + " must be a map with secret_id and secret_key");
  }
  const MapFields fields = secrets.fields(top, "in credentials file " + quoted(path));
  fields.refuse_unknown(kKeys);
  return {read_secret(secrets, fields, "secret_id"), read_secret(secrets, fields, "secret_key")};
}

}  // namespace

Tc3Credentials read_api_credentials(const YamlReader& reader, const Value* file,
                                    const Value& where) {
  if (file != nullptr) return read_file(reader, *file);
  const char* id = std::getenv("TENCENTCLOUD_SECRET_ID");
  const char* key = std::getenv("TENCENTCLOUD_SECRET_KEY");
  if (id == nullptr || *id == '\0' || key == nullptr || *key == '\0') {
    reader.fail(where,
                "no credentials for the records API: set credentials_file (a YAML file with "
                "secret_id and secret_key, chmod 600) or the environment variables "
                "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY");
  }
  return {id, key};
}

}  // namespace sdx
