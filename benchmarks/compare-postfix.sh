#!/usr/bin/env bash
# Postfix vs the gateway, side by side in one run, on loopback only.
#
#   smtp-source (Debian's postfix package) -> relay on 127.0.0.1 -> smtp-sink (Postfix's, C)
#
# Both relays get the same load from the same client: SESSIONS sessions, a new connection per
# message (smtp-source's default), and relay to the same kind of upstream: Postfix's own C
# smtp-sink (a fresh one per run, on a free loopback port, stopped by its PID; its CPU per
# message is printed with each run, sink_cpu_ms_per_msg).
# End to end = from the client's start until the sink's counter has every message. Relay CPU =
# utime+stime from /proc/<pid>/stat before/after (Postfix: master + every child, including
# reaped children via cutime/cstime; gateway: the java process).
#
# Both relays run for the whole script; after their warm-ups the measured runs are interleaved
# (round 1: Postfix then gateway for each case, round 2: gateway then Postfix, ...), so the
# machine's drift hits both alike, and the summary gives medians over the rounds. The 1-minute
# load average is recorded at the start of every run.
#
# Postfix runs as a private instance (its own config, queue and data directories under a temp
# dir; the system Postfix, if any, is not touched) with its default durability (fsync per
# queue file), relayhost = the sink, DNS off, message_size_limit raised to 100 MiB. The gateway
# runs from gateway-server/target/mail-gateway.jar with spool.fsync true, forwarding to the sink.
#
# usage: benchmarks/compare-postfix.sh [--cases "4k 64k 1m 10m"] [--relays "postfix gateway"]
#                                      [--rounds 3] [--sessions 20] [--scale 1.0] [--no-ceiling]
# --no-ceiling skips the first runs, smtp-source straight into smtp-sink for each case.
# --relays "" runs the ceilings only; --relays "postfix gateway none" adds the ceiling (relay
# "none": the client straight into the sink) as a third side of every round.
# env:   GW_JAR         the gateway jar (default gateway-server/target/mail-gateway.jar)
#        GW_JAVA_OPTS   extra JVM options for the gateway (e.g. -XX:StartFlightRecording=...)
#        KEEP=1         keep the work directory (configs, logs)   MAILLOG=1  Postfix maillog file
#        BASE_PORT      first of 4 loopback ports (default 22525)
#        GW_QUEUE_SIZE  the gateway's queueSize (default 1000: the dispatch window, see lib.sh)
#        WARMUP         gateway warm-up messages (4 KiB) before the cases (default 40000)
#        PF_WARMUP      Postfix warm-up messages (4 KiB; C, no JIT: default 5000)
#        THREADS=1      print the gateway's CPU by thread after each of its runs
# Cases (messages per run): 4k = 4 KiB x 1 rcpt (the headline, 10000), 64k = 64 KiB (2000),
#        1m = 1 MiB (300), 10m = 10 MiB (60), rcpt20 = 4 KiB x 20 rcpts (3000). --scale
#        multiplies the counts. Each case other than 4k gets one warm-up of half its count per
#        relay before the first round.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

CASES="4k 64k 1m 10m"
RELAYS="postfix gateway"
SESSIONS=20
SCALE=1.0
ROUNDS=3
CEILING=1
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) CASES=$2; shift 2 ;;
    --relays) RELAYS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --sessions) SESSIONS=$2; shift 2 ;;
    --scale) SCALE=$2; shift 2 ;;
    --no-ceiling) CEILING=0; shift ;;
    -h|--help) sed -n '2,39p' "$0"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done

BASE_PORT=${BASE_PORT:-22525}
PF_PORT=$BASE_PORT; GW_PORT=$((BASE_PORT+1)); SINK_PORT=$((BASE_PORT+2)); GW_ADMIN=$((BASE_PORT+3))
RUN_CAP=${RUN_CAP:-300}      # seconds any one run may take
# The JVM needs it: on 2 cores C2 is still compiling after 10,000 messages (39% of the gateway's
# CPU in the measured run) and has mostly settled after 40,000 (about 20 s). Postfix is C: its
# warm-up only fills the page cache and starts its process pool.
WARMUP=${WARMUP:-40000}
PF_WARMUP=${PF_WARMUP:-5000}

