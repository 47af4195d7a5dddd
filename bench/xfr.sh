#!/bin/bash
# xfr.sh -- zone transfers: AXFR time and size from `backscatter dns` for a
# zone of N listings, against NSD serving the same zone from a zone file
# (our `export --format bind`) in the same run, and the size of an IXFR
# that carries one change.
#
# Usage: bench/xfr.sh            Prints a markdown table on stdout.
# Environment: SIZES ["100000 1000000"], BENCH_XFR_DIR [build/bench-xfr],
# BACKSCATTER [build/backscatter]. Needs nsd, dig, python3.
#
# Bounded: every server runs under timeout(1), each transfer under
# timeout(1); on exit every process this script started is ended by PID.
set -u
export BACKSCATTER_ALLOW_ROOT=1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${BENCH_XFR_DIR:-$ROOT/build/bench-xfr}
BS=${BACKSCATTER:-$ROOT/build/backscatter}
SIZES=${SIZES:-"100000 1000000"}
ZONE=bl.test
PIDS=()

log() { echo "xfr.sh: $*" >&2; }
die() { log "$*"; exit 1; }
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
for t in nsd dig python3 ss; do command -v $t >/dev/null || die "no $t"; done
[ -x "$BS" ] || die "no $BS: build first"
mkdir -p "$DIR"

. "$ROOT/tests/lib/ports.sh"
# axfr PORT [dig args]: "seconds bytes messages" of one transfer, records
# not printed (dig still parses every one).
axfr() {
	local port=$1 t0 t1 out
	shift
	t0=$(date +%s.%N)
	out=$(timeout 600 dig @127.0.0.1 -p "$port" +noall +stats "$@" 2>&1)
	t1=$(date +%s.%N)
	echo "$out" | sed -n 's/.*XFR size: \([0-9]*\) records (messages \([0-9]*\), bytes \([0-9]*\)).*/\1 \3 \2/p' |
		awk -v t0="$t0" -v t1="$t1" '{printf "%.2f %s %s %s\n", t1 - t0, $2, $3, $1}'
}
wait_soa() { # wait_soa PORT: until the server answers its SOA, up to 300 s
	for _ in $(seq 1 1500); do
		dig @127.0.0.1 -p "$1" +short +time=1 +tries=1 "$ZONE" SOA 2>/dev/null | grep -q . && return 0
		sleep 0.2
	done
	return 1
}

echo "| listings | server | AXFR time (s) | bytes | messages | records |"
echo "|---:|---|---:|---:|---:|---:|"
for N in $SIZES; do
	D=$DIR/$N
	mkdir -p "$D"
	if [ ! -s "$D/listed.txt" ]; then
		log "generating $N addresses"
		"$ROOT/bench/dns_data.sh" -o "$D" -n "$N" -q 10 >/dev/null || die "dns_data.sh"
	fi
	if [ ! -s "$D/bs.db" ] || [ "$D/listed.txt" -nt "$D/bs.db" ]; then
		rm -f "$D/bs.db" "$D/bs.db-wal" "$D/bs.db-shm"
		log "importing $N addresses"
		"$BS" --store "$D/bs.db" import --format plain --ttl never \
		    --reason benchmark "$D/listed.txt" >/dev/null || die "import"
	fi
	PORT=$(free_port) || die "no port"
	cat >"$D/bs.conf" <<EOF
[dns]
zone = $ZONE
listen = 127.0.0.1:$PORT
threads = 1
xfr_allow = 127.0.0.0/8 NOKEY
EOF
	timeout 900 "$BS" -c "$D/bs.conf" --store "$D/bs.db" dns >"$D/dns.log" 2>&1 &
	PIDS+=($!)
	wait_soa "$PORT" || die "backscatter dns did not start"
	read -r secs bytes msgs recs < <(axfr "$PORT" "$ZONE" AXFR)
	echo "| $N | backscatter dns | $secs | $bytes | $msgs | $recs |"

	# The anchor: NSD with the same zone as a zone file.
	"$BS" --store "$D/bs.db" -c "$D/bs.conf" export --format bind -o "$D/$ZONE.zone" ||
		die "export"
	NPORT=$(free_port) || die "no port"
	mkdir -p "$D/nsd"
	cat >"$D/nsd/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1@$NPORT
	port: $NPORT
	username: ""
	chroot: ""
	zonesdir: "$D"
	database: ""
	pidfile: "$D/nsd/nsd.pid"
	xfrdfile: "$D/nsd/xfrd.state"
	zonelistfile: "$D/nsd/zone.list"
	logfile: "$D/nsd/nsd.log"
	server-count: 1
remote-control:
	control-enable: no
zone:
	name: "$ZONE"
	zonefile: "$ZONE.zone"
	provide-xfr: 127.0.0.0/8 NOKEY
EOF
	timeout 900 nsd -d -c "$D/nsd/nsd.conf" >"$D/nsd/stdout.log" 2>&1 &
	PIDS+=($!)
	wait_soa "$NPORT" || die "nsd did not start"
	read -r secs bytes msgs recs < <(axfr "$NPORT" "$ZONE" AXFR)
	echo "| $N | NSD 4 (zone file) | $secs | $bytes | $msgs | $recs |"

	# One change: the IXFR that carries it.
	old=$(dig @127.0.0.1 -p "$PORT" +short "$ZONE" SOA | awk '{print $3}')
	"$BS" --store "$D/bs.db" list add 192.0.2.77 >/dev/null || die "list add"
	for _ in $(seq 1 50); do
		new=$(dig @127.0.0.1 -p "$PORT" +short "$ZONE" SOA | awk '{print $3}')
		[ "$new" != "$old" ] && break
		sleep 0.2
	done
	sleep 1
	read -r secs bytes msgs recs < <(axfr "$PORT" "$ZONE" "IXFR=$old")
	echo "| $N | backscatter dns, IXFR of 1 change | $secs | $bytes | $msgs | $recs |"
	"$BS" --store "$D/bs.db" list del 192.0.2.77 >/dev/null
	cleanup
	PIDS=()
done
