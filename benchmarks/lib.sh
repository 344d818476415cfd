# Shared helpers for compare-postfix.sh and load-run.sh (sourced, not run).
# Every process started here is recorded in STARTED_PIDS and stopped by PID on exit.

STARTED_PIDS=()
CLK_TCK=$(getconf CLK_TCK)
# the two jars the scripts run (ROOT: the repository root, set by the sourcing script)
BENCH_JAR=$ROOT/benchmarks/target/benchmarks.jar
GW_JAR=${GW_JAR:-$ROOT/gateway-server/target/mail-gateway.jar}  # GW_JAR=/path/other.jar compares another build

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# stop_pid PID: TERM, wait up to 10 s, then KILL. Only PIDs this script started.
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# stop_all: stop every recorded PID, newest first.
stop_all() {
  local i
  for (( i=${#STARTED_PIDS[@]}-1; i>=0; i-- )); do
    stop_pid "${STARTED_PIDS[$i]}"
  done
  STARTED_PIDS=()
}

# wait_port PORT SECONDS: until something listens on 127.0.0.1:PORT.
wait_port() {
  local port=$1 secs=$2 i
  for (( i=0; i<secs*10; i++ )); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# port_free PORT: true when nothing listens there.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_line FILE REGEX SECONDS: until FILE has a line matching REGEX.
wait_line() {
  local f=$1 re=$2 secs=$3 i
  for (( i=0; i<secs*10; i++ )); do
    if grep -qE "$re" "$f" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# wait_exit PID SECONDS: until PID is gone; false on timeout.
wait_exit() {
  local pid=$1 secs=$2 i
  for (( i=0; i<secs*10; i++ )); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# descendants PID: PID and all its descendants (one per line).
descendants() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1]=$2; pids[NR]=$1 }
    END {
      keep[root]=1; changed=1
      while (changed) { changed=0
        for (i in pids) { p=pids[i]; if (!(p in keep) && (parent[p] in keep)) { keep[p]=1; changed=1 } } }
      for (p in keep) print p
    }'
}

# cpu_ticks PID...: sum of utime+stime+cutime+cstime (clock ticks) of the given PIDs.
# cutime/cstime hold the CPU of children that have exited and been reaped (Postfix's master
# reaps smtpd/cleanup/smtp processes that exit after max_use), so nothing is lost.
cpu_ticks() {
  local total=0 p rest f
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    rest=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    rest=${rest##*) }          # drop "pid (comm) "; comm may hold spaces
    read -r -a f <<< "$rest"   # f[0]=state ... f[11]=utime f[12]=stime f[13]=cutime f[14]=cstime
    total=$(( total + f[11] + f[12] + f[13] + f[14] ))
  done
  echo "$total"
}

# cpu_split PID...: "user_ticks sys_ticks" (children reaped included) of the given PIDs.
cpu_split() {
  local u=0 s=0 p rest f
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    rest=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    rest=${rest##*) }
    read -r -a f <<< "$rest"
    u=$(( u + f[11] + f[13] )); s=$(( s + f[12] + f[14] ))
  done
  echo "$u $s"
}

# ctx_switches PID...: voluntary + involuntary context switches of every live thread.
ctx_switches() {
  local p
  for p in "$@"; do cat /proc/"$p"/task/*/status 2>/dev/null; done |
    awk '/^(non)?voluntary_ctxt_switches/ {n+=$2} END {print n+0}'
}

# thread_ticks PID: "tid name ticks" for every live thread of PID (java threads carry names).
thread_ticks() {
  local t rest name f
  for t in /proc/"$1"/task/*; do
    rest=$(cat "$t/stat" 2>/dev/null) || continue
    name=${rest#*(}; name=${name%)*}; name=${name// /_}
    rest=${rest##*) }
    read -r -a f <<< "$rest"
    echo "${t##*/} $name $(( f[11] + f[12] ))"
  done
}

# thread_cpu_diff BEFORE AFTER MSGS: CPU per thread group (digits folded) between two
# thread_ticks snapshots, in ms per message, largest first.
thread_cpu_diff() {
  awk -v hz="$CLK_TCK" -v msgs="$3" '
    FNR==NR { before[$1]=$3; next }
    { d=$3-before[$1]; g=$2; gsub(/[0-9]+/, "#", g); grp[g]+=d; tot+=d }
    END { for (g in grp) if (grp[g] > 0) printf "  %-20s %7.3f ms/msg  %5.1f%%\n", g, grp[g]*1000/hz/msgs, 100*grp[g]/tot }' "$1" "$2" | sort -k2 -rn
}

# tree_cpu_ticks PID: CPU ticks of PID and every live descendant.
tree_cpu_ticks() { cpu_ticks $(descendants "$1"); }

# json_field JSON KEY: a number or bare value from a flat JSON line.
json_field() { sed -E "s/.*\"$2\":\"?([^,\"}]*).*/\1/" <<< "$1"; }

machine_info() {
  echo "nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'),"\
       "$(awk '/MemTotal/ {printf "%.1f GiB RAM", $2/1048576}' /proc/meminfo),"\
       "$(java -version 2>&1 | head -1), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# start_gateway [EXTRA_JSON [JAVA_OPTION...]]: the gateway from GW_JAR on 127.0.0.1:GW_PORT,
# forwarding to the sink on SINK_PORT, admin on GW_ADMIN, spool.fsync true, queueSize
# GW_QUEUE_SIZE (default 1000, the gateway's: since issue #12 only the in-memory dispatch
# window; spool.maxMessages bounds what is accepted), its files under
# $WORK/gateway. EXTRA_JSON: more top-level config keys. Sets GW_PID.
start_gateway() {
  local extra=${1:-}
  [ $# -gt 0 ] && shift
  [ -f "$GW_JAR" ] || die "$GW_JAR missing: build with mvn -B -o -q -DskipTests package"
  mkdir -p "$WORK/gateway"
  cat > "$WORK/gateway/config.json" <<EOF
{
  "smtpHost": "127.0.0.1", "smtpPort": $GW_PORT,
  "forwardSMTP": true, "forwardHost": "127.0.0.1", "forwardPort": $SINK_PORT,
  "enableHealthCheck": true, "healthCheckPort": $GW_ADMIN,
  "emailsDir": "$WORK/gateway/emails",
  "security": { "requireAuth": false, "allowLocalOnly": true },
  "queueSize": ${GW_QUEUE_SIZE:-1000},
  "spool": { "fsync": true }${extra:+,
  $extra}
}
EOF
  # shellcheck disable=SC2086
  java ${GW_JAVA_OPTS:-} "$@" -jar "$GW_JAR" --config "$WORK/gateway/config.json" \
    </dev/null >"$WORK/gateway/gateway.log" 2>&1 &
  GW_PID=$!
  STARTED_PIDS+=("$GW_PID")
  wait_port "$GW_PORT" 60 || { tail -20 "$WORK/gateway/gateway.log" >&2; die "gateway not listening on $GW_PORT"; }
  log "gateway pid $GW_PID on 127.0.0.1:$GW_PORT (${GW_JAVA_OPTS:-default JVM options})"
}
