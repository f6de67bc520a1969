#include "app/landing_page.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <set>

namespace sdx {
namespace {

constexpr std::string_view kPrefix = "stream_disconnect_exporter_";
// events_total's results, in column order.
constexpr std::array<std::string_view, 4> kResults = {"disconnect", "push", "parse_error",
                                                      "filtered"};
// Families shown in their own columns, not again under "details".
constexpr std::array<std::string_view, 2> kOwnColumns = {"events_total",
                                                         "last_event_timestamp_seconds"};

constexpr std::string_view kStyle =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em;"
    "color:#1d2330;background:#f7f8fa}"
    "h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.6em 0 .5em}"
    ".meta{color:#5b6476}nav a{margin-right:1.2em}"
    "table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px #0002}"
    "th,td{text-align:left;padding:.35em .7em;border-bottom:1px solid #e3e6eb;vertical-align:top}"
    "th{background:#eef1f5;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "code{font:12px ui-monospace,monospace;word-break:break-all}.empty{color:#5b6476}"
    ".bad{color:#a5261b}details{margin-top:.3em}summary{cursor:pointer;color:#3a5ba0}";

double sample_value(const prometheus::MetricFamily& family, const prometheus::ClientMetric& m) {
  switch (family.type) {
    case prometheus::MetricType::Counter:
      return m.counter.value;
    case prometheus::MetricType::Gauge:
      return m.gauge.value;
    case prometheus::MetricType::Untyped:
      return m.untyped.value;
    default:
      return NAN;
  }
}

const std::string* label(const prometheus::ClientMetric& m, std::string_view name) {
  for (const auto& l : m.label) {
    if (l.name == name) return &l.value;
  }
  return nullptr;
}

std::string number(double value) {
  if (std::isnan(value)) return "–";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
  return fmt::format("{:.3g}", value);
}

std::string utc(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", tm);
}

// One source's samples of every self-metric family, by short family name.
struct SourceFigures {
  std::map<std::string, double> events;  // by result
  double last_event = NAN;
  std::vector<std::pair<std::string, std::string>> lag;      // name, value
  std::vector<std::pair<std::string, std::string>> details;  // name{labels}, value
};

std::map<std::string, SourceFigures> figures_by_source(
    const std::vector<prometheus::MetricFamily>& families) {
  std::map<std::string, SourceFigures> out;
  for (const auto& family : families) {
    std::string_view name = family.name;
    if (!name.starts_with(kPrefix)) continue;
    name.remove_prefix(kPrefix.size());
    for (const auto& m : family.metric) {
      const std::string* source = label(m, "source");
      if (source == nullptr) continue;
      SourceFigures& f = out[*source];
      const double value = sample_value(family, m);
      if (name == "events_total") {
        if (const std::string* result = label(m, "result")) f.events[*result] += value;
        continue;
      }
      if (name == "last_event_timestamp_seconds") {
        f.last_event = value;
        continue;
      }
      std::string shown(name);
      std::string labels;
      for (const auto& l : m.label) {
        if (l.name == "source") continue;
        labels += (labels.empty() ? "" : ",") + l.name + "=\"" + l.value + "\"";
      }
      if (!labels.empty()) shown += "{" + labels + "}";
      const bool is_lag = name.find("lag") != std::string_view::npos ||
                          name.find("backlog") != std::string_view::npos ||
                          name.find("unread") != std::string_view::npos;
      (is_lag ? f.lag : f.details).emplace_back(std::move(shown), number(value));
    }
  }
  return out;
}

void sources_section(std::string& html, const StatusPageData& data) {
  html += "<h2>Sources</h2>\n";
  if (data.sources.empty()) {
    html += "<p class=\"empty\">No sources configured.</p>\n";
    return;
  }
  const auto figures = figures_by_source(data.self_metrics);
  html += "<table id=\"sources\"><tr><th>source</th><th>type</th><th>reads</th>";
  for (auto result : kResults) html += fmt::format("<th>{}</th>", result);
  html += "<th>last event</th><th>lag / backlog</th></tr>\n";
  for (const auto& source : data.sources) {
    auto it = figures.find(source.name);
    const SourceFigures empty;
    const SourceFigures& f = it != figures.end() ? it->second : empty;
    html +=
        fmt::format("<tr data-source=\"{0}\"><td><b>{0}</b></td><td>{1}</td><td><code>{2}</code>",
                    html_escape(source.name), html_escape(source.type), html_escape(source.reads));
    if (!f.details.empty()) {
      html += "<details><summary>self metrics</summary><table>";
      for (const auto& [name, value] : f.details) {
        html += fmt::format("<tr><td><code>{}</code></td><td class=\"n\">{}</td></tr>",
                            html_escape(name), html_escape(value));
      }
      html += "</table></details>";
    }
    html += "</td>";
    for (auto result : kResults) {
      auto e = f.events.find(std::string(result));
      html += fmt::format("<td class=\"n\" data-result=\"{}\">{}</td>", result,
                          e == f.events.end() ? "0" : number(e->second));
    }
    if (std::isnan(f.last_event) || f.last_event <= 0) {
      html += "<td class=\"empty\">none yet</td>";
    } else {
      const auto now = std::chrono::duration<double>(data.now.time_since_epoch()).count();
      const auto age =
          std::chrono::seconds(static_cast<int64_t>(std::max(0.0, now - f.last_event)));
      html += fmt::format("<td>{} ago</td>", format_age(age));
    }
    html += "<td>";
    if (f.lag.empty()) html += "<span class=\"empty\">–</span>";
    for (const auto& [name, value] : f.lag) {
      html += fmt::format("<code>{}</code> {}<br>", html_escape(name), html_escape(value));
    }
    html += "</td></tr>\n";
  }
  html += "</table>\n";
}

void categories_section(std::string& html, const StatusPageData& data) {
  html += "<h2>Disconnects by category</h2>\n";
  std::vector<std::pair<std::string, uint64_t>> rows;
  for (const auto& [category, count] : data.disconnects_by_category) {
    if (count > 0) rows.emplace_back(category, count);
  }
  if (rows.empty()) {
    html += "<p class=\"empty\">No disconnects counted yet.</p>\n";
    return;
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  html += "<table id=\"categories\"><tr><th>category</th><th>disconnects</th></tr>\n";
  for (const auto& [category, count] : rows) {
    html += fmt::format("<tr data-category=\"{0}\"><td>{0}</td><td class=\"n\">{1}</td></tr>\n",
                        html_escape(category), count);
  }
  html += "</table>\n";
}

void parse_errors_section(std::string& html, const StatusPageData& data) {
  html += "<h2>Recent parse errors</h2>\n";
  if (data.parse_errors.empty()) {
    html += "<p class=\"empty\">None since start.</p>\n";
    return;
  }
  html +=
      "<table id=\"parse-errors\"><tr><th>when</th><th>source</th><th>reason</th><th>line "
      "(secrets masked)</th></tr>\n";
  for (const auto& e : data.parse_errors) {
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(data.now - e.when);
    html += fmt::format(
        "<tr><td>{} ago</td><td>{}</td><td class=\"bad\">{}</td><td><code>{}</code></td></tr>\n",
        format_age(std::max(age, std::chrono::seconds(0))), html_escape(e.source),
        html_escape(e.reason), html_escape(e.excerpt));
  }
  html += "</table>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_age(std::chrono::seconds age) {
  const int64_t s = age.count();
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m {}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h {}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d {}h", s / 86400, s % 86400 / 3600);
}

std::string status_page_html(const StatusPageData& data) {
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(data.now - data.started);
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"refresh\" content=\"10\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<title>Stream Disconnect Exporter</title><style>{}</style></head>\n<body>\n"
      "<h1>Stream Disconnect Exporter</h1>\n"
      "<p class=\"meta\">Classifies live-stream push interruptions by errcode and sub_errcode. "
      "Version <b id=\"version\">{}</b> · up <b id=\"uptime\">{}</b> (since {}) · config "
      "<code>{}</code> · page of {}, refreshed every 10 s</p>\n"
      "<nav><a href=\"{}\">Metrics</a><a href=\"/-/healthy\">Health</a>"
      "<a href=\"/-/ready\">Readiness</a>"
      "<a href=\"https://github.com/prometheus/exporter-toolkit/blob/master/docs/"
      "web-configuration.md\">Web config format</a></nav>\n"
      "<p class=\"meta\">Documentation: <code>man stream_disconnect_exporter</code>, "
      "<code>stream_disconnect_exporter --help</code> and the README.</p>\n",
      kStyle, SDX_VERSION, format_age(uptime), utc(data.started), html_escape(data.config_path),
      utc(data.now), html_escape(data.telemetry_path));
  sources_section(html, data);
  categories_section(html, data);
  parse_errors_section(html, data);
  html += "</body></html>\n";
  return html;
}

}  // namespace sdx
