#!/usr/bin/env bash
# Our own load tool against the gateway, on loopback only:
#   1. max accept rate: LoadTool as fast as it goes (C connections, a new connection per message)
#   2. accept latency p50/p99/p99.9 at a fixed rate of half that maximum
#   3. 10,000 idle connections: heap used (after a full GC) before and while they are held,
#      reported per connection, plus the RSS growth
# The gateway forwards to SmtpSink (spool.fsync true); limits are raised for step 3.
#
# usage: benchmarks/load-run.sh [--connections 20] [--messages 20000] [--size 4096]
#                               [--idle 10000] [--latency-seconds 20] [--skip-idle]
# env:   GW_JAVA_OPTS  extra JVM options for the gateway; KEEP=1 keep the work dir;
#        WARMUP        warm-up messages before step 1 (default 30000: C2 settles slowly on 2 cores)
#        BASE_PORT     first of 3 loopback ports (default 23525)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

CONNS=20
MSGS=20000
SIZE=4096
IDLE=10000
LAT_SECS=20
SKIP_IDLE=0
WARMUP=${WARMUP:-30000}
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) CONNS=$2; shift 2 ;;
    --messages) MSGS=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --idle) IDLE=$2; shift 2 ;;
    --latency-seconds) LAT_SECS=$2; shift 2 ;;
    --skip-idle) SKIP_IDLE=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done

BASE_PORT=${BASE_PORT:-23525}
GW_PORT=$BASE_PORT; SINK_PORT=$((BASE_PORT+1)); GW_ADMIN=$((BASE_PORT+2)); JMX_PORT=$((BASE_PORT+3))
[ -f "$BENCH_JAR" ] || die "$BENCH_JAR missing: run mvn -B -o -q -DskipTests package first"
[ -f "$GW_JAR" ] || die "$GW_JAR missing: run mvn -B -o -q -DskipTests package first"
for p in $GW_PORT $SINK_PORT $GW_ADMIN $JMX_PORT; do port_free "$p" || die "port $p is in use (set BASE_PORT)"; done

# 10k connections on each side plus the JVMs' own files
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$SKIP_IDLE" = 0 ] && [ "$(ulimit -n)" -lt $((IDLE + 1000)) ]; then
  die "ulimit -n is $(ulimit -n): need at least $((IDLE + 1000)) for --idle $IDLE (raise the hard limit)"
fi

WORK=$(mktemp -d /tmp/mgw-load.XXXXXX)
cleanup() {
  set +e
  stop_all
  if [ "${KEEP:-0}" = 1 ]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LOAD=(java -Xmx1g -Dbench.threads=1 -cp "$BENCH_JAR" dev.mailgateway.bench.LoadTool --host 127.0.0.1 --port "$GW_PORT")

log "machine: $(machine_info)"
java -Xmx512m -cp "$BENCH_JAR" dev.mailgateway.bench.SmtpSink --port "$SINK_PORT" --max-seconds 3600 \
  --print-every 10 >"$WORK/sink.out" 2>&1 &
STARTED_PIDS+=($!)
wait_line "$WORK/sink.out" '^LISTENING' 30 || die "sink did not start"

# limits raised for step 3; JMX on loopback only, for HeapProbe (jcmd's attach does not work on
# every machine)
start_gateway "\"limits\": { \"maxConnections\": $((IDLE + 2000)), \"maxConnectionsPerIp\": $((IDLE + 1000)), \"idleTimeoutSec\": 600 }" \
  -Dcom.sun.management.jmxremote.port="$JMX_PORT" -Dcom.sun.management.jmxremote.rmi.port="$JMX_PORT" \
  -Dcom.sun.management.jmxremote.host=127.0.0.1 -Djava.rmi.server.hostname=127.0.0.1 \
  -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false

log "warm-up: $WARMUP messages (not reported)"
"${LOAD[@]}" -c "$CONNS" -m "$WARMUP" -s "$SIZE" -d 120 >"$WORK/warmup.out" 2>&1 || true

log "1. max accept rate: $CONNS connections, $MSGS msgs x $SIZE B, a new connection per message"
"${LOAD[@]}" -c "$CONNS" -m "$MSGS" -s "$SIZE" -d 300 2>"$WORK/max.err" | tee "$WORK/max.out"
MAX_JSON=$(grep '^{' "$WORK/max.out" | tail -1)
MAX_RATE=$(json_field "$MAX_JSON" acceptedPerSec)
HALF=$(awk -v r="$MAX_RATE" 'BEGIN{printf "%d", r/2}')
[ "$HALF" -gt 0 ] || die "no messages accepted in the max-rate run"

LAT_MSGS=$(( HALF * LAT_SECS ))
log "2. accept latency at half of max: $HALF msgs/s for ~${LAT_SECS}s ($LAT_MSGS msgs)"
"${LOAD[@]}" -c "$CONNS" -m "$LAT_MSGS" -s "$SIZE" --rate "$HALF" -d $((LAT_SECS * 3 + 30)) \
  2>"$WORK/half.err" | tee "$WORK/half.out"
HALF_JSON=$(grep '^{' "$WORK/half.out" | tail -1)

heap_used_kb() { # used heap in KiB after full GCs, over JMX on loopback
  java -cp "$BENCH_JAR" dev.mailgateway.bench.HeapProbe "$JMX_PORT" | awk '/HEAP_USED_KB/ {print $2}'
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$GW_PID/status"; }

if [ "$SKIP_IDLE" = 0 ]; then
  log "3. $IDLE idle connections (EHLO answered, then silent)"
  sleep 2
  H0=$(heap_used_kb); R0=$(rss_kb)
  "${LOAD[@]}" --idle "$IDLE" -c 200 --hold 600 -d 300 >"$WORK/idle.out" 2>&1 &
  IDLE_PID=$!
  STARTED_PIDS+=("$IDLE_PID")
  wait_line "$WORK/idle.out" '^IDLE_READY' 320 || die "idle connections not established: $(tail -3 "$WORK/idle.out")"
  READY=$(grep '^IDLE_READY' "$WORK/idle.out" | awk '{print $2}')
  sleep 2
  H1=$(heap_used_kb); R1=$(rss_kb)
  stop_pid "$IDLE_PID"
  echo "idle: $(grep '^IDLE_READY' "$WORK/idle.out")"
  awk -v n="$READY" -v h0="$H0" -v h1="$H1" -v r0="$R0" -v r1="$R1" 'BEGIN {
    printf "IDLE connections=%d heap_used_before_mb=%.1f heap_used_held_mb=%.1f heap_per_conn_kb=%.2f rss_before_mb=%.1f rss_held_mb=%.1f rss_per_conn_kb=%.2f\n",
      n, h0/1024, h1/1024, (n>0 ? (h1-h0)/n : 0), r0/1024, r1/1024, (n>0 ? (r1-r0)/n : 0) }'
fi

echo
echo "MAX   $MAX_JSON"
echo "HALF  $HALF_JSON"
printf 'accept p50/p99/p99.9 at %s msgs/s (half of max %s): %s / %s / %s ms\n' "$HALF" "$MAX_RATE" \
  "$(json_field "$HALF_JSON" p50Ms)" "$(json_field "$HALF_JSON" p99Ms)" "$(json_field "$HALF_JSON" p999Ms)"
