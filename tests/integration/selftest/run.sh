#!/bin/bash
# run.sh -- the web self-test (/selftest) over HTTP with curl, against
# `backscatter serve` (trap and web on loopback, a temp store): the form
# has a CSRF token and says what the probe sends; a POST without or with
# a forged token is refused (403); 127.0.0.1 is refused as loopback by
# the default config. A second server with [probe] allow_special =
# loopback then probes a private Postfix on loopback that rejects
# unknown recipients: the redirect leads to a progress page that
# refreshes itself (meta refresh, no script) until it shows the verdict
# "rejects unknown recipients"; a second POST for the same target
# within probe.interval gets 429. With probe.web = off the form is 404.
#
# Usage: bash run.sh /path/to/backscatter     Exit: 0 pass, 1 fail, 77 skip.
# Loopback only; kills only the PIDs it started; stops its Postfix.
set -u
BIN=$(readlink -f "${1:?usage: run.sh /path/to/backscatter}")
HERE=$(cd "$(dirname "$0")" && pwd)

for tool in postfix postconf runuser ss curl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "SKIP: postfix needs root"; exit 77; }
. "$HERE/../mailservers/pf_lib.sh"

T=$(mktemp -d /tmp/bs-selftest-XXXXXX)
chmod 755 "$T"
SRV_PID=
PFS=
cleanup() {
	for d in $PFS; do pf_stop "$d"; done
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
	if grep -qE -- "$3" <<<"$2"; then ok; else bad "$1: '$3' not in: ${2:0:400}"; fi
}
lacks() { # lacks WHAT TEXT REGEX
	if grep -qE -- "$3" <<<"$2"; then bad "$1: '$3' found"; else ok; fi
}

. "$(dirname "$0")/../../lib/ports.sh"
PORTS=$(free_ports 4) || exit 1
read -r SMTP_PORT DNS_PORT WEB_PORT POLICY_PORT <<<"$PORTS"
URL="http://127.0.0.1:$WEB_PORT"

# conf FILE [PROBE-LINES...]: the common config, then [probe].
conf() {
	local f=$1
	shift
	cat >"$f" <<EOF2
[store]
path = $T/var/bl.db
[listing]
allow_special = loopback
[dns]
zone = bl.test
[trap]
domains = trap.test
tls = off
[probe]
wait = 5s
timeout = 20s
EOF2
	for l in "$@"; do echo "$l" >>"$f"; done
}

# serve CONF: (re)starts `backscatter serve` with CONF.
serve() {
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
		SRV_PID=
	fi
	"$BIN" -c "$1" serve --trap-listen "127.0.0.1:$SMTP_PORT" \
	    --dns-listen "127.0.0.1:$DNS_PORT" --web-listen "127.0.0.1:$WEB_PORT" \
	    --policy-listen "127.0.0.1:$POLICY_PORT" >>"$T/serve.log" 2>&1 &
	SRV_PID=$!
	wait_port "$WEB_PORT" 10 && wait_port "$SMTP_PORT" 10
}

# csrf: a fresh form token from GET /selftest.
csrf() {
	curl -s --max-time 10 "$URL/selftest" |
	    sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1
}
# post TOKEN TARGET: the status code; body in $T/body, headers in $T/hdr.
post() {
	curl -s --max-time 10 -o "$T/body" -D "$T/hdr" -w '%{http_code}' \
	    --data-urlencode "csrf=$1" --data-urlencode "target=$2" \
	    "$URL/selftest"
}

# 1. The default config: form, CSRF, loopback refused.
conf "$T/default.conf"
serve "$T/default.conf" ||
    { echo "FAIL: serve did not start: $(tail -5 "$T/serve.log")"; exit 1; }
