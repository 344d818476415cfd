#!/usr/bin/env bash
# Postfix vs the gateway, side by side in one run, on loopback only.
#
#   smtp-source (Debian's postfix package) -> relay on 127.0.0.1 -> SmtpSink (counts, exits at N)
#
# Both relays get the same load from the same client: SESSIONS sessions, a new connection per
# message (smtp-source's default). End to end = from the client's start until the sink has every
# recipient. Relay CPU = utime+stime from /proc/<pid>/stat before/after (Postfix: master + every
# child, including reaped children via cutime/cstime; gateway: the java process).
#
# Postfix runs as a private instance (its own config, queue and data directories under a temp
# dir; the system Postfix, if any, is not touched) with its default durability (fsync per
# queue file), relayhost = the sink, DNS off. The gateway runs from
# gateway-server/target/mail-gateway.jar with spool.fsync true, forwarding to the sink.
#
# usage: benchmarks/compare-postfix.sh [--cases "4k 64k rcpt20"] [--relays "postfix gateway"]
#                                      [--sessions 20] [--scale 1.0] [--no-ceiling]
# env:   GW_JAVA_OPTS   extra JVM options for the gateway (e.g. -XX:StartFlightRecording=...)
#        KEEP=1         keep the work directory (configs, logs)   MAILLOG=1  Postfix maillog file
#        BASE_PORT      first of 4 loopback ports (default 22525)
#        GW_QUEUE_SIZE  the gateway's queueSize (default 1000: the dispatch window, see lib.sh)
#        WARMUP         warm-up messages per relay before the cases (default 40000)
# Cases: 4k = 4 KiB x 1 rcpt (the headline, 20000 msgs), 64k = 64 KiB x 1 rcpt (5000),
#        rcpt20 = 4 KiB x 20 rcpts (5000). --scale multiplies the message counts.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

CASES="4k 64k rcpt20"
RELAYS="postfix gateway"
SESSIONS=20
SCALE=1.0
CEILING=1
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) CASES=$2; shift 2 ;;
    --relays) RELAYS=$2; shift 2 ;;
    --sessions) SESSIONS=$2; shift 2 ;;
    --scale) SCALE=$2; shift 2 ;;
    --no-ceiling) CEILING=0; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done

BASE_PORT=${BASE_PORT:-22525}
PF_PORT=$BASE_PORT; GW_PORT=$((BASE_PORT+1)); SINK_PORT=$((BASE_PORT+2)); GW_ADMIN=$((BASE_PORT+3))
RUN_CAP=${RUN_CAP:-300}      # seconds any one run may take
# The JVM needs it: on 2 cores C2 is still compiling after 10,000 messages (39% of the gateway's
# CPU in the measured run) and has mostly settled after 40,000 (about 20 s). Postfix gets the
# same warm-up. WARMUP=10000 repeats the earlier, colder runs.
WARMUP=${WARMUP:-40000}

[ -f "$BENCH_JAR" ] || die "$BENCH_JAR missing: run mvn -B -o -q -DskipTests package first"
for p in $PF_PORT $GW_PORT $SINK_PORT $GW_ADMIN; do port_free "$p" || die "port $p is in use (set BASE_PORT)"; done

