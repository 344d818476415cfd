#!/usr/bin/env bash
# The scale-out topology of docs/scale-out.md on one host, without Docker, on loopback only:
#   redis-server  127.0.0.1:BASE+5   shared rate-limit windows (no persistence)
#   gateway 1     127.0.0.1:BASE+1   SMTP (PROXY protocol from HAProxy only), admin BASE+3
#   gateway 2     127.0.0.1:BASE+2   SMTP, admin BASE+4
#   haproxy       127.0.0.1:BASE     mode tcp, round robin, send-proxy-v2, SMTP check with
#                                    check-send-proxy (a PROXY v2 LOCAL header before EHLO)
# Each gateway has its own spool under DIR/nodeN (local delivery to DIR/nodeN/emails/local
# unless FORWARD_HOST/FORWARD_PORT are set). Every PID is written to DIR/pids; "down" stops
# exactly those, by PID.
#
# usage: benchmarks/cluster-local.sh up [DIR]     start everything, print the endpoints
#        benchmarks/cluster-local.sh down [DIR]   stop what "up" started (by PID)
#        benchmarks/cluster-local.sh status [DIR]
# env:   BASE_PORT (default 24525); RATE_LIMITS_* and other config variables are passed to both
#        gateways (e.g. RATE_LIMITS_ENABLED=true RATE_LIMITS_GLOBAL_MAX_PER_HOUR=100);
#        GW_JAVA_OPTS extra JVM options; FORWARD_HOST/FORWARD_PORT an upstream for both nodes.
# needs: redis-server and haproxy (apt-get install -y redis-server haproxy), the jar
#        (mvn -B -o -q -DskipTests package).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

CMD=${1:-}
DIR=${2:-/tmp/mgw-cluster}
BASE_PORT=${BASE_PORT:-24525}
HAPROXY_PORT=$BASE_PORT
GW1_SMTP=$((BASE_PORT+1)); GW2_SMTP=$((BASE_PORT+2))
GW1_ADMIN=$((BASE_PORT+3)); GW2_ADMIN=$((BASE_PORT+4))
REDIS_PORT=$((BASE_PORT+5))

binary() { command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || die "$1 not installed: apt-get install -y $2"; }

record() { echo "$1 $2" >> "$DIR/pids"; }

node_config() { # N SMTP_PORT ADMIN_PORT
  local n=$1 smtp=$2 admin=$3 forward='"forwardSMTP": false'
  if [ -n "${FORWARD_HOST:-}" ]; then
    forward="\"forwardSMTP\": true, \"forwardHost\": \"$FORWARD_HOST\", \"forwardPort\": ${FORWARD_PORT:-25}"
  fi
  mkdir -p "$DIR/node$n"
  cat > "$DIR/node$n/config.json" <<JSON
{
  "smtpHost": "127.0.0.1", "smtpPort": $smtp,
  "enableHealthCheck": true, "healthCheckPort": $admin,
  "emailsDir": "$DIR/node$n/emails",
  $forward,
  "queueSize": 50000,
  "security": { "requireAuth": false, "allowLocalOnly": true },
  "smtp": { "hostname": "gw$n.cluster.local", "proxyProtocol": true, "proxyTrustedNetworks": ["127.0.0.1/32"] },
  "rateLimits": { "redis": { "uri": "redis://127.0.0.1:$REDIS_PORT/0", "keyPrefix": "mail-gateway:rl:", "onError": "local" } }
}
JSON
}

up() {
  [ -f "$GW_JAR" ] || die "$GW_JAR missing: build with mvn -B -o -q -DskipTests package"
  [ ! -s "$DIR/pids" ] || die "$DIR/pids exists: run '$0 down $DIR' first"
  for p in $HAPROXY_PORT $GW1_SMTP $GW2_SMTP $GW1_ADMIN $GW2_ADMIN $REDIS_PORT; do
    port_free "$p" || die "port $p is in use (set BASE_PORT)"
  done
  mkdir -p "$DIR"; : > "$DIR/pids"
  trap 'rc=$?; if [ "$rc" -ne 0 ]; then log "start failed: stopping what was started"; down; fi' EXIT

  "$(binary redis-server redis-server)" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --daemonize no </dev/null >"$DIR/redis.log" 2>&1 &
  record $! redis-server
  wait_port "$REDIS_PORT" 10 || die "redis-server not listening on $REDIS_PORT"

  local n smtp admin
  for n in 1 2; do
    smtp=$((BASE_PORT+n)); admin=$((BASE_PORT+2+n))
    node_config "$n" "$smtp" "$admin"
    # shellcheck disable=SC2086
    (cd "$DIR/node$n" && exec java ${GW_JAVA_OPTS:-} -jar "$GW_JAR" --config "$DIR/node$n/config.json" \
      </dev/null >"$DIR/node$n/gateway.log" 2>&1) &
    record $! "gateway$n"
  done
  for n in 1 2; do
    wait_port $((BASE_PORT+n)) 60 || { tail -20 "$DIR/node$n/gateway.log" >&2; die "gateway $n not listening"; }
  done

  cat > "$DIR/haproxy.cfg" <<CFG
global
    maxconn 4000
defaults
    mode tcp
    timeout connect 2s
    timeout client 5m
    timeout server 5m
frontend smtp
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend gateways
backend gateways
    balance roundrobin
    option smtpchk EHLO haproxy.check
    server gw1 127.0.0.1:$GW1_SMTP send-proxy-v2 check check-send-proxy inter 2s
    server gw2 127.0.0.1:$GW2_SMTP send-proxy-v2 check check-send-proxy inter 2s
CFG
  "$(binary haproxy haproxy)" -db -f "$DIR/haproxy.cfg" </dev/null >"$DIR/haproxy.log" 2>&1 &
  record $! haproxy
  wait_port "$HAPROXY_PORT" 10 || die "haproxy not listening on $HAPROXY_PORT"
  trap - EXIT
  status
}

down() {
  [ -f "$DIR/pids" ] || { log "nothing recorded in $DIR/pids"; return 0; }
  local pid name
  # newest first: haproxy, gateways (SIGTERM: in-flight mail finishes, spool fsynced), redis
  tac "$DIR/pids" | while read -r pid name; do
    log "stopping $name (pid $pid)"
    stop_pid "$pid"
  done
  rm -f "$DIR/pids"
}

status() {
  [ -f "$DIR/pids" ] || { echo "not running (no $DIR/pids)"; return 0; }
  local pid name
  while read -r pid name; do
    if kill -0 "$pid" 2>/dev/null; then echo "$name pid $pid running"; else echo "$name pid $pid GONE"; fi
  done < "$DIR/pids"
  echo "SMTP via haproxy: 127.0.0.1:$HAPROXY_PORT   /health: http://127.0.0.1:$GW1_ADMIN/health http://127.0.0.1:$GW2_ADMIN/health"
  echo "redis: redis://127.0.0.1:$REDIS_PORT/0   files and logs: $DIR"
}

case "$CMD" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) sed -n '2,22p' "$0"; exit 2 ;;
esac
