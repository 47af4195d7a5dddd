#!/bin/bash
# run.sh -- `backscatter dns` against real clients: dig and kdig directly,
# and a private unbound (strict QNAME minimisation, 0x20, RFC 8020
# harden-below-nxdomain) that must see every answer kind exactly as a
# direct query does. Malformed packets, TCP pipelining, the IPv6 listener,
# live updates from another process and a clean SIGTERM.
#
# Usage: bash run.sh /path/to/backscatter     Exit: 0 pass, 1 fail, 77 skip.
set -u
BIN=$(readlink -f "${1:?usage: run.sh /path/to/backscatter}")
HERE=$(cd "$(dirname "$0")" && pwd)
ZONE=bl.test

for tool in dig kdig unbound python3 ss; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done

T=$(mktemp -d /tmp/bs-dns-XXXXXX)
chmod 755 "$T"
DNS_PID=
UNBOUND_PID=
cleanup() {
	# Only what this script started, by PID.
	[ -n "$UNBOUND_PID" ] && kill "$UNBOUND_PID" 2>/dev/null && wait "$UNBOUND_PID" 2>/dev/null
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

. "$(dirname "$0")/../../lib/ports.sh"
PORTS=$(free_ports 2) || { echo "no free port"; exit 1; }
read -r PORT UPORT <<<"$PORTS"

cat >"$T/bs.conf" <<EOF
[store]
path = $T/bl.db
[dns]
zone = $ZONE
listen = 127.0.0.1:$PORT [::1]:$PORT
threads = 2
ttl = 300
negative_ttl = 60
poll_interval = 100ms
txt = {ip} listed ({class}); see {url}
[web]
lookup_url = https://lookup.example/?ip={ip}
EOF
bs() { timeout 30 "$BIN" -c "$T/bs.conf" "$@"; }

bs list add 192.0.2.1 --reason test >/dev/null || bad "list add"
bs list add 198.51.100.0/24 >/dev/null || bad "list add /24"
bs exclude add 198.51.100.7 >/dev/null || bad "exclude add"
bs list add 2001:db8::1 >/dev/null || bad "list add v6"
bs list add 203.0.113.50 >/dev/null || bad "list add 203.0.113.50"

q() { # q NAME TYPE [dig options]: short answer from our server
	local name=$1 type=$2
	shift 2
	timeout 10 dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 "$@" "$name" "$type"
}
start_dns() { # start_dns LOG: the server, until it answers the test point
	timeout 300 "$BIN" -c "$T/bs.conf" dns >"$1" 2>&1 &
	DNS_PID=$!
	for _ in $(seq 1 100); do
		[ "$(q 2.0.0.127.$ZONE A +short)" = 127.0.0.2 ] && return 0
		kill -0 "$DNS_PID" 2>/dev/null ||
		    { cat "$1"; echo "FAIL: dns exited"; exit 1; }
		sleep 0.1
	done
}
start_dns "$T/dns.log"

status() { sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<<"$1" | head -1; }
count() { sed -n "s/.*$1: \([0-9]*\).*/\1/p" <<<"$2" | head -1; }
expect() { # expect WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}
contains() {
	if grep -qE -- "$3" <<<"$2"; then ok; else bad "$1: '$3' not in: $2"; fi
}

rev6() { python3 -c 'import ipaddress,sys; print(".".join(reversed(ipaddress.ip_address(sys.argv[1]).exploded.replace(":",""))))' "$1"; }

# --- answer kinds, directly -------------------------------------------------
r=$(q 1.2.0.192.$ZONE A)
expect "listed A" "$(status "$r")" NOERROR
contains "listed A" "$r" "IN[[:space:]]+A[[:space:]]+127\.0\.0\.2"
contains "listed aa" "$r" "flags: qr aa rd"
contains "listed ttl" "$r" "^1\.2\.0\.192\.$ZONE\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A"
r=$(q 1.2.0.192.$ZONE TXT +short)
contains "listed TXT" "$r" "^\"192.0.2.1 listed \\(manual\\); see https://lookup.example/\\?ip=192.0.2.1\"$"
r=$(q 2.2.0.192.$ZONE A)
expect "unlisted" "$(status "$r")" NXDOMAIN
contains "NXDOMAIN has SOA" "$r" "AUTHORITY: 1"
contains "negative ttl" "$r" "^$ZONE\.[[:space:]]+60[[:space:]]+IN[[:space:]]+SOA"
expect "prefix listing" "$(q 9.100.51.198.$ZONE A +short)" 127.0.0.2
expect "exclusion hole" "$(status "$(q 7.100.51.198.$ZONE A)")" NXDOMAIN
expect "test point 2" "$(q 2.0.0.127.$ZONE A +short)" 127.0.0.2
contains "test point TXT" "$(q 2.0.0.127.$ZONE TXT +short)" "RFC 5782"
expect "test point 1" "$(status "$(q 1.0.0.127.$ZONE A)")" NXDOMAIN
expect "v6 test point 2" "$(q "$(rev6 ::ffff:7f00:2).$ZONE" A +short)" 127.0.0.2
expect "v6 test point 1" "$(status "$(q "$(rev6 ::ffff:7f00:1).$ZONE" A)")" NXDOMAIN
expect "v6 listed" "$(q "$(rev6 2001:db8::1).$ZONE" A +short)" 127.0.0.2
expect "v6 unlisted" "$(status "$(q "$(rev6 2001:db8::2).$ZONE" A)")" NXDOMAIN
# Empty non-terminals: NOERROR, no answer, SOA (never NXDOMAIN).
for ent in 0.0.127 0.127 2.0.192 0.192 100.51.198; do
	r=$(q $ent.$ZONE A)
	expect "ENT $ent" "$(status "$r")/$(count ANSWER "$r")/$(count AUTHORITY "$r")" NOERROR/0/1
done
v6ent=$(rev6 2001:db8::1 | cut -d. -f17-)
r=$(q "$v6ent.$ZONE" A)
expect "v6 ENT" "$(status "$r")/$(count ANSWER "$r")" NOERROR/0
r=$(q 1.2.0.192.$ZONE MX)
expect "NODATA" "$(status "$r")/$(count ANSWER "$r")/$(count AUTHORITY "$r")" NOERROR/0/1
r=$(q 1.2.0.192.$ZONE TYPE65400)
expect "unknown type" "$(status "$r")/$(count ANSWER "$r")" NOERROR/0
r=$(q 1.2.0.192.$ZONE ANY)
expect "ANY minimal" "$(status "$r")/$(count ANSWER "$r")" NOERROR/1
r=$(q $ZONE SOA)
expect "apex SOA" "$(status "$r")/$(count ANSWER "$r")" NOERROR/1
r=$(q $ZONE NS +short)
[ -n "$r" ] && ok || bad "apex NS empty"
expect "outside zone" "$(status "$(q example.com A)")" REFUSED
expect "CHAOS" "$(status "$(q version.bind TXT -c CH)")" REFUSED
expect "junk label" "$(status "$(q foo.$ZONE A)")" NXDOMAIN
# 0x20: the question's case comes back as sent.
r=$(q 1.2.0.192.Bl.TeSt A +noall +answer)
contains "0x20" "$r" "^1.2.0.192.Bl.TeSt."
# EDNS0: OPT echoed, DO copied, BADVERS for version 1.
r=$(q 1.2.0.192.$ZONE A +edns=0 +dnssec)
contains "EDNS OPT" "$r" "EDNS: version: 0, flags: do"
r=$(q 1.2.0.192.$ZONE A +edns=1 +noednsnegotiation)
expect "BADVERS" "$(status "$r")" BADVERS
r=$(q 1.2.0.192.$ZONE A +noedns)
contains "no EDNS, no OPT" "$r" "ADDITIONAL: 0"

# --- TCP, pipelined; the IPv6 listener; kdig ----------------------------------
r=$(q 1.2.0.192.$ZONE TXT +tcp +short)
contains "TCP TXT" "$r" "192.0.2.1 listed"
r=$(timeout 10 kdig @127.0.0.1 -p "$PORT" +tcp +keepopen +short \
	1.2.0.192.$ZONE A 9.100.51.198.$ZONE A 2.0.0.127.$ZONE A 2>&1)
expect "kdig pipelined" "$(grep -c '^127.0.0.2$' <<<"$r")" 3
r=$(timeout 10 dig @::1 -p "$PORT" +time=2 +tries=1 +short 1.2.0.192.$ZONE A)
expect "IPv6 listener" "$r" 127.0.0.2
r=$(timeout 10 kdig @127.0.0.1 -p "$PORT" +short "$(rev6 2001:db8::1).$ZONE" TXT)
contains "kdig v6 TXT" "$r" "2001:db8::1 listed"

# --- malformed packets: FORMERR or dropped, and the server keeps answering ----
python3 "$HERE/malformed.py" 127.0.0.1 "$PORT" "$ZONE" >"$T/malformed.out" 2>&1 &&
	ok || bad "malformed packets: $(cat "$T/malformed.out")"
expect "alive after malformed" "$(q 1.2.0.192.$ZONE A +short)" 127.0.0.2

# --- through a real resolver: unbound must see what we answer -----------------
cat >"$T/unbound.conf" <<EOF
server:
	interface: 127.0.0.1@$UPORT
	port: $UPORT
	do-daemonize: no
	use-syslog: no
	logfile: ""
	username: ""
	chroot: ""
	directory: "$T"
	pidfile: ""
	do-ip6: no
	so-reuseport: no
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	qname-minimisation: yes
	qname-minimisation-strict: yes
	use-caps-for-id: yes
	harden-below-nxdomain: yes
	aggressive-nsec: no
	verbosity: 1
	# test. is special-use (RFC 6761): unbound answers it locally unless told.
	local-zone: "test." nodefault
stub-zone:
	name: "$ZONE"
	stub-addr: 127.0.0.1@$PORT
	stub-no-cache: no
EOF
timeout 300 unbound -d -c "$T/unbound.conf" >"$T/unbound.log" 2>&1 &
UNBOUND_PID=$!
uq() { timeout 10 dig @127.0.0.1 -p "$UPORT" +time=3 +tries=2 "$@"; }
for _ in $(seq 1 50); do
	uq +short 2.0.0.127.$ZONE A | grep -q 127.0.0.2 && break
	sleep 0.2
done
# Ask in an order that would make RFC 8020 bite: unlisted and ENT names
# first, then the listed names below them.
for name in 1.0.0.127 0.0.127 2.0.0.127 2.2.0.192 2.0.192 1.2.0.192 \
	7.100.51.198 9.100.51.198 "$(rev6 2001:db8::2)" "$v6ent" "$(rev6 2001:db8::1)" \
	"$(rev6 ::ffff:7f00:1)" "$(rev6 ::ffff:7f00:2)"; do
	for type in A TXT; do
		d=$(q "$name.$ZONE" $type)
		u=$(uq "$name.$ZONE" $type)
		expect "unbound $name $type status" "$(status "$u")" "$(status "$d")"
		expect "unbound $name $type answer" \
			"$(q "$name.$ZONE" $type +short | sort)" \
			"$(uq "$name.$ZONE" $type +short | sort)"
	done
done

# --- live updates from another process --------------------------------------
start=$(date +%s%N)
bs list add 203.0.113.9 >/dev/null
seen=
for _ in $(seq 1 100); do
	if [ "$(q 9.113.0.203.$ZONE A +short)" = 127.0.0.2 ]; then
		seen=$(( ($(date +%s%N) - start) / 1000000 ))
		break
	fi
	sleep 0.05
done
[ -n "$seen" ] && ok || bad "list add never answered"
echo "live update answered after ${seen:-?} ms"
bs list del 203.0.113.50 >/dev/null
for _ in $(seq 1 100); do
	[ "$(status "$(q 50.113.0.203.$ZONE A)")" = NXDOMAIN ] && break
	sleep 0.05
done
expect "list del" "$(status "$(q 50.113.0.203.$ZONE A)")" NXDOMAIN
bs exclude add 192.0.2.1 >/dev/null
for _ in $(seq 1 100); do
	[ "$(status "$(q 1.2.0.192.$ZONE A)")" = NXDOMAIN ] && break
	sleep 0.05
done
expect "exclude add" "$(status "$(q 1.2.0.192.$ZONE A)")" NXDOMAIN
r=$(q $ZONE SOA +short)
serial=$(awk '{print $3}' <<<"$r")
[ "${serial:-0}" -ge 8 ] && ok || bad "SOA serial does not follow the journal: $r"

# --- SIGTERM: a clean exit ----------------------------------------------------
kill -TERM "$DNS_PID"
wait "$DNS_PID"
rc=$?
DNS_PID=
expect "exit status on SIGTERM" "$rc" 0
contains "stop logged" "$(cat "$T/dns.log")" "dns: stopped"
contains "snapshot written" "$(cat "$T/dns.log")" "zone snapshot written"

# --- a restart from the snapshot, and what changed while it was down --------
bs list add 203.0.113.77 >/dev/null || bad "list add while down"
start_dns "$T/dns2.log"
contains "restart from the snapshot" "$(cat "$T/dns2.log")" \
    "loaded from its snapshot"
seen=
for _ in $(seq 1 30); do
	[ "$(q 77.113.0.203.$ZONE A +short)" = 127.0.0.2 ] && { seen=1; break; }
	sleep 0.1
done
[ -n "$seen" ] && ok || bad "listed while down: not answered after restart"
expect "delisted before: still NXDOMAIN" \
    "$(status "$(q 50.113.0.203.$ZONE A)")" NXDOMAIN
expect "excluded before: still NXDOMAIN" \
    "$(status "$(q 7.100.51.198.$ZONE A)")" NXDOMAIN
expect "listed before: answered" "$(q 9.100.51.198.$ZONE A +short)" 127.0.0.2
kill -TERM "$DNS_PID"
wait "$DNS_PID"
expect "exit status on SIGTERM (restart)" "$?" 0
DNS_PID=
# A damaged snapshot is not used: the store is read instead.
printf 'x' | dd of="$T/bl.db.zone" bs=1 seek=3000 conv=notrunc 2>/dev/null
start_dns "$T/dns3.log"
contains "damaged snapshot refused" "$(cat "$T/dns3.log")" "CRC mismatch"
contains "then the store is read" "$(cat "$T/dns3.log")" "loaded from the store"
expect "answers after a refused snapshot" "$(q 77.113.0.203.$ZONE A +short)" 127.0.0.2
# Read from the store, it writes a snapshot at once: killed, it restarts
# from that one.
for _ in $(seq 1 50); do
	grep -q "zone snapshot written" "$T/dns3.log" && break
	sleep 0.1
done
contains "snapshot written after a load from the store" \
    "$(cat "$T/dns3.log")" "zone snapshot written"
# The server itself, not the timeout(1) around it.
srv_pid=$(pgrep -P "$DNS_PID")
[ -n "$srv_pid" ] && kill -KILL "$srv_pid"
wait "$DNS_PID" 2>/dev/null
DNS_PID=
start_dns "$T/dns4.log"
contains "restart after kill -9 from the snapshot" "$(cat "$T/dns4.log")" \
    "loaded from its snapshot"
expect "answers after kill -9" "$(q 77.113.0.203.$ZONE A +short)" 127.0.0.2
kill -TERM "$DNS_PID"
wait "$DNS_PID"
DNS_PID=

# --- bad start-up: a clear one-line error ------------------------------------
out=$(timeout 10 "$BIN" -c "$T/bs.conf" dns --listen 127.0.0.1:$UPORT 2>&1)
rc=$?
expect "port in use" "$rc" 1
contains "port in use names it" "$out" "127.0.0.1:$UPORT \\(udp\\): Address already in use"
out=$(timeout 10 "$BIN" -c "$T/bs.conf" dns --listen nonsense 2>&1)
expect "bad --listen" "$?" 2
out=$(timeout 10 "$BIN" -c "$T/bs.conf" dns --zone "bad..zone" 2>&1)
expect "bad --zone" "$?" 2

echo "dns: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
