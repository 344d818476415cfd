#!/usr/bin/env bash
# Issue #12: a backlog built while the only upstream is down, then a restart, on loopback only.
#   1. the gateway forwards to SINK_PORT where nothing listens (upstream down), default
#      queueSize (1000) and spool.maxMessages; LoadTool sends N messages: every one must get 250
#   2. heap used after full GCs (HeapProbe over JMX) with N waiting, minus the heap before the load
#   3. SIGTERM, restart on the same spool: time to listening, "recovered" log line, heap after GC
#   4. the sink starts: time until all N are delivered and the spool is empty
#
# usage: benchmarks/outage-backlog.sh [--messages 100000] [--size 1024] [--connections 20]
# env:   GW_JAVA_OPTS  extra JVM options for the gateway (default -Xmx1g); KEEP=1 keep the work
#        dir; BASE_PORT first of 4 loopback ports (default 24525). spool.fsync is true (lib.sh)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

MSGS=100000
SIZE=1024
CONNS=20
while [ $# -gt 0 ]; do
  case "$1" in
    --messages) MSGS=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done

BASE_PORT=${BASE_PORT:-24525}
GW_PORT=$BASE_PORT; SINK_PORT=$((BASE_PORT+1)); GW_ADMIN=$((BASE_PORT+2)); JMX_PORT=$((BASE_PORT+3))
GW_JAVA_OPTS=${GW_JAVA_OPTS:--Xmx1g}
GW_QUEUE_SIZE=1000 # the default: the dispatch window, not a bound on what is accepted
[ -f "$BENCH_JAR" ] || die "$BENCH_JAR missing: run mvn -B -o -q -DskipTests package first"
[ -f "$GW_JAR" ] || die "$GW_JAR missing: run mvn -B -o -q -DskipTests package first"
for p in $GW_PORT $SINK_PORT $GW_ADMIN $JMX_PORT; do port_free "$p" || die "port $p is in use (set BASE_PORT)"; done

WORK=$(mktemp -d /tmp/mgw-backlog.XXXXXX)
cleanup() {
  set +e
  stop_all
  if [ "${KEEP:-0}" = 1 ]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

JMX=(-Dcom.sun.management.jmxremote.port="$JMX_PORT" -Dcom.sun.management.jmxremote.rmi.port="$JMX_PORT"
  -Dcom.sun.management.jmxremote.host=127.0.0.1 -Djava.rmi.server.hostname=127.0.0.1
  -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false)
EXTRA="\"workerCount\": 5"
heap_used_kb() { java -cp "$BENCH_JAR" dev.mailgateway.bench.HeapProbe "$JMX_PORT" | awk '/HEAP_USED_KB/ {print $2}'; }
queued() { curl -s "http://127.0.0.1:$GW_ADMIN/metrics" | sed -E 's/.*"queued_emails":([0-9]+).*/\1/'; }
now_ms() { date +%s%3N; }

log "machine: $(machine_info)"
log "1. upstream down (nothing on $SINK_PORT); $MSGS msgs x $SIZE B over $CONNS connections"
start_gateway "$EXTRA" "${JMX[@]}"
sleep 2
H0=$(heap_used_kb)
java -Xmx1g -Dbench.threads=1 -cp "$BENCH_JAR" dev.mailgateway.bench.LoadTool --host 127.0.0.1 --port "$GW_PORT" \
  -c "$CONNS" -m "$MSGS" -s "$SIZE" -d 900 2>"$WORK/load.err" | tee "$WORK/load.out"
LOAD_JSON=$(grep '^{' "$WORK/load.out" | tail -1)
for i in $(seq 1 600); do [ "$(queued)" -ge "$MSGS" ] && break; sleep 0.5; done
Q=$(queued)
sleep 2
H1=$(heap_used_kb)
echo "BACKLOG accepted=$(json_field "$LOAD_JSON" accepted) failed=$(json_field "$LOAD_JSON" failed) queued=$Q"
awk -v n="$Q" -v h0="$H0" -v h1="$H1" 'BEGIN {
  printf "HEAP_LIVE waiting=%d heap_before_mb=%.1f heap_with_backlog_mb=%.1f bytes_per_waiting_msg=%.0f\n",
    n, h0/1024, h1/1024, (n>0 ? (h1-h0)*1024/n : 0) }'
curl -s "http://127.0.0.1:$GW_ADMIN/admin/queue" | head -c 600; echo

log "2. restart on the same spool"
stop_pid "$GW_PID"
T0=$(now_ms)
start_gateway "$EXTRA" "${JMX[@]}"
T1=$(now_ms)
RECOVERED=$(grep -oE 'recovered [0-9]+ live messages' "$WORK/gateway/gateway.log" | tail -1)
sleep 2
H2=$(heap_used_kb)
H2BASE=${H0}
awk -v n="$Q" -v ms=$((T1 - T0)) -v h0="$H2BASE" -v h2="$H2" -v rec="$RECOVERED" 'BEGIN {
  printf "RESTART startup_to_listening_ms=%d (%s) heap_after_recovery_mb=%.1f bytes_per_waiting_msg=%.0f\n",
    ms, rec, h2/1024, (n>0 ? (h2-h0)*1024/n : 0) }'

log "3. upstream back: the sink starts"
T2=$(now_ms)
java -Xmx512m -cp "$BENCH_JAR" dev.mailgateway.bench.SmtpSink --port "$SINK_PORT" --max-seconds 1800 \
  --print-every 10 --exit-after "$Q" >"$WORK/sink.out" 2>&1 &
SINK_PID=$!
STARTED_PIDS+=("$SINK_PID")
wait_exit "$SINK_PID" 1800 || die "not all $Q delivered: $(tail -2 "$WORK/sink.out")"
T3=$(now_ms)
for i in $(seq 1 120); do [ "$(queued)" -eq 0 ] && break; sleep 0.5; done
echo "DELIVERED $(grep '^{' "$WORK/sink.out" | tail -1) in $(( (T3 - T2) / 1000 )) s; spool live now $(queued)"
FAILED=$(find "$WORK/gateway/emails/failed" -name '*.json' 2>/dev/null | wc -l)
echo "FAILED_STORE $FAILED"
