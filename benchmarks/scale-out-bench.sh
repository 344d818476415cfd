#!/usr/bin/env bash
# Scale-out costs, on loopback only (BENCHMARKS.md "Scale-out"):
#   A. one gateway, rate limits off / on (local windows) / on (Redis on loopback), limits set
#      so high they never refuse: max accept rate (new connection per message), then at half of
#      each variant's max: accept latency (final dot -> 250) and MAIL FROM latency (MAIL -> 250,
#      where the limit is checked) p50/p99, and gateway CPU per message
#   B. two gateways behind HAProxy (send-proxy-v2, benchmarks/cluster-local.sh) vs variant
#      "off" of A: max accept rate and CPU of gateways + haproxy per message
# Every gateway forwards to SmtpSink (spool.fsync true).
#
# usage: benchmarks/scale-out-bench.sh [--connections 20] [--messages 10000] [--latency-seconds 15]
# env:   BASE_PORT (default 25525; uses BASE..BASE+3 and BASE+10..BASE+15), WARMUP (default 10000),
#        KEEP=1 keep the work dir
# needs: redis-server, haproxy, both jars (mvn -B -o -q -DskipTests package)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

CONNS=20
MSGS=10000
LAT_SECS=15
WARMUP=${WARMUP:-10000}
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) CONNS=$2; shift 2 ;;
    --messages) MSGS=$2; shift 2 ;;
    --latency-seconds) LAT_SECS=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done

BASE_PORT=${BASE_PORT:-25525}
GW_PORT=$BASE_PORT; SINK_PORT=$((BASE_PORT+1)); GW_ADMIN=$((BASE_PORT+2)); REDIS_PORT=$((BASE_PORT+3))
CLUSTER_BASE=$((BASE_PORT+10))
[ -f "$BENCH_JAR" ] || die "$BENCH_JAR missing: run mvn -B -o -q -DskipTests package first"
for p in $GW_PORT $SINK_PORT $GW_ADMIN $REDIS_PORT $CLUSTER_BASE; do port_free "$p" || die "port $p is in use (set BASE_PORT)"; done
REDIS_BIN=$(command -v redis-server || echo /usr/bin/redis-server)
[ -x "$REDIS_BIN" ] || die "redis-server not installed: apt-get install -y redis-server"

WORK=$(mktemp -d /tmp/mgw-scale.XXXXXX)
cleanup() {
  set +e
  [ -f "$WORK/cluster/pids" ] && BASE_PORT=$CLUSTER_BASE "$HERE/cluster-local.sh" down "$WORK/cluster"
  stop_all
  if [ "${KEEP:-0}" = 1 ]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LOAD=(java -Xmx1g -Dbench.threads=1 -cp "$BENCH_JAR" dev.mailgateway.bench.LoadTool --host 127.0.0.1)
log "machine: $(machine_info)"
java -Xmx512m -cp "$BENCH_JAR" dev.mailgateway.bench.SmtpSink --port "$SINK_PORT" --max-seconds 7200 \
  --print-every 60 >"$WORK/sink.out" 2>&1 &
STARTED_PIDS+=($!)
wait_line "$WORK/sink.out" '^LISTENING' 30 || die "sink did not start"
"$REDIS_BIN" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
  </dev/null >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
STARTED_PIDS+=("$REDIS_PID")
wait_port "$REDIS_PORT" 10 || die "redis-server not listening"

HIGH=1000000000
LIMITS_ON="\"enabled\": true, \"maxPerHour\": $HIGH, \"maxPerDay\": $HIGH, \"globalMaxPerHour\": $HIGH, \"globalMaxPerDay\": $HIGH"
ms_per_msg() { awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", (n > 0 ? t * 1000 / hz / n : 0) }'; }

# run_max PORT LABEL PIDS...: warm-up, then the max-rate run; prints the JSON line, sets MAX_RATE/CPU_MS
run_max() {
  local port=$1 label=$2; shift 2
  "${LOAD[@]}" --port "$port" -c "$CONNS" -m "$WARMUP" -s 4096 -d 300 >"$WORK/$label.warm" 2>&1 || true
  local t0 t1
  t0=$(cpu_ticks "$@")
  "${LOAD[@]}" --port "$port" -c "$CONNS" -m "$MSGS" -s 4096 -d 300 >"$WORK/$label.max" 2>&1
  t1=$(cpu_ticks "$@")
  MAX_JSON=$(grep '^{' "$WORK/$label.max" | tail -1)
  MAX_RATE=$(json_field "$MAX_JSON" acceptedPerSec)
  CPU_MS=$(ms_per_msg $((t1 - t0)) "$(json_field "$MAX_JSON" accepted)")
}

variant() { # NAME RATE_LIMITS_JSON
  local name=$1 limits=$2
  start_gateway "\"rateLimits\": { $limits }"
  run_max "$GW_PORT" "$name" "$GW_PID" "$REDIS_PID"
  local max_json=$MAX_JSON max_rate=$MAX_RATE cpu=$CPU_MS half
  half=$(awk -v r="$max_rate" 'BEGIN{printf "%d", r/2}')
  "${LOAD[@]}" --port "$GW_PORT" -c "$CONNS" -m $((half * LAT_SECS)) -s 4096 --rate "$half" \
    -d $((LAT_SECS * 3 + 30)) >"$WORK/$name.half" 2>&1
  local hj
  hj=$(grep '^{' "$WORK/$name.half" | tail -1)
  printf 'A %-6s max %7.1f msgs/s (errors %s)  cpu %s ms/msg (gateway+redis)  at %d/s: accept p50 %s p99 %s ms, MAIL FROM p50 %s p99 %s ms (errors %s)\n' \
    "$name" "$max_rate" "$(json_field "$max_json" failed)" "$cpu" "$half" \
    "$(json_field "$hj" p50Ms)" "$(json_field "$hj" p99Ms)" "$(json_field "$hj" mailP50Ms)" \
    "$(json_field "$hj" mailP99Ms)" "$(json_field "$hj" failed)" | tee -a "$WORK/results"
  stop_pid "$GW_PID"
}

log "A. one gateway: rate limits off / local / redis"
variant off "\"enabled\": false"
variant local "$LIMITS_ON"
variant redis "$LIMITS_ON, \"redis\": { \"uri\": \"redis://127.0.0.1:$REDIS_PORT/0\", \"keyPrefix\": \"bench:\" }"
ONE_RATE=$(awk '/^A off/ {print $4}' "$WORK/results")
ONE_CPU=$(awk '/^A off/ {for (i=1;i<=NF;i++) if ($i=="cpu") print $(i+1)}' "$WORK/results")

log "B. two gateways behind HAProxy (limits off)"
FORWARD_HOST=127.0.0.1 FORWARD_PORT=$SINK_PORT BASE_PORT=$CLUSTER_BASE "$HERE/cluster-local.sh" up "$WORK/cluster" >/dev/null
mapfile -t CPIDS < <(awk '$2 ~ /^(gateway|haproxy)/ {print $1}' "$WORK/cluster/pids")
run_max "$CLUSTER_BASE" cluster "${CPIDS[@]}"
printf 'B 2 gateways + haproxy: max %7.1f msgs/s (errors %s), cpu %s ms/msg (both gateways + haproxy);  1 gateway direct: %s msgs/s, cpu %s ms/msg\n' \
  "$MAX_RATE" "$(json_field "$MAX_JSON" failed)" "$CPU_MS" "$ONE_RATE" "$ONE_CPU" | tee -a "$WORK/results"
echo
cat "$WORK/results"