WORK=$(mktemp -d /tmp/mgw-compare.XXXXXX)
chmod 755 "$WORK"   # Postfix daemons (user postfix) must reach their data directory
PF_DIR=$WORK/postfix
PF_MASTER=""
cleanup() {
  set +e
  if [ -n "$PF_MASTER" ] && kill -0 "$PF_MASTER" 2>/dev/null; then
    postfix -c "$PF_DIR/conf" stop >/dev/null 2>&1
    wait_exit "$PF_MASTER" 10 || stop_pid "$PF_MASTER"
  fi
  stop_all
  if [ "${KEEP:-0}" = 1 ]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_postfix() {
  if command -v smtp-source >/dev/null && command -v postfix >/dev/null; then return; fi
  log "installing postfix from Debian's packages (No configuration)"
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -q >/dev/null
  apt-get install -y -q postfix >/dev/null
  command -v smtp-source >/dev/null || die "smtp-source still missing after installing postfix"
}

write_postfix_config() {
  mkdir -p "$PF_DIR/conf" "$PF_DIR/queue" "$PF_DIR/data"
  chown postfix "$PF_DIR/data"
  local logline="# no maillog_file: logs go to syslog (absent here), as on the reference runs"
  if [ "${MAILLOG:-0}" = 1 ]; then
    logline="maillog_file = $PF_DIR/data/maillog
maillog_file_prefixes = $PF_DIR"
  fi
  cat > "$PF_DIR/conf/main.cf" <<EOF
# A pure relay on loopback: everything to the sink, nothing delivered locally. Default durability.
compatibility_level = 3.6
queue_directory = $PF_DIR/queue
data_directory = $PF_DIR/data
mail_owner = postfix
setgid_group = postdrop
myhostname = relay.bench.invalid
mydomain = bench.invalid
myorigin = \$myhostname
mydestination =
local_recipient_maps =
local_transport = error:local delivery disabled
relay_domains =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
relayhost = [127.0.0.1]:$SINK_PORT
smtp_dns_support_level = disabled
biff = no
append_dot_mydomain = no
$logline
EOF
  # chroot off: a private instance has no chroot jail populated
  cat > "$PF_DIR/conf/master.cf" <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

start_postfix() {
  write_postfix_config
  postfix -c "$PF_DIR/conf" start </dev/null >"$WORK/postfix-start.log" 2>&1 \
    || die "postfix did not start: $(cat "$WORK/postfix-start.log")"
  wait_port "$PF_PORT" 30 || die "postfix not listening on $PF_PORT"
  PF_MASTER=$(tr -d ' ' < "$PF_DIR/queue/pid/master.pid")
  log "postfix $(postconf -d -h mail_version) master pid $PF_MASTER on 127.0.0.1:$PF_PORT"
}

stop_postfix() {
  [ -n "$PF_MASTER" ] || return 0
  postfix -c "$PF_DIR/conf" stop >/dev/null 2>&1 || true
  wait_exit "$PF_MASTER" 15 || stop_pid "$PF_MASTER"
  PF_MASTER=""
}

GW_PID=""
stop_gateway() {
  [ -n "$GW_PID" ] || return 0
  stop_pid "$GW_PID"
  GW_PID=""
}

# gateway_fsyncs: the gateway's spool fsync counter (admin /metrics).
gateway_fsyncs() {
  local m
  m=$(curl -s --max-time 5 "http://127.0.0.1:$GW_ADMIN/metrics" || true)
  m=$(grep -o '"fsyncs":[0-9]*' <<< "$m" | cut -d: -f2)
  echo "${m:-0}"
}

# relay_pids RELAY: the relay's live processes.
relay_pids() {
  case "$1" in
    postfix) descendants "$PF_MASTER" ;;
    gateway) echo "$GW_PID" ;;
    none) ;;
  esac
}

# relay_ticks RELAY: CPU ticks used so far by the relay's processes.
relay_ticks() {
  case "$1" in
    postfix) tree_cpu_ticks "$PF_MASTER" ;;
    gateway) cpu_ticks "$GW_PID" ;;
    none) echo 0 ;;
  esac
}

relay_port() {
  case "$1" in postfix) echo "$PF_PORT" ;; gateway) echo "$GW_PORT" ;; none) echo "$SINK_PORT" ;; esac
}

