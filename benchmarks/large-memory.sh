#!/usr/bin/env bash
# Heap and RSS of the gateway while large messages are in flight (issue #11), on loopback only.
# The gateway runs with -Xmx256m and forwards to SmtpSink (spool.fsync true). For each case,
# N clients send one message of SIZE bytes each, all at once; while they are in flight the
# gateway's heap used after a full GC (over JMX, HeapProbe) and its RSS are sampled every
# second; the maxima are reported beside the target 64 MiB + 64 KiB per connection.
#
# usage: benchmarks/large-memory.sh [CASE...]     CASE = CONNECTIONSxBYTES, default
#                                                  64x16777216 200x1048576
# env:   GW_JAVA_OPTS (default -Xmx256m); KEEP=1 keep the work dir; BASE_PORT (default 24525)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(64x16777216 200x1048576)
BASE_PORT=${BASE_PORT:-24525}
GW_PORT=$BASE_PORT
SINK_PORT=$((BASE_PORT + 1))
GW_ADMIN=$((BASE_PORT + 2))
JMX_PORT=$((BASE_PORT + 3))
GW_JAVA_OPTS=${GW_JAVA_OPTS:--Xmx256m}
WORK=$(mktemp -d /tmp/large-memory.XXXXXX)
cleanup() { stop_all; [ "${KEEP:-0}" = 1 ] && log "work dir kept: $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -f "$BENCH_JAR" ] || die "$BENCH_JAR missing: build with mvn -B -o -q -DskipTests package"

log "machine: $(machine_info)"
java -Xmx256m -cp "$BENCH_JAR" dev.mailgateway.bench.SmtpSink --port "$SINK_PORT" --max-seconds 3600 \
  >"$WORK/sink.out" 2>&1 &
STARTED_PIDS+=($!)
wait_line "$WORK/sink.out" '^LISTENING' 30 || die "sink did not start"
start_gateway "\"limits\": { \"maxConnectionsPerIp\": 1000 }" \
  -Dcom.sun.management.jmxremote.port="$JMX_PORT" -Dcom.sun.management.jmxremote.rmi.port="$JMX_PORT" \
  -Dcom.sun.management.jmxremote.host=127.0.0.1 -Djava.rmi.server.hostname=127.0.0.1 \
  -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false

heap_used_kb() { java -cp "$BENCH_JAR" dev.mailgateway.bench.HeapProbe "$JMX_PORT" | awk '/HEAP_USED_KB/ {print $2}'; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$GW_PID/status"; }

for c in "${CASES[@]}"; do
  N=${c%x*}
  SIZE=${c#*x}
  sleep 2
  H0=$(heap_used_kb); R0=$(rss_kb)
  log "case $N x $SIZE bytes: heap after GC before ${H0} KiB, RSS ${R0} KiB"
  java -Xmx1g -cp "$BENCH_JAR" dev.mailgateway.bench.LoadTool --host 127.0.0.1 --port "$GW_PORT" \
    -c "$N" -m "$N" -s "$SIZE" -d 600 --reply-timeout 600 >"$WORK/load-$c.out" 2>&1 &
  LOAD_PID=$!
  STARTED_PIDS+=("$LOAD_PID")
  HMAX=0; RMAX=0; SAMPLES=0
  while kill -0 "$LOAD_PID" 2>/dev/null; do
    H=$(heap_used_kb || echo 0); R=$(rss_kb)
    [ -n "$H" ] && [ "$H" -gt "$HMAX" ] && HMAX=$H
    [ "$R" -gt "$RMAX" ] && RMAX=$R
    SAMPLES=$((SAMPLES + 1))
    sleep 1
  done
  wait "$LOAD_PID" || true
  RESULT=$(grep '^{' "$WORK/load-$c.out" | tail -1)
  OOM=$(grep -c OutOfMemoryError "$WORK/gateway/gateway.log" || true)
  awk -v n="$N" -v s="$SIZE" -v h="$HMAX" -v r="$RMAX" -v k="$SAMPLES" -v oom="$OOM" 'BEGIN {
    printf "LARGE %dx%d samples=%d heap_used_after_gc_max_mb=%.1f target_mb=%.1f rss_max_mb=%.1f oom_lines=%d\n",
      n, s, k, h/1024, 64 + n*64/1024, r/1024, oom }'
  echo "load: $RESULT"
done
