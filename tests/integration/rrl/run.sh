#!/bin/bash
# run.sh -- response rate limiting in `backscatter dns`: a flood of UDP
# queries from one /24 is cut to the configured rate, with every second
# limited response sent back truncated (TC, no records, no larger than
# the query) and the others dropped; another /24 is answered as usual
# meanwhile, TCP still answers the flooded network, the totals reach the
# log; with rrl_rate = 0 the same flood is answered in full. TCP: one
# address cannot hold more than tcp_max_per_ip connections, another
# address still connects.
#
# Usage: bash run.sh /path/to/backscatter     Exit: 0 pass, 1 fail, 77 skip.
# Loopback only; bounded (a few thousand queries); kills only its PIDs.
set -u
# Tests run as root in CI containers; the daemons refuse that unless told.
export BACKSCATTER_ALLOW_ROOT=1
BIN=$(readlink -f "${1:?usage: run.sh /path/to/backscatter}")
HERE=$(cd "$(dirname "$0")" && pwd)

for tool in dig python3 ss; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done

T=$(mktemp -d /tmp/bs-rrl-XXXXXX)
DNS_PID=
cleanup() {
	[ -n "$DNS_PID" ] && kill "$DNS_PID" 2>/dev/null && wait "$DNS_PID" 2>/dev/null
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
contains() { # contains WHAT TEXT REGEX
	if grep -qE -- "$3" <<<"$2"; then ok; else bad "$1: '$3' not in: $2"; fi
}
check() { # check WHAT CONDITION(awk) VALUES
	if awk "BEGIN { exit !($2) }"; then ok; else bad "$1: not ($2) with $3"; fi
}

. "$(dirname "$0")/../../lib/ports.sh"
PORT=$(free_port) || { echo "no free port"; exit 1; }

RATE=50
start() { # start RRL_RATE
	cat >"$T/bs.conf" <<EOF
[store]
path = $T/bl.db
[dns]
zone = bl.test
listen = 127.0.0.1:$PORT
threads = 2
rrl_rate = $1
rrl_burst = $1
rrl_slip = 2
rrl_ipv4_prefix = 24
tcp_max_per_ip = 4
EOF
	"$BIN" -c "$T/bs.conf" dns >>"$T/dns.log" 2>&1 &
	DNS_PID=$!
	for _ in $(seq 1 100); do
		dig @127.0.0.1 -p "$PORT" -b 127.0.9.1 +short +time=1 +tries=1 \
		    bl.test SOA >/dev/null 2>&1 && return 0
		kill -0 "$DNS_PID" 2>/dev/null || break
		sleep 0.1
	done
	bad "dns did not come up: $(tail -n 5 "$T/dns.log")"
	exit 1
}
stop() {
	kill -TERM "$DNS_PID"
	wait "$DNS_PID"
	expect "exit status after SIGTERM" "$?" 0
	DNS_PID=
}
field() { # field NAME "sent 1 answered 2 ...": the number after NAME
	awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$2"
}

start "$RATE"
contains "limit logged at start" "$(cat "$T/dns.log")" \
    "limited to $RATE a second .*per /24"

# 3,000 queries from four addresses of 127.0.5.0/24, as fast as Python
# sends them: the network gets the burst plus the rate for the time the
# flood took, about a quarter of the rest comes back truncated (slip 2
# of the limited ones), the others are dropped.
out=$(python3 "$HERE/flood.py" "$PORT" 2.0.0.127.bl.test 3000 \
    127.0.5.1 127.0.5.2 127.0.5.3 127.0.5.4)
echo "flood: $out"
sent=$(field sent "$out")
ans=$(field answered "$out")
tc=$(field tc "$out")
ms=$(field elapsed_ms "$out")
check "flood sent" "$sent >= 2900" "$out"
# Upper bound from the flood's own length: burst + rate * (seconds + 1).
check "answers cut to the rate" "$ans <= $RATE + $RATE * ($ms / 1000 + 1)" "$out"
check "answers up to the burst" "$ans >= $RATE" "$out"
check "limited ones slip with TC" "$tc >= ($sent - $ans) / 2 - 20 && $tc <= ($sent - $ans) / 2 + 20" "$out"
expect "TC answers carry no records, no bytes beyond the query" \
    "$(field tc_bad "$out")" 0
check "the rest dropped" "$ans + $tc < $sent" "$out"

# The same second: another /24 is answered in full, over UDP.
expect "other /24 answered" "$(dig @127.0.0.1 -p "$PORT" -b 127.0.6.1 \
    +short +time=1 +tries=1 2.0.0.127.bl.test A)" 127.0.0.2
out=$(python3 "$HERE/flood.py" "$PORT" 2.0.0.127.bl.test "$RATE" 127.0.8.2)
expect "third /24: a burst's worth answered" "$(field answered "$out")" "$RATE"
# The flooded network can still ask over TCP, which is not limited.
expect "flooded /24 over TCP" "$(dig @127.0.0.1 -p "$PORT" -b 127.0.5.9 \
    +tcp +short +time=2 +tries=1 2.0.0.127.bl.test A)" 127.0.0.2

# TCP: 4 connections from one address are held, a 5th is closed at once;
# another address still gets in and is answered.
tcp=$(python3 - "$PORT" <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
def conn(src):
    s = socket.socket()
    s.settimeout(3)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s
def ask(s):
    q = struct.pack("!HHHHHH", 7, 0, 1, 0, 0, 0) + \
        b"\x012\x010\x010\x03127\x02bl\x04test\x00" + struct.pack("!HH", 1, 1)
    try:
        s.sendall(struct.pack("!H", len(q)) + q)
        r = s.recv(2)
        return "answer" if len(r) == 2 else "closed"
    except OSError:
        return "closed"
held = [conn("127.0.7.1") for _ in range(4)]
print(" ".join(ask(s) for s in held), ask(conn("127.0.7.1")),
      ask(conn("127.0.7.2")))
PY
)
expect "TCP per-address limit" "$tcp" "answer answer answer answer closed answer"

stop
contains "totals logged" "$(cat "$T/dns.log")" \
    "event=rrl limited=[1-9][0-9]* dropped=[1-9][0-9]* slipped=[1-9]"

# Off: the same flood, every query answered, nothing limited. At most
# 256 unanswered at a time, so that a loaded machine's socket buffers
# cannot lose an answer that the server did send.
: >"$T/dns.log"
start 0
out=$(FLOOD_WINDOW=256 python3 "$HERE/flood.py" "$PORT" 2.0.0.127.bl.test 3000 \
    127.0.5.1 127.0.5.2 127.0.5.3 127.0.5.4)
echo "flood, rrl off: $out"
expect "rrl off: all answered" "$(field answered "$out")" "$(field sent "$out")"
expect "rrl off: no TC" "$(field tc "$out")" 0
stop
if grep -q "event=rrl\|limited to" "$T/dns.log"; then
	bad "rrl off: the limiter shows in the log"
else
	ok
fi

echo "rrl: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
