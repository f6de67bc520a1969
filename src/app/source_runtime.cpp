#include "app/source_runtime.h"

#include "parse/format.h"

namespace sdx {
namespace {

DimensionFields fields_for(const std::vector<Dimension>& labels) {
  DimensionFields fields;
  for (Dimension label : labels) {
    fields.domain |= label == Dimension::domain;
    fields.app |= label == Dimension::app;
    fields.appid |= label == Dimension::appid;
    fields.stream |= label == Dimension::stream;
  }
  return fields;
}

}  // namespace

SourceRuntime::SourceRuntime(SourceConfig config, MetricsRegistry& registry,
                             const SourceContext& context)
    : config_(std::move(config)), registry_(registry), stats_(config_.name) {
  pipeline_ = make_pipeline();
  source_ = find_source_type(config_.type)->create(*config_.spec, context, *pipeline_);
}

SourceRuntime::~SourceRuntime() = default;

std::unique_ptr<EventPipeline> SourceRuntime::make_pipeline() {
  counters_ = registry_.add_counters(config_.name);
  auto parser = config_.format_spec->make_parser(fields_for(counters_->model().labels()));
  return std::make_unique<EventPipeline>(std::move(parser), *counters_, stats_);
}

void SourceRuntime::retire_counters() { registry_.retire(counters_); }

void SourceRuntime::rebind(SourceConfig config) {
  config_ = std::move(config);
  std::unique_ptr<EventPipeline> next = make_pipeline();
  source_->attach(*next);
  pipeline_ = std::move(next);
}

std::vector<prometheus::MetricFamily> SourceRuntime::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  stats_.collect(families);
  source_->collect(families);
  return families;
}

}  // namespace sdx
