# STAND-IN for redis:7, built by docker/verify.sh only where no image registry is reachable and
# the tag is missing (the real image always wins: verify.sh never replaces an image without the
# standin=true label). Real one: Redis 7 built from source, runs as user redis, redis-cli
# included. This one: Debian 12's redis-server 7.0 (+ redis-tools for redis-cli).
FROM standin/debian:bookworm
RUN set -eux; apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server; \
    rm -rf /var/lib/apt/lists/*; redis-server --version
USER redis
WORKDIR /var/lib/redis
EXPOSE 6379
LABEL standin="true" standin.for="redis:7"
CMD ["redis-server", "--protected-mode", "no"]
