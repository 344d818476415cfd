# STAND-IN for haproxy:2.8, built by docker/verify.sh only where no image registry is reachable
# and the tag is missing (the real image always wins: verify.sh never replaces an image without
# the standin=true label). Real one: HAProxy 2.8 on Debian, USER haproxy, config at
# /usr/local/etc/haproxy/haproxy.cfg, STOPSIGNAL SIGUSR1. This one: Debian 12's haproxy 2.6 on
# standin/debian:bookworm (the Debian 12 base an offline Docker setup imports).
FROM standin/debian:bookworm
RUN set -eux; apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy; \
    rm -rf /var/lib/apt/lists/*; mkdir -p /usr/local/etc/haproxy; haproxy -v
USER haproxy
STOPSIGNAL SIGUSR1
LABEL standin="true" standin.for="haproxy:2.8"
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
