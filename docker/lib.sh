# Helpers for docker/smoke.sh and docker/verify.sh (sourced, not run).
#
#   compose_cmd              prints the compose command: "docker compose" (v2) when the docker CLI
#                            has the plugin, else "docker-compose" (1.29, Debian 12's)
#   free_port                prints a TCP port nobody listens on at 127.0.0.1
#   free_subnet A.B.0.0/16.. prints the first candidate /16 that overlaps no Docker network and no
#                            route of the host (and its .1 gateway after a space); fails if none
#   port_busy PORT           true when something listens on PORT

compose_cmd() {
  if docker compose version >/dev/null 2>&1; then
    echo "docker compose"
  elif command -v docker-compose >/dev/null 2>&1; then
    echo "docker-compose"
  else
    echo "neither 'docker compose' (v2) nor docker-compose (1.29) is installed" >&2
    return 1
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

port_busy() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)   # busy
finally:
    s.close()
sys.exit(1)
PY
}

free_subnet() {
  local used
  used="$( { docker network ls -q | xargs -r docker network inspect \
               -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' 2>/dev/null; \
             ip -4 route show 2>/dev/null | awk '$1 ~ /\// {print $1}'; } | tr ' ' '\n' | grep . || true)"
  python3 - "$used" "$@" <<'PY'
import ipaddress, sys
used = []
for u in sys.argv[1].split():
    try:
        used.append(ipaddress.ip_network(u, strict=False))
    except ValueError:
        pass
for c in sys.argv[2:]:
    n = ipaddress.ip_network(c)
    if not any(n.version == u.version and n.overlaps(u) for u in used):
        print(n, next(n.hosts()))
        sys.exit(0)
sys.exit(1)
PY
}
