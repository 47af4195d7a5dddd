#!/bin/bash
# load.sh -- does an SMTP flood on the trap slow down DNS answers? One
# `backscatter serve` (trap + DNS in one process): DNS latency measured
# by dnsperf with no SMTP load, then while 9,990 SMTP sessions are held
# open (20 of them slow-drip, one byte a second: tests/integration/load/
# hold.py), then again after they closed; and the trap's RSS with them.
#
# Usage: bench/load.sh [-w]
#   -w  also write the "## Load" section of docs/benchmarks.md
# Environment: BACKSCATTER (the binary) [build/backscatter], SECS (each
# dnsperf run) [10], QPS (dnsperf -Q, a fixed rate) [20000].
# Needs dnsperf, python3, ulimit -n of 11,000 or more. Loopback only;
# stops what it started, by PID.
set -u
export BACKSCATTER_ALLOW_ROOT=1

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BS=${BACKSCATTER:-$ROOT/build/backscatter}
DOC=$ROOT/docs/benchmarks.md
SECS=${SECS:-10}
QPS=${QPS:-20000}
MAX=10000
WRITE=0
[ "${1:-}" = -w ] && WRITE=1

log() { echo "load.sh: $*" >&2; }
die() {
	log "$*"
	exit 1
}
for tool in dnsperf python3 dig ss; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool missing (apt-get install -y dnsperf)"
done
[ -x "$BS" ] || die "no $BS: build first"
ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((MAX + 1000)) ] ||
    die "ulimit -n $(ulimit -n) is too low"

