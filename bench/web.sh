#!/bin/bash
# web.sh -- `backscatter web` answering GET /api/v1/lookup/ADDR under wrk,
# against nginx serving the same bytes from a static file (the ceiling of
# this machine's loopback HTTP path), in one run.
#
# Usage: bench/web.sh [-w]
#   -w  also write the "## Web" section of docs/benchmarks.md
# Prints a markdown table on stdout, progress on stderr; takes about three
# minutes. Needs the Debian packages wrk and nginx (nginx-light will do),
# taskset, two CPUs.
#
# Environment (defaults in brackets):
#   BACKSCATTER		the binary [build/backscatter]
#   LISTINGS		addresses imported with `import --format plain` [100000]
#   CONNS, THREADS	wrk -c and -t [100, 2]
#   SECS, RUNS		wrk run length and runs per case, median taken [10, 3]
#
# Layout: each server on CPU 0, wrk on CPU 1. Every process this script
# starts runs under timeout(1), is remembered by PID, and is ended by that
# PID on exit; nginx runs as one process (master_process off) so that its
# PID is all there is.
set -u
# The daemons refuse root without [process] user; a bench on loopback is
# a test rig (backscatter(8), ENVIRONMENT).
export BACKSCATTER_ALLOW_ROOT=1

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BS=$(readlink -f "${BACKSCATTER:-$ROOT/build/backscatter}")
DOC=$ROOT/docs/benchmarks.md
LISTINGS=${LISTINGS:-100000}
CONNS=${CONNS:-100}
THREADS=${THREADS:-2}
SECS=${SECS:-10}
RUNS=${RUNS:-3}
SRV_CPU=0
LOAD_CPU=1
SRV_MAXLIFE=900
WRITE=0
[ "${1:-}" = -w ] && WRITE=1
# The admin token lets wrk past the per-client lookup limit: every request
# comes from 127.0.0.1, and lookups_per_minute tops out at 100,000 (1,667/s),
# far below what the server answers. Admin requests skip the limiter and are
# otherwise served by the same code; the token check is a constant-time
# compare of 32 bytes.
TOKEN=bench-admin-token-0123456789abcdef
# The imported addresses count up from 41.0.0.0; the listed one is the
# middle one, the unlisted one is outside them.
ADDR_AWK='{ printf "41.%d.%d.%d\n", int($1 / 65536), int($1 / 256) % 256, $1 % 256 }'
LISTED=$(awk "$ADDR_AWK" <<<$((LISTINGS / 2)))
UNLISTED=42.1.2.3

log() { echo "web.sh: $*" >&2; }
die() { log "$*"; exit 1; }

for tool in wrk nginx taskset timeout ss curl awk; do
	command -v "$tool" >/dev/null 2>&1 ||
	    [ -x "/usr/sbin/$tool" ] ||
	    die "$tool missing (apt-get install -y wrk nginx-light)"
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$BS" ] || die "no binary at $BS (cmake --build build, or BACKSCATTER=)"
[ "$(nproc)" -ge 2 ] || die "needs two CPUs (server and load apart)"

PIDS=()
T=$(mktemp -d /tmp/bs-web-bench-XXXXXX)
cleanup() {
	local p left=''
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
	[ -n "$left" ] && log "still running after cleanup:$left"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$ROOT/tests/lib/ports.sh"
wait_http() { # wait_http URL PID
	for _ in $(seq 1 300); do
		curl -fs -o /dev/null "$1" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
PORTS=$(free_ports 2) || die "no free port"
read -r WPORT NPORT <<<"$PORTS"
[ "$WPORT" != "$NPORT" ] || NPORT=$((WPORT + 1))

# ---- backscatter web on its own store ---------------------------------
cat >"$T/bs.conf" <<EOF
[store]
path = $T/bl.db
[dns]
zone = bl.test
[web]
listen = 127.0.0.1:$WPORT
lookup_url = http://127.0.0.1:$WPORT/lookup?ip={ip}
admin_tokens = $TOKEN
lookups_per_minute = 100000
[log]
level = warn
EOF
log "importing $LISTINGS listings"
seq 0 $((LISTINGS - 1)) | awk "$ADDR_AWK" >"$T/list.txt"
t0=$(date +%s%N)
timeout 300 "$BS" -c "$T/bs.conf" import --format plain --reason bench \
    --ttl never "$T/list.txt" >"$T/import.log" 2>&1 ||
    { cat "$T/import.log" >&2; die "import failed"; }
t1=$(date +%s%N)
import_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')

timeout "$SRV_MAXLIFE" taskset -c "$SRV_CPU" "$BS" -c "$T/bs.conf" web \
    >"$T/web.log" 2>&1 &
WEB_PID=$!
PIDS+=("$WEB_PID")
W=http://127.0.0.1:$WPORT
wait_http "$W/api/v1/stats" "$WEB_PID" || { cat "$T/web.log" >&2; die "web did not start"; }
curl -fs -H "Authorization: Bearer $TOKEN" "$W/api/v1/lookup/$LISTED" >"$T/listed.json" &&
    curl -fs -H "Authorization: Bearer $TOKEN" "$W/api/v1/lookup/$UNLISTED" >"$T/unlisted.json" ||
    die "lookup failed"
grep -q '"listed":true' "$T/listed.json" || die "$LISTED not listed: $(cat "$T/listed.json")"
grep -q '"listed":false' "$T/unlisted.json" || die "$UNLISTED listed"
# The anonymous answer must be the same bytes: the token changes no output.
curl -fs "$W/api/v1/lookup/$LISTED" | cmp -s - "$T/listed.json" ||
    log "note: the admin answer differs from the anonymous one"

# ---- nginx: the same bodies as static files ---------------------------
mkdir -p "$T/www/api/v1/lookup" "$T/nginx"
cp "$T/listed.json" "$T/www/api/v1/lookup/$LISTED"
cp "$T/unlisted.json" "$T/www/api/v1/lookup/$UNLISTED"
cat >"$T/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	default_type application/json;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$NPORT;
		root $T/www;
	}
}
EOF
timeout "$SRV_MAXLIFE" taskset -c "$SRV_CPU" "$NGINX" -p "$T/nginx" \
    -c "$T/nginx.conf" >"$T/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
