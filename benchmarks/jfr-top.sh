#!/usr/bin/env bash
# Hot spots from a JFR recording (async-profiler is not available here).
# Record with:  GW_JAVA_OPTS="-XX:StartFlightRecording=filename=/tmp/gw.jfr,settings=profile" \
#                 benchmarks/compare-postfix.sh --relays gateway --cases 4k
# then:         benchmarks/jfr-top.sh /tmp/gw.jfr [top-n]
# Prints the share of execution samples by thread, by top frame (self time), and by the
# deepest dev.mailgateway frame on the stack (our code responsible for the time, inclusive).
# THREADS=regex limits it to matching threads, e.g. THREADS='smtp-io|relay-io|spool'.
set -euo pipefail
F=${1:?usage: jfr-top.sh recording.jfr [top-n]}
N=${2:-25}
TMP=$(mktemp /tmp/jfr-top.XXXXXX)
trap 'rm -f "$TMP"' EXIT
jfr print --events jdk.ExecutionSample --stack-depth 64 "$F" > "$TMP"
awk -v n="$N" -v only="${THREADS:-.}" -v pkgs="${PKGS:-ch.qos.logback. org.slf4j. java.time. com.codahale.metrics. com.fasterxml.jackson. io.netty. java.util.concurrent. sun.nio. java.nio. dev.mailgateway.smtp. dev.mailgateway.relay. dev.mailgateway.core.spool. dev.mailgateway.core.}" '
  BEGIN { npk = split(pkgs, pk, " ") }
  /^jdk.ExecutionSample/ { intrace=0; top=""; ours=""; thread=""; delete seen; skip=1; next }
  /sampledThread = / { t=$0; sub(/.*sampledThread = "/, "", t); sub(/".*/, "", t); gsub(/-[0-9]+$/, "-N", t); thread=t
      skip = (t !~ only); if (!skip) { total++; threads[t]++ }; next }
  skip { next }
  /stackTrace = \[/ { intrace=1; next }
  intrace && /^[[:space:]]*\]/ { intrace=0; delete seenm
      if (top != "") tops[top]++
      oursk = (ours == "" ? "(no dev.mailgateway frame)" : ours); mine[oursk]++
      next }
  intrace { f=$0; sub(/^[[:space:]]+/, "", f); sub(/[[:space:]]+line:.*/, "", f)
      if (top == "") top=f
      if (ours == "" && f ~ /^dev\.mailgateway\./) ours=f
      for (i = 1; i <= npk; i++) if (!(i in seen) && index(f, pk[i]) == 1) { seen[i]=1; incl[pk[i]]++ }
      m=f; sub(/\(.*/, "", m); if (!(m in seenm)) { seenm[m]=1; meth[m]++ }
      next }
  function show(title, arr,   k, cnt, i, j, keys, tmp) {
    printf "\n== %s (of %d samples)\n", title, total
    cnt=0; for (k in arr) keys[++cnt]=k
    for (i=1;i<=cnt;i++) for (j=i+1;j<=cnt;j++) if (arr[keys[j]]>arr[keys[i]]) { tmp=keys[i]; keys[i]=keys[j]; keys[j]=tmp }
    for (i=1;i<=cnt && i<=n;i++) printf "%6.1f%%  %6d  %s\n", 100*arr[keys[i]]/total, arr[keys[i]], keys[i]
  }
  END {
    if (total == 0) { print "no jdk.ExecutionSample events"; exit }
    show("samples by thread", threads)
    show("top frame (self)", tops)
    show("first dev.mailgateway frame from the top (our code on the stack)", mine)
    show("samples with a frame of this package on the stack (inclusive)", incl)
    show("samples with this method on the stack (inclusive)", meth)
  }' "$TMP"
