#!/bin/sh
# Webhook throughput and latency next to nginx, in the same run, with the
# same wrk command (keep-alive, -t2 -c50 -d10s, signed callback body):
#   1. the exporter's webhook with fsync: true (durable before the 200),
#   2. the same with fsync: false (page cache only: survives kill -9, not a
#      power cut),
#   3. nginx, one worker, `return 200` on loopback.
# Prints req/s, p99 and the webhook/nginx ratio (DESIGN: >= 0.5, p99 < 10 ms).
# Usage: bench/webhook_wrk.sh [BINARY] (default build/stream_disconnect_exporter)
# Env: DURATION (10s), THREADS (2), CONNECTIONS (50), SPOOL_DIR (default in
# the temp dir; point it at the disk you will deploy on).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
binary=${1:-$here/../build/stream_disconnect_exporter}
duration=${DURATION:-10s}
threads=${THREADS:-2}
connections=${CONNECTIONS:-50}

missing=""
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
if [ -n "$missing" ]; then
  echo "missing:$missing — install with: apt-get install -y$missing" >&2
  exit 1
fi
[ -x "$binary" ] || { echo "no exporter binary at $binary (build it first)" >&2; exit 1; }
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d /tmp/sdx-webhook-bench.XXXXXX)
pids=""
cleanup() {
  for pid in $pids; do kill "$pid" 2>/dev/null || true; done
  sleep 0.3
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
  i=0
  while ! python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 100 ] || { echo "nothing listens on $1" >&2; exit 1; }
    sleep 0.1
  done
}

key=bench-callback-key
path=/tencent/callback
# The official interruption example's shape; the sign covers only t.
export SDX_BODY_TEMPLATE=$(python3 - "$key" <<'PY'
import hashlib, json, sys, time
t = int(time.time()) + 3600
body = {"app": "push.example.com", "appid": 12345678, "appname": "live",
        "channel_id": "bench_stream", "errcode": 1,
        "errmsg": "The push client actively stopped the push", "event_time": t - 600,
        "event_type": 0, "height": 720, "idc_id": 34, "node": "10.0.0.1",
        "push_duration": "128581", "sequence": "SEQUENCE", "set_id": 2,
        "sign": hashlib.md5((sys.argv[1] + str(t)).encode()).hexdigest(),
        "stream_id": "bench_stream", "stream_param": "txSecret=0123456789abcdef&txTime=65A1B2C3",
        "t": t, "user_ip": "1.1.1.1", "width": 1280}
print(json.dumps(body, separators=(",", ":")))
PY
)
export SDX_PATH=$path

# Prints "req/s p99_ms" from one wrk run against $1 (URL).
run_wrk() {
  wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$here/webhook_wrk.lua" "$1" \
    > "$tmp/wrk.out" 2>&1 || { cat "$tmp/wrk.out" >&2; exit 1; }
  if grep -q "Non-2xx" "$tmp/wrk.out"; then
    echo "non-2xx answers:" >&2
    cat "$tmp/wrk.out" >&2
  fi
  awk '/Requests\/sec/ {rps=$2}
       $1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; p99=v}
       END {printf "%.0f %.2f\n", rps, p99}' "$tmp/wrk.out"
}

# $1: fsync true|false. Prints "req/s p99_ms".
bench_webhook() {
  hook_port=$(free_port)
  metrics_port=$(free_port)
  dir=$tmp/hook-$1
  mkdir -p "$dir"
  cat > "$dir/config.yaml" <<YAML
state_file: $dir/state.json
sources:
  - name: tencent
    type: webhook
    listen: "127.0.0.1:$hook_port"
    path: $path
    sign_key: $key
    fsync: $1
    spool_dir: ${SPOOL_DIR:-$dir/spool}-$1
YAML
  "$binary" --config.file="$dir/config.yaml" --web.listen-address="127.0.0.1:$metrics_port" \
    --log.level=warn 2> "$dir/exporter.log" &
  pid=$!
  pids="$pids $pid"
  wait_port "$hook_port"
  result=$(run_wrk "http://127.0.0.1:$hook_port$path")
  # Everything answered 200 is counted once the ingest has caught up.
  i=0
  while :; do
    counted=$(curl -s "http://127.0.0.1:$metrics_port/metrics" | awk '
      /^stream_disconnects_total/ {n+=$2}
      /^stream_disconnect_exporter_webhook_requests_total\{.*code="200"/ {a+=$2}
      END {printf "%.0f/%.0f", n, a}')
    [ "${counted%/*}" = "${counted#*/}" ] && break
    i=$((i + 1))
    [ $i -lt 100 ] || break
    sleep 0.2
  done
  # Group commit: mean fdatasync time and callbacks per commit.
  fsyncs=$(curl -s "http://127.0.0.1:$metrics_port/metrics" | awk '
    /^stream_disconnect_exporter_webhook_fsync_duration_seconds_sum/ {s=$2}
    /^stream_disconnect_exporter_webhook_fsync_duration_seconds_count/ {c=$2}
    END {if (c > 0) printf "%.2fms/%.0f", 1000*s/c, c; else printf "-"}')
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  echo "$result $counted $fsyncs"
}

bench_nginx() {
  port=$(free_port)
  mkdir -p "$tmp/nginx"
  cat > "$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$port;
    location / { default_type application/json; return 200 '{"code":0}'; }
  }
}
CONF
  "$nginx_bin" -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" 2> "$tmp/nginx/stderr.log" &
  pid=$!
  pids="$pids $pid"
  wait_port "$port"
  run_wrk "http://127.0.0.1:$port$path"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

echo "wrk -t$threads -c$connections -d$duration, keep-alive, signed $(printf %s "$SDX_BODY_TEMPLATE" | wc -c)-byte callback; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
set -- $(bench_webhook true); on_rps=$1 on_p99=$2 on_counted=$3 on_sync=$4
set -- $(bench_webhook false); off_rps=$1 off_p99=$2 off_counted=$3
set -- $(bench_nginx); ngx_rps=$1 ngx_p99=$2
printf '%-26s %10s %9s %8s %17s\n' target "req/s" "p99 ms" ratio "counted/answered"
printf '%-26s %10s %9s %8s %17s\n' "webhook, fsync on" "$on_rps" "$on_p99" \
  "$(awk "BEGIN {printf \"%.2f\", $on_rps / $ngx_rps}")" "$on_counted"
printf '%-26s %10s %9s %8s %17s\n' "webhook, fsync off" "$off_rps" "$off_p99" \
  "$(awk "BEGIN {printf \"%.2f\", $off_rps / $ngx_rps}")" "$off_counted"
printf '%-26s %10s %9s %8s %17s\n' "nginx (1 worker, return 200)" "$ngx_rps" "$ngx_p99" 1.00 -
echo "fsync on: ${on_sync%/*} per fdatasync on average, ${on_sync#*/} fdatasyncs, $(awk "BEGIN {split(\"$on_counted\", a, \"/\"); n=\"${on_sync#*/}\"; if (n > 0) printf \"%.1f\", a[2] / n; else printf \"-\"}") callbacks per group commit"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
