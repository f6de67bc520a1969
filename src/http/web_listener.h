#pragma once
// The metrics listener as --web.config.file shapes it: plain HTTP, or HTTPS
// with client certificates, and basic auth in front of every route. The
// file is checked for changes every second: new basic auth users apply at
// once, a TLS change restarts the listener on the same address, and a file
// that no longer parses keeps the settings in force (logged, counted in
// stream_disconnect_exporter_web_config_reload_failures_total).
#include <prometheus/collectable.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "http/basic_auth.h"
#include "http/http_server.h"
#include "http/web_config.h"

namespace sdx {

class WebListener {
 public:
  // `add_routes` registers the routes on each server this listener starts.
  // `web_config_file` empty: plain HTTP, no auth, nothing watched.
  WebListener(std::string listen_address, std::string web_config_file,
              std::function<void(HttpServer&)> add_routes);
  ~WebListener();
  WebListener(const WebListener&) = delete;
  WebListener& operator=(const WebListener&) = delete;

  // Reads the web config and starts serving; false with `error` set (the
  // config's FILE:LINE:COLUMN messages, or why it cannot listen).
  bool start(std::string& error);
  void stop();

  // Connection and web config self metrics; stays valid across restarts.
  std::shared_ptr<const prometheus::Collectable> collectable() const;

  // Checks the file now (the watcher does it every second); true when it
  // applied a change. For tests.
  bool check_for_change();

  struct Metrics;

 private:
  // What a request is checked against; swapped whole on a change.
  struct Access {
    ClientAuth client_auth = ClientAuth::no_client_cert;
    std::shared_ptr<const BasicAuth> basic_auth;
  };
  std::unique_ptr<HttpServer> make_server(const WebConfig& config);
  void set_access(const WebConfig& config);
  void watch_loop();

  const std::string listen_address_;
  const std::string web_config_file_;
  const std::function<void(HttpServer&)> add_routes_;
  std::shared_ptr<Metrics> metrics_;

  std::mutex access_mutex_;
  std::shared_ptr<const Access> access_;

  std::mutex server_mutex_;  // server_, config_, file_text_
  std::unique_ptr<HttpServer> server_;
  WebConfig config_;
  std::string file_text_;

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace sdx