N=http://127.0.0.1:$NPORT
wait_http "$N/api/v1/lookup/$LISTED" "$NGINX_PID" ||
    { cat "$T/nginx/stdout.log" "$T/nginx/error.log" >&2; die "nginx did not start"; }
curl -fs "$N/api/v1/lookup/$LISTED" | cmp -s - "$T/listed.json" || die "nginx serves other bytes"

# ---- measurements -------------------------------------------------------
# One wrk run: prints "REQ_PER_S P99_MS ERRORS" (non-2xx plus socket errors).
wrk_run() { # wrk_run URL [HEADER]
	local out
	out=$(timeout $((SECS + 30)) taskset -c "$LOAD_CPU" wrk -c "$CONNS" \
	    -t "$THREADS" -d "${SECS}s" --latency ${2:+-H "$2"} "$1" 2>&1)
	echo "$out" >>"$T/wrk.log"
	awk '
	function ms(v) {
		if (v ~ /us$/) return v / 1000
		if (v ~ /ms$/) return v + 0
		if (v ~ /s$/) return v * 1000
		return v
	}
	/^Requests\/sec:/ { rps = $2 }
	$1 == "99%" { p99 = ms($2) }
	/Non-2xx or 3xx responses:/ { err += $NF }
	/Socket errors:/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
	END { printf "%d %.2f %d\n", rps, p99, err }' <<<"$out"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
num() { printf '%s' "$1" | sed -e :a -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e ta; }

declare -A RPS P99 EACH ERR CPU
# The server's own PID: the child of the timeout(1) we started (taskset
# execs it).
server_pid() {
	local c
	for _ in $(seq 1 50); do
		c=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
		[ -n "$c" ] && { echo "${c%% *}"; return; }
		sleep 0.1
	done
	echo "$1"
}
# One run of a case: wrk, and the server's user + system ticks it cost.
declare -A URL PIDOF RS PS TICKS
run_case() { # run_case KEY RUN_NO
	local r c0 c1 pid=${PIDOF[$1]}
	c0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	r=$(wrk_run "${URL[$1]}" "$H")
	c1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	log "$1 run $2: $r (req/s p99_ms errors)"
	RS[$1]="${RS[$1]:-} ${r%% *}"
	PS[$1]="${PS[$1]:-} $(cut -d' ' -f2 <<<"$r")"
	ERR[$1]=$((${ERR[$1]:-0} + ${r##* }))
	EACH[$1]="${EACH[$1]:-}${EACH[$1]:+ / }$(num "${r%% *}")"
	TICKS[$1]=$((${TICKS[$1]:-0} + c1 - c0))
}

load0=$(cut -d' ' -f1 /proc/loadavg)
H="Authorization: Bearer $TOKEN"
CASES="nginx_listed bs_listed nginx_unlisted bs_unlisted"
URL[nginx_listed]=$N/api/v1/lookup/$LISTED
URL[bs_listed]=$W/api/v1/lookup/$LISTED
URL[nginx_unlisted]=$N/api/v1/lookup/$UNLISTED
URL[bs_unlisted]=$W/api/v1/lookup/$UNLISTED
PIDOF[nginx_listed]=$(server_pid "$NGINX_PID")
PIDOF[nginx_unlisted]=${PIDOF[nginx_listed]}
PIDOF[bs_listed]=$(server_pid "$WEB_PID")
PIDOF[bs_unlisted]=${PIDOF[bs_listed]}
for k in $CASES; do	# warm-up
	timeout 30 taskset -c "$LOAD_CPU" wrk -c "$CONNS" -t "$THREADS" -d 2s \
	    -H "$H" "${URL[$k]}" >/dev/null 2>&1
done
# Round robin, so that whatever else the machine does at some moment
# falls on every case alike.
for i in $(seq 1 "$RUNS"); do
	for k in $CASES; do
		run_case "$k" "$i"
	done
done
HZ=$(getconf CLK_TCK)
for k in $CASES; do
	RPS[$k]=$(tr ' ' '\n' <<<"${RS[$k]}" | grep . | median)
	P99[$k]=$(tr ' ' '\n' <<<"${PS[$k]}" | grep . | median)
	CPU[$k]=$(awk -v t="${TICKS[$k]}" -v hz="$HZ" -v s=$((SECS * RUNS)) \
	    'BEGIN { printf "%.0f %%", 100 * t / hz / s }')
done
load1=$(cut -d' ' -f1 /proc/loadavg)
kill -0 "$WEB_PID" 2>/dev/null || die "backscatter web died: $(tail -n 5 "$T/web.log")"
grep -iE "warn|error" "$T/web.log" | head -n 3 >&2

# ---- the table -----------------------------------------------------------
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f %%", 100 * a / b }'; }
size() { stat -c %s "$1"; }
row() { # row LABEL KEY ANCHOR_KEY BODY
	printf '| %s | %s B | %s | %s | %s | %s | %s | %s |\n' "$1" "$(size "$4")" \
	    "$(num "${RPS[$2]}")" "${EACH[$2]}" "${P99[$2]}" "${CPU[$2]}" \
	    "${ERR[$2]}" "${3:+$(pct "${RPS[$2]}" "${RPS[${3:-$2}]}")}"
}
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$(dirname "$BS")/CMakeCache.txt" 2>/dev/null)
{
	echo "$(date -u +%F), $(nproc) × $cpu, Linux $(uname -r), $(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2}'), nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'), libevent $(pkg-config --modversion libevent 2>/dev/null || echo '?'), ${btype:-RelWithDebInfo} build."
	echo "Command: \`${BACKSCATTER:+BACKSCATTER=$BACKSCATTER }bench/web.sh -w\` (wrk -c $CONNS -t $THREADS -d ${SECS}s --latency, median of $RUNS runs after a 2 s warm-up; $(num "$LISTINGS") listings imported with \`backscatter import --format plain\` in $import_s s)."
	echo
	echo "| what | body | requests/s, median | each run | p99 latency (ms), median | server CPU | errors | of the ceiling |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	row "ceiling: nginx, static file, listed answer" nginx_listed "" "$T/listed.json"
	row "\`backscatter web\` \`/api/v1/lookup/$LISTED\` (listed)" bs_listed nginx_listed "$T/listed.json"
	row "ceiling: nginx, static file, unlisted answer" nginx_unlisted "" "$T/unlisted.json"
	row "\`backscatter web\` \`/api/v1/lookup/$UNLISTED\` (not listed)" bs_unlisted nginx_unlisted "$T/unlisted.json"
	echo
	echo "Each server on CPU $SRV_CPU, wrk on CPU $LOAD_CPU, loopback, HTTP/1.1 keep-alive. nginx: one process (\`master_process off\`, one worker), \`access_log off\`, the same response bodies as files: the ceiling of this machine's HTTP path, not a lookup server. \`backscatter web\` logs at \`warn\`; wrk sends the admin bearer token, which skips the per-client lookup limit (every request comes from 127.0.0.1, and \`lookups_per_minute\` allows at most 100,000 a minute) and changes nothing in the answer; the limiter's own cost is not in these figures. The listed address is an imported listing, without trap evidence. Server CPU: its user + system time over the measured runs, of one CPU. Errors: non-2xx answers plus socket errors, over all runs. Load average (1 min) before / after: $load0 / $load1."
} >"$T/section.md"
cat "$T/section.md"

if [ "$WRITE" = 1 ]; then
	# Only the "## Web" section, read and replaced in one step so that a
	# concurrent edit of another section survives.
	{ echo "## Web"; echo; cat "$T/section.md"; } >"$T/sect"
	tmp=$(mktemp "$DOC.XXXXXX") || die "mktemp next to $DOC"
	awk -v sect="$T/sect" '
		function put() { while ((getline l < sect) > 0) print l; done = 1 }
		/^## Web[[:space:]]*$/ { put(); skip = 1; next }
		skip && /^## / { skip = 0; print "" }
		!skip { print }
		END { if (!done) { print ""; put() } }
	' "$DOC" >"$tmp" && chmod 644 "$tmp" && mv "$tmp" "$DOC" &&
	    log "updated the Web section of $DOC"
fi
