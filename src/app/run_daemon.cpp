#include <malloc.h>
#include <signal.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "app/exporter.h"
#include "app/ingest_loop.h"
#include "app/landing_page.h"
#include "app/run_modes.h"
#include "http/http_server.h"
#include "metrics/exposition.h"

namespace sdx {
namespace {

// How long a scrape waits for the checkpoint it asks for.
constexpr std::chrono::seconds kScrapeCheckpointTimeout{5};

HttpResponse serve_metrics(Exporter& exporter, IngestLoop& loop) {
  if (!exporter.config().state_file.empty() && !loop.checkpoint_now(kScrapeCheckpointTimeout)) {
    spdlog::warn("scrape: no checkpoint within {}s; showing the last durable values",
                 kScrapeCheckpointTimeout.count());
  }
  auto durable = exporter.durable_rows();
  HttpResponse response{200, "text/plain; version=0.0.4; charset=utf-8",
                        render_exposition(exporter.registry(), durable.get())};
  // A large render's temporaries were freed, but glibc keeps them in the
  // worker thread's arena: hand them back so RSS follows the live series.
  if (response.body.size() > (size_t{1} << 20)) malloc_trim(0);
  return response;
}

void register_routes(HttpServer& server, const Options& options, Exporter& exporter,
                     IngestLoop& loop, const std::atomic<bool>& ready) {
  server.route(options.telemetry_path,
               [&exporter, &loop](const HttpRequest&) { return serve_metrics(exporter, loop); });
  server.route("/-/healthy", [](const HttpRequest&) {
    return HttpResponse{200, "text/plain; charset=utf-8", "Healthy.\n"};
  });
  server.route("/-/ready", [&ready](const HttpRequest&) {
    return ready.load() ? HttpResponse{200, "text/plain; charset=utf-8", "Ready.\n"}
                        : HttpResponse{503, "text/plain; charset=utf-8", "Not ready.\n"};
  });
  server.route("/-/reload", [](const HttpRequest&) {
    return HttpResponse{501, "text/plain; charset=utf-8",
                        "configuration reload is not supported by this version yet; restart "
                        "the exporter to apply a new configuration\n"};
  });
  std::string landing = landing_page_html(options.telemetry_path);
  server.route("/", [landing](const HttpRequest&) {
    return HttpResponse{200, "text/html; charset=utf-8", landing};
  });
}

}  // namespace

int run_daemon(const Options& options, const Config& config) {
  // Signals are taken synchronously by one thread; every other thread
  // (civetweb's included) inherits this mask.
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
  exporter.restore_checkpoint();

  IngestLoop loop(exporter.file_sources(), config.poll_interval, config.checkpoint_interval,
                  [&exporter] { exporter.write_checkpoint(); });
  std::atomic<bool> ready{false};
  HttpServer server(options.listen_address);
  register_routes(server, options, exporter, loop, ready);
  std::string error;
  if (!server.start(error)) {
    spdlog::error("{}", error);
    return 1;
  }
  spdlog::info("stream_disconnect_exporter {} listening on {} ({} sources, config {})", SDX_VERSION,
               options.listen_address, config.sources.size(), config.path);

  std::atomic<bool> done{false};
  std::thread signal_thread([&] {
    timespec tick{0, 200'000'000};
    while (!done.load()) {
      int signal_number = sigtimedwait(&signals, nullptr, &tick);
      if (signal_number == SIGHUP) {
        spdlog::warn(
            "SIGHUP: configuration reload is not supported by this version yet; "
            "restart to apply a new configuration");
      } else if (signal_number == SIGTERM || signal_number == SIGINT) {
        spdlog::info("received signal {}: shutting down", signal_number);
        loop.stop();
        return;
      }
    }
  });

  ready.store(true);
  loop.run();  // returns after its final checkpoint
  done.store(true);
  signal_thread.join();
  server.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace sdx
