#!/bin/bash
# run.sh -- remote sensors: a central (`backscatter web` with its store)
# and two sensors (`backscatter trap --central URL --token T`, each with
# its own store as the spool). A stream of trap sessions goes to each
# sensor while the central is killed with SIGKILL and restarted, and one
# sensor is killed with SIGKILL and restarted too. At the end every hit
# a sensor holds (so every one that got a 250) is at the central exactly
# once, under the token's sensor name, and listings count it once; a
# wrong token gets 401.
#
# Usage: bash run.sh /path/to/backscatter
# Exit: 0 pass, 1 fail, 77 skip (python3, sqlite3 or curl missing).
set -u

BIN=${1:?usage: run.sh /path/to/backscatter}
HERE=$(cd "$(dirname "$0")" && pwd)
N=${SENSORS_SESSIONS:-300}	# sessions per sensor

for tool in python3 sqlite3 curl; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed"
		exit 77
	fi
done
# The daemons refuse to run as root without [process] user.
export BACKSCATTER_ALLOW_ROOT=1

T=$(mktemp -d /tmp/bs-sensors-XXXXXX) || exit 1
CENTRAL_PID= S1_PID= S2_PID= C1_PID= C2_PID=
fail() {
	echo "FAIL: $*" >&2
	for f in central.log s1.log s2.log; do
		if [ -s "$T/$f" ]; then
			echo "--- $f:" >&2
			grep -v 'event=' "$T/$f" | tail -n 12 >&2
		fi
	done
	exit 1
}
cleanup() {
	# Only what this script started, by PID.
	for p in $C1_PID $C2_PID $S1_PID $S2_PID $CENTRAL_PID; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

. "$(dirname "$0")/../../lib/ports.sh"
PORTS=$(free_ports 3) || fail "no free port"
read -r WP P1 P2 <<<"$PORTS"

TOK1=sensor-one-token-0123456789
TOK2=sensor-two-token-9876543210
cat >"$T/central.conf" <<EOF
[web]
sensor_tokens = s1:$TOK1, s2:$TOK2
[listing]
allow_special = loopback
EOF
for s in 1 2; do
	cat >"$T/s$s.conf" <<EOF
[trap]
domains = trap.test
sensor = local-name-$s
tls = off
EOF
done

start_central() {
	timeout 300 "$BIN" -c "$T/central.conf" --store "$T/central.db" web \
	    --listen "127.0.0.1:$WP" >>"$T/central.log" 2>&1 &
	CENTRAL_PID=$!
	for _ in $(seq 1 100); do
		ss -Hlnt "sport = :$WP" | grep -q . && return 0
		sleep 0.1
	done
	fail "the central did not listen"
}
start_sensor() {	# start_sensor 1|2
	local s=$1 port tok
	if [ "$s" = 1 ]; then port=$P1 tok=$TOK1; else port=$P2 tok=$TOK2; fi
	timeout 300 "$BIN" -c "$T/s$s.conf" --store "$T/s$s.db" trap \
	    --listen "127.0.0.1:$port" --central "http://127.0.0.1:$WP" \
	    --token "$tok" >>"$T/s$s.log" 2>&1 &
	eval "S${s}_PID=\$!"
	for _ in $(seq 1 100); do
		ss -Hlnt "sport = :$port" | grep -q . && return 0
		sleep 0.1
	done
	fail "sensor $s did not listen"
}
# The daemon under timeout(1): SIGKILL must reach it, not timeout.
child_of() {
	local c
	for _ in $(seq 1 50); do
		c=$(pgrep -P "$1" | head -n 1)
		[ -n "$c" ] && { echo "$c"; return 0; }
		sleep 0.1
	done
	return 1
}
sigkill() {	# sigkill PID: the daemon timeout(1) PID runs
	local c
	c=$(child_of "$1") || fail "no daemon under $1"
	kill -KILL "$c"
	wait "$1" 2>/dev/null
}
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
wait_lines() {	# wait_lines FILE N: FILE has N lines (at most 120 s)
	for _ in $(seq 1 600); do
		[ "$(lines "$1")" -ge "$2" ] && return 0
		sleep 0.2
	done
	fail "$1 stuck at $(lines "$1") lines"
}

start_central
start_sensor 1
start_sensor 2

# ---- authentication ------------------------------------------------
post() {	# post TOKEN BODY: prints the status
	timeout 30 curl -s -o "$T/post.out" -w '%{http_code}' -X POST \
	    -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
	    --data "$2" "http://127.0.0.1:$WP/api/v1/hits"
}
ONE='{"hits":[{"uid":"00000000000000000000000000000001","t":1700000000,"addr":"192.0.2.1","class":"bounce"}]}'
[ "$(post wrong-token-wrong-token-0000 "$ONE")" = 401 ] ||
    fail "a wrong token was not refused with 401"
code=$(timeout 30 curl -s -o /dev/null -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' --data "$ONE" \
    "http://127.0.0.1:$WP/api/v1/hits")
[ "$code" = 401 ] || fail "no token: HTTP $code, want 401"
[ "$(post "$TOK1" '{"hits":[{"uid":"xyz","t":1,"addr":"192.0.2.1","class":"bounce"}]}')" = 400 ] ||
    fail "a bad uid was not refused with 400"
[ "$(post "$TOK1" '{"hits":[{"uid":"00000000000000000000000000000002","t":1700000000,"addr":"192.0.2.1","class":"manual"}]}')" = 400 ] ||
    fail "class manual was not refused with 400"
[ "$(sqlite3 "$T/central.db" 'SELECT count(*) FROM hit')" = 0 ] ||
    fail "refused uploads left hits"
echo "ok: wrong or missing token 401, bad hits 400"

# ---- the stream, with SIGKILLs ---------------------------------------
timeout 250 python3 "$HERE/sessions.py" 127.0.0.1 "$P1" s1 "$N" 1 \
    "$T/c1.out" 0.01 &
C1_PID=$!
timeout 250 python3 "$HERE/sessions.py" 127.0.0.1 "$P2" s2 "$N" 2 \
    "$T/c2.out" 0.01 &
C2_PID=$!

wait_lines "$T/c1.out" $((N / 4))
sigkill "$CENTRAL_PID"
CENTRAL_PID=
echo "ok: central killed at $(lines "$T/c1.out") + $(lines "$T/c2.out") sessions"
wait_lines "$T/c1.out" $((N / 2))
start_central
echo "ok: central restarted"
wait_lines "$T/c1.out" $((3 * N / 4))
sigkill "$S1_PID"
S1_PID=
sleep 1
start_sensor 1
echo "ok: sensor 1 killed and restarted"

wait "$C1_PID" || fail "client 1 gave up"
C1_PID=
wait "$C2_PID" || fail "client 2 gave up"
C2_PID=

# ---- every hit at the central, exactly once -------------------------
drained() {	# drained S: the sensor's cursor reached its last hit
	local db=$T/s$1.db
	[ "$(sqlite3 "$db" 'SELECT coalesce(max(id), 0) FROM hit')" = \
	    "$(sqlite3 "$db" "SELECT coalesce(max(last_id), 0) FROM forward")" ]
}
for _ in $(seq 1 450); do
	drained 1 && drained 2 && break
	sleep 0.2
done
drained 1 && drained 2 || fail "the sensors did not drain their spools"

# A central that committed a batch whose reply never arrived: sensor 2
# dies, and its cursor says the central has nothing. Everything goes
# again, and none of it may count twice.
sigkill "$S2_PID"
S2_PID=
sqlite3 "$T/s2.db" "UPDATE forward SET last_id = 0" ||
    fail "cannot rewind sensor 2's cursor"
start_sensor 2
for _ in $(seq 1 450); do
	drained 2 && break
	sleep 0.2
done
drained 2 || fail "sensor 2 did not send its spool again"
echo "ok: sensor 2 sent its whole spool again"

# Big hits (texts that are not UTF-8 triple in size as U+FFFD): 300 of
# them pass the central's body limit, so the sensor must cut its batches
# by size. Written into the spool as its trap would have.
python3 - "$T/s2.db" <<'PY' || fail "cannot add big hits"
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
ex = b"\xe9" * 1000
rows = [(1700000000, b"\0" * 10 + b"\xff\xff" + bytes([45, 1, i // 250, i % 250 + 1]),
         1, "bounce/dsn", "x", "h" * 250, "", "trap@trap.test", ex,
         os.urandom(16).hex()) for i in range(300)]
db.executemany("INSERT INTO hit (t, addr, class, subclass, sensor, helo,"
               " mail_from, rcpt, excerpt, uid) VALUES (?,?,?,?,?,?,?,?,?,?)",
               rows)
db.commit()
PY
for _ in $(seq 1 450); do
	drained 2 && break
	sleep 0.2
done
drained 2 || fail "sensor 2 did not send its big hits"
grep -q 'HTTP 413' "$T/s2.log" && fail "a batch was too big for the central"
echo "ok: big hits sent in batches the central takes"

ok1=$(grep -c ' 250$' "$T/c1.out")
ok2=$(grep -c ' 250$' "$T/c2.out")
[ "$ok1" -eq "$N" ] && [ "$ok2" -eq "$N" ] ||
    fail "250s: $ok1 and $ok2 of $N"
sqlite3 "$T/central.db" \
    "ATTACH '$T/s1.db' AS s1; ATTACH '$T/s2.db' AS s2;
     SELECT 'sensor hits ' || ((SELECT count(*) FROM s1.hit) +
         (SELECT count(*) FROM s2.hit));
     SELECT 'central hits ' || (SELECT count(*) FROM main.hit);" |
    tee "$T/counts.txt"
# The same uids, each once.
sqlite3 "$T/s1.db" "SELECT uid || ' s1' FROM hit" >"$T/want.txt"
sqlite3 "$T/s2.db" "SELECT uid || ' s2' FROM hit" >>"$T/want.txt"
sort -o "$T/want.txt" "$T/want.txt"
sqlite3 "$T/central.db" "SELECT uid || ' ' || sensor FROM hit" |
    sort >"$T/got.txt"
cmp -s "$T/want.txt" "$T/got.txt" ||
    fail "central uids differ from the sensors': $(diff "$T/want.txt" \
    "$T/got.txt" | head -5)"
[ "$(uniq -d "$T/got.txt" | wc -l)" -eq 0 ] || fail "a uid twice"
# Every session that got 250 is there exactly once (by its HELO).
grep ' 250$' "$T/c1.out" "$T/c2.out" | sed 's/^[^:]*://; s/ 250$//' |
    sort >"$T/ok-helos.txt"
sqlite3 "$T/central.db" "SELECT helo FROM hit WHERE helo GLOB 's[12]-*'" |
    sort >"$T/central-helos.txt"
missing=$(comm -23 "$T/ok-helos.txt" "$T/central-helos.txt" | head -3)
[ -z "$missing" ] || fail "250 at a sensor but not at the central: $missing"
twice=$(uniq -d "$T/central-helos.txt" | head -3)
[ -z "$twice" ] || fail "at the central more than once: $twice"
# Listing counters count each hit once.
[ "$(sqlite3 "$T/central.db" 'SELECT sum(hits) FROM listing')" = \
    "$(sqlite3 "$T/central.db" 'SELECT count(*) FROM hit')" ] ||
    fail "listing hit counters differ from the hits"
echo "ok: $(paste -sd' ' "$T/counts.txt"), uids and HELOs match"

kill "$S1_PID" "$S2_PID" "$CENTRAL_PID"
for p in $S1_PID $S2_PID $CENTRAL_PID; do
	wait "$p" || fail "a daemon did not exit cleanly on SIGTERM"
done
S1_PID= S2_PID= CENTRAL_PID=
echo "PASS"
exit 0
