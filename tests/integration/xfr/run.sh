#!/bin/bash
# run.sh -- zone transfers to real secondaries: `backscatter dns` as the
# primary, NSD and Knot as TSIG-authenticated secondaries on loopback, each
# with a private config and state directory (not system services). Both
# must transfer the zone, answer like the primary, pick up an added and a
# removed listing through NOTIFY + IXFR, and a transfer without the key
# must be refused.
#
# Usage: bash run.sh /path/to/backscatter     Exit: 0 pass, 1 fail, 77 skip.
set -u
BIN=$(readlink -f "${1:?usage: run.sh /path/to/backscatter}")
ZONE=bl.test

for tool in dig nsd knotd ss openssl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done

T=$(mktemp -d /tmp/bs-xfr-XXXXXX)
chmod 755 "$T"
DNS_PID=
NSD_PID=
KNOT_PID=
cleanup() {
	# Only what this script started, by PID.
	[ -n "$NSD_PID" ] && kill "$NSD_PID" 2>/dev/null && wait "$NSD_PID" 2>/dev/null
	[ -n "$KNOT_PID" ] && kill "$KNOT_PID" 2>/dev/null && wait "$KNOT_PID" 2>/dev/null
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
PORTS=$(free_ports 3) || { echo "no free port"; exit 1; }
read -r PORT NPORT KPORT <<<"$PORTS"
SECRET=$(openssl rand -base64 32)
# Each secondary transfers from its own source address, so that our log
# tells which one used IXFR.
NSD_SRC=127.0.0.3
KNOT_SRC=127.0.0.4

cat >"$T/bs.conf" <<EOF
[store]
path = $T/bl.db
[dns]
zone = $ZONE
listen = 127.0.0.1:$PORT
threads = 1
ttl = 300
negative_ttl = 60
poll_interval = 100ms
txt = {ip} listed ({class}); see {url}
tsig_keys = xfr-key:$SECRET
xfr_allow = $NSD_SRC/32 xfr-key, $KNOT_SRC/32 xfr-key, 127.0.0.1 xfr-key
notify = 127.0.0.1:$NPORT xfr-key, 127.0.0.1:$KPORT xfr-key
[web]
lookup_url = https://lookup.example/?ip={ip}
EOF
bs() { BACKSCATTER_ALLOW_ROOT=1 timeout 30 "$BIN" -c "$T/bs.conf" "$@"; }

bs list add 192.0.2.1 --reason test >/dev/null || bad "list add"
bs list add 203.0.113.50 >/dev/null || bad "list add 203.0.113.50"
bs list add 198.51.100.0/24 >/dev/null || bad "list add /24"
bs list add 2001:db8::1 >/dev/null || bad "list add v6"

BACKSCATTER_ALLOW_ROOT=1 timeout 300 "$BIN" -c "$T/bs.conf" dns >"$T/dns.log" 2>&1 &
DNS_PID=$!

q() { # q PORT NAME TYPE [dig options]
	local port=$1 name=$2 type=$3
	shift 3
	timeout 10 dig @127.0.0.1 -p "$port" +time=2 +tries=1 "$@" "$name" "$type"
}
serial_of() { q "$1" "$ZONE" SOA +short | awk '{print $3}'; }

for _ in $(seq 1 50); do
	[ -n "$(serial_of "$PORT")" ] && break
	sleep 0.2
done
[ -n "$(serial_of "$PORT")" ] || { cat "$T/dns.log"; echo "FAIL: primary did not start"; exit 1; }

# NSD: foreground, no chroot, no privilege drop, no database file.
mkdir -p "$T/nsd"
cat >"$T/nsd/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1@$NPORT
	port: $NPORT
	username: ""
	chroot: ""
	zonesdir: "$T/nsd"
	database: ""
	pidfile: "$T/nsd/nsd.pid"
	xfrdfile: "$T/nsd/xfrd.state"
	xfrdir: "$T/nsd"
	zonelistfile: "$T/nsd/zone.list"
	logfile: "$T/nsd/nsd.log"
	verbosity: 2
	server-count: 1
	tcp-count: 10
remote-control:
	control-enable: no
key:
	name: "xfr-key"
	algorithm: hmac-sha256
	secret: "$SECRET"
zone:
	name: "$ZONE"
	zonefile: "$ZONE.zone"
	allow-notify: 127.0.0.1 xfr-key
	request-xfr: 127.0.0.1@$PORT xfr-key
	outgoing-interface: $NSD_SRC
EOF
nsd -d -c "$T/nsd/nsd.conf" >"$T/nsd/stdout.log" 2>&1 &
NSD_PID=$!

# Knot: foreground, its own rundir and storage, the primary as "master".
mkdir -p "$T/knot"
cat >"$T/knot/knot.conf" <<EOF
server:
    rundir: "$T/knot"
    listen: 127.0.0.1@$KPORT
database:
    storage: "$T/knot"
key:
  - id: xfr-key
    algorithm: hmac-sha256
    secret: $SECRET
remote:
  - id: primary
    address: 127.0.0.1@$PORT
    key: xfr-key
    via: $KNOT_SRC
acl:
  - id: notify_from_primary
    address: 127.0.0.1
    key: xfr-key
    action: notify
template:
  - id: default
    storage: "$T/knot"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: changes
zone:
  - domain: $ZONE
    master: primary
    acl: notify_from_primary
log:
  - target: stderr
    any: info
EOF
knotd -c "$T/knot/knot.conf" >"$T/knot/knot.log" 2>&1 &
KNOT_PID=$!

# Both transfer the zone: their SOA serial reaches ours.
want=$(serial_of "$PORT")
wait_serial() { # wait_serial PORT SERIAL: poll up to ~15 s
	local i
	for i in $(seq 1 75); do
		[ "$(serial_of "$1")" = "$2" ] && return 0
		sleep 0.2
	done
	return 1
}
wait_serial "$NPORT" "$want" && ok || bad "NSD did not transfer serial $want (has '$(serial_of "$NPORT")')"
wait_serial "$KPORT" "$want" && ok || bad "Knot did not transfer serial $want (has '$(serial_of "$KPORT")')"

# They answer the same as the primary: A, TXT and the status.
status_of() { q "$1" "$2" A | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
same() { # same NAME: A, TXT and rcode agree across the three servers
	local n=$1 p a t s
	a=$(q "$PORT" "$n" A +short)
	t=$(q "$PORT" "$n" TXT +short)
	s=$(status_of "$PORT" "$n")
	for p in "$NPORT" "$KPORT"; do
		[ "$(q "$p" "$n" A +short)" = "$a" ] || { bad "$n A on :$p differs"; return; }
		[ "$(q "$p" "$n" TXT +short)" = "$t" ] || { bad "$n TXT on :$p differs"; return; }
		[ "$(status_of "$p" "$n")" = "$s" ] || { bad "$n status on :$p differs"; return; }
	done
	ok
}
V6=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2
V6NO=2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2
TP6=2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0
for n in 1.2.0.192 50.113.0.203 7.100.51.198 200.100.51.198 $V6 \
    2.0.0.127 1.0.0.127 $TP6 9.2.0.192 1.1.1.10 $V6NO; do
	same "$n.$ZONE"
done
[ "$(q "$NPORT" "1.2.0.192.$ZONE" A +short)" = 127.0.0.2 ] && ok || bad "NSD: 192.0.2.1 not listed"
[ "$(status_of "$KPORT" "9.2.0.192.$ZONE")" = NXDOMAIN ] && ok || bad "Knot: 192.0.2.9 not NXDOMAIN"
[ "$(q "$KPORT" "$V6.$ZONE" A +short)" = 127.0.0.2 ] && ok || bad "Knot: 2001:db8::1 not listed"

# An added and a removed listing reach both through NOTIFY + IXFR.
bs list add 203.0.113.99 >/dev/null || bad "list add 203.0.113.99"
bs list del 192.0.2.1 >/dev/null || bad "list del 192.0.2.1"
# Both changes are in the primary's answers before its serial is read.
for _ in $(seq 1 50); do
	[ "$(status_of "$PORT" "1.2.0.192.$ZONE")" = NXDOMAIN ] &&
		[ "$(q "$PORT" "99.113.0.203.$ZONE" A +short)" = 127.0.0.2 ] && break
	sleep 0.2
done
want=$(serial_of "$PORT")
wait_serial "$NPORT" "$want" && ok || bad "NSD did not follow to $want"
wait_serial "$KPORT" "$want" && ok || bad "Knot did not follow to $want"
for p in "$NPORT" "$KPORT"; do
	[ "$(q "$p" "99.113.0.203.$ZONE" A +short)" = 127.0.0.2 ] && ok || bad ":$p: added listing missing"
	[ "$(status_of "$p" "1.2.0.192.$ZONE")" = NXDOMAIN ] && ok || bad ":$p: removed listing still there"
done
same "99.113.0.203.$ZONE"
same "1.2.0.192.$ZONE"
# IXFR, not AXFR, carried the increment to each (our log, by source).
grep -q "peer=$NSD_SRC type=IXFR .*outcome=ixfr key=xfr-key" "$T/dns.log" && ok ||
	bad "NSD did not get an IXFR"
grep -q "peer=$KNOT_SRC type=IXFR .*outcome=ixfr key=xfr-key" "$T/dns.log" && ok ||
	bad "Knot did not get an IXFR"
grep -q "IXFR, incoming.*finished" "$T/knot/knot.log" && ok ||
	bad "Knot's log shows no finished IXFR"

# Without the key: refused; with it: the whole zone, signed (dig checks).
out=$(timeout 20 dig @127.0.0.1 -p "$PORT" "$ZONE" AXFR 2>&1)
echo "$out" | grep -q "Transfer failed" && ok || bad "AXFR without key not refused"
out=$(timeout 20 dig @127.0.0.1 -p "$PORT" -y "hmac-sha256:xfr-key:$SECRET" "$ZONE" AXFR 2>&1)
echo "$out" | grep -q "99.113.0.203.$ZONE.*TXT" && ! echo "$out" | grep -qi "tsig.*fail\|failed" && ok ||
	bad "AXFR with key failed: $(echo "$out" | tail -3)"
# A wrong key is NOTAUTH with BADSIG/BADKEY, not data.
out=$(timeout 20 dig @127.0.0.1 -p "$PORT" -y "hmac-sha256:xfr-key:$(openssl rand -base64 32)" "$ZONE" AXFR 2>&1)
echo "$out" | grep -q "99.113.0.203" && bad "AXFR with a wrong key got data" || ok
grep -q "outcome=notauth tsig_error=16" "$T/dns.log" && ok || bad "no BADSIG logged"

if [ "$fail" -gt 0 ]; then
	echo "--- dns.log"; tail -n 30 "$T/dns.log"
	echo "--- nsd.log"; tail -n 20 "$T/nsd/nsd.log" "$T/nsd/stdout.log"
	echo "--- knot.log"; tail -n 20 "$T/knot/knot.log"
	echo "xfr: $pass passed, $fail failed"
	exit 1
fi
echo "xfr: $pass passed"
exit 0
