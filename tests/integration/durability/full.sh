#!/bin/bash
# full.sh -- the full-disk half of run.sh; runs as root in a private mount
# namespace (run.sh calls it through unshare -m), so the tmpfs it mounts
# is seen by nobody else and goes away with it.
#
# The store lives on a 16 MiB tmpfs (room for SQLite's WAL, which is
# checkpointed at 4 MiB). After a first stream of sessions a
# filler file takes all the space left: sessions must then get
# 451 4.3.0 (never a 250 for a hit that is not stored) while the DNS
# server still answers a listed address; once the filler is deleted,
# 250s come back. At the end every 250 is in the store and
# PRAGMA integrity_check says ok.
#
# Usage: bash full.sh /path/to/backscatter     Exit: 0 pass, 1 fail.
set -u
# Tests run as root in CI containers; the daemons refuse that unless told.
export BACKSCATTER_ALLOW_ROOT=1
BIN=$(readlink -f "${1:?usage: full.sh /path/to/backscatter}")
HERE=$(cd "$(dirname "$0")" && pwd)

T=$(mktemp -d /tmp/bs-full-XXXXXX)
FULL=$T/full
SRV_PID=
cleanup() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	if [ -n "${KEEP:-}" ]; then
		cp -a "$FULL" "$T/full.copy" 2>/dev/null
		echo "kept $T" >&2
	fi
	mountpoint -q "$FULL" && umount "$FULL"
	[ -n "${KEEP:-}" ] || rm -rf "$T"
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

mkdir -p "$FULL"
mount -t tmpfs -o size=16m,mode=0755 tmpfs "$FULL" || { echo "mount failed"; exit 1; }
DB=$FULL/bl.db
cat >"$T/bs.conf" <<EOF
[store]
path = $DB
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

"$BIN" -c "$T/bs.conf" serve --trap-listen "127.0.0.1:$SMTP_PORT" \
    --dns-listen "127.0.0.1:$DNS_PORT" --web-listen "127.0.0.1:$WEB_PORT" \
    --policy-listen "127.0.0.1:$POLICY_PORT" >"$T/serve.log" 2>&1 &
SRV_PID=$!
for _ in $(seq 1 200); do
	[ -n "$(ss -Hlnt "sport = :$SMTP_PORT")" ] &&
	    dig @127.0.0.1 -p "$DNS_PORT" +short +time=1 +tries=1 bl.test SOA \
	    >/dev/null 2>&1 && break
	sleep 0.1
done

count() { # count CODE LOG
	awk -v c="$1" '$1 == c { n++ } END { print n + 0 }' "$2"
}
q() {
	dig @127.0.0.1 -p "$DNS_PORT" +short +time=1 +tries=2 "$1" A | head -n 1
}

# Room to spare: every session is acknowledged.
python3 "$HERE/stream.py" "$SMTP_PORT" 500000 200 4 "$T/a.log" >/dev/null
expect "before: 250 or 221 to all" \
    "$(($(count 250 "$T/a.log") + $(count 221 "$T/a.log")))" 200
first=$(awk '$1 == "250" { print $2; exit }' "$T/a.log")
rev=$(awk -F. '{ print $4 "." $3 "." $2 "." $1 }' <<<"$first")
for _ in $(seq 1 20); do
	[ "$(q "$rev.bl.test")" = 127.0.0.2 ] && break
	sleep 0.1
done
expect "listed before the disk fills" "$(q "$rev.bl.test")" 127.0.0.2

# Fill every block that is left, then stream until the trap says 451
# (SQLite may still reuse free pages and WAL frames for a while).
dd if=/dev/zero of="$FULL/filler" bs=16k 2>/dev/null
python3 "$HERE/stream.py" "$SMTP_PORT" 510000 1500 4 "$T/b.log" >/dev/null
b250=$(count 250 "$T/b.log")
b451=$(count 451 "$T/b.log")
echo "disk full: $b250 × 250, $b451 × 451, $(count ERR "$T/b.log") errors"
[ "$b451" -ge 100 ] && ok || bad "only $b451 × 451 on a full disk"
expect "no other answer than 250/451/221" "$(count ERR "$T/b.log")" 0
expect "DNS answers while the disk is full" "$(q "$rev.bl.test")" 127.0.0.2
expect "the test point too" "$(q 2.0.0.127.bl.test)" 127.0.0.2
kill -0 "$SRV_PID" 2>/dev/null && ok || bad "serve died on a full disk"

# Space again: acknowledged again.
rm -f "$FULL/filler"
python3 "$HERE/stream.py" "$SMTP_PORT" 520000 200 4 "$T/c.log" >/dev/null
expect "after: 250 or 221 to all" \
    "$(($(count 250 "$T/c.log") + $(count 221 "$T/c.log")))" 200

kill -TERM "$SRV_PID"
wait "$SRV_PID"
expect "exit after SIGTERM" "$?" 0
SRV_PID=
expect "integrity" "$(sqlite3 "$DB" "PRAGMA integrity_check")" ok

# Every 250 (and 221, only where the disk was not full: a callout has no
# reply that says "not stored") is in the store.
{
	awk '$1 == "250" || $1 == "221" { print $2 }' "$T/a.log" "$T/c.log"
	awk '$1 == "250" { print $2 }' "$T/b.log"
} | sort -u >"$T/want"
sqlite3 "$DB" "SELECT hex(addr) FROM listing" | python3 -c '
import sys
for h in sys.stdin:
    h = h.strip()
    if h.startswith("00000000000000000000FFFF"):
        print("%d.%d.%d.%d" % tuple(bytes.fromhex(h[24:])))' |
    sort -u >"$T/have"
missing=$(comm -23 "$T/want" "$T/have" | wc -l)
expect "every 250 in the store ($(wc -l <"$T/want") of them)" "$missing" 0
# And no 451 that was stored after all: the client would send it again.
awk '$1 == "451" { print $2 }' "$T/b.log" | sort -u >"$T/tempfailed"
expect "no 451 for a stored hit" "$(comm -12 "$T/tempfailed" "$T/have" | wc -l)" 0
grep -E "not committed|store" "$T/serve.log" | sort | uniq -c | sort -rn | head -n 3

echo "full disk: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
