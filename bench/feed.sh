#!/bin/bash
# feed.sh -- the rbldnsd feed with 1,000,000 listings: how long one
# rebuild takes (export in a read transaction, fsync, gzip, rename), how
# big the file and its gzip are, what a download and a 304 cost, and the
# web process's peak memory.
#
# Usage: BACKSCATTER=build/backscatter bench/feed.sh [-n LISTINGS] [-o DIR]
# Prints a Markdown section for docs/benchmarks.md ("## Feed").
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BS=${BACKSCATTER:-$ROOT/build/backscatter}
N=1000000
DIR=$ROOT/build/bench-feed
while getopts n:o: opt; do
	case $opt in
	n) N=$OPTARG ;;
	o) DIR=$OPTARG ;;
	*) echo "usage: $0 [-n LISTINGS] [-o DIR]" >&2; exit 2 ;;
	esac
done
export BACKSCATTER_ALLOW_ROOT=1
log() { echo "feed.sh: $*" >&2; }
mkdir -p "$DIR"
WEB_PID=
cleanup() {
	if [ -n "$WEB_PID" ]; then kill "$WEB_PID" 2>/dev/null || true; fi
	wait 2>/dev/null || true
}
trap cleanup EXIT

# N distinct public IPv4 addresses from a fixed sequence (41.0.0.0 up,
# skipping nothing special: 41/8 .. 56/8 are ordinary unicast).
DB=$DIR/bench.db
if [ ! -s "$DB" ] || [ "$(cat "$DIR/n" 2>/dev/null)" != "$N" ]; then
	rm -f "$DB" "$DB-wal" "$DB-shm"
	python3 - "$N" >"$DIR/listed.txt" <<'PY'
import sys
n = int(sys.argv[1])
base = 41 << 24
for i in range(n):
    a = base + i * 7
    print("%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255))
PY
	log "importing $N listings"
	t0=$(date +%s.%N)
	"$BS" --store "$DB" import --format plain --ttl never \
	    "$DIR/listed.txt" >/dev/null
	t1=$(date +%s.%N)
	IMPORT_S=$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")
	echo "$N" >"$DIR/n"
	echo "$IMPORT_S" >"$DIR/import_s"
fi
IMPORT_S=$(cat "$DIR/import_s")

. "$ROOT/tests/lib/ports.sh"
PORT=$(free_port) || exit 1
cat >"$DIR/bench.conf" <<CONF
[dns]
zone = bl.test
[feed]
path = $DIR/bl.test.rbldnsd
interval = 1s
[web]
listen = 127.0.0.1:$PORT
[log]
level = info
CONF
rm -f "$DIR/web.log" "$DIR/bl.test.rbldnsd"
"$BS" -c "$DIR/bench.conf" --store "$DB" web >"$DIR/web.log" 2>&1 &
WEB_PID=$!

builds() { grep -c 'feed: built' "$DIR/web.log" || true; }
wait_builds() {
	for _ in $(seq 1 600); do
		[ "$(builds)" -ge "$1" ] && return 0
		sleep 0.5
	done
	log "no build after 300 s"
	exit 1
}
wait_builds 1
# Three more rebuilds, each after one change.
for i in 1 2 3; do
	"$BS" -c "$DIR/bench.conf" --store "$DB" list add "203.0.113.$i" \
	    >/dev/null
	wait_builds $((i + 1))
done
ms=$(grep 'feed: built' "$DIR/web.log" | sed 's/.*ms=//' | tr '\n' ' ')
med3() { tr ' ' '\n' | grep . | tail -n 3 | sort -n | sed -n 2p; }
median=$(echo "$ms" | med3)
exp_ms=$(grep 'feed: built' "$DIR/web.log" | sed 's/.*export_ms=\([0-9]*\).*/\1/' |
    tr '\n' ' ' | med3)
gz_ms=$(grep 'feed: built' "$DIR/web.log" | sed 's/.*gzip_ms=\([0-9]*\).*/\1/' |
    tr '\n' ' ' | med3)
size=$(stat -c %s "$DIR/bl.test.rbldnsd")
lines=$(grep -c ':127.0.0.2:' "$DIR/bl.test.rbldnsd")
URL=http://127.0.0.1:$PORT/download/bl.test.rbldnsd.gz
dl=$(curl -s -o "$DIR/dl.gz" -D "$DIR/h.txt" -w '%{time_total}' "$URL")
gz=$(stat -c %s "$DIR/dl.gz")
etag=$(awk 'tolower($1) == "etag:" { print $2 }' "$DIR/h.txt" | tr -d '\r')
t304=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' \
    -H "If-None-Match: $etag" "$URL")
# 50 downloads one after another: the gzip is shared, not rebuilt.
t0=$(date +%s.%N)
for _ in $(seq 1 50); do curl -s -o /dev/null "$URL"; done
t1=$(date +%s.%N)
per=$(echo "scale=1; ($t1 - $t0) * 1000 / 50" | bc)
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$WEB_PID/status")
kill "$WEB_PID"
wait "$WEB_PID" || true
WEB_PID=

cat <<MD
## Feed

$(date -u +%F), $(nproc) CPUs, $(uname -sr), zlib $(dpkg-query -W -f='${Version}' zlib1g 2>/dev/null), RelWithDebInfo build, store on $(df -T "$DIR" | awk 'NR==2 { print $2 }').
Command: \`BACKSCATTER=build-feed/backscatter bench/feed.sh\` ($N listings imported with \`backscatter import --format plain\` in $IMPORT_S s; \`backscatter web\` with \`[feed] path\`, \`interval = 1s\`).

| what | figure |
| --- | --- |
| one rebuild (export in one read transaction, fsync, gzip level 6, rename, fsync of the directory), median of 3 | $median ms (each build: ${ms% } ms; the first with a cold cache) |
| of which the export (store walk + text) | $exp_ms ms |
| of which the gzip (read back + deflate + SHA-256) | $gz_ms ms |
| file | $size bytes, $lines entries |
| gzip served at /download/bl.test.rbldnsd.gz | $gz bytes |
| first download (curl, loopback) | ${dl} s |
| download, 50 one after another | $per ms each |
| conditional GET with the ETag | $t304 s (status, time) |
| web process peak RSS (VmHWM) | $hwm kB |

The feed is rebuilt in its own thread with its own store connection, so the web server keeps answering while it runs; a rebuild happens only after a change (journal serial, or a listing's expiry passing), at most once per \`interval\`. Every download shares the one gzip built per change (a reference, no copy).
MD
