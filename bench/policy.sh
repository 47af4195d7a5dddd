#!/bin/bash
# policy.sh -- `backscatter policy` requests/s: a warm cache, cache misses
# (one DNS lookup to our `backscatter dns` per request), and senders that
# need no lookup, against the ceiling of an always-DUNNO server on the
# same event library (bench/policy_dunno.c), in the same run.
#
# Usage: bash bench/policy.sh /path/to/backscatter [SECONDS] [THREADS] [RUNS]
# Prints one line per measurement and the median of RUNS runs per case.
set -u
# The daemons refuse root without [process] user; a bench on loopback is
# a test rig (backscatter(8), ENVIRONMENT).
export BACKSCATTER_ALLOW_ROOT=1
BIN=$(readlink -f "${1:?usage: policy.sh /path/to/backscatter [S] [T] [RUNS]}")
SECS=${2:-5}
THREADS=${3:-8}
RUNS=${4:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/bs-policy-bench-XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

cc -O2 -Wall -o "$T/policy_load" "$HERE/policy_load.c" -pthread || exit 1
cc -O2 -Wall -o "$T/policy_dunno" "$HERE/policy_dunno.c" -levent_core || exit 1

. "$HERE/../tests/lib/ports.sh"
PORTS=$(free_ports 3) || exit 1
read -r DNS_PORT POL_PORT DUNNO_PORT <<<"$PORTS"
cat >"$T/bs.conf" <<CONF
[store]
path = $T/bl.db
[dns]
zone = bl.test
listen = 127.0.0.1:$DNS_PORT
[policy]
listen = 127.0.0.1:$POL_PORT
resolver = 127.0.0.1:$DNS_PORT
; room for every address of a warm run, none of a miss run repeats
cache_size = 65536
[log]
level = warn
CONF
# Some listings, so that the zone is not empty (the clients are unlisted).
for i in $(seq 1 20); do
	"$BIN" -c "$T/bs.conf" list add "198.51.100.$i" >/dev/null
done
"$BIN" -c "$T/bs.conf" dns >"$T/dns.log" 2>&1 &
PIDS+=($!)
"$BIN" -c "$T/bs.conf" policy >"$T/policy.log" 2>&1 &
PIDS+=($!)
"$T/policy_dunno" "$DUNNO_PORT" &
PIDS+=($!)
sleep 1

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
measure() { # measure NAME PORT MODE
	local r all=""
	for _ in $(seq 1 "$RUNS"); do
		r=$("$T/policy_load" "$2" "$THREADS" "$SECS" "$3")
		echo "  $1: $r"
		all="$all ${r%% *}"
	done
	printf '%-34s median %s req/s\n' "$1" "$(echo $all | tr ' ' '\n' | median)"
}
echo "policy service benchmark: $THREADS connections, $SECS s per run, $RUNS runs, $(nproc) CPUs"
# Fill the cache for the warm runs: one pass over their addresses.
"$T/policy_load" "$POL_PORT" "$THREADS" 1 warm >/dev/null
measure "ceiling (always-DUNNO server)" "$DUNNO_PORT" warm
measure "policy, no lookup (normal sender)" "$POL_PORT" other
measure "policy, null sender, warm cache" "$POL_PORT" warm
measure "policy, null sender, cache misses" "$POL_PORT" miss
grep -iE "warn|error" "$T/policy.log" | head -n 3