[ -f "$GW_JAR" ] || die "$GW_JAR missing: run mvn -B -o -q -DskipTests package first"
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
  if command -v smtp-source >/dev/null && command -v postfix >/dev/null \
      && [ -x /usr/sbin/smtp-sink ]; then return; fi
  log "installing postfix from Debian's packages (No configuration)"
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -q >/dev/null
  apt-get install -y -q postfix >/dev/null
  command -v smtp-source >/dev/null || die "smtp-source still missing after installing postfix"
  [ -x /usr/sbin/smtp-sink ] || die "smtp-sink still missing after installing postfix"
  # The package may start the system instance: this script only wants its binaries. Stop the
  # system master if the install left one running (it would hold port 25 and use CPU).
  local pidf=/var/spool/postfix/pid/master.pid sys
  if [ -r "$pidf" ]; then
    sys=$(tr -d ' ' < "$pidf")
    if [ -n "$sys" ] && kill -0 "$sys" 2>/dev/null; then
      log "the install started the system Postfix (master pid $sys): stopping it"
      postfix stop >/dev/null 2>&1 || true
      wait_exit "$sys" 15 || stop_pid "$sys"
    fi
  fi
  if ! port_free 25; then log "warning: something still listens on 127.0.0.1:25"; fi
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
# the default (10,240,000 bytes) is below the 10 MiB case
message_size_limit = 104857600
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

# forget_pid PID: drop a PID that has ended from STARTED_PIDS (so the exit trap never signals
# a recycled PID).
forget_pid() {
  local keep=() p
  for p in "${STARTED_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  STARTED_PIDS=("${keep[@]}")
}

# start_sink OUT: Postfix's smtp-sink on 127.0.0.1:SINK_PORT, counters (-c) to OUT.
# Sets SINK_PID. It runs until stopped: stopping at a count (-M) would drop the connection
# before the last 250, and the relay would then retry that message into the next run.
SINK_PID=""
start_sink() {
  local out=$1 user=()
  [ "$(id -u)" = 0 ] && user=(-u postfix)   # smtp-sink refuses to run as root without -u
  /usr/sbin/smtp-sink "${user[@]}" -c -a -t 60 -m 512 "127.0.0.1:$SINK_PORT" 1024 \
    </dev/null >"$out" 2>"$out.err" &
  SINK_PID=$!
  STARTED_PIDS+=("$SINK_PID")
  wait_port "$SINK_PORT" 30 || die "smtp-sink did not start: $(cat "$out.err")"
}

