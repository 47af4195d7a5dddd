#!/bin/bash
# run.sh -- the real rbldnsd serves our rbldnsd export; its answers must
# match what `backscatter list show` says for listed, excluded, delisted,
# expired and never-listed addresses, IPv4 and IPv6.
#
# Usage: bash run.sh /path/to/backscatter
# Exit: 0 pass, 1 fail, 77 skip (rbldnsd or dig not installed).
set -u

BIN=${1:?usage: run.sh /path/to/backscatter}
ZONE=bl.test

for tool in rbldnsd dig; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed"
		exit 77
	fi
done

fail() {
	echo "FAIL: $*" >&2
	if [ -n "${TMP:-}" ] && [ -s "$TMP/rbldnsd.log" ]; then
		echo "--- rbldnsd output:" >&2
		tail -n 20 "$TMP/rbldnsd.log" >&2
	fi
	exit 1
}

TMP=$(mktemp -d /tmp/bs-rbldnsd-XXXXXX) || fail "mktemp"
RBLDNSD_PID=
cleanup() {
	# Only the rbldnsd this script started, by its PID.
	if [ -n "$RBLDNSD_PID" ]; then
		kill "$RBLDNSD_PID" 2>/dev/null
		wait "$RBLDNSD_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

# rbldnsd drops root for "nobody"; it must still read the data file.
chmod 755 "$TMP"

# "$" in the template checks that the export escapes it: unescaped,
# rbldnsd would put the queried address there.
cat >"$TMP/backscatter.conf" <<EOF
[dns]
zone = $ZONE
answer = 127.0.0.2
ttl = 300
txt = Listed {ip} (\$ test), see {url}
EOF

bs() {
	timeout 30 "$BIN" -c "$TMP/backscatter.conf" --store "$TMP/bs.db" "$@"
}

# Listings: IPv4 hosts, an IPv4 /24 with an exclusion inside, IPv6
# hosts, an IPv6 /64 with an exclusion inside; one delisted, one expired.
for p in 192.0.2.1 192.0.2.200 198.51.100.0/24 203.0.113.5 203.0.113.77 \
    2001:db8::1 2001:db8::beef 2001:db8:1::/64; do
	bs list add "$p" --reason "integration test" >/dev/null ||
	    fail "list add $p"
done
bs list add 192.0.2.2 --ttl never >/dev/null || fail "list add --ttl never"
bs exclude add 198.51.100.7 >/dev/null || fail "exclude add 198.51.100.7"
bs exclude add 2001:db8:1::5 >/dev/null || fail "exclude add 2001:db8:1::5"
bs list del 203.0.113.77 --reason "fixed" >/dev/null || fail "list del"
# Listed for a minute, back in 2001: long expired now.
bs --now 2001-09-09T01:46:40Z list add 203.0.113.9 --ttl 60 >/dev/null ||
    fail "list add (expired)"

bs export --format rbldnsd -o "$TMP/bl.rbldnsd" || fail "export"
[ -s "$TMP/bl.rbldnsd" ] || fail "export wrote nothing"

. "$(dirname "$0")/../../lib/ports.sh"
PORT=$(free_port) || fail "no free port"

USEROPT=()
[ "$(id -u)" -eq 0 ] && USEROPT=(-u nobody)
# -n: stay in the foreground, so $! is rbldnsd itself. timeout bounds it
# in case the trap never runs.
timeout 120 rbldnsd -n "${USEROPT[@]}" -b "127.0.0.1/$PORT" \
    "$ZONE:combined:$TMP/bl.rbldnsd" >"$TMP/rbldnsd.log" 2>&1 &
RBLDNSD_PID=$!

ask() {	# ask NAME TYPE [dig options...]
	local name=$1 type=$2
	shift 2
	timeout 10 dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 "$@" \
	    "$name.$ZONE" "$type"
}

# Ready when the first listed address answers (at most ~10 s).
ready=
for _ in $(seq 1 50); do
	kill -0 "$RBLDNSD_PID" 2>/dev/null || fail "rbldnsd exited"
	if [ "$(ask 1.2.0.192 A +short)" = 127.0.0.2 ]; then
		ready=1
		break
	fi
	sleep 0.2
done
[ -n "$ready" ] || fail "rbldnsd did not answer on 127.0.0.1/$PORT"

# The reversed DNSBL name (RFC 5782 2.1, 2.4) of an address.
revname() {
	local a=$1
	if [[ $a != *:* ]]; then
		local IFS=.
		set -- $a
		echo "$4.$3.$2.$1"
		return
	fi
	local head=${a%%::*} tail= groups=() full=() hex= out= i
	if [[ $a == *::* ]]; then
		tail=${a#*::}
	else
		head=$a
	fi
	IFS=: read -r -a hg <<<"$head"
	IFS=: read -r -a tg <<<"$tail"
	groups=("${hg[@]}")
	if [[ $a == *::* ]]; then
		for ((i = ${#hg[@]} + ${#tg[@]}; i < 8; i++)); do
			groups+=(0)
		done
		groups+=("${tg[@]}")
	fi
	for g in "${groups[@]}"; do
		full+=("$(printf '%04x' "0x${g:-0}")")
	done
	hex=$(printf '%s' "${full[@]}")
	for ((i = ${#hex} - 1; i >= 0; i--)); do
		out+="${hex:i:1}."
	done
	echo "${out%.}"
}

checked=0
check() {	# check ADDRESS: rbldnsd and `list show` must agree
	local addr=$1 name json a txt status prefix
	name=$(revname "$addr")
	json=$(bs list show "$addr" --json) || fail "list show $addr"
	a=$(ask "$name" A +short)
	txt=$(ask "$name" TXT +short)
	status=$(ask "$name" A +noall +comments | sed -n \
	    's/.*status: \([A-Z]*\).*/\1/p')
	case $json in
	*'"listed":true'*)
		prefix=$(printf '%s' "$json" | sed -n \
		    's/.*"listing":{"prefix":"\([^"]*\)".*/\1/p')
		[ "$a" = 127.0.0.2 ] ||
		    fail "$addr is listed but rbldnsd answers A '$a'"
		case $txt in
		*"Listed $prefix (\$ test), see "*) ;;
		*) fail "$addr: TXT '$txt' does not name $prefix" ;;
		esac
		;;
	*'"listed":false'*)
		[ -z "$a" ] ||
		    fail "$addr is not listed but rbldnsd answers A '$a'"
		[ "$status" = NXDOMAIN ] ||
		    fail "$addr is not listed but rbldnsd says $status"
		;;
	*)
		fail "list show $addr --json: no \"listed\" in: $json"
		;;
	esac
	checked=$((checked + 1))
}

want() {	# want ADDRESS true|false: the store says so, too
	case $(bs list show "$1" --json) in
	*"\"listed\":$2"*) ;;
	*) fail "list show $1: expected listed=$2" ;;
	esac
	check "$1"
}

# Listed.
want 192.0.2.1 true
want 192.0.2.2 true
want 192.0.2.200 true
want 198.51.100.0 true
want 198.51.100.6 true
want 198.51.100.8 true
want 198.51.100.255 true
want 203.0.113.5 true
want 2001:db8::1 true
want 2001:db8::beef true
want 2001:db8:1:: true
want 2001:db8:1::4 true
want 2001:db8:1:0:ffff:ffff:ffff:ffff true
# Not listed: excluded, delisted, expired, never listed.
want 198.51.100.7 false
want 2001:db8:1::5 false
want 203.0.113.77 false
want 203.0.113.9 false
want 192.0.2.3 false
want 198.51.101.1 false
want 2001:db8::2 false
want 2001:db8:2::1 false

# The exclusions must be NXDOMAIN, not just "no A".
for addr in 198.51.100.7 2001:db8:1::5; do
	status=$(ask "$(revname "$addr")" TXT +noall +comments | sed -n \
	    's/.*status: \([A-Z]*\).*/\1/p')
	[ "$status" = NXDOMAIN ] || fail "$addr (excluded): TXT status $status"
done

kill -0 "$RBLDNSD_PID" 2>/dev/null || fail "rbldnsd died during the test"
echo "PASS: rbldnsd answered $checked addresses as the store does"
exit 0
