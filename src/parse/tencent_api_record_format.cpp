// format: tencent_api_record — the factory (the line: api_record_line.h).
#include "parse/api_record_line.h"
#include "parse/format.h"

namespace sdx {
namespace {

class TencentApiRecordSpec final : public FormatSpec {
 public:
  std::string canonical() const override { return "tencent_api_record"; }
  std::unique_ptr<LineParser> make_parser(DimensionFields) const override {
    return std::make_unique<ApiRecordParser>();
  }
};

std::shared_ptr<const FormatSpec> read_tencent_api_record(const YamlReader&, const MapFields&) {
  return std::make_shared<TencentApiRecordSpec>();
}

}  // namespace

extern const FormatFactory kTencentApiRecordFormat{
    "tencent_api_record", {}, read_tencent_api_record};

}  // namespace sdx
