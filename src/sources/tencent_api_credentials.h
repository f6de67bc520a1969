#pragma once
// The tencent_api source's secret_id/secret_key: from `credentials_file`
// (YAML with secret_id and secret_key, refused when group or others can
// read it) or from TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY. Never
// from the main config. Messages name files and keys, never the secrets.
#include "config/yaml_reader.h"
#include "sources/tc3_signer.h"

namespace sdx {

// `file`: the credentials_file value, or null to use the environment (then
// `where` is what a missing-credentials error points at). Throws ConfigError.
Tc3Credentials read_api_credentials(const YamlReader& reader, const Value* file,
                                    const Value& where);

}  // namespace sdx