# run_load RELAY CASE SIZE RCPTS MSGS [quiet]: one bounded run; prints a RESULT line.
run_load() {
  local relay=$1 name=$2 size=$3 rcpts=$4 msgs=$5 quiet=${6:-}
  local want=$((msgs * rcpts)) sink_out="$WORK/sink-$relay-$name.out" sink_pid
  java -Xmx512m -cp "$BENCH_JAR" dev.mailgateway.bench.SmtpSink --port "$SINK_PORT" \
    --exit-after-rcpts "$want" --max-seconds "$RUN_CAP" >"$sink_out" 2>&1 &
  sink_pid=$!
  STARTED_PIDS+=("$sink_pid")
  wait_line "$sink_out" '^LISTENING' 30 || die "sink did not start: $(cat "$sink_out")"
  local cpu0 t0 t1 rc=0 split0 ctx0
  cpu0=$(relay_ticks "$relay")
  split0=$(cpu_split $(relay_pids "$relay"))
  ctx0=$(ctx_switches $(relay_pids "$relay"))
  local fs0=0
  if [ "$relay" = gateway ]; then
    thread_ticks "$GW_PID" > "$WORK/threads0"
    fs0=$(gateway_fsyncs)
  fi
  t0=$(date +%s%3N)
  timeout "$RUN_CAP" smtp-source -s "$SESSIONS" -l "$size" -m "$msgs" -r "$rcpts" \
    -f a@example.com -t b@example.com "127.0.0.1:$(relay_port "$relay")" \
    </dev/null >"$WORK/source-$relay-$name.out" 2>&1 || rc=$?
  t1=$(date +%s%3N)
  [ $rc -eq 0 ] || log "smtp-source exited $rc: $(tail -3 "$WORK/source-$relay-$name.out")"
  if ! wait_exit "$sink_pid" "$RUN_CAP"; then log "sink did not get everything within ${RUN_CAP}s"; fi
  local cpu1 summary got end e2e_ms split1 ctx1
  cpu1=$(relay_ticks "$relay")
  split1=$(cpu_split $(relay_pids "$relay"))
  ctx1=$(ctx_switches $(relay_pids "$relay"))
  local fs1=0
  if [ "$relay" = gateway ]; then
    thread_ticks "$GW_PID" > "$WORK/threads1"
    fs1=$(gateway_fsyncs)
  fi
  stop_pid "$sink_pid"
  summary=$(grep '^{' "$sink_out" | tail -1)
  got=$(json_field "$summary" recipients)
  end=$(json_field "$summary" targetReachedEpochMs)
  [ "${end:-0}" -gt 0 ] || end=$(json_field "$summary" lastMessageEpochMs)
  e2e_ms=$((end - t0))
  [ -n "$quiet" ] && return 0
  log "sink CPU (whole JVM life): $(json_field "$summary" cpuMs) ms"
  local line
  line=$(awk -v relay="$relay" -v name="$name" -v msgs="$msgs" -v rcpts="$rcpts" -v got="$got" \
      -v want="$want" -v e2e="$e2e_ms" -v acc=$((t1 - t0)) -v ticks=$((cpu1 - cpu0)) \
      -v hz="$CLK_TCK" -v size="$size" -v s0="$split0" -v s1="$split1" -v c0="$ctx0" -v c1="$ctx1" 'BEGIN {
    split(s0, a, " "); split(s1, b, " ")
    cpu = ticks / hz
    printf "RESULT relay=%s case=%s size=%d rcpts=%d msgs=%d sink_rcpts=%d/%d e2e_s=%.3f e2e_msgs_per_s=%.1f accept_s=%.3f accept_msgs_per_s=%.1f cpu_s=%.2f cpu_ms_per_msg=%.3f user_s=%.2f sys_s=%.2f ctxsw_per_msg=%.1f\n",
      relay, name, size, rcpts, msgs, got, want, e2e/1000, msgs*1000/e2e, acc/1000, msgs*1000/acc, cpu, cpu*1000/msgs,
      (b[1]-a[1])/hz, (b[2]-a[2])/hz, (c1-c0)/msgs
  }')
  echo "$line"
  echo "$line" >> "$RESULTS"
  if [ "$relay" = gateway ]; then
    awk -v f=$((fs1 - fs0)) -v m="$msgs" 'BEGIN { printf "  gateway spool fsyncs: %d, %.2f per message\n", f, f / m }'
    echo "  gateway CPU by thread ($name):"
    thread_cpu_diff "$WORK/threads0" "$WORK/threads1" "$msgs"
  fi
}

