#!/usr/bin/env bash
# Runs the Docker deployment for real and prints one PASS/FAIL/SKIP line per check and a closing
# "N passed, N failed" line; exit 0 when nothing failed. For a machine with a Docker engine (CI
# has none: this is not part of .ci/run). docs/operations.md, "verify.sh", says what it checks.
#
#   docker/verify.sh             the demo stack (docker-compose.yml) and the cluster stack
#   docker/verify.sh demo        only the demo stack (+ docker/smoke.sh beside it)
#   docker/verify.sh cluster     only the cluster stack (docker/cluster/)
#   KEEP=1 ...                   leave the last stack running
#   SKIP_SMOKE=1 ...             do not run docker/smoke.sh
#   SKIP_CACHE=1 ...             do not rebuild to check the dependency layer is reused
#
# It runs the compose files as shipped (no rewritten copy), with Compose v2 when the docker CLI
# has it, else docker-compose 1.29. Nothing of yours is touched: when a stack of the default
# project name (mail-gateway, mail-gateway-cluster) exists, containers or volumes, it uses
# <name>-verify instead; host ports and subnets already in use are replaced by free ones
# through the compose files' PUBLISH_* / MAILNET_* / CLUSTER_* variables. Images haproxy:2.8 and
# redis:7 that are missing are built as local stand-ins from docker/cluster/standins/ when the
# offline base standin/debian:bookworm exists (never pulled). All traffic goes to 127.0.0.1 and
# the stacks' own networks; every wait is bounded.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=docker/lib.sh
source "$here/lib.sh"
what="${1:-all}"
case "$what" in all | demo | cluster) ;; *) echo "usage: $0 [all|demo|cluster]" >&2; exit 2 ;; esac
work="$(mktemp -d "${TMPDIR:-/tmp}/mail-gateway-verify.XXXXXX")"
passes=0 fails=0 skips=0
T0=$(date +%s)

