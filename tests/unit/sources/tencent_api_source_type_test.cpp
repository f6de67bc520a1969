// type: tencent_api through the config loader: keys, defaults, limits and
// the credentials rules (file:line:column, never the secret in a message).
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <cstdlib>

#include "config/config_loader.h"
#include "sources/source_factory.h"
#include "sources/temp_dir.h"

namespace sdx {
namespace {

std::string source_yaml(const std::string& extra) {
  return "sources:\n"
         "  - name: console\n"
         "    type: tencent_api\n" +
         extra;
}

std::string errors_of(const std::string& yaml) {
  try {
    load_config_string(yaml, "config.yaml");
  } catch (const ConfigErrors& e) {
    return e.what();
  }
  return "";
}

std::string write_credentials(const test::TempDir& dir, const std::string& text, mode_t mode) {
  const std::string path = dir / "tencent.yaml";
  test::write_file(path, text);
  ::chmod(path.c_str(), mode);
  return path;
}

}  // namespace

TEST_CASE("tencent_api: defaults and every key", "[tencent_api][config]") {
  test::TempDir dir;
  const std::string creds =
      write_credentials(dir, "secret_id: AKIDsecretid\nsecret_key: topsecretkey\n", 0600);
  const Config config = load_config_string(
      source_yaml("    credentials_file: " + creds + "\n") +
          "  - name: filtered\n    type: tencent_api\n    credentials_file: " + creds +
          "\n    endpoint: http://127.0.0.1:8080/\n    domain: push.example.com\n"
          "    app: live\n    stream: s1\n    interval: 100ms\n    lag: 0s\n    lookback: 2h\n"
          "    max_pages: 7\n",
      "config.yaml");
  REQUIRE(config.sources.size() == 2);
  CHECK(config.sources[0].format == "tencent_api_record");
  const std::string plain = config.sources[0].spec->canonical();
  CHECK(plain.find("https://live.tencentcloudapi.com") != std::string::npos);
  CHECK(plain.find("interval=60000") != std::string::npos);
  CHECK(plain.find("lag=120") != std::string::npos);
  CHECK(plain.find("lookback=3600") != std::string::npos);
  CHECK(plain.find("max_pages=100") != std::string::npos);
  const std::string filtered = config.sources[1].spec->canonical();
  CHECK(filtered.find("http://127.0.0.1:8080/ domain=push.example.com app=live stream=s1") !=
        std::string::npos);
  CHECK(filtered.find("interval=100") != std::string::npos);
  CHECK(filtered.find("lag=0") != std::string::npos);
  CHECK(filtered.find("lookback=7200") != std::string::npos);
  CHECK(filtered.find("max_pages=7") != std::string::npos);
  // The settings text holds no secret (it may be compared and shown).
  for (const std::string& text : {plain, filtered}) {
    CHECK(text.find("topsecretkey") == std::string::npos);
    CHECK(text.find("AKIDsecretid") == std::string::npos);
  }
}

TEST_CASE("tencent_api: credentials are refused with file:line:column", "[tencent_api][config]") {
  test::TempDir dir;
  SECTION("readable by group") {
    const std::string creds =
        write_credentials(dir, "secret_id: AKIDsecretid\nsecret_key: topsecretkey\n", 0640);
    const std::string errors = errors_of(source_yaml("    credentials_file: " + creds + "\n"));
    CHECK(errors.find("config.yaml:4:23: credentials file") != std::string::npos);
    CHECK(errors.find("readable by group or others (mode 0640)") != std::string::npos);
  }
  SECTION("missing file") {
    const std::string errors = errors_of(source_yaml("    credentials_file: /nonexistent/x\n"));
    CHECK(errors.find("config.yaml:4:23: cannot read credentials file") != std::string::npos);
  }
  SECTION("empty or missing keys, pointed at in the credentials file") {
    const std::string creds =
        write_credentials(dir, "secret_id: AKIDsecretid\nsecret_key:\n", 0600);
    const std::string errors = errors_of(source_yaml("    credentials_file: " + creds + "\n"));
    CHECK(errors.find(creds + ":2:1: \"secret_key\"") != std::string::npos);
    CHECK(errors.find("is empty") != std::string::npos);
    write_credentials(dir, "secret_id: AKIDsecretid\n", 0600);
    CHECK(errors_of(source_yaml("    credentials_file: " + creds + "\n"))
              .find("missing required key \"secret_key\"") != std::string::npos);
    write_credentials(dir, "secret_id: [AKIDsecretid]\nsecret_key: k\n", 0600);
    const std::string list = errors_of(source_yaml("    credentials_file: " + creds + "\n"));
    CHECK(list.find(creds + ":1:12: \"secret_id\"") != std::string::npos);
    CHECK(list.find("AKIDsecretid") == std::string::npos);
  }
  SECTION("neither a file nor the environment") {
    ::unsetenv("TENCENTCLOUD_SECRET_ID");
    ::unsetenv("TENCENTCLOUD_SECRET_KEY");
    const std::string errors = errors_of(source_yaml(""));
    CHECK(errors.find("config.yaml:3:11: no credentials") != std::string::npos);
    ::setenv("TENCENTCLOUD_SECRET_ID", "AKIDenv", 1);
    ::setenv("TENCENTCLOUD_SECRET_KEY", "envkey", 1);
    CHECK(errors_of(source_yaml("")).empty());
    ::unsetenv("TENCENTCLOUD_SECRET_ID");
    ::unsetenv("TENCENTCLOUD_SECRET_KEY");
  }
}

TEST_CASE("tencent_api: limits on the other keys", "[tencent_api][config]") {
  ::setenv("TENCENTCLOUD_SECRET_ID", "AKIDenv", 1);
  ::setenv("TENCENTCLOUD_SECRET_KEY", "envkey", 1);
  CHECK(errors_of(source_yaml("    endpoint: ftp://x\n")).find("must be an https://") !=
        std::string::npos);
  CHECK(errors_of(source_yaml("    endpoint: https://x/path\n")).find("no path") !=
        std::string::npos);
  CHECK(errors_of(source_yaml("    interval: 10ms\n")).find("between 100ms") != std::string::npos);
  CHECK(errors_of(source_yaml("    lag: 1500ms\n")).find("whole seconds") != std::string::npos);
  CHECK(errors_of(source_yaml("    lookback: 1441h\n")).find("must be between") !=
        std::string::npos);
  CHECK(errors_of(source_yaml("    lookback: 1440h\n")).empty());
  CHECK(errors_of(source_yaml("    lookback: 0s\n")).find("config.yaml:4:15") != std::string::npos);
  CHECK(errors_of(source_yaml("    max_pages: 0\n")).find("between 1 and 10000") !=
        std::string::npos);
  CHECK(errors_of(source_yaml("    secret_key: inline\n")).find("unknown key") !=
        std::string::npos);
  ::unsetenv("TENCENTCLOUD_SECRET_ID");
  ::unsetenv("TENCENTCLOUD_SECRET_KEY");
}

}  // namespace sdx
