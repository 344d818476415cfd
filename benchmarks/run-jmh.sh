#!/usr/bin/env bash
# Runs every JMH benchmark with short settings and writes the results, with the machine they
# ran on, into BENCHMARKS.md (between the jmh:begin/jmh:end markers; the rest is left alone).
#
# usage: benchmarks/run-jmh.sh [regex]        e.g. benchmarks/run-jmh.sh Spool
# env:   JMH_OPTS   JMH options (default: -wi 1 -w 1s -i 3 -r 1s -f 1)
#        NO_BUILD=1 skip the Maven build      NO_WRITE=1 print only, leave BENCHMARKS.md alone
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

FILTER=${1:-.}
JMH_OPTS=${JMH_OPTS:--wi 1 -w 1s -i 3 -r 1s -f 1}
JAR=$ROOT/benchmarks/target/benchmarks.jar
OUT_DIR=$ROOT/benchmarks/target/jmh
mkdir -p "$OUT_DIR"

if [ "${NO_BUILD:-0}" != 1 ]; then
  log "building (mvn -B -o -q -DskipTests package)"
  (cd "$ROOT" && mvn -B -o -q -DskipTests package -pl benchmarks -am)
fi
[ -f "$JAR" ] || die "$JAR missing"

MACHINE=$(machine_info)
log "machine: $MACHINE"
log "running JMH ($JMH_OPTS) on '$FILTER'"
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
# shellcheck disable=SC2086
java -jar "$JAR" "$FILTER" $JMH_OPTS -rf json -rff "$OUT_DIR/results.json" 2>&1 | tee "$OUT_DIR/jmh.log"

TABLE=$(awk '/^Benchmark result/ {exit} /^Benchmark +/ {on=1} on && NF {print}' "$OUT_DIR/jmh.log")
SPOOL=$(grep -oE 'SPOOL benchmark=.*' "$OUT_DIR/jmh.log" | sort -u || true)
EXTRA=$(grep -oE '(DISPATCH|RATELIMIT|CODEC) .*' "$OUT_DIR/jmh.log" | sort -u || true)

SECTION=$(cat <<EOF
<!-- jmh:begin (written by benchmarks/run-jmh.sh; do not edit by hand) -->
### JMH results

Run $STARTED with \`benchmarks/run-jmh.sh\` (JMH options \`$JMH_OPTS\`, short on purpose).
Machine: $MACHINE.
The machine is shared with other builds while these run: treat the numbers as indicative.

\`\`\`
$TABLE
\`\`\`

Spool group commit (fsyncs per message, per trial; \`spoolFsyncs / spoolAppends\`):

\`\`\`
${SPOOL:-(no spool benchmark in this run)}
\`\`\`
${EXTRA:+
Other counters printed by the benchmarks:

\`\`\`
$EXTRA
\`\`\`
}
Raw JSON: \`benchmarks/target/jmh/results.json\` (not committed).
<!-- jmh:end -->
EOF
)

if [ "${NO_WRITE:-0}" = 1 ]; then
  echo "$SECTION"
  exit 0
fi
MD=$ROOT/BENCHMARKS.md
[ -f "$MD" ] || printf '# Benchmarks\n\n' > "$MD"
if grep -q '<!-- jmh:begin' "$MD"; then
  SECTION="$SECTION" awk '
    /<!-- jmh:begin/ { print ENVIRON["SECTION"]; skip=1; next }
    /<!-- jmh:end -->/ { skip=0; next }
    !skip { print }' "$MD" > "$MD.tmp" && mv "$MD.tmp" "$MD"
else
  printf '\n%s\n' "$SECTION" >> "$MD"
fi
log "wrote the JMH section of $MD"
