// format: tencent_callback — the factory (the parser: callback_parser.h).
#include "parse/callback_parser.h"
#include "parse/format.h"

namespace sdx {
namespace {

class TencentCallbackSpec final : public FormatSpec {
 public:
  std::string canonical() const override { return "tencent_callback"; }
  std::unique_ptr<LineParser> make_parser(DimensionFields fields) const override {
    return std::make_unique<TencentCallbackParser>(fields);
  }
};

std::shared_ptr<const FormatSpec> read_tencent_callback(const YamlReader&, const MapFields&) {
  return std::make_shared<TencentCallbackSpec>();
}

}  // namespace

extern const FormatFactory kTencentCallbackFormat{"tencent_callback", {}, read_tencent_callback};

}  // namespace sdx
