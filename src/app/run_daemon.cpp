#include <malloc.h>
#include <signal.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "app/config_reloader.h"
#include "app/exporter.h"
#include "app/ingest_loop.h"
#include "app/landing_page.h"
#include "app/recent_parse_errors.h"
#include "app/run_modes.h"
#include "http/gzip.h"
#include "http/http_server.h"
#include "http/web_listener.h"
#include "metrics/exposition.h"

namespace sdx {
namespace {

// How long a scrape waits for the checkpoint it asks for.
constexpr std::chrono::seconds kScrapeCheckpointTimeout{5};

HttpResponse serve_metrics(const HttpRequest& request, Exporter& exporter, IngestLoop& loop,
                           const std::shared_ptr<const prometheus::Collectable>& http) {
  if (exporter.has_state_file() && !loop.recent_checkpoint(kScrapeCheckpointTimeout)) {
    spdlog::warn("scrape: no checkpoint within {}s; showing the last durable values",
                 kScrapeCheckpointTimeout.count());
  }
  Exporter::Counts counts = exporter.counts_to_show();
  auto collectables = exporter.collectables();
  collectables.push_back(http);
  HttpResponse response{200, "text/plain; version=0.0.4; charset=utf-8",
                        render_exposition(*counts.model, *counts.rows, collectables)};
  // A large render's temporaries were freed, but glibc keeps them in the
  // worker thread's arena: hand them back so RSS follows the live series.
  const bool large = response.body.size() > (size_t{1} << 20);
  gzip_if_accepted(request, response);
  if (large) malloc_trim(0);
  return response;
}

// What the status page shows, gathered from what the exporter already has.
StatusPageData gather_status(const Exporter& exporter, const Options& options,
                             std::chrono::system_clock::time_point started,
                             const std::shared_ptr<const prometheus::Collectable>& http) {
  StatusPageData data;
  data.telemetry_path = options.telemetry_path;
  data.started = started;
  data.now = std::chrono::system_clock::now();
  const Config config = exporter.config();
  data.config_path = config.path;
  for (const auto& source : config.sources) {
    data.sources.push_back({source.name, source.type, source.identity()});
  }
  auto collectables = exporter.collectables();
  collectables.push_back(http);
  for (const auto& collectable : collectables) {
    for (auto& family : collectable->Collect()) data.self_metrics.push_back(std::move(family));
  }
  const Exporter::Counts counts = exporter.counts_to_show();
  for (const CounterRow& row : *counts.rows) {
    if (row.kind == CounterRow::Kind::disconnect) {
      data.disconnects_by_category[row.category] += row.value;
    }
  }
  data.parse_errors = recent_parse_errors().snapshot();
  return data;
}

void register_routes(HttpServer& server, const Options& options, Exporter& exporter,
                     IngestLoop& loop, ConfigReloader& reloader, const std::atomic<bool>& ready,
                     const std::shared_ptr<const prometheus::Collectable>& http,
                     std::chrono::system_clock::time_point started) {
  server.route(options.telemetry_path, [&exporter, &loop, http](const HttpRequest& request) {
    return serve_metrics(request, exporter, loop, http);
  });
  server.route("/-/healthy", [](const HttpRequest&) {
    return HttpResponse{200, "text/plain; charset=utf-8", "Healthy.\n"};
  });
  server.route("/-/ready", [&ready](const HttpRequest&) {
    return ready.load() ? HttpResponse{200, "text/plain; charset=utf-8", "Ready.\n"}
                        : HttpResponse{503, "text/plain; charset=utf-8", "Not ready.\n"};
  });
  const bool lifecycle = options.enable_lifecycle;
  server.route("/-/reload", [lifecycle, &reloader](const HttpRequest& request) {
    if (!lifecycle) {
      return HttpResponse{403, "text/plain; charset=utf-8",
                          "Lifecycle API is not enabled (start with --web.enable-lifecycle).\n"};
    }
    if (request.method != "POST" && request.method != "PUT") {
      return HttpResponse{405, "text/plain; charset=utf-8", "Only POST or PUT requests allowed.\n"};
    }
    // Parsed on a thread of its own: HTTP worker threads have small stacks,
    // and yaml-cpp recurses (it overflowed one under ASan).
    ReloadOutcome outcome;
    try {
      std::thread worker([&] { outcome = reloader.reload("POST /-/reload"); });
      worker.join();
    } catch (const std::exception& e) {
      outcome = {false, e.what()};
    }
    return HttpResponse{outcome.ok ? 200 : 500, "text/plain; charset=utf-8",
                        (outcome.ok ? "" : "failed to reload config: ") + outcome.message + "\n"};
  });
  server.route("/", [&exporter, &options, http, started](const HttpRequest& request) {
    HttpResponse response{200, "text/html; charset=utf-8",
                          status_page_html(gather_status(exporter, options, started, http))};
    gzip_if_accepted(request, response);
    return response;
  });
}

}  // namespace

int run_daemon(const Options& options, const Config& config) {
  // Signals are taken synchronously by one thread; every other thread
  // (the HTTP server's included) inherits this mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // One malloc arena per HTTP worker thread would each keep a scrape's worth
  // of freed memory; two are plenty for this workload.
  mallopt(M_ARENA_MAX, 2);

  Exporter exporter(config, /*read_from_start=*/false);
  // Both log why they refuse: another instance owns the state file, or it
  // cannot be read (a good one may be there; starting clean would overwrite it).
  if (!exporter.lock_state_file() || !exporter.restore_checkpoint()) return 1;

  // The snapshot is taken on the loop's thread; its write (two fsyncs) runs
  // on the loop's writer thread while reading goes on.
  IngestLoop loop([&exporter] { return exporter.sources(); }, config.poll_interval,
                  config.checkpoint_interval,
                  [&exporter]() -> IngestLoop::WriteFn {
                    auto snapshot = exporter.snapshot_checkpoint();
                    if (!snapshot) return nullptr;
                    return [&exporter, snapshot] { exporter.write_snapshot(*snapshot); };
                  },
                  config.checkpoint_min_interval);
  ConfigReloader reloader(options.config_file, exporter, loop);
  std::atomic<bool> ready{false};
  // Every endpoint goes through the listener's TLS and basic auth.
  const auto started = std::chrono::system_clock::now();
  WebListener listener(options.listen_address, options.web_config_file, [&](HttpServer& server) {
    register_routes(server, options, exporter, loop, reloader, ready, listener.collectable(),
                    started);
  });
  std::string error;
  if (!listener.start(error)) {
    spdlog::error("{}", error);
    return 1;
  }
  spdlog::info("stream_disconnect_exporter {} listening on {} ({} sources, config {})", SDX_VERSION,
               options.listen_address, config.sources.size(), config.path);

  loop.on_source_failure([&exporter](const Source&, const std::exception&) {
    exporter.stats().source_failures.Increment();
  });
  std::atomic<bool> done{false};
  std::thread signal_thread([&] {
    timespec tick{0, 200'000'000};
    while (!done.load()) {
      int signal_number = sigtimedwait(&signals, nullptr, &tick);
      if (signal_number == SIGHUP) {
        try {
          reloader.reload("SIGHUP");
        } catch (const std::exception& e) {
          spdlog::error("SIGHUP: reload failed: {}", e.what());
        }
      } else if (signal_number == SIGTERM || signal_number == SIGINT) {
        spdlog::info("received signal {}: shutting down", signal_number);
        loop.stop();
        return;
      }
    }
  });

  ready.store(true);
  int exit_code = 0;
  try {
    loop.run();  // returns after its final checkpoint
  } catch (const std::exception& e) {
    // Sources' own failures are retried inside the loop; this is the loop
    // itself. Save what was counted, say why, and exit non-zero.
    spdlog::critical("ingest loop failed: {}; writing a final checkpoint and exiting", e.what());
    try {
      exporter.write_checkpoint();
    } catch (const std::exception& again) {
      spdlog::critical("final checkpoint failed too: {}", again.what());
    }
    exit_code = 1;
  }
  done.store(true);
  signal_thread.join();
  listener.stop();
  spdlog::info("stopped");
  return exit_code;
}

}  // namespace sdx