T=$(mktemp -d /tmp/bs-loadbench-XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

. "$ROOT/tests/lib/ports.sh"
PORTS=$(free_ports 4) || die "no free port"
read -r SMTP DNS WEB POL <<<"$PORTS"

cat >"$T/bs.conf" <<EOF
[store]
path = $T/bl.db
[dns]
zone = bl.test
[trap]
domains = trap.test
tls = off
max_sessions = $MAX
max_sessions_per_ip = 100
idle_timeout = 10m
[log]
level = warn
EOF
"$BS" -c "$T/bs.conf" list add 203.0.113.7 >/dev/null || die "list add"
"$BS" -c "$T/bs.conf" serve --trap-listen "127.0.0.1:$SMTP" \
    --dns-listen "127.0.0.1:$DNS" --web-listen "127.0.0.1:$WEB" \
    --policy-listen "127.0.0.1:$POL" >"$T/serve.log" 2>&1 &
SRV=$!
PIDS+=("$SRV")
for _ in $(seq 1 100); do
	dig @127.0.0.1 -p "$DNS" +short +time=1 +tries=1 bl.test SOA \
	    >/dev/null 2>&1 && break
	sleep 0.1
done

# Listed, unlisted and test-point names, as a DNSBL sees them.
for i in $(seq 1 1000); do
	echo "7.113.0.203.bl.test A"
	echo "$((i % 250)).$((i / 250)).51.198.bl.test A"
	echo "2.0.0.127.bl.test TXT"
done >"$T/queries"

# dnsperf at a fixed rate: latency, not throughput, is the question.
perf() { # perf NAME
	dnsperf -s 127.0.0.1 -p "$DNS" -d "$T/queries" -l "$SECS" -Q "$QPS" \
	    -c 4 -t 1 -v >"$T/$1.perf" 2>&1 || die "dnsperf: $(tail -n 3 "$T/$1.perf")"
	# -v prints one line per query with its latency in seconds.
	awk '$1 == ">" && $NF ~ /^[0-9.]+$/ { print $NF * 1e6 }' \
	    "$T/$1.perf" | sort -n >"$T/$1.lat"
	R[$1]=$(awk '{ a[NR] = $1 } END {
	    if (NR == 0) { print "-"; exit }
	    printf "%.0f / %.0f / %.0f", a[int(NR * 0.5)], a[int(NR * 0.99)],
	        a[int(NR * 0.999)] }' "$T/$1.lat")
	L[$1]=$(awk '/Queries lost:/ { print $3 }' "$T/$1.perf")
	Q[$1]=$(awk '/Queries per second:/ { printf "%.0f", $4 }' "$T/$1.perf")
	log "$1: p50/p99/p99.9 µs ${R[$1]}, lost ${L[$1]}, ${Q[$1]} qps"
}
declare -A R L Q
num() { printf "%s" "$1" | sed -e :a -e "s/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/" -e ta; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SRV/status"; }

RSS0=$(rss)
perf off
python3 "$ROOT/tests/integration/load/hold.py" "$SMTP" "$SRV" "$MAX" 600 \
    $((SECS + 20)) >"$T/hold.out" 2>&1 &
HOLD=$!
PIDS+=("$HOLD")
for _ in $(seq 1 120); do
	grep -q '^connect_s=' "$T/hold.out" && break
	sleep 0.5
done
HELD=$(sed -n 's/^held=//p' "$T/hold.out" | tail -n 1)
CONNECT_S=$(sed -n 's/^connect_s=//p' "$T/hold.out")
RSS1=$(rss)
perf on
wait "$HOLD"
sleep 2
perf after
RSS2=$(rss)
kill -TERM "$SRV" && wait "$SRV"

{
	echo "$(date -u +%F), $(nproc) CPUs, Linux $(uname -r), dnsperf $(dnsperf -h 2>&1 | sed -n 's/^Version //p' | head -n 1), $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$(dirname "$BS")/CMakeCache.txt" 2>/dev/null) build."
	echo "Command: \`${BACKSCATTER:+BACKSCATTER=$BACKSCATTER }bench/load.sh -w\` (one \`backscatter serve\`; dnsperf at a fixed $QPS queries/s for $SECS s, 4 sockets, listed / unlisted / test-point TXT names in turn; SMTP load: \`tests/integration/load/hold.py\`, $(num "$HELD") sessions from 200 addresses opened in $CONNECT_S s and held, 20 of them sending a byte a second)."
	echo
	echo "| SMTP load | DNS latency p50 / p99 / p99.9 (µs) | lost | queries/s | serve RSS (MiB) |"
	echo "| --- | --- | --- | --- | --- |"
	echo "| none | ${R[off]} | ${L[off]} | ${Q[off]} | $(awk -v k="$RSS0" 'BEGIN { printf "%.1f", k / 1024 }') |"
	echo "| $(num "$HELD") sessions open, 20 dripping | ${R[on]} | ${L[on]} | ${Q[on]} | $(awk -v k="$RSS1" 'BEGIN { printf "%.1f", k / 1024 }') |"
	echo "| none again, after they closed | ${R[after]} | ${L[after]} | ${Q[after]} | $(awk -v k="$RSS2" 'BEGIN { printf "%.1f", k / 1024 }') |"
	echo
	echo "The DNS workers are threads of their own and never wait for the trap's event loop; open SMTP sessions cost memory (the RSS column) and a descriptor each, not CPU, until they send something. Load average (1 min) at the end: $(cut -d ' ' -f 1 /proc/loadavg): other work on the machine moves the latency tail."
} >"$T/section.md"
cat "$T/section.md"

if [ "$WRITE" = 1 ]; then
	{ echo "## Load"; echo; cat "$T/section.md"; } >"$T/sect"
	tmp=$(mktemp "$DOC.XXXXXX") || die "mktemp next to $DOC"
	awk -v sect="$T/sect" '
		function put() { while ((getline l < sect) > 0) print l; done = 1 }
		/^## Load[[:space:]]*$/ { put(); skip = 1; next }
		skip && /^## / { skip = 0; print "" }
		!skip { print }
		END { if (!done) { print ""; put() } }
	' "$DOC" >"$tmp" && chmod 644 "$tmp" && mv "$tmp" "$DOC" &&
	    log "updated the Load section of $DOC"
fi