pass() { passes=$((passes + 1)); printf 'PASS  %s\n' "$*"; }
fail() { fails=$((fails + 1)); printf 'FAIL  %s\n' "$*"; }
skip() { skips=$((skips + 1)); printf 'SKIP  %s\n' "$*"; }
info() { printf 'INFO  %s\n' "$*"; }
check() { local what="$1"; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
not() { ! "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
# wait_until <seconds> <command...>: 0 as soon as the command succeeds, 1 after the limit
wait_until() { local lim="$1" i; shift; for ((i = 0; i < lim; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done; return 1; }
finish() {
  echo
  echo "$passes passed, $fails failed ($skips skipped, $(($(date +%s) - T0)) s; compose ${COMPOSE_FLAVOUR:-?})"
  [[ $fails == 0 ]]
}

for tool in docker python3 curl; do
  command -v "$tool" >/dev/null || { fail "$tool not found"; finish; exit 1; }
done
timeout 10 docker info >/dev/null 2>&1 || { fail "Docker engine not answering (docker info)"; finish; exit 1; }
cc="$(compose_cmd)" || { fail "no compose: neither 'docker compose' nor docker-compose"; finish; exit 1; }
read -r -a COMPOSE <<<"$cc"
if [[ "$cc" == "docker compose" ]]; then
  COMPOSE_FLAVOUR="v2 $(docker compose version --short 2>/dev/null)"
else
  COMPOSE_FLAVOUR="1.x $(docker-compose version --short 2>/dev/null)"
fi
info "compose: ${COMPOSE[*]} ($COMPOSE_FLAVOUR); engine $(docker version -f '{{.Server.Version}}' 2>/dev/null)"
for img in eclipse-temurin:17-jre maven:3.9-eclipse-temurin-17 alpine/openssl:latest axllent/mailpit:latest haproxy:2.8 redis:7; do
  [[ "$(docker image inspect -f '{{index .Config.Labels "standin"}}' "$img" 2>/dev/null)" == true ]] \
    && info "$img is a local STAND-IN, not the real image"
done

# --- helpers shared by both stacks -----------------------------------------------------------------
# project_for <default>: the default project name unless something of it exists already
project_for() {
  local p="$1"
  if [[ -n "$(docker ps -aq --filter "label=com.docker.compose.project=$p")" ]] \
     || [[ -n "$(docker volume ls -q --filter "label=com.docker.compose.project=$p")" ]]; then
    echo "$p-verify"
  else
    echo "$p"
  fi
}
# pick_port VAR default: the default when free, else a free one; exported for compose
pick_port() {
  local var="$1" p="$2"
  if port_busy "$p"; then p="$(free_port)"; info "host port $2 in use: $var=$p"; fi
  export "$var=$p"
}
# pick_subnet SUBNET_VAR GATEWAY_VAR default-subnet [candidates...]
pick_subnet() {
  local sv="$1" gv="$2" def="$3" s g; shift 3
  read -r s g < <(free_subnet "$def" "$@") || return 1
  [[ "$s" != "$def" ]] && info "subnet $def in use: $sv=$s"
  export "$sv=$s" "$gv=$g"
}
cat >"$work/smtp_check.py" <<'PY'
# smtp_check.py MODE PORT USER PASSWORD [SUBJECT]: send | noauth | code (prints the MAIL reply)
import smtplib, ssl, sys
mode, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
subject = sys.argv[5] if len(sys.argv) > 5 else "x"
ctx = ssl._create_unverified_context()
with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
    s.ehlo("verify.example")
    if mode == "noauth":          # AUTH must not be offered before STARTTLS, MAIL refused without it
        assert not s.has_extn("auth"), "AUTH offered in clear text"
        code, msg = s.mail("me@example.com")
        print(code, msg.decode()); sys.exit(0 if code == 530 else 1)
    s.starttls(context=ctx); s.ehlo("verify.example")
    assert s.has_extn("auth"), "no AUTH after STARTTLS"
    s.login(user, pw)
    if mode == "code":            # the reply to MAIL FROM only (rate limits answer there)
        code, msg = s.mail("me@example.com")
        if code == 250:
            s.rcpt("you@example.com"); code, msg = s.data(f"Subject: {subject}\r\n\r\nverify.sh\r\n")
        print(code, msg.decode()); sys.exit(0)
    s.sendmail("me@example.com", ["you@example.com"],
        f"From: me@example.com\r\nTo: you@example.com\r\nSubject: {subject}\r\n\r\nverify.sh\r\n")
    print("accepted")
PY
smtp() { timeout 60 python3 "$work/smtp_check.py" "$@" >>"$work/smtp.log" 2>&1; }
in_mailpit() { curl -fsS "http://127.0.0.1:$1/api/v1/search?query=subject:$2" | grep -q "\"$2\""; }
is_healthy() { [[ "$(docker inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)" == healthy ]]; }
http_code() { curl -sS -o /dev/null -w '%{http_code}' "$@"; }

cleanup() {
  docker rm -f -v mail-gateway-verify-env >/dev/null 2>&1 || true
  if [[ "${KEEP:-0}" != 1 ]]; then
    [[ -n "${DEMO[*]:-}" ]] && "${DEMO[@]}" down -v --remove-orphans >/dev/null 2>&1
    [[ -n "${CLUSTER[*]:-}" ]] && "${CLUSTER[@]}" down -v --remove-orphans >/dev/null 2>&1
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# --- the image --------------------------------------------------------------------------------------
t=$(now)
if (cd "$root" && timeout 1200 docker build -f docker/Dockerfile -t mail-gateway . >"$work/build.log" 2>&1); then
  pass "docker build -f docker/Dockerfile -t mail-gateway . ($(since "$t") s)"
else
  fail "docker build: $(grep -iE 'error' "$work/build.log" | head -3 | tr '\n' ' ')"; finish; exit 1
fi
check "no useradd warning in the build (uid 10001 is a normal account)" not grep -q 'SYS_UID_MAX' "$work/build.log"
check "image USER is gateway" test "$(docker image inspect -f '{{.Config.User}}' mail-gateway)" = gateway
check "image has a HEALTHCHECK" test -n "$(docker image inspect -f '{{if .Config.Healthcheck}}{{.Config.Healthcheck.Test}}{{end}}' mail-gateway)"
info "image mail-gateway: $(($(docker image inspect -f '{{.Size}}' mail-gateway) / 1000000)) MB"
has_tools() { docker run --rm --entrypoint sh mail-gateway -c "command -v curl && command -v wget" >/dev/null 2>&1; }
check "the runtime image has curl and wget (as docs/operations.md says)" has_tools

# A docs edit must reuse the dependency layer: build a copy of the sources with README.md changed.
if [[ "${SKIP_CACHE:-0}" != 1 ]]; then
  mkdir -p "$work/ctx"
  tar -C "$root" --exclude=./.git --exclude='*/target' -cf - . | tar -C "$work/ctx" -xf -
  echo "verify.sh $(date +%s)" >>"$work/ctx/README.md"
  t=$(now)
  if (cd "$work/ctx" && timeout 1200 docker build -f docker/Dockerfile -t mail-gateway-verify-cache . >"$work/build2.log" 2>&1); then
    deps_cached() { grep -A2 -F 'RUN mvn -B -q -DskipTests package && rm -rf' "$work/build2.log" | grep -q 'Using cache\|CACHED'; }
    check "after a README edit the dependency layer comes from the cache (rebuild $(since "$t") s)" deps_cached
  else
    fail "rebuild after a README edit: $(grep -iE 'error' "$work/build2.log" | head -2 | tr '\n' ' ')"
  fi
  docker image rm mail-gateway-verify-cache >/dev/null 2>&1
  rm -rf "$work/ctx"
fi

# Does this image's gateway know the cluster's keys (issue 16)? --check-config lists every key.
cluster_keys() {
  docker run --rm -e DEFAULT_USERNAME=u -e DEFAULT_PASSWORD=p mail-gateway --config /app/config.json --check-config 2>/dev/null \
    | grep -q '"proxyProtocol"'
}

# ==================================================================================================
verify_demo() {
  cd "$here" || return 1
  local project; project="$(project_for mail-gateway)"
  DEMO=("${COMPOSE[@]}" -f docker-compose.yml)
  [[ "$project" != mail-gateway ]] && { info "a mail-gateway project exists already: this run is $project"; DEMO+=(-p "$project"); }
  pick_port PUBLISH_SMTP 2525; pick_port PUBLISH_ADMIN 8025; pick_port PUBLISH_MAILPIT 8026
  pick_subnet MAILNET_SUBNET MAILNET_GATEWAY 172.28.0.0/16 10.228.0.0/16 192.168.228.0/24 \
    || { fail "demo: no free subnet"; return 1; }
  local P_SMTP=$PUBLISH_SMTP P_ADMIN=$PUBLISH_ADMIN P_UI=$PUBLISH_MAILPIT
  local user=${GATEWAY_USERNAME:-app} pw=${GATEWAY_PASSWORD:-change-me} token=${ADMIN_TOKEN:-change-me-admin-token}
  "${DEMO[@]}" down -v --remove-orphans >/dev/null 2>&1

  check "demo: compose file accepted as shipped (${COMPOSE[*]} config)" "${DEMO[@]}" config -q
  t=$(now)
  if timeout 900 "${DEMO[@]}" up -d --build >"$work/up.log" 2>&1; then pass "demo: compose up -d --build ($(since "$t") s)"
  else fail "demo: compose up: $(tail -3 "$work/up.log" | tr '\n' ' ')"; return 1; fi
  local t_up cid certs; t_up=$(now); cid=$("${DEMO[@]}" ps -q gateway); certs=$("${DEMO[@]}" ps -a -q certs)
  check "demo: project name $project (from docker/.env unless taken)" \
    test "$(docker inspect -f '{{index .Config.Labels "com.docker.compose.project"}}' "$cid")" = "$project"
  check "demo: certs service exited 0" test "$(docker inspect -f '{{.State.ExitCode}}' "$certs")" = 0
  check "demo: certs service has no network (network_mode none)" test "$(docker inspect -f '{{.HostConfig.NetworkMode}}' "$certs")" = none
  if wait_until 150 is_healthy "$cid"; then pass "demo: gateway healthy $(since "$t_up") s after compose up"
  else fail "demo: gateway not healthy within 150 s"; docker logs --tail 30 "$cid"; return 1; fi

  # the credentials and token the container got (shell, docker/.env or the compose defaults)
  user=$(docker exec "$cid" printenv DEFAULT_USERNAME); pw=$(docker exec "$cid" printenv DEFAULT_PASSWORD)
  token=$(docker exec "$cid" printenv ADMIN_TOKEN)
  local uid ports
  uid=$(docker exec "$cid" awk '/^Uid:/{print $2}' /proc/1/status)
  check "demo: PID 1 runs as uid 10001 (got $uid)" test "$uid" = 10001
  ports=$(docker port "$cid" | sort | tr '\n' ' ')
  loopback_only() { [[ -n "$ports" ]] && ! docker port "$cid" | grep -qv ' 127\.0\.0\.1:'; }
  check "demo: published ports only on 127.0.0.1 ($ports)" loopback_only
  host_loopback_only() {
    local l; l=$(ss -ltnH 2>/dev/null | awk '{print $4}' | grep -E ":($P_SMTP|$P_ADMIN|$P_UI)\$")
    [[ -n "$l" ]] && ! grep -qv '^127\.0\.0\.1:' <<<"$l"
  }
  if command -v ss >/dev/null; then
    check "demo: host listeners for $P_SMTP/$P_ADMIN/$P_UI are 127.0.0.1 only" host_loopback_only
  else
    skip "demo: host listeners (no ss on this machine)"
  fi
  check "demo: net.ipv4.ip_unprivileged_port_start is 0" test "$(docker exec "$cid" cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" = 0

  # memory: the limit, and the JVM's heap + direct memory inside it
  local limit heap direct
  limit=$(docker inspect -f '{{.HostConfig.Memory}}' "$cid")
  heap=$(docker exec "$cid" sh -c 'java $JAVA_OPTS -XX:+PrintFlagsFinal -version 2>/dev/null' | awk '/ MaxHeapSize /{print $4}')
  direct=$(docker exec "$cid" sh -c 'java $JAVA_OPTS -XX:+PrintFlagsFinal -version 2>/dev/null' | awk '/ MaxDirectMemorySize /{print $4}')
  check "demo: memory limit $((limit / 1048576)) MiB set on the container" test "${limit:-0}" -gt 0
  fits() { [[ -n "$heap" && -n "$direct" ]] && ((heap + direct + 256 * 1048576 <= limit)); }
  check "demo: JVM max heap $((${heap:-0} / 1048576)) MiB + direct $((${direct:-0} / 1048576)) MiB + 256 MiB fit in it" fits
  info "demo: gateway memory in use $(docker stats --no-stream --format '{{.MemUsage}}' "$cid")"

  check "demo: without STARTTLS no AUTH offered, MAIL refused with 530" smtp noauth "$P_SMTP" x x
  check "demo: README one-liner (STARTTLS, AUTH $user) accepted" timeout 60 python3 -c "import smtplib, ssl; s=smtplib.SMTP('127.0.0.1', $P_SMTP); s.starttls(context=ssl._create_unverified_context()); s.login('$user', '$pw'); s.sendmail('me@example.com', ['you@example.com'], 'Subject: hello\r\n\r\nIt works.\r\n')"
  local subj="verify-$(date +%s)-$$"
  check "demo: mail '$subj' accepted (STARTTLS + AUTH)" smtp send "$P_SMTP" "$user" "$pw" "$subj"
  check "demo: mail '$subj' reached Mailpit" wait_until 60 in_mailpit "$P_UI" "$subj"
  check "demo: wrong password refused" not smtp send "$P_SMTP" "$user" wrong-password x

  local h m
  h=$(curl -sS -w ' HTTP %{http_code}' "http://127.0.0.1:$P_ADMIN/health")
  check "demo: GET /health from the host: ${h:0:60}... ${h##* HTTP }" grep -q '"status":"ok".* HTTP 200' <<<"$h"
  m=$(http_code "http://127.0.0.1:$P_ADMIN/metrics")
  check "demo: GET /metrics from the host (HTTP $m)" test "$m" = 200
  check "demo: /admin/failed without the token: 401" test "$(http_code "http://127.0.0.1:$P_ADMIN/admin/failed")" = 401
  check "demo: /admin/failed with ADMIN_TOKEN: 200" test "$(http_code -H "Authorization: Bearer $token" "http://127.0.0.1:$P_ADMIN/admin/failed")" = 200
  local hc rc
  hc=$(docker exec "$cid" java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx32m -jar /app/mail-gateway.jar --config /app/config.json healthcheck 2>&1); rc=$?
  check "demo: healthcheck sub-command by hand: exit $rc, $hc" test "$rc" = 0
  masked() {
    local c; c=$(docker exec "$cid" java -jar /app/mail-gateway.jar --config /app/config.json --check-config 2>/dev/null | tr -d ' ')
    grep -q '"defaultPassword":"\*\*\*\*"' <<<"$c" && grep -q '"token":"\*\*\*\*"' <<<"$c" \
      && ! grep -qF -e "$pw" -e "$token" <<<"$c"
  }
  check "demo: --check-config masks the password and the admin token" masked

  local before; before=$(docker inspect -f '{{.State.Pid}} {{.State.StartedAt}}' "$cid")
  docker kill -s HUP "$cid" >/dev/null
  reloaded() { docker logs --since 30s "$cid" 2>&1 | grep -q 'config reload'; }
  check "demo: SIGHUP reloads the configuration (log 'config reload')" wait_until 15 reloaded
  check "demo: still the same process after HUP" test "$(docker inspect -f '{{.State.Pid}} {{.State.StartedAt}}' "$cid")" = "$before"

  # env override and start-up refusal, plain docker run
  local envport; envport=$(free_port)
  if docker run -d --name mail-gateway-verify-env -e SMTP_PORT=2600 -e DEFAULT_USERNAME=u -e DEFAULT_PASSWORD=p \
       -p "127.0.0.1:$envport:2600" mail-gateway >/dev/null 2>&1; then
    listening() { docker logs mail-gateway-verify-env 2>&1 | grep -q 'SMTP listening on 0.0.0.0:2600'; }
    banner() { timeout 5 python3 -c "import smtplib; s=smtplib.SMTP('127.0.0.1', $envport, timeout=5); s.quit()"; }
    env_ok() { wait_until 60 listening && wait_until 10 banner; }
    check "demo: docker run -e SMTP_PORT=2600 honoured (log and banner)" env_ok
    docker rm -f -v mail-gateway-verify-env >/dev/null
  else fail "demo: docker run -e SMTP_PORT=2600"; fi
  local out; out=$(docker run --rm mail-gateway 2>&1); rc=$?
  check "demo: no credentials: refuses to start with exit 2 (got $rc: ${out:0:70}...)" test "$rc" = 2
  port_in_config() {
    docker run --rm -e SMTP_PORT=2600 -e DEFAULT_USERNAME=u -e DEFAULT_PASSWORD=p mail-gateway \
      --config /app/config.json --check-config 2>/dev/null | grep -q '"smtpPort" : 2600'
  }
  check "demo: --check-config shows SMTP_PORT=2600" port_in_config

  # graceful stop with a transaction in flight
  cat >"$work/inflight.py" <<'PY'
import smtplib, ssl, subprocess, sys, time
port, cid, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = smtplib.SMTP("127.0.0.1", port, timeout=60)
s.ehlo("x"); s.starttls(context=ssl._create_unverified_context()); s.ehlo("x"); s.login(user, pw)
s.mail("me@example.com"); s.rcpt("you@example.com"); s.putcmd("DATA"); s.getreply()
s.send(b"Subject: inflight-stop\r\n\r\nfirst half\r\n")
t0 = time.time(); stop = subprocess.Popen(["docker", "stop", cid], stdout=subprocess.DEVNULL)
time.sleep(5)
s.send(b"second half\r\n.\r\n"); code, msg = s.getreply()
rc = stop.wait(timeout=70)
print(f"end of DATA during stop: {code}; docker stop rc={rc} after {time.time()-t0:.1f}s")
sys.exit(0 if code == 250 and rc == 0 else 1)
PY
  local r; r=$(timeout 90 python3 "$work/inflight.py" "$P_SMTP" "$cid" "$user" "$pw" 2>&1); rc=$?
  check "demo: docker stop during DATA: still 250 ($r)" test "$rc" = 0
  check "demo: exit code 0 after docker stop" test "$(docker inspect -f '{{.State.ExitCode}}' "$cid")" = 0

  # the spool survives down + up; the upstream stopped while the message was accepted
  "${DEMO[@]}" up -d >/dev/null 2>&1; cid=$("${DEMO[@]}" ps -q gateway)
  admin_up() { curl -fsS -o /dev/null "http://127.0.0.1:$P_ADMIN/health"; }
  wait_until 90 admin_up
  "${DEMO[@]}" stop mailpit >/dev/null 2>&1
  local subj2="spooled-$(date +%s)-$$"
  check "demo: mail '$subj2' accepted while Mailpit is stopped" smtp send "$P_SMTP" "$user" "$pw" "$subj2"
  "${DEMO[@]}" down >/dev/null 2>&1
  vol_kept() { docker volume inspect "$1" >/dev/null 2>&1; }
  check "demo: volume ${project}_gateway-emails kept by down" vol_kept "${project}_gateway-emails"
  GATEWAY_PASSWORD=verify-other-pw "${DEMO[@]}" up -d >/dev/null 2>&1
  check "demo: spooled mail '$subj2' delivered after down + up" wait_until 120 in_mailpit "$P_UI" "$subj2"
  # the gateway delivers its recovered spool before it binds SMTP (and the admin API after
  # that): wait for the admin API, or a connection can still reach a port nobody listens on
  wait_until 60 admin_up
  check "demo: GATEWAY_PASSWORD override: new password accepted" smtp send "$P_SMTP" "$user" verify-other-pw "pw-$subj2"
  check "demo: GATEWAY_PASSWORD override: old password refused" not smtp send "$P_SMTP" "$user" "$pw" x

  # smoke.sh beside the running demo stack (its own project, ports and subnet)
  if [[ "${SKIP_SMOKE:-0}" != 1 ]]; then
    t=$(now)
    if timeout 900 bash "$here/smoke.sh" >"$work/smoke.log" 2>&1; then
      pass "demo: docker/smoke.sh passes while the demo stack is up ($(since "$t") s; $(grep -o 'ports [0-9/]*, subnet [0-9./]*' "$work/smoke.log" | head -1))"
    else
      fail "demo: docker/smoke.sh beside the demo stack: $(grep -E 'FAILED|rror' "$work/smoke.log" | head -2 | tr '\n' ' ')"
      tail -20 "$work/smoke.log" | sed 's/^/      /'
    fi
  else
    skip "demo: docker/smoke.sh (SKIP_SMOKE=1)"
  fi
  [[ "${KEEP:-0}" == 1 && "$what" == demo ]] || "${DEMO[@]}" down -v --remove-orphans >/dev/null 2>&1
}

# ==================================================================================================
# ensure_image TAG DOCKERFILE: present, or built as a stand-in on the offline base, or FAIL
ensure_image() {
  local tag="$1" df="$2"
  docker image inspect "$tag" >/dev/null 2>&1 && return 0
  if ! docker image inspect standin/debian:bookworm >/dev/null 2>&1; then
    fail "cluster: image $tag missing (docker pull $tag, or docker load it); no standin/debian:bookworm to build a stand-in"
    return 1
  fi
  local t; t=$(now)
  if docker build -q --network host -t "$tag" -f "$here/cluster/standins/$df" "$here/cluster/standins" >"$work/standin.log" 2>&1; then
    info "cluster: built a local STAND-IN for $tag from docker/cluster/standins/$df ($(since "$t") s)"
  else
    fail "cluster: building the stand-in for $tag: $(tail -3 "$work/standin.log" | tr '\n' ' ')"; return 1
  fi
}

# haproxy_status SERVER: UP/DOWN/... of one backend server from the stats CSV
haproxy_status() {
  curl -fsS "http://127.0.0.1:$CLUSTER_PUBLISH_STATS/stats;csv" | awk -F, -v s="$1" '$1=="gateways" && $2==s {print $18}'
}

verify_cluster() {
  cd "$here/cluster" || return 1
  if ! cluster_keys; then
    skip "cluster: the image's gateway does not know smtp.proxyProtocol (--check-config has no proxyProtocol; issue 16 not merged): every cluster check skipped"
    return 0
  fi
  ensure_image haproxy:2.8 haproxy.Dockerfile || return 1
  ensure_image redis:7 redis.Dockerfile || return 1
  local project; project="$(project_for mail-gateway-cluster)"
  CLUSTER=("${COMPOSE[@]}" -f docker-compose.yml)
  [[ "$project" != mail-gateway-cluster ]] && { info "a mail-gateway-cluster project exists already: this run is $project"; CLUSTER+=(-p "$project"); }
  pick_port CLUSTER_PUBLISH_SMTP 2535; pick_port CLUSTER_PUBLISH_STATS 8404
  pick_port CLUSTER_PUBLISH_ADMIN_A 8035; pick_port CLUSTER_PUBLISH_ADMIN_B 8045; pick_port CLUSTER_PUBLISH_MAILPIT 8036
  "${CLUSTER[@]}" down -v --remove-orphans >/dev/null 2>&1
  pick_subnet CLUSTER_SUBNET CLUSTER_NET_GATEWAY 172.29.0.0/16 10.229.0.0/16 192.168.229.0/24 \
    || { fail "cluster: no free subnet"; return 1; }
  CLUSTER_HAPROXY_IP=$(python3 -c "import ipaddress, sys; print(ipaddress.ip_network(sys.argv[1])[10])" "$CLUSTER_SUBNET")
  export CLUSTER_HAPROXY_IP
  local P=$CLUSTER_PUBLISH_SMTP UI=$CLUSTER_PUBLISH_MAILPIT
  local user=${GATEWAY_USERNAME:-app} pw=${GATEWAY_PASSWORD:-change-me}

  check "cluster: compose file accepted as shipped (${COMPOSE[*]} config)" "${CLUSTER[@]}" config -q
  local t; t=$(now)
  if timeout 900 "${CLUSTER[@]}" up -d --build >"$work/cluster-up.log" 2>&1; then pass "cluster: compose up -d --build ($(since "$t") s)"
  else fail "cluster: compose up: $(tail -3 "$work/cluster-up.log" | tr '\n' ' ')"; return 1; fi
  local a b hap
  a=$("${CLUSTER[@]}" ps -q gateway-a); b=$("${CLUSTER[@]}" ps -q gateway-b); hap=$("${CLUSTER[@]}" ps -q haproxy)
  both_healthy() { is_healthy "$a" && is_healthy "$b"; }
  if wait_until 180 both_healthy; then pass "cluster: gateway-a and gateway-b healthy ($(since "$t") s after up)"
  else fail "cluster: gateways not healthy within 180 s"; docker logs --tail 20 "$a"; return 1; fi
  user=$(docker exec "$a" printenv DEFAULT_USERNAME); pw=$(docker exec "$a" printenv DEFAULT_PASSWORD)
  both_up() { [[ "$(haproxy_status gateway-a)" == UP && "$(haproxy_status gateway-b)" == UP ]]; }
  check "cluster: HAProxy's SMTP check (PROXY v2 LOCAL + EHLO) sees both gateways UP" wait_until 60 both_up
  check "cluster: HAProxy has the fixed address $CLUSTER_HAPROXY_IP (the only trusted PROXY sender)" \
    test "$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$hap")" = "$CLUSTER_HAPROXY_IP"

  local i subj ok=0 rc
  for i in 1 2 3 4; do
    subj="cluster-$i-$(date +%s)-$$"
    smtp send "$P" "$user" "$pw" "$subj" && wait_until 60 in_mailpit "$UI" "$subj" && ok=$((ok + 1))
  done
  check "cluster: 4 mails through HAProxy (STARTTLS + AUTH) accepted and in Mailpit ($ok/4)" test "$ok" = 4
  # round robin: each gateway took some, and logged the client's address (the host side of the
  # network, $CLUSTER_NET_GATEWAY) from the PROXY header, not HAProxy's $CLUSTER_HAPROXY_IP
  queued_from() { docker logs "$1" 2>&1 | grep -q "queued id=.* client=$2 from="; }
  both_queued_from() { queued_from "$a" "$1" && queued_from "$b" "$1"; }
  either_queued_from() { queued_from "$a" "$1" || queued_from "$b" "$1"; }
  check "cluster: both gateways took mail (round robin), logged as client=$CLUSTER_NET_GATEWAY (PROXY header)" \
    both_queued_from "$CLUSTER_NET_GATEWAY"
  check "cluster: no mail logged as coming from HAProxy's $CLUSTER_HAPROXY_IP" not either_queued_from "$CLUSTER_HAPROXY_IP"
  # a PROXY header from anyone but HAProxy is refused: straight from the host to gateway-b
  local bip; bip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$b")
  cat >"$work/untrusted.py" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], 25), timeout=10)   # must connect: then the answer counts
s.sendall(b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 25\r\n")
try:
    data = s.recv(200)
except (socket.timeout, ConnectionResetError):
    data = b""
print(data.decode("ascii", "replace").strip() or "closed without a greeting")
sys.exit(1 if data.startswith(b"220") else 0)
PY
  local ans; ans=$(timeout 20 python3 "$work/untrusted.py" "$bip" 2>&1); rc=$?
  check "cluster: PROXY header from an untrusted address (host -> gateway-b $bip:25) refused: $ans" test "$rc" = 0

  # failover: one gateway stopped, HAProxy takes it out, mail still flows
  "${CLUSTER[@]}" stop gateway-a >/dev/null 2>&1
  a_is() { local st; st="$(haproxy_status gateway-a)"; for w in "$@"; do [[ "$st" == "$w"* ]] && return 0; done; return 1; }
  # DOWN from the failed checks; MAINT (resolution) once Docker's DNS has dropped the name
  check "cluster: gateway-a stopped: HAProxy takes it out (DOWN)" wait_until 30 a_is DOWN MAINT
  subj="cluster-failover-$(date +%s)-$$"
  sent_and_delivered() { smtp send "$P" "$user" "$pw" "$1" && wait_until 60 in_mailpit "$UI" "$1"; }
  check "cluster: with gateway-a down, mail through HAProxy accepted and delivered" sent_and_delivered "$subj"
  "${CLUSTER[@]}" start gateway-a >/dev/null 2>&1
  a_back() { wait_until 150 is_healthy "$a" && wait_until 60 a_is UP; }
  check "cluster: gateway-a started again: healthy and UP in HAProxy" a_back

  # Redis down: onError=local keeps mail flowing, /health degraded; back: ok again. Two mails
  # each time, so that both gateways (round robin) have used Redis.
  two_mails() { smtp send "$P" "$user" "$pw" "$1-1" && smtp send "$P" "$user" "$pw" "$1-2"; }
  "${CLUSTER[@]}" stop redis >/dev/null 2>&1
  check "cluster: Redis stopped: mail still accepted by both gateways (rateLimits.redis.onError local)" \
    two_mails "cluster-noredis-$(date +%s)-$$"
  names_redis() {
    curl -sS "http://127.0.0.1:$CLUSTER_PUBLISH_ADMIN_A/health" | grep -qi 'redis' \
      && curl -sS "http://127.0.0.1:$CLUSTER_PUBLISH_ADMIN_B/health" | grep -qi 'redis'
  }
  check "cluster: Redis stopped: /health of both gateways degraded, naming Redis" wait_until 30 names_redis
  "${CLUSTER[@]}" start redis >/dev/null 2>&1
  redis_up() { docker exec "$("${CLUSTER[@]}" ps -q redis)" redis-cli ping | grep -q PONG; }
  wait_until 30 redis_up
  both_ok() {
    curl -fsS "http://127.0.0.1:$CLUSTER_PUBLISH_ADMIN_A/health" | grep -q '"status":"ok"' \
      && curl -fsS "http://127.0.0.1:$CLUSTER_PUBLISH_ADMIN_B/health" | grep -q '"status":"ok"'
  }
  redis_back() { two_mails "cluster-redisback-$(date +%s)-$$" && wait_until 60 both_ok; }
  check "cluster: Redis back: mail accepted and /health of both gateways ok again" redis_back

  # shared limit: rateLimits.globalMaxPerHour 3 for the cluster; 5 messages through both gateways
  "${CLUSTER[@]}" down >/dev/null 2>&1   # (Redis has no persistence: the counts start from 0)
  CLUSTER_GLOBAL_MAX_PER_HOUR=3 "${CLUSTER[@]}" up -d >/dev/null 2>&1
  a=$("${CLUSTER[@]}" ps -q gateway-a); b=$("${CLUSTER[@]}" ps -q gateway-b)
  wait_until 180 both_healthy && wait_until 60 both_up
  local accepted=0 limited=0 code
  for i in 1 2 3 4 5; do
    code=$(timeout 60 python3 "$work/smtp_check.py" code "$P" "$user" "$pw" "limit-$i" 2>&1 | tail -1 | cut -c1-3)
    case "$code" in 250) accepted=$((accepted + 1)) ;; 451) limited=$((limited + 1)) ;; esac
  done
  check "cluster: globalMaxPerHour 3 shared through Redis: 3 of 5 accepted, 2 refused 451 (got $accepted accepted, $limited refused)" \
    test "$accepted:$limited" = 3:2
  [[ "${KEEP:-0}" == 1 ]] || "${CLUSTER[@]}" down -v --remove-orphans >/dev/null 2>&1
}

[[ "$what" == all || "$what" == demo ]] && verify_demo
[[ "$what" == all || "$what" == cluster ]] && verify_cluster
finish