case_params() { # name -> "size rcpts msgs"
  local m
  case "$1" in
    4k) m=20000; echo "4096 1 $(awk -v m=$m -v s="$SCALE" 'BEGIN{printf "%d", m*s}')" ;;
    64k) m=5000; echo "65536 1 $(awk -v m=$m -v s="$SCALE" 'BEGIN{printf "%d", m*s}')" ;;
    rcpt20) m=5000; echo "4096 20 $(awk -v m=$m -v s="$SCALE" 'BEGIN{printf "%d", m*s}')" ;;
    *) die "unknown case $1 (4k, 64k, rcpt20)" ;;
  esac
}

ensure_postfix
log "machine: $(machine_info)"
log "work dir $WORK; sessions $SESSIONS; cases: $CASES; relays: $RELAYS"
RESULTS=$WORK/results.txt
: > "$RESULTS"

if [ "$CEILING" = 1 ]; then
  log "ceiling: smtp-source straight into the sink (no relay)"
  run_load none 4k-ceiling 4096 1 "$(case_params 4k | cut -d' ' -f3)"
fi
for relay in $RELAYS; do
  case "$relay" in
    postfix) start_postfix ;;
    gateway)
      start_gateway
      gateway_fsyncs >/dev/null # load the admin's classes now, not in the first measured case
      ;;
    *) die "unknown relay $relay" ;;
  esac
  log "$relay: warm-up, $WARMUP messages (not measured)"
  run_load "$relay" warmup 4096 1 "$WARMUP" quiet
  for c in $CASES; do
    read -r size rcpts msgs <<< "$(case_params "$c")"
    if [ "$c" != 4k ]; then
      # the 4k shape is what the warm-up ran; other shapes take new paths (larger bodies,
      # 20 RCPTs and 20-recipient batches), so each gets a warm-up of its own first
      log "$relay: warm-up for $c, $((msgs / 2)) messages (not measured)"
      run_load "$relay" "warmup-$c" "$size" "$rcpts" "$((msgs / 2))" quiet
    fi
    log "$relay: case $c ($msgs msgs x $size B x $rcpts rcpt, $SESSIONS sessions, new connection per message)"
    run_load "$relay" "$c" "$size" "$rcpts" "$msgs"
  done
  case "$relay" in postfix) stop_postfix ;; gateway) stop_gateway ;; esac
done

echo
echo "== summary (end to end = until the sink has every recipient; CPU = relay process(es) only)"
awk '
  /^RESULT/ { for (i=2;i<=NF;i++) { split($i,kv,"="); v[kv[1]]=kv[2] }
    key=v["case"]; r=v["relay"]
    rate[r,key]=v["e2e_msgs_per_s"]; cpu[r,key]=v["cpu_ms_per_msg"]; acc[r,key]=v["accept_msgs_per_s"]
    if (!(key in seen)) { seen[key]=1; order[++n]=key } }
  END {
    printf "%-12s %14s %14s %8s %16s %16s %10s\n", "case", "postfix msg/s", "gateway msg/s", "ratio", "postfix ms CPU", "gateway ms CPU", "CPU ratio"
    for (i=1;i<=n;i++) { k=order[i]
      if (k ~ /ceiling/) { printf "%-12s %14s %14s (no relay: %s msgs/s)\n", k, "-", "-", rate["none",k]; continue }
      p=rate["postfix",k]; g=rate["gateway",k]; pc=cpu["postfix",k]; gc=cpu["gateway",k]
      printf "%-12s %14s %14s %8s %16s %16s %10s\n", k, p==""?"-":p, g==""?"-":g,
        (p>0&&g>0)?sprintf("%.2fx",g/p):"-", pc==""?"-":pc, gc==""?"-":gc, (pc>0&&gc>0)?sprintf("1/%.1f",pc/gc):"-" }
  }' "$RESULTS"