# sink_watch OUT N ENDFILE: waits (bounded by RUN_CAP) until smtp-sink's counter in OUT shows
# N messages ("mesg=N", records end in CR), then writes the epoch ms to ENDFILE. Reads the
# counter file incrementally with bash builtins (no process per poll). Run it in the background.
sink_watch() {
  local out=$1 n=$2 endf=$3 rec part="" m deadline
  deadline=$(( $(date +%s) + RUN_CAP ))
  exec 3<"$out"
  [ -p "$WORK/tick" ] || mkfifo "$WORK/tick"
  exec 4<>"$WORK/tick"   # nothing is ever written: read -t on it is a 10 ms sleep without a fork
  while :; do
    if IFS= read -r -d $'\r' -u 3 rec; then
      rec=$part$rec; part=""
      m=${rec##*mesg=}; m=${m%% *}
      if [ "${m:-0}" -ge "$n" ] 2>/dev/null; then date +%s%3N > "$endf"; return 0; fi
    else
      part=$part$rec
      [ "$(date +%s)" -lt "$deadline" ] || { echo 0 > "$endf"; return 1; }
      read -r -t 0.01 -u 4 _ || true
    fi
  done
}

# sink_count OUT: the last message count smtp-sink printed.
sink_count() {
  tr '\r' '\n' < "$1" | awk '/mesg=/ { m=$0; sub(/.*mesg=/, "", m); sub(/ .*/, "", m); v=m } END { print v+0 }'
}

# run_load RELAY CASE SIZE RCPTS MSGS [quiet] [ROUND]: one bounded run; prints a RESULT line.
run_load() {
  local relay=$1 name=$2 size=$3 rcpts=$4 msgs=$5 quiet=${6:-} round=${7:-0}
  local tag="$relay-$name-r$round"
  local sink_out="$WORK/sink-$tag.out" endf="$WORK/sink-$tag.end" watch_pid
  start_sink "$sink_out"
  sink_watch "$sink_out" "$msgs" "$endf" &
  watch_pid=$!
  STARTED_PIDS+=("$watch_pid")
  local cpu0 t0 t1 rc=0 split0 ctx0 load0
  load0=$(cut -d' ' -f1 /proc/loadavg)
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
    </dev/null >"$WORK/source-$tag.out" 2>&1 || rc=$?
  t1=$(date +%s%3N)
  [ $rc -eq 0 ] || log "smtp-source exited $rc: $(tail -3 "$WORK/source-$tag.out")"
  wait "$watch_pid" || log "the sink did not get $msgs messages within ${RUN_CAP}s"
  forget_pid "$watch_pid"
  local cpu1 got end e2e_ms split1 ctx1 sink_ticks
  cpu1=$(relay_ticks "$relay")
  split1=$(cpu_split $(relay_pids "$relay"))
  ctx1=$(ctx_switches $(relay_pids "$relay"))
  local fs1=0
  if [ "$relay" = gateway ]; then
    thread_ticks "$GW_PID" > "$WORK/threads1"
    fs1=$(gateway_fsyncs)
  fi
  sink_ticks=$(cpu_ticks "$SINK_PID")
  stop_pid "$SINK_PID"
  forget_pid "$SINK_PID"
  got=$(sink_count "$sink_out")
  end=$(cat "$endf" 2>/dev/null || echo 0)
  [ "${end:-0}" -gt 0 ] || end=$t1
  e2e_ms=$((end - t0))
  [ "$e2e_ms" -gt 0 ] || e2e_ms=1
  [ -n "$quiet" ] && return 0
  local line
  line=$(awk -v relay="$relay" -v name="$name" -v msgs="$msgs" -v rcpts="$rcpts" -v got="$got" \
      -v e2e="$e2e_ms" -v acc=$((t1 - t0)) -v ticks=$((cpu1 - cpu0)) -v round="$round" \
      -v hz="$CLK_TCK" -v size="$size" -v s0="$split0" -v s1="$split1" -v c0="$ctx0" -v c1="$ctx1" \
      -v load="$load0" -v sinkt="$sink_ticks" 'BEGIN {
    split(s0, a, " "); split(s1, b, " ")
    cpu = ticks / hz; mib = msgs * size / 1048576
    printf "RESULT relay=%s case=%s round=%d load1=%s size=%d rcpts=%d msgs=%d sink_msgs=%d/%d e2e_s=%.3f e2e_msgs_per_s=%.1f e2e_mib_per_s=%.2f accept_s=%.3f accept_msgs_per_s=%.1f cpu_s=%.2f cpu_ms_per_msg=%.3f cpu_ms_per_mib=%.2f user_s=%.2f sys_s=%.2f ctxsw_per_msg=%.1f sink_cpu_ms_per_msg=%.3f\n",
      relay, name, round, load, size, rcpts, msgs, got, msgs, e2e/1000, msgs*1000/e2e, mib*1000/e2e,
      acc/1000, msgs*1000/acc, cpu, cpu*1000/msgs, cpu*1000/mib,
      (b[1]-a[1])/hz, (b[2]-a[2])/hz, (c1-c0)/msgs, sinkt*1000/hz/msgs
  }')
  echo "$line"
  echo "$line" >> "$RESULTS"
  if [ "$relay" = gateway ]; then
    awk -v f=$((fs1 - fs0)) -v m="$msgs" 'BEGIN { printf "  gateway spool fsyncs: %d, %.2f per message\n", f, f / m }'
    if [ "${THREADS:-0}" = 1 ]; then
      echo "  gateway CPU by thread ($name, round $round):"
      thread_cpu_diff "$WORK/threads0" "$WORK/threads1" "$msgs"
    fi
  fi
}

case_params() { # name -> "size rcpts msgs"
  local m s r=1
  case "$1" in
    4k) s=4096; m=10000 ;;
    64k) s=65536; m=2000 ;;
    1m) s=1048576; m=300 ;;
    10m) s=10485760; m=60 ;;
    rcpt20) s=4096; m=3000; r=20 ;;
    *) die "unknown case $1 (4k, 64k, 1m, 10m, rcpt20)" ;;
  esac
  echo "$s $r $(awk -v m=$m -v s="$SCALE" 'BEGIN{printf "%d", m*s}')"
}

ensure_postfix
log "machine: $(machine_info)"
log "work dir $WORK; sessions $SESSIONS; cases: $CASES; relays: $RELAYS; rounds: $ROUNDS"
RESULTS=$WORK/results.txt
: > "$RESULTS"

if [ "$CEILING" = 1 ]; then
  # what the client and the sink alone reach on this machine: no relay can beat it
  for c in $CASES; do
    read -r size rcpts msgs <<< "$(case_params "$c")"
    log "ceiling $c: smtp-source straight into smtp-sink (no relay)"
    run_load none "$c-ceiling" "$size" "$rcpts" "$msgs" "" 0
  done
