#!/bin/bash
# run.sh -- `backscatter probe` against three private Postfix instances on
# loopback: one that rejects unknown recipients at RCPT (exit 0, good),
# one that accepts them and bounces (local_recipient_maps =, the bounce
# routed to our trap: exit 3), one that verifies senders
# (reject_unverified_sender, the callout routed to our trap: exit 4).
# `backscatter serve` runs the trap on a temp store with trap.test and
# allow_special = loopback, yet the probed Postfix (127.0.0.1) must not
# be listed afterwards: probe hits are evidence only.
#
# Usage: bash run.sh /path/to/backscatter     Exit: 0 pass, 1 fail, 77 skip.
# Loopback only; kills only the PIDs it started; stops its Postfixes.
set -u
BIN=$(readlink -f "${1:?usage: run.sh /path/to/backscatter}")
HERE=$(cd "$(dirname "$0")" && pwd)

for tool in postfix postconf runuser ss dig python3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "SKIP: postfix needs root"; exit 77; }
. "$HERE/../mailservers/pf_lib.sh"

T=$(mktemp -d /tmp/bs-probe-XXXXXX)
chmod 755 "$T"
SRV_PID=
cleanup() {
	# Every instance under $T: mkpf runs in $(...), a subshell, so a
	# list it kept would never reach this shell.
	for d in "$T"/*/; do pf_stop "${d%/}"; done
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
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

. "$(dirname "$0")/../../lib/ports.sh"
PORTS=$(free_ports 4) || exit 1
read -r SMTP_PORT DNS_PORT WEB_PORT POLICY_PORT <<<"$PORTS"

cat >"$T/bs.conf" <<EOF2
[store]
path = $T/var/bl.db
[listing]
allow_special = loopback
[dns]
zone = bl.test
[trap]
domains = trap.test
tls = off
[web]
lookup_url = http://127.0.0.1:$WEB_PORT/lookup?ip={ip}
[probe]
wait = 8s
timeout = 20s
EOF2

"$BIN" -c "$T/bs.conf" serve --trap-listen "127.0.0.1:$SMTP_PORT" \
    --dns-listen "127.0.0.1:$DNS_PORT" --web-listen "127.0.0.1:$WEB_PORT" \
    --policy-listen "127.0.0.1:$POLICY_PORT" >>"$T/serve.log" 2>&1 &
SRV_PID=$!
for _ in $(seq 1 100); do
	[ -n "$(ss -Hlnt "sport = :$SMTP_PORT")" ] && break
	sleep 0.1
done
[ -n "$(ss -Hlnt "sport = :$SMTP_PORT")" ] ||
    { echo "FAIL: serve did not start: $(tail -5 "$T/serve.log")"; exit 1; }

# mkpf NAME CONF...: a Postfix on a free port whose mail for trap.test
# goes to our trap; prints its port.
mkpf() {
	local name=$1 port
	shift
	port=$(free_port) || return 1
	pf_make "$T/$name" "$port" || return 1
	pf_conf "$T/$name" \
	    "transport_maps = inline:{trap.test=smtp:[127.0.0.1]:$SMTP_PORT}" \
	    "$@"
	pf_start "$T/$name"
	wait_port "$port" 15 || { cat "$T/$name/maillog" >&2; return 1; }
	echo "$port"
}

probe() { # probe PORT -> JSON on stdout; exit code in $T/rc
	timeout 120 "$BIN" -c "$T/bs.conf" probe pf.test --mx "127.0.0.1:$1" \
	    --json >"$T/out.json" 2>"$T/err.log"
	echo $? >"$T/rc"
	cat "$T/out.json"
}
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

not_listed() { # the probed Postfix must not be listed
	local a
	a=$(dig @127.0.0.1 -p "$DNS_PORT" +short +time=1 +tries=2 \
	    1.0.0.127.bl.test A)
	expect "$1: 127.0.0.1 in DNS" "$a" ""
	contains "$1: list show" "$("$BIN" -c "$T/bs.conf" list show 127.0.0.1 2>&1)" \
	    "not listed"
}

# 1. Rejects unknown recipients at RCPT: good.
P1=$(mkpf good) || { bad "postfix good did not start"; exit 1; }
out=$(probe "$P1")
expect "good: exit" "$(cat "$T/rc")" 0
expect "good: verdict" "$(field verdict <<<"$out")" good
expect "good: rcpt code" "$(field rcpt_code <<<"$out")" 550
not_listed good

# 2. Accepts, then bounces: backscatter.
P2=$(mkpf bounce 'local_recipient_maps =') ||
    { bad "postfix bounce did not start"; exit 1; }
out=$(probe "$P2")
expect "bounce: exit" "$(cat "$T/rc")" 3
expect "bounce: verdict" "$(field verdict <<<"$out")" backscatter
contains "bounce: evidence" "$out" '"class":"bounce"'
contains "bounce: guide" "$out" "/help/postfix"
not_listed bounce

# 3. Verifies the sender with a callout to our trap.
P3=$(mkpf callout 'smtpd_sender_restrictions = reject_unverified_sender' \
    'address_verify_poll_delay = 1s') ||
    { bad "postfix callout did not start"; exit 1; }
out=$(probe "$P3")
expect "callout: exit" "$(cat "$T/rc")" 4
expect "callout: verdict" "$(field verdict <<<"$out")" callout
contains "callout: evidence" "$out" '"class":"callout"'
not_listed callout

# The trap did record the evidence, and no listing exists at all.
n=$("$BIN" -c "$T/bs.conf" list search --state all --json 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d) if isinstance(d, list) else len(d.get("listings", [])))')
expect "no listings" "$n" 0

# Usage errors exit 2.
"$BIN" -c "$T/bs.conf" probe >/dev/null 2>&1
expect "usage" "$?" 2

echo "probe: $pass passed, $fail failed"
[ "$fail" = 0 ]
