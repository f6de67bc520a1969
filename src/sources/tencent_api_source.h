#pragma once
// type: tencent_api — polls Tencent Cloud's records API
// (DescribeLiveStreamEventList). Requests run on the fetcher's thread
// (tencent_api_fetcher.h); poll(), on the ingest thread, hands each fully
// fetched window's new records to the sink and moves the cursor past the
// window in the same step, so state() always describes exactly the records
// the sink got: a restart, even after kill -9, neither loses nor recounts.
#include <memory>
#include <optional>
#include <string>

#include "sources/record_dedup.h"
#include "sources/source.h"
#include "sources/tencent_api_fetcher.h"
#include "sources/tencent_api_options.h"
#include "sources/tencent_api_stats.h"

namespace sdx {

class TencentApiSource final : public Source {
 public:
  TencentApiSource(TencentApiOptions options, LineSink& sink);
  ~TencentApiSource() override;

  const std::string& name() const override { return options_.name; }
  void attach(LineSink& sink) override { sink_ = &sink; }
  // Also the reload hook: a source an auth error stopped tries again.
  void start() override;
  void stop() override;
  uint64_t poll(uint64_t max_bytes) override;
  SourceState state() const override;
  void restore(const SourceState& state) override;
  void collect(std::vector<prometheus::MetricFamily>& out) const override;

  static std::string identity_of(const TencentApiOptions& options);

 private:
  void launch();

  const TencentApiOptions options_;
  LineSink* sink_;
  TencentApiStats stats_;
  std::unique_ptr<TencentApiFetcher> fetcher_;
  // Ingest thread: end of the last window handed to the sink, and the keys
  // of its records a later window may return again.
  std::optional<int64_t> cursor_;
  RecordDedup dedup_;
};

}  // namespace sdx
