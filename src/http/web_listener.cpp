#include "http/web_listener.h"

#include <fcntl.h>
#include <prometheus/metric_family.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "config/config_loader.h"

namespace sdx {
namespace {

constexpr std::chrono::seconds kWatchInterval{1};

// The file's bytes, or nullopt when it cannot be read (a rename in
// progress: the next check sees the new one).
std::optional<std::string> file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

prometheus::MetricFamily single(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return {std::move(name), std::move(help), type, {std::move(metric)}};
}

}  // namespace

struct WebListener::Metrics : prometheus::Collectable {
  bool watched = false;
  std::atomic<uint64_t> reload_failures{0};
  std::atomic<bool> last_reload_ok{true};
  std::atomic<uint64_t> restarts{0};
  mutable std::mutex mutex;
  std::shared_ptr<const prometheus::Collectable> server;  // the current server's

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    {
      std::lock_guard lock(mutex);
      if (server) out = server->Collect();
    }
    if (!watched) return out;
    using prometheus::MetricType;
    out.push_back(single("stream_disconnect_exporter_web_config_reload_failures_total",
                         "Changes to --web.config.file that were refused (the settings in force "
                         "were kept).",
                         MetricType::Counter, static_cast<double>(reload_failures.load())));
    out.push_back(single("stream_disconnect_exporter_web_config_last_reload_successful",
                         "1 when the last read of --web.config.file was applied, 0 when refused.",
                         MetricType::Gauge, last_reload_ok.load() ? 1 : 0));
    out.push_back(single("stream_disconnect_exporter_web_listener_restarts_total",
                         "Restarts of the metrics listener for a TLS change in --web.config.file.",
                         MetricType::Counter, static_cast<double>(restarts.load())));
    return out;
  }
};

WebListener::WebListener(std::string listen_address, std::string web_config_file,
                         std::function<void(HttpServer&)> add_routes)
    : listen_address_(std::move(listen_address)),
      web_config_file_(std::move(web_config_file)),
      add_routes_(std::move(add_routes)),
      metrics_(std::make_shared<Metrics>()),
      access_(std::make_shared<Access>()) {
  metrics_->watched = !web_config_file_.empty();
}

WebListener::~WebListener() { stop(); }

std::shared_ptr<const prometheus::Collectable> WebListener::collectable() const { return metrics_; }

void WebListener::set_access(const WebConfig& config) {
  auto access = std::make_shared<Access>();
  if (config.tls) access->client_auth = config.tls->client_auth;
  if (!config.basic_auth_users.empty()) {
    access->basic_auth = std::make_shared<const BasicAuth>(config.basic_auth_users);
  }
  std::lock_guard lock(access_mutex_);
  access_ = std::move(access);
}

std::unique_ptr<HttpServer> WebListener::make_server(const WebConfig& config) {
  auto server = std::make_unique<HttpServer>(listen_address_);
  add_routes_(*server);
  if (config.tls) server->set_tls(http_tls_settings(*config.tls));
  server->set_guard([this](const HttpRequest& request) -> std::optional<HttpResponse> {
    std::shared_ptr<const Access> access;
    {
      std::lock_guard lock(access_mutex_);
      access = access_;
    }
    if (auto refused = check_client_certificate(access->client_auth, request)) return refused;
    if (access->basic_auth) return access->basic_auth->check(request);
    return std::nullopt;
  });
  return server;
}

bool WebListener::start(std::string& error) {
  std::lock_guard lock(server_mutex_);
  if (!web_config_file_.empty()) {
    try {
      file_text_ = file_text(web_config_file_).value_or("");
      config_ = load_web_config_file(web_config_file_);
    } catch (const std::exception& e) {
      error = std::string("invalid --web.config.file: ") + e.what();
      return false;
    }
  }
  set_access(config_);
  server_ = make_server(config_);
  if (!server_->start(error)) return false;
  {
    std::lock_guard metrics_lock(metrics_->mutex);
    metrics_->server = server_->collectable();
  }
  if (!web_config_file_.empty()) {
    spdlog::info("web config {}: {}{}", web_config_file_, config_.tls ? "TLS" : "plain HTTP",
                 config_.basic_auth_users.empty()
                     ? ""
                     : fmt::format(", basic auth ({} users)", config_.basic_auth_users.size()));
    stopping_ = false;
    watcher_ = std::thread([this] { watch_loop(); });
  }
  return true;
}

void WebListener::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  std::lock_guard lock(server_mutex_);
  if (server_) server_->stop();
}

void WebListener::watch_loop() {
  std::unique_lock lock(wake_mutex_);
  while (!wake_.wait_for(lock, kWatchInterval, [this] { return stopping_; })) {
    lock.unlock();
    try {
      check_for_change();
    } catch (const std::exception& e) {
      spdlog::error("web config {}: {}", web_config_file_, e.what());
    }
    lock.lock();
  }
}

bool WebListener::check_for_change() {
  std::lock_guard lock(server_mutex_);
  std::optional<std::string> text = file_text(web_config_file_);
  if (!text || *text == file_text_) return false;
  file_text_ = *text;
  WebConfig config;
  try {
    config = load_web_config_file(web_config_file_);
  } catch (const std::exception& e) {
    metrics_->reload_failures.fetch_add(1);
    metrics_->last_reload_ok.store(false);
    spdlog::error("web config {} changed but is refused, keeping the settings in force: {}",
                  web_config_file_, e.what());
    return false;
  }
  const bool restart = config.tls != config_.tls;
  if (restart) {
    // The address is the same: the old listener goes first.
    server_->stop();
    set_access(config);
    auto server = make_server(config);
    std::string error;
    if (!server->start(error)) {
      metrics_->reload_failures.fetch_add(1);
      metrics_->last_reload_ok.store(false);
      spdlog::error(
          "web config {}: cannot restart the listener with the new TLS settings ({}); "
          "restarting it with the previous ones",
          web_config_file_, error);
      set_access(config_);
      server = make_server(config_);
      if (!server->start(error)) spdlog::critical("web listener: cannot restart: {}", error);
      server_ = std::move(server);
      std::lock_guard metrics_lock(metrics_->mutex);
      metrics_->server = server_->collectable();
      return false;
    }
    server_ = std::move(server);
    metrics_->restarts.fetch_add(1);
    std::lock_guard metrics_lock(metrics_->mutex);
    metrics_->server = server_->collectable();
  } else {
    set_access(config);
  }
  config_ = std::move(config);
  metrics_->last_reload_ok.store(true);
  spdlog::info("web config {} reloaded: {}{}{}", web_config_file_,
               config_.tls ? "TLS" : "plain HTTP",
               config_.basic_auth_users.empty()
                   ? ""
                   : fmt::format(", basic auth ({} users)", config_.basic_auth_users.size()),
               restart ? " (listener restarted)" : "");
  return true;
}

}  // namespace sdx