fi
for relay in $RELAYS; do
  case "$relay" in
    postfix) start_postfix; w=$PF_WARMUP ;;
    gateway)
      start_gateway
      gateway_fsyncs >/dev/null # load the admin's classes now, not in the first measured case
      w=$WARMUP ;;
    none) continue ;;   # the ceiling as a third side of the rounds: nothing to start or warm
    *) die "unknown relay $relay" ;;
  esac
  for c in $CASES; do
    [ "$c" != 4k ] || continue
    # other shapes take new paths (larger bodies, 20 RCPTs), so each gets a warm-up of its own
    read -r size rcpts msgs <<< "$(case_params "$c")"
    log "$relay: warm-up for $c, $(( (msgs + 1) / 2 )) messages (not measured)"
    run_load "$relay" "warmup-$c" "$size" "$rcpts" "$(( (msgs + 1) / 2 ))" quiet
  done
  # the 4 KiB warm-up last: round 1 starts with 4k, and right after the 10 MiB warm-up the
  # gateway ran it 20-30% slower than in later rounds (C2 and the spool still busy with it)
  log "$relay: warm-up, $w messages of 4 KiB (not measured)"
  run_load "$relay" warmup 4096 1 "$w" quiet
done

for (( round=1; round<=ROUNDS; round++ )); do
  # alternate which relay goes first, so a drift within a round does not favour one side
  order=$RELAYS
  [ $((round % 2)) -eq 0 ] && order=$(tr ' ' '\n' <<< "$RELAYS" | tac | tr '\n' ' ')
  for c in $CASES; do
    read -r size rcpts msgs <<< "$(case_params "$c")"
    for relay in $order; do
      log "round $round, $relay: case $c ($msgs msgs x $size B x $rcpts rcpt, $SESSIONS sessions, load $(cut -d' ' -f1-3 /proc/loadavg))"
      run_load "$relay" "$c" "$size" "$rcpts" "$msgs" "" "$round"
    done
  done
done
for relay in $RELAYS; do
  case "$relay" in postfix) stop_postfix ;; gateway) stop_gateway ;; esac
done

echo
echo "== summary: medians over $ROUNDS interleaved rounds (end to end = until the sink has every message; CPU = relay process(es) only)"
awk '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " "); if (n == 0) return ""
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function range(list,   n, a, i, lo, hi) {
    n = split(list, a, " "); lo = a[1]; hi = a[1]
    for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
    return (n > 1) ? sprintf("%s-%s", lo, hi) : lo
  }
  /^RESULT/ { delete v; for (i=2;i<=NF;i++) { split($i,kv,"="); v[kv[1]]=kv[2] }
    k=v["case"]; r=v["relay"]; rd=v["round"]
    rate[r,k]=rate[r,k] " " v["e2e_msgs_per_s"]; mib[r,k]=mib[r,k] " " v["e2e_mib_per_s"]
    cpu[r,k]=cpu[r,k] " " v["cpu_ms_per_msg"]; cmib[r,k]=cmib[r,k] " " v["cpu_ms_per_mib"]
    load[k]=load[k] " " v["load1"]; one[r,k,rd]=v["e2e_msgs_per_s"]; rounds[k,rd]=1
    if (!(k in seen)) { seen[k]=1; order[++n]=k } }
  END {
    printf "%-10s %9s %9s %7s %9s %9s %15s %9s %9s %9s %9s %11s %10s\n", "case", "pf msg/s", "gw msg/s", "ratio",
      "pf MiB/s", "gw MiB/s", "pair ratios", "pf ms/msg", "gw ms/msg", "pf ms/MiB", "gw ms/MiB", "load1", "ceil msg/s"
    for (i=1;i<=n;i++) { k=order[i]
      if (k ~ /ceiling/) { printf "%-10s (no relay: %s msgs/s, %s MiB/s, load %s)\n", k, median(rate["none",k]), median(mib["none",k]), load[k]; continue }
      p=median(rate["postfix",k]); g=median(rate["gateway",k])
      pr=""; for (key in rounds) { split(key, kk, SUBSEP); if (kk[1] == k && one["postfix",k,kk[2]] > 0 && one["gateway",k,kk[2]] > 0)
        pr = pr " " sprintf("%.2f", one["gateway",k,kk[2]] / one["postfix",k,kk[2]]) }
      c=median(rate["none",k])
      printf "%-10s %9s %9s %7s %9s %9s %15s %9s %9s %9s %9s %11s %10s\n", k, p, g, (p>0&&g>0)?sprintf("%.2fx",g/p):"-",
        median(mib["postfix",k]), median(mib["gateway",k]), (pr=="")?"-":range(pr),
        median(cpu["postfix",k]), median(cpu["gateway",k]), median(cmib["postfix",k]), median(cmib["gateway",k]), range(load[k]),
        (c=="")?"-":c }
  }' "$RESULTS"
echo "(ratio = median gateway / median Postfix; pair ratios = the range of gateway/Postfix within each round;"
echo " ceil = smtp-source straight into smtp-sink in the same rounds, with --relays \"postfix gateway none\")"
cp "$RESULTS" "${RESULTS_COPY:-/tmp/compare-postfix-results.txt}" 2>/dev/null || true
