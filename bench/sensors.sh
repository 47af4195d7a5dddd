#!/bin/bash
# sensors.sh -- remote sensors: how many hits a second the central takes
# through POST /api/v1/hits in batches (fresh hits, and the same batches
# again, all duplicates), and how fast a sensor drains a spool of hits
# through its forwarder (trap --central) end to end.
#
# Usage: BACKSCATTER=build/backscatter bench/sensors.sh [-n HITS] [-o DIR]
# Prints a Markdown section for docs/benchmarks.md ("## Sensors").
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BS=${BACKSCATTER:-$ROOT/build/backscatter}
N=100000
DIR=$ROOT/build/bench-sensors
while getopts n:o: opt; do
	case $opt in
	n) N=$OPTARG ;;
	o) DIR=$OPTARG ;;
	*) echo "usage: $0 [-n HITS] [-o DIR]" >&2; exit 2 ;;
	esac
done
export BACKSCATTER_ALLOW_ROOT=1
log() { echo "sensors.sh: $*" >&2; }
rm -rf "$DIR"
mkdir -p "$DIR"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT
. "$ROOT/tests/lib/ports.sh"
TOKEN=bench-sensor-token-0123456789
start_central() {	# start_central DB: a fresh central on $WP
	WP=$(free_port)
	cat >"$DIR/central.conf" <<CONF
[web]
listen = 127.0.0.1:$WP
sensor_tokens = bench:$TOKEN
[feed]
http = off
[log]
level = warn
CONF
	"$BS" -c "$DIR/central.conf" --store "$1" web >>"$DIR/central.log" 2>&1 &
	CPID=$!
	PIDS+=("$CPID")
	for _ in $(seq 1 100); do
		ss -Hlnt "sport = :$WP" | grep -q . && return 0
		sleep 0.1
	done
	log "central did not start"
	exit 1
}

# ---- central ingest ----------------------------------------------------
cat >"$DIR/post.py" <<'PY'
# post.py PORT TOKEN N BATCH: posts N fresh hits in batches over one
# keep-alive connection, then the same batches again; prints
# "fresh_hits_per_s dup_hits_per_s".
import http.client, json, os, sys, time
port, token, n, batch = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
now = int(time.time())
bodies = []
for b in range(0, n, batch):
    hits = []
    for i in range(b, min(n, b + batch)):
        a = (45 << 24) + i * 13
        hits.append({"uid": os.urandom(16).hex(), "t": now - 60,
                     "addr": "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255),
                     "class": ("bounce", "callout", "autoreply", "other")[i % 4],
                     "subclass": "bounce/dsn", "helo": "mx%d.example.net" % i,
                     "mail_from": "", "rcpt": "trap%d@trap.test" % i,
                     "excerpt": "Subject: Undelivered Mail Returned to Sender\nStatus: 5.1.1"})
    bodies.append(json.dumps({"hits": hits}).encode())
hdr = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
def run():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    t0 = time.time()
    for body in bodies:
        c.request("POST", "/api/v1/hits", body, hdr)
        r = c.getresponse()
        r.read()
        if r.status != 200:
            sys.exit("HTTP %d" % r.status)
    return n / (time.time() - t0)
fresh = run()
dup = run()
print("%d %d" % (fresh, dup))
PY
ROWS=
for batch in 100 500 1000; do
	start_central "$DIR/central-$batch.db"
	read -r fresh dup < <(python3 "$DIR/post.py" "$WP" "$TOKEN" "$N" "$batch")
	got=$(sqlite3 "$DIR/central-$batch.db" 'SELECT count(*) FROM hit')
	[ "$got" = "$N" ] || { log "central has $got hits, want $N"; exit 1; }
	ROWS="$ROWS| POST /api/v1/hits, batches of $batch, fresh hits | $fresh hits/s |
| the same batches again (all duplicates) | $dup hits/s |
"
	kill "$CPID"
	wait "$CPID" || true
done

# ---- a sensor drains its spool ------------------------------------------
start_central "$DIR/central-drain.db"
SP=$(free_port)
cat >"$DIR/sensor.conf" <<CONF
[trap]
domains = trap.test
tls = off
[log]
level = warn
CONF
# The sensor's store with N hits, as its trap would have recorded them.
"$BS" -c "$DIR/sensor.conf" --store "$DIR/sensor.db" expire >/dev/null
python3 - "$DIR/sensor.db" "$N" <<'PY'
import os, sqlite3, sys, time
db, n = sqlite3.connect(sys.argv[1]), int(sys.argv[2])
now = int(time.time())
rows = []
for i in range(n):
    a = (46 << 24) + i * 13
    rows.append((now - 60, (b"\0" * 10) + b"\xff\xff" + a.to_bytes(4, "big"),
                 1, "bounce/dsn", "bench", "mx.example.net", "",
                 "trap@trap.test", "Status: 5.1.1", os.urandom(16).hex()))
db.executemany("INSERT INTO hit (t, addr, class, subclass, sensor, helo,"
               " mail_from, rcpt, excerpt, uid) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
db.commit()
PY
t0=$(date +%s.%N)
"$BS" -c "$DIR/sensor.conf" --store "$DIR/sensor.db" trap \
    --listen "127.0.0.1:$SP" --central "http://127.0.0.1:$WP" \
    --token "$TOKEN" >"$DIR/sensor.log" 2>&1 &
SPID=$!
PIDS+=("$SPID")
for _ in $(seq 1 6000); do
	[ "$(sqlite3 "$DIR/sensor.db" 'SELECT coalesce(max(last_id), 0) FROM forward')" = "$N" ] && break
	sleep 0.1
done
t1=$(date +%s.%N)
got=$(sqlite3 "$DIR/central-drain.db" 'SELECT count(*) FROM hit')
[ "$got" = "$N" ] || { log "central has $got of $N drained hits"; exit 1; }
drain=$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")
rate=$(echo "$N / ($t1 - $t0)" | bc)

cat <<MD
## Sensors

$(date -u +%F), $(nproc) CPUs, $(uname -sr), SQLite $(sqlite3 --version | cut -d' ' -f1), jansson $(dpkg-query -W -f='${Version}' libjansson4 2>/dev/null), RelWithDebInfo build, store on $(df -T "$DIR" | awk 'NR==2 { print $2 }'), \`store.synchronous = full\` (the default).
Command: \`BACKSCATTER=build-feed/backscatter bench/sensors.sh\` ($N hits per run; central and client on loopback, one keep-alive connection, Python http.client with the bodies made before timing).

| what | figure |
| --- | --- |
${ROWS}| a sensor drains a spool of $N hits (\`trap --central\`, batches of 500, one POST per connection) | $drain s, $rate hits/s end to end |

Each batch is one store transaction on the central (\`store_ingest_hits\`: a uid lookup, then the hit, listing and journal rows), so batching is what scales, as for the trap (see Store). A duplicate costs one index probe and no write.
MD