page=$(curl -s --max-time 10 -w '\n%{http_code}' "$URL/selftest")
expect "form: status" "$(tail -1 <<<"$page")" 200
contains "form: csrf" "$page" 'name="csrf" value="[0-9]+\.[0-9a-f]{32}"'
contains "form: sender shape" "$page" 'probe-<var>random</var>@trap\.test'
contains "form: random recipient" "$page" 'random recipient'
contains "form: test message" "$page" 'short test message'
contains "form: nothing listed" "$page" 'Nothing is listed'
lacks "form: no script" "$page" '<script'
expect "no token: 403" "$(post "" 127.0.0.1)" 403
expect "forged token: 403" \
    "$(post "1700000000.0123456789abcdef0123456789abcdef" 127.0.0.1)" 403
TOK=$(csrf)
[ -n "$TOK" ] || bad "no csrf token"
expect "loopback: 403" "$(post "$TOK" 127.0.0.1)" 403
contains "loopback: why" "$(cat "$T/body")" 'special-purpose'
expect "bad target: 400" "$(post "$TOK" '<script>x')" 400
lacks "bad target: escaped" "$(cat "$T/body")" '<script>x'
expect "no such probe: 404" "$(curl -s -o /dev/null -w '%{http_code}' \
    "$URL/selftest/0123456789abcdef0123456789abcdef")" 404
expect "bad id: 404" "$(curl -s -o /dev/null -w '%{http_code}' \
    "$URL/selftest/not-an-id")" 404

# 2. probe.web = off: no form at all.
conf "$T/off.conf" "web = off"
serve "$T/off.conf" || { bad "serve (off) did not start"; exit 1; }
expect "off: GET 404" "$(curl -s -o /dev/null -w '%{http_code}' \
    "$URL/selftest")" 404
expect "off: POST 404" "$(curl -s -o /dev/null -w '%{http_code}' \
    --data 'csrf=x&target=example.org' "$URL/selftest")" 404

# 3. allow_special = loopback: probe a Postfix that rejects unknown users.
conf "$T/loop.conf" "allow_special = loopback" "interval = 10m"
serve "$T/loop.conf" || { bad "serve (loopback) did not start"; exit 1; }
PF_PORT=$(free_port) || exit 1
pf_make "$T/pf" "$PF_PORT" || { bad "pf_make"; exit 1; }
pf_start "$T/pf"
PFS="$T/pf"
wait_port "$PF_PORT" 15 || { bad "postfix did not start"; cat "$T/pf/maillog" >&2; exit 1; }

TOK=$(csrf)
expect "probe: 303" "$(post "$TOK" "127.0.0.1:$PF_PORT")" 303
loc=$(sed -n 's/^Location: *\(\/selftest\/[0-9a-f]*\).*/\1/Ip' "$T/hdr" | tr -d '\r')
contains "probe: location" "$loc" '^/selftest/[0-9a-f]{32}$'
verdict=
for _ in $(seq 1 60); do
	p=$(curl -s --max-time 10 "$URL$loc")
	if grep -q 'Verdict' <<<"$p"; then verdict=$p; break; fi
	contains "progress: refresh" "$p" '<meta http-equiv="refresh" content="2">'
	sleep 1
done
[ -n "$verdict" ] || bad "no verdict within 60 s: ${p:0:400}"
contains "verdict: good" "$verdict" 'Verdict: good'
contains "verdict: text" "$verdict" 'rejects unknown recipients'
contains "verdict: RCPT 550" "$verdict" '<td>RCPT</td><td>550 '
contains "verdict: own sender shown" "$verdict" 'probe-[0-9a-f]{20}@trap\.test'
lacks "verdict: no refresh" "$verdict" 'http-equiv="refresh"'
lacks "verdict: no script" "$verdict" '<script'

# Same target again within probe.interval: 429 with Retry-After.
TOK=$(csrf)
expect "again: 429" "$(post "$TOK" "127.0.0.1:$PF_PORT")" 429
contains "again: Retry-After" "$(cat "$T/hdr")" '^Retry-After: [0-9]+'

# The probed Postfix is not listed because of the test.
contains "not listed" "$("$BIN" -c "$T/loop.conf" list show 127.0.0.1 2>&1)" \
    "not listed"

echo "selftest: $pass passed, $fail failed"
[ "$fail" = 0 ]
