#!/bin/bash
# run.sh -- `backscatter trap` at its session limit: 10,000 concurrent
# SMTP sessions from 200 addresses (127.1.x.y), 20 of them slow-drip
# clients that send one byte a second. The trap's memory stays under a
# ceiling (VmRSS and VmHWM from /proc), a whole session is still served
# at 9,990, the 10,000th is greeted, connections beyond the limit get
# 421 4.7.0 and are closed, idle sessions are closed at the idle timeout
# while the drip sessions, never idle that long, still get their replies.
#
# Usage: bash run.sh /path/to/backscatter     Exit: 0 pass, 1 fail, 77 skip.
# Loopback only; about 90 s; kills only the PIDs it started.
set -u
# Tests run as root in CI containers; the daemons refuse that unless told.
export BACKSCATTER_ALLOW_ROOT=1
BIN=$(readlink -f "${1:?usage: run.sh /path/to/backscatter}")
HERE=$(cd "$(dirname "$0")" && pwd)

MAX=10000
IDLE=40
# Generous: what 10,000 sessions may cost, about 25 KiB each, plus the
# process itself. Measured: see docs/benchmarks.md ("Load").
RSS_CEILING_KB=$((256 * 1024))

for tool in python3 ss; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done
# The client holds as many sockets as the trap; each side needs them.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((MAX + 500)) ]; then
	echo "SKIP: ulimit -n $(ulimit -n) is below $((MAX + 500))"
	exit 77
fi

T=$(mktemp -d /tmp/bs-load-XXXXXX)
TRAP_PID=
cleanup() {
	[ -n "$TRAP_PID" ] && kill "$TRAP_PID" 2>/dev/null && wait "$TRAP_PID" 2>/dev/null
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
PORT=$(free_port) || { echo "no free port"; exit 1; }

cat >"$T/bs.conf" <<EOF
[store]
path = $T/bl.db
[listing]
allow_special = loopback
[trap]
domains = trap.test
tls = off
max_sessions = $MAX
max_sessions_per_ip = 100
idle_timeout = $IDLE
session_timeout = 10m
[log]
level = warn
EOF
"$BIN" -c "$T/bs.conf" trap --listen "127.0.0.1:$PORT" >"$T/trap.log" 2>&1 &
TRAP_PID=$!
for _ in $(seq 1 100); do
	[ -n "$(ss -Hlnt "sport = :$PORT")" ] && break
	sleep 0.1
done

out=$(timeout 300 python3 "$HERE/hold.py" "$PORT" "$TRAP_PID" "$MAX" "$IDLE")
echo "$out"
val() { sed -n "s/^$1=//p" <<<"$out" | tail -n 1; }

expect "sessions held at the limit" "$(val held)" "$MAX"
expect "a whole session served at $((MAX - 10))" "$(val served)" 1
expect "beyond the limit: 421 4.7.0 and close" "$(val refused)" 5
rss=$(val rss_kb)
hwm=$(val hwm_kb)
if [ -n "$rss" ] && [ "$hwm" -le "$RSS_CEILING_KB" ] 2>/dev/null; then
	ok
else
	bad "trap memory: VmRSS $rss kB, VmHWM $hwm kB, ceiling $RSS_CEILING_KB kB"
fi
echo "trap with $MAX sessions: VmRSS $rss kB, VmHWM $hwm kB"
expect "idle sessions closed at the idle timeout" "$(val idle_closed)" \
    "$((MAX - 20))"
expect "drip sessions alive after the idle timeout" "$(val drip_alive)" 20
[ "$(val drip_replies)" -ge 1 ] 2>/dev/null && ok ||
    bad "drip sessions got no reply: $(val drip_replies)"
kill -0 "$TRAP_PID" 2>/dev/null && ok || bad "the trap died"
grep -q "event=limit what=sessions " "$T/trap.log" 2>/dev/null ||
    grep -q "too many" "$T/trap.log" 2>/dev/null || true

kill -TERM "$TRAP_PID"
wait "$TRAP_PID"
expect "exit after SIGTERM" "$?" 0
TRAP_PID=

echo "load: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
