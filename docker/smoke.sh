#!/usr/bin/env bash
# Smoke test of the Docker deployment, for a machine with Docker (our CI machines have none):
# builds the image, starts docker-compose.yml (gateway + Mailpit), waits for the health check,
# sends one mail through the gateway with AUTH, checks Mailpit received it, tears down.
#
#   docker/smoke.sh            (from anywhere; needs docker with Compose v2 or docker-compose
#                               1.29, python3, curl)
#   KEEP=1 docker/smoke.sh     (leave the containers running afterwards)
#
# It runs beside a demo stack that is up: its own project name (mail-gateway-smoke), free host
# ports and a /16 subnet that no Docker network or host route uses (the compose file's
# PUBLISH_* and MAILNET_* variables); set SMOKE_SUBNET (with SMOKE_NET_GATEWAY) to choose one.
#
# Exit 0 when every step passed; the failing step and the gateway's log otherwise.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
# shellcheck source=docker/lib.sh
source "$here/lib.sh"
project="mail-gateway-smoke"
for tool in docker python3 curl; do
  command -v "$tool" >/dev/null || { echo "smoke.sh needs $tool" >&2; exit 2; }
done
cc="$(compose_cmd)" || exit 2
read -r -a compose_bin <<<"$cc"
compose=("${compose_bin[@]}" -p "$project" -f docker-compose.yml)
# own host ports and subnet, so a running demo stack (2525/8025/8026, 172.28.0.0/16) is no clash
PUBLISH_SMTP="$(free_port)"; PUBLISH_ADMIN="$(free_port)"; PUBLISH_MAILPIT="$(free_port)"
if [[ -n "${SMOKE_SUBNET:-}" ]]; then
  MAILNET_SUBNET="$SMOKE_SUBNET"; MAILNET_GATEWAY="${SMOKE_NET_GATEWAY:?set SMOKE_NET_GATEWAY too}"
else
  # a leftover smoke network from an interrupted run would make its own subnet look taken
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  read -r MAILNET_SUBNET MAILNET_GATEWAY < <(free_subnet 172.29.0.0/16 172.30.0.0/16 172.31.0.0/16 \
      10.213.0.0/16 10.214.0.0/16 192.168.213.0/24) \
    || { echo "smoke.sh: every candidate subnet overlaps a Docker network or route; set SMOKE_SUBNET" >&2; exit 2; }
fi
export PUBLISH_SMTP PUBLISH_ADMIN PUBLISH_MAILPIT MAILNET_SUBNET MAILNET_GATEWAY
subject="smoke-$(date +%s)-$$"

step() { printf '\n== %s\n' "$*"; }
fail() {
  printf '\nFAILED: %s\n' "$*" >&2
  "${compose[@]}" ps >&2 || true
  "${compose[@]}" logs --no-color --tail 200 gateway >&2 || true
  exit 1
}
cleanup() {
  if [[ "${KEEP:-0}" != "1" ]]; then
    "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# wait_for <seconds> <description> <command...>: polls once a second, bounded.
wait_for() {
  local limit="$1" what="$2"; shift 2
  local i
  for ((i = 0; i < limit; i++)); do
    if "$@" >/dev/null 2>&1; then
      echo "ok: $what (${i}s)"
      return 0
    fi
    sleep 1
  done
  fail "$what: not true after ${limit}s"
}

step "build the image and start gateway + mailpit (${compose_bin[*]}; ports $PUBLISH_SMTP/$PUBLISH_ADMIN/$PUBLISH_MAILPIT, subnet $MAILNET_SUBNET)"
"${compose[@]}" up -d --build || fail "docker compose up"

step "wait for the container's health check"
gateway_healthy() {
  [[ "$(docker inspect -f '{{.State.Health.Status}}' "$("${compose[@]}" ps -q gateway)")" == healthy ]]
}
# the first probe runs after the 30 s start period at the latest; allow a few intervals
wait_for 150 "gateway container healthy" gateway_healthy

# the credentials and token the container got (shell, docker/.env or the compose defaults)
container_env() { "${compose[@]}" exec -T gateway printenv "$1"; }
user="$(container_env DEFAULT_USERNAME)" && pass="$(container_env DEFAULT_PASSWORD)" \
  && admin_token="$(container_env ADMIN_TOKEN)" || fail "reading the gateway's environment"

step "the same health endpoint from the host, and the healthcheck sub-command by hand"
curl -fsS "http://127.0.0.1:$PUBLISH_ADMIN/health" || fail "GET /health from the host"
echo
"${compose[@]}" exec -T gateway java -jar /app/mail-gateway.jar --config /app/config.json healthcheck \
  || fail "healthcheck sub-command inside the container"
"${compose[@]}" exec -T gateway java -jar /app/mail-gateway.jar --config /app/config.json --check-config \
  | grep -Eq '"defaultPassword" *: *"\*+"' || fail "--check-config does not mask the password"

step "/admin/* needs the admin token"
code="$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PUBLISH_ADMIN/admin/failed")"
[[ "$code" == 401 ]] || fail "GET /admin/failed without the token answered $code, not 401"
curl -fsS -o /dev/null -H "Authorization: Bearer $admin_token" "http://127.0.0.1:$PUBLISH_ADMIN/admin/failed" \
  || fail "GET /admin/failed with the token"
echo "ok: 401 without the token, 200 with it"

step "send one mail through the gateway (127.0.0.1:$PUBLISH_SMTP, STARTTLS, AUTH as $user)"
python3 - "$user" "$pass" "$subject" "$PUBLISH_SMTP" <<'PY' || fail "sending through the gateway"
import smtplib, ssl, sys
user, password, subject, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
    s.ehlo("smoke.example")
    # not loopback from the gateway's point of view: AUTH only after STARTTLS (demo cert: self-signed)
    s.starttls(context=ssl._create_unverified_context())
    s.ehlo("smoke.example")
    s.login(user, password)
    s.sendmail("smoke@example.com", ["someone@example.com"],
               f"From: smoke@example.com\r\nTo: someone@example.com\r\nSubject: {subject}\r\n\r\nsmoke test\r\n")
print("accepted")
PY

step "Mailpit received it (relayed by the gateway)"
mailpit_has_it() {
  curl -fsS "http://127.0.0.1:$PUBLISH_MAILPIT/api/v1/search?query=subject:${subject}" | grep -q "\"${subject}\""
}
wait_for 60 "message '$subject' in Mailpit" mailpit_has_it

step "metrics count it"
curl -fsS "http://127.0.0.1:$PUBLISH_ADMIN/metrics" || fail "GET /metrics"
echo

step "graceful stop: exit code 0"
"${compose[@]}" stop -t 50 gateway || fail "docker compose stop"
code="$(docker inspect -f '{{.State.ExitCode}}' "$("${compose[@]}" ps -a -q gateway)")"
[[ "$code" == 0 ]] || fail "gateway exited with $code after SIGTERM"
echo "ok: exit code 0"

printf '\nSMOKE TEST PASSED\n'
