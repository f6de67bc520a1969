#pragma once
// type: webhook — Tencent Cloud Live callbacks over HTTP(S). The HTTP
// threads check each POST (webhook_request.h) and hand accepted bodies to
// the spool writer, which answers 200 {"code":0} once they are durable
// (group commit, spool_writer.h). The ingest thread reads the spool like a
// file source (file_source.h) and drops retries already counted
// (webhook_dedup.h) before the event pipeline, so the spool positions, the
// de-duplication keys and the counters are saved in one checkpoint: after
// kill -9, every callback that got a 200 is counted exactly once.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "app/rate_limited_log.h"
#include "http/http_server.h"
#include "sources/dedup_key.h"
#include "sources/file_source.h"
#include "sources/source.h"
#include "sources/spool_writer.h"
#include "sources/webhook_dedup.h"
#include "sources/webhook_options.h"
#include "sources/webhook_stats.h"

namespace sdx {

class WebhookSource final : public Source {
 public:
  WebhookSource(WebhookOptions options, LineSink& sink);
  ~WebhookSource() override;
  WebhookSource(const WebhookSource&) = delete;
  WebhookSource& operator=(const WebhookSource&) = delete;

  const std::string& name() const override { return options_.name; }
  void attach(LineSink& sink) override { sink_ = &sink; }
  // Starts listening (idempotent; also the reload hook). The first poll
  // starts it too, after restore(), and retries while it fails.
  void start() override;
  // Refuses new callbacks (503), commits and answers the pending ones,
  // then closes the listener.
  void stop() override;
  uint64_t poll(uint64_t max_bytes) override;
  std::vector<std::string> watch_directories() const override;
  SourceState state() const override;
  void restore(const SourceState& state) override;
  void collect(std::vector<prometheus::MetricFamily>& out) const override;

  static std::string identity_of(const std::string& listen, const std::string& path);
  // The port listened on (tests), 0 when not listening.
  int port() const;

 private:
  class Filter;
  bool launch(std::string& error);
  void handle(HttpRequest&& request, HttpReply reply);
  HttpResponse refuse(WebhookRejection reason, const HttpRequest& request,
                      const std::string& detail);
  void delete_read_files();

  const WebhookOptions options_;
  LineSink* sink_;
  WebhookStats stats_;
  std::unique_ptr<Filter> filter_;
  std::unique_ptr<FileSource> spool_reader_;
  std::unique_ptr<SpoolWriter> writer_;
  std::unique_ptr<HttpServer> server_;
  // The listener's connection metrics, for scrapes (any thread).
  mutable std::mutex server_metrics_mutex_;
  std::shared_ptr<const prometheus::Collectable> server_metrics_;  // guarded by it
  std::atomic<bool> accepting_{false};
  bool listening_ = false;
  bool warned_unauthenticated_ = false;
  std::mutex log_mutex_;
  RateLimitedLog log_;  // guarded by log_mutex_
  // Ingest thread: spool files seen fully read by that many consecutive
  // state() calls. One may be a reload's, not a checkpoint's; two include a
  // checkpoint, so a file is deleted (past spool_keep_files) only once a
  // saved checkpoint says it was read to its end.
  mutable std::map<std::string, int> read_at_state_;
  std::chrono::steady_clock::time_point next_retention_check_{};
};

}  // namespace sdx
