#!/bin/bash
# run.sh -- what the trap acknowledged survives kill -9, and a full disk
# is answered with 451, never with a 250 for a hit that is not stored.
#
# kill -9: `backscatter serve` (trap + DNS) takes a sustained stream of
# trap sessions from a pool of clients (stream.py: DSN bounces from <>
# and callouts, each from its own address 127.16.x.y) and is killed -9
# mid-stream, three times over one store. Every bounce that got its 250
# after DATA and every callout that got its 221 is then in the store
# (sqlite3) and answered 127.0.0.2 by the restarted DNS server, and
# PRAGMA integrity_check says ok.
#
# Full disk (root only, in a private mount namespace: unshare -m): the
# store on a 16 MiB tmpfs that a filler file fills. Sessions then get
# 451 4.3.0, no 250 goes to a hit that is not stored, the DNS server
# keeps answering a listed address, and once the filler is deleted 250s
# resume; every 250 is in the store at the end.
#
# Usage: bash run.sh /path/to/backscatter     Exit: 0 pass, 1 fail, 77 skip.
# Loopback only; bounded (a few thousand sessions, 60 s per phase at
# most); kills only the PIDs it started.
set -u
# Tests run as root in CI containers; the daemons refuse that unless told.
export BACKSCATTER_ALLOW_ROOT=1
BIN=$(readlink -f "${1:?usage: run.sh /path/to/backscatter}")
HERE=$(cd "$(dirname "$0")" && pwd)

for tool in python3 sqlite3 dig ss; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done

T=$(mktemp -d /tmp/bs-dur-XXXXXX)
SRV_PID=
CLI_PID=
cleanup() {
	for p in $CLI_PID $SRV_PID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] && { echo "kept $T" >&2; return; }
	rm -rf "$T"
}
trap cleanup EXIT

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*" >&2
}
expect() { # expect WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}

. "$(dirname "$0")/../../lib/ports.sh"
PORTS=$(free_ports 4) || { echo "no free port"; exit 1; }
read -r SMTP_PORT DNS_PORT WEB_PORT POLICY_PORT <<<"$PORTS"

conf() { # conf DBPATH
	cat >"$T/bs.conf" <<EOF
[store]
path = $1
[listing]
allow_special = loopback
[dns]
zone = bl.test
threads = 1
[trap]
domains = trap.test
tls = off
max_sessions_per_ip = 100
EOF
}

start() { # start: serve in the background, wait until trap and DNS answer
	"$BIN" -c "$T/bs.conf" serve --trap-listen "127.0.0.1:$SMTP_PORT" \
	    --dns-listen "127.0.0.1:$DNS_PORT" \
	    --web-listen "127.0.0.1:$WEB_PORT" \
	    --policy-listen "127.0.0.1:$POLICY_PORT" >>"$T/serve.log" 2>&1 &
	SRV_PID=$!
	for _ in $(seq 1 200); do
		if [ -n "$(ss -Hlnt "sport = :$SMTP_PORT")" ] &&
		    dig @127.0.0.1 -p "$DNS_PORT" +short +time=1 +tries=1 \
		    bl.test SOA >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	bad "serve did not come up: $(tail -n 5 "$T/serve.log")"
	exit 1
}

acked_count() { awk '/^(250|221) / { n++ } END { print n + 0 }' "$1"; }

# The addresses acknowledged in LOG that the store lacks, one a line.
missing_in_store() { # missing_in_store LOG DB
	grep -E '^(250|221) ' "$1" | awk '{ print $2 }' | sort -u >"$T/want"
	sqlite3 "$2" "SELECT hex(addr) FROM listing WHERE plen = 128" |
	    python3 -c '
import sys
for h in sys.stdin:
    h = h.strip()
    if h.startswith("00000000000000000000FFFF"):
        b = bytes.fromhex(h[24:])
        print("%d.%d.%d.%d" % tuple(b))' | sort -u >"$T/have"
	comm -23 "$T/want" "$T/have"
}

# ---- kill -9 mid-stream, three times ------------------------------------

DB=$T/var/bl.db
conf "$DB"
LOG=$T/clients.log
: >"$LOG"
for round in 1 2 3; do
	start
	before=$(acked_count "$LOG")
	python3 "$HERE/stream.py" "$SMTP_PORT" $((round * 100000)) 20000 8 \
	    "$LOG" >"$T/stream.$round" 2>&1 &
	CLI_PID=$!
	# Kill once 800 more sessions are acknowledged (or after 60 s).
	for _ in $(seq 1 600); do
		[ $(($(acked_count "$LOG") - before)) -ge 800 ] && break
		sleep 0.1
	done
	kill -9 "$SRV_PID"
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
	wait "$CLI_PID"
	CLI_PID=
	echo "round $round: $(cat "$T/stream.$round"), $(($(acked_count "$LOG") - before)) acknowledged"
	expect "round $round: integrity after kill -9" \
	    "$(sqlite3 "$DB" "PRAGMA integrity_check")" ok
done
total=$(acked_count "$LOG")
[ "$total" -ge 2400 ] && ok || bad "only $total sessions acknowledged"
grep -q '^221 ' "$LOG" && ok || bad "no callout completed"

start
missing=$(missing_in_store "$LOG" "$DB")
expect "acknowledged hits in the store after 3 × kill -9" \
    "$(wc -w <<<"$missing")" 0
[ -n "$missing" ] && echo "missing: $(head -c 300 <<<"$missing")" >&2
dnsout=$(grep -E '^(250|221) ' "$LOG" | awk '{ print $2 }' |
    python3 "$HERE/dnscheck.py" "$DNS_PORT" bl.test)
expect "acknowledged hits answered by DNS after restart" "$dnsout" \
    "checked $total"
kill -TERM "$SRV_PID"
wait "$SRV_PID"
expect "exit after SIGTERM" "$?" 0
SRV_PID=

# ---- a full disk ----------------------------------------------------------

if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1; then
	echo "full disk: skipped (needs root for unshare -m and a tmpfs)"
else
	# In a mount namespace of its own, so that the tmpfs is private and
	# goes away with it.
	unshare -m --propagation private bash "$HERE/full.sh" "$BIN" \
	    >"$T/full.out" 2>&1
	rc=$?
	cat "$T/full.out"
	if [ "$rc" -eq 0 ]; then ok; else bad "full-disk part failed ($rc)"; fi
fi

echo "durability: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
