#!/usr/bin/env bash
# Smoke test of the Docker deployment, for a machine with Docker (our CI machines have none):
# builds the image, starts docker-compose.yml (gateway + Mailpit), waits for the health check,
# sends one mail through the gateway with AUTH, checks Mailpit received it, tears down.
#
#   docker/smoke.sh            (from anywhere; needs docker with the compose plugin, python3, curl)
#   KEEP=1 docker/smoke.sh     (leave the containers running afterwards)
#
# Exit 0 when every step passed; the failing step and the gateway's log otherwise.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
project="mail-gateway-smoke"
compose=(docker compose -p "$project" -f docker-compose.yml)
user="${GATEWAY_USERNAME:-app}"
pass="${GATEWAY_PASSWORD:-change-me}"
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

for tool in docker python3 curl; do
  command -v "$tool" >/dev/null || { echo "smoke.sh needs $tool" >&2; exit 2; }
done

step "build the image and start gateway + mailpit"
"${compose[@]}" up -d --build || fail "docker compose up"

step "wait for the container's health check"
gateway_healthy() {
  [[ "$(docker inspect -f '{{.State.Health.Status}}' "$("${compose[@]}" ps -q gateway)")" == healthy ]]
}
# the first probe runs after the 30 s start period at the latest; allow a few intervals
wait_for 150 "gateway container healthy" gateway_healthy

step "the same health endpoint from the host, and the healthcheck sub-command by hand"
curl -fsS http://127.0.0.1:8025/health || fail "GET /health from the host"
echo
"${compose[@]}" exec -T gateway java -jar /app/mail-gateway.jar --config /app/config.json healthcheck \
  || fail "healthcheck sub-command inside the container"
"${compose[@]}" exec -T gateway java -jar /app/mail-gateway.jar --config /app/config.json --check-config \
  | grep -Eq '"defaultPassword" *: *"\*+"' || fail "--check-config does not mask the password"

step "send one mail through the gateway (127.0.0.1:2525, STARTTLS, AUTH as $user)"
python3 - "$user" "$pass" "$subject" <<'PY' || fail "sending through the gateway"
import smtplib, ssl, sys
user, password, subject = sys.argv[1:4]
with smtplib.SMTP("127.0.0.1", 2525, timeout=30) as s:
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
  curl -fsS "http://127.0.0.1:8026/api/v1/search?query=subject:${subject}" | grep -q "\"${subject}\""
}
wait_for 60 "message '$subject' in Mailpit" mailpit_has_it

step "metrics count it"
curl -fsS http://127.0.0.1:8025/metrics || fail "GET /metrics"
echo

step "graceful stop: exit code 0"
"${compose[@]}" stop -t 50 gateway || fail "docker compose stop"
code="$(docker inspect -f '{{.State.ExitCode}}' "$("${compose[@]}" ps -a -q gateway)")"
[[ "$code" == 0 ]] || fail "gateway exited with $code after SIGTERM"
echo "ok: exit code 0"

printf '\nSMOKE TEST PASSED\n'
