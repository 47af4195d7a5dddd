#!/bin/bash
# dns.sh -- `backscatter dns` against rbldnsd and the machine's UDP ceiling,
# on the same 1M-entry list, in one run.
#
# Usage: bench/dns.sh
# Prints a markdown table on stdout, progress on stderr; takes about
# four minutes (plus 15 s the first time, for bench/dns_data.sh). Needs the
# Debian packages rbldnsd and dnsperf, gcc, python3; run as root so
# rbldnsd can drop to "nobody" as it would in production.
#
# Environment (defaults in brackets):
#   BENCH_DNS_DIR	data, binaries and per-run files [build/bench-dns]
#   RUNS, SECS		dnsload runs per server and their length [3, 10]
#   WINDOW, SOCKETS	dnsload -w and -s for the throughput runs [100, 4]
#   RELOAD_QPS, RELOAD_SECS, RELOAD_BASE_SECS  the reload test's fixed
#			rate, its length, and that of the steady run before
#			it [25000, 20, 10]
#
# Layout of a machine with two CPUs: the server on CPU 0, the load
# generator on CPU 1, so neither steals the other's time. The steps are
# functions that take the server's name and start command (server_up),
# so another server runs the same measurements with one more call at the
# end of this file; its column appears in the table.
#
# Bounded: every server runs under timeout(1) (SRV_MAXLIFE), every load
# run has a fixed length, and on exit every process this script started
# is ended by its PID and checked gone.
set -u
# The daemons refuse root without [process] user; a bench on loopback is
# a test rig (backscatter(8), ENVIRONMENT).
export BACKSCATTER_ALLOW_ROOT=1

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${BENCH_DNS_DIR:-$ROOT/build/bench-dns}
BIN=$DIR/bin
QUERIES=$DIR/queries.txt
DATA=$DIR/bl.test.ip4set
BS=${BACKSCATTER:-$ROOT/build/backscatter}

SRV_CPU=0
LOAD_CPU=1
RUNS=${RUNS:-3}
SECS=${SECS:-10}
WINDOW=${WINDOW:-100}
SOCKETS=${SOCKETS:-4}
BATCH=32
# A resolver gives up on a server after about a second (BIND, Unbound),
# so an answer later than that is as good as lost.
TIMEOUT=1
# Half of what rbldnsd answered here at full speed: it keeps up in the
# steady state, so what it loses in the reload run is the reloads' doing.
# At 50,000 it loses even without reloads on this machine, and a reload
# that takes 0.3 s of CPU each second leaves it short of capacity.
RELOAD_QPS=${RELOAD_QPS:-25000}
RELOAD_SECS=${RELOAD_SECS:-20}
RELOAD_BASE_SECS=${RELOAD_BASE_SECS:-10}
# Open loop for the reload test: room for several seconds of queries, so
# a server that stalls gets the queries real resolvers would keep sending
# instead of a load generator that politely waits.
RELOAD_WINDOW=$((RELOAD_QPS * 4))
[ "$RELOAD_WINDOW" -gt $((65536 * 8)) ] && RELOAD_WINDOW=$((65536 * 8))
RELOAD_SOCKETS=8
# Upper bound on any server's life, whatever happens to this script.
SRV_MAXLIFE=600
STARTUP_MAX=60

CFLAGS="-O2 -Wall -Wextra -Werror -std=c17 -D_GNU_SOURCE"

log() {
	echo "dns.sh: $*" >&2
}
die() {
	log "$*"
	exit 1
}

for tool in gcc python3 rbldnsd dnsperf taskset timeout ss; do
	command -v "$tool" >/dev/null 2>&1 ||
	    die "$tool missing (apt-get install -y rbldnsd dnsperf)"
done
[ "$(nproc)" -ge 2 ] || die "needs two CPUs (server and load apart)"

# ---- processes ---------------------------------------------------

PIDS=()		# every background process we started, by PID
WORK=

cleanup() {
	local p left=''

	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}" ${ALL_SRV_PIDS[@]+"${ALL_SRV_PIDS[@]}"}; do
		kill -0 "$p" 2>/dev/null && left="$left $p"
	done
	[ -n "$left" ] && log "still running after cleanup:$left"
	[ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ALL_SRV_PIDS=()

# Milliseconds since the epoch.
ms() {
	echo $(($(date +%s%N) / 1000000))
}

. "$ROOT/tests/lib/ports.sh"

# The value of KEY in a "key value" file.
val() {
	awk -v k="$1" '$1 == k { print $2; exit }' "$2"
}

# ---- build and data ----------------------------------------------

build() {
	local tool extra

	mkdir -p "$BIN"
	for tool in dnsload udp_reply_loop; do
		extra=
		[ "$tool" = udp_reply_loop ] && extra=-pthread
		if [ ! -x "$BIN/$tool" ] ||
		    [ "$ROOT/bench/$tool.c" -nt "$BIN/$tool" ]; then
			# shellcheck disable=SC2086
			gcc $CFLAGS $extra -o "$BIN/$tool" \
			    "$ROOT/bench/$tool.c" || die "build $tool"
		fi
	done
}

data() {
	if [ ! -s "$DATA" ] || [ ! -s "$QUERIES" ] ||
	    [ ! -s "$DIR/listed.txt" ]; then
		log "generating data (bench/dns_data.sh, ~15 s)"
		"$ROOT/bench/dns_data.sh" -o "$DIR" || die "dns_data.sh"
	fi
}

# ---- measurement steps -------------------------------------------
#
# Results go into R["server|key"]; the table at the end reads them.
declare -A R

# dnsload with the common options and the given ones; output to $1.
dnsload() {
	local out=$1

	shift
	# The outer timeout is a guard only: dnsload stops by itself.
	timeout -s TERM $((SECS + RELOAD_SECS + 60)) \
	    "$BIN/dnsload" -S 127.0.0.1 -p "$PORT" -c "$LOAD_CPU" "$@" \
	    >"$out" 2>&1
}

# Asks until the first right answer; $1 is the rcode key to expect.
# Returns 0 answered, 1 server gone, 2 no answer within STARTUP_MAX.
probe_until_answer() {
	local expect=$1 t0 out=$WORK/probe.out

	t0=$(ms)
	while :; do
		kill -0 "$SRV_PID" 2>/dev/null || return 1
		dnsload "$out" -f "$WORK/probe.q" -n 1 -t 0.1 -d 1
		[ "$(val "$expect" "$out")" = 1 ] && return 0
		[ $(($(ms) - t0)) -gt $((STARTUP_MAX * 1000)) ] && return 2
		sleep 0.02
	done
}

# server_start NAME EXPECT CMD...: starts CMD (a program that stays in
# the foreground and serves 127.0.0.1:$PORT), sets SRV_TPID (the timeout
# guard) and SRV_PID (the server), measures the time until the probe
# query is answered with EXPECT (noerror, nxdomain) and the RSS then.
server_start() {
	local name=$1 expect=$2 t0 i kids

	shift 2
	SRV_LOG=$WORK/$name.log
	t0=$(ms)
	timeout -s TERM "$SRV_MAXLIFE" "$@" >"$SRV_LOG" 2>&1 &
	SRV_TPID=$!
	PIDS+=("$SRV_TPID")
	# timeout forks the server: its child is what /proc must show.
	SRV_PID=
	for i in $(seq 1 200); do
		kids=$(cat "/proc/$SRV_TPID/task/$SRV_TPID/children" \
		    2>/dev/null)
		SRV_PID=${kids%% *}
		[ -n "$SRV_PID" ] && break
		sleep 0.01
	done
	[ -n "$SRV_PID" ] || die "$name: did not start"
	ALL_SRV_PIDS+=("$SRV_PID")
	if ! probe_until_answer "$expect"; then
		tail -n 20 "$SRV_LOG" >&2
		die "$name: no answer to the probe query"
	fi
	R[$name|startup_ms]=$(($(ms) - t0))
	R[$name|rss_start]=$(awk '/^VmRSS:/ { print $2 }' \
	    "/proc/$SRV_PID/status")
	log "$name: pid $SRV_PID answers after ${R[$name|startup_ms]} ms," \
	    "RSS ${R[$name|rss_start]} kB"
	# A server that says how long its own load took: to tell the load
	# from the process around it when start-up varies between runs.
	grep -E 'loaded|answering' "$SRV_LOG" 2>/dev/null | sed "s/^/dns.sh: $name: /" >&2
}

# Ends the server by its PID (timeout passes SIGTERM on) and waits.
server_stop() {
	local name=$1

	# VmHWM is updated lazily and can trail VmRSS a little. A server
	# restarted keeps the peak of its first run if that was higher.
	R[$name|rss_peak]=$(awk -v s="${R[$name|rss_peak]:-${R[$name|rss_start]}}" '
	    /^Vm(HWM|RSS):/ && $2 > s { s = $2 } END { print s }' \
	    "/proc/$SRV_PID/status" 2>/dev/null)
	kill -TERM "$SRV_TPID" 2>/dev/null
	wait "$SRV_TPID" 2>/dev/null
	kill -0 "$SRV_PID" 2>/dev/null && die "$name: pid $SRV_PID still runs"
	SRV_PID=
}

# Clock ticks of user, nice and system time on all CPUs so far (not
# irq/softirq: whether a task's own times include those depends on the
# kernel's configuration, so they are left out on both sides).
cpu_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4; exit }' /proc/stat
}
# The same for one process: utime + stime (fields 14, 15 of stat; the
# name in field 2 has no spaces for the servers we run).
pid_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# Closed-loop runs at full speed, RUNS per server, taken in rounds: one
# run of every server, then the next round, so that a slow minute of
# the machine falls on all of them alike rather than on one server's
# three runs. The median run by QPS stands for the server; all QPS
# figures are kept. Other processes on the machine take CPU from both
# sides: what they used during the runs, all CPU time less the server's
# and dnsload's, goes in the table.
step_load_run() {
	local name=$1 r=$2 f c0 s0 hz

	hz=$(getconf CLK_TCK)
	f=$WORK/$name.load$r
	c0=$(cpu_ticks)
	s0=$(pid_ticks "$SRV_PID")
	dnsload "$f" -f "$QUERIES" -d "$SECS" -w "$WINDOW" \
	    -s "$SOCKETS" -b "$BATCH" -t "$TIMEOUT" ||
	    die "$name: dnsload failed: $(tail -n 3 "$f")"
	R[$name|other_s]=$(awk -v o="${R[$name|other_s]:-0}" \
	    -v c="$(($(cpu_ticks) - c0))" \
	    -v s="$(($(pid_ticks "$SRV_PID") - s0))" -v hz="$hz" \
	    -v u="$(val cpu_user_s "$f")" -v y="$(val cpu_sys_s "$f")" \
	    'BEGIN { print o + (c - s) / hz - u - y }')
	log "$name: round $r: $(tail -n 1 "$f")"
	R[$name|runs]="${R[$name|runs]:-} $(val qps "$f") $r"
	R[$name|qps_r$r]=$(val qps "$f")
}
# ratio_rounds NAME BASE: NAME's QPS over BASE's in each round, and their
# median: runs of one round are seconds apart, so the machine's slower
# and faster minutes cancel in a ratio more than in two medians.
ratio_rounds() {
	local name=$1 base=$2 r list=''

	[ "$name" != "$base" ] && [ -n "${R[$base|qps_r1]:-}" ] || return 0
	for r in $(seq 1 "$RUNS"); do
		list="$list $(awk -v a="${R[$name|qps_r$r]}" \
		    -v b="${R[$base|qps_r$r]}" 'BEGIN { printf "%.2f", a / b }')"
	done
	# shellcheck disable=SC2086
	printf '%s (median %s)' "$(echo $list | sed 's/ / \/ /g')" \
	    "$(printf '%s\n' $list | sort -n |
	    awk -v n="$RUNS" 'NR == int((n + 1) / 2)')"
}
step_load_done() {
	local name=$1 all med k f

	all=${R[$name|runs]}
	R[$name|other_cpu]=$(awk -v o="${R[$name|other_s]}" \
	    -v t="$((RUNS * SECS))" \
	    'BEGIN { v = o / t; printf "%.2f", v < 0 ? 0 : v }')
	# shellcheck disable=SC2086
	med=$(printf '%s %s\n' $all | sort -n |
	    awk -v n="$RUNS" 'NR == int((n + 1) / 2) { print $2 }')
	f=$WORK/$name.load$med
	# shellcheck disable=SC2086
	R[$name|qps_all]=$(printf '%s %s\n' $all | awk '{ print $1 }' |
	    paste -sd / | sed 's|/| / |g')
	for k in qps lat_p50_us lat_p99_us lat_p999_us sent lost noerror \
	    nxdomain rcode_other tc bad_header bad_question late; do
		R[$name|$k]=$(val "$k" "$f")
	done
	R[$name|lat]="${R[$name|lat_p50_us]} / ${R[$name|lat_p99_us]} /"
	R[$name|lat]+=" ${R[$name|lat_p999_us]}"
	R[$name|lost_cell]="$(num "${R[$name|lost]}") of $(num \
	    "${R[$name|sent]}")"
	R[$name|rcodes]="$(num "${R[$name|noerror]}") / $(num \
	    "${R[$name|nxdomain]}") / $(num "${R[$name|rcode_other]}")"
	R[$name|bad]=$((R[$name|bad_header] + R[$name|bad_question] +
	    R[$name|late]))
}

# dnsperf on the same queries, sockets and window, for comparison of
# the load generators.
step_dnsperf() {
	local name=$1
	local f=$WORK/$name.dnsperf

	timeout -s TERM $((SECS + 60)) taskset -c "$LOAD_CPU" \
	    dnsperf -s 127.0.0.1 -p "$PORT" -d "$QUERIES" -l "$SECS" \
	    -c "$SOCKETS" -q "$WINDOW" -t "$TIMEOUT" >"$f" 2>&1 ||
	    die "$name: dnsperf failed: $(tail -n 5 "$f")"
	R[$name|dnsperf_qps]=$(awk '/Queries per second:/ {
	    printf "%.0f", $4 }' "$f")
	R[$name|dnsperf_lat]=$(awk '/Average Latency/ {
	    printf "%.0f", $4 * 1e6 }' "$f")
	R[$name|dnsperf_lost]=$(awk '/Queries lost:/ { print $3 }' "$f")
	log "$name: dnsperf ${R[$name|dnsperf_qps]} qps," \
	    "avg ${R[$name|dnsperf_lat]} us, lost ${R[$name|dnsperf_lost]}"
}

# fixed_rate OUT SECS CHANGE: dnsload at RELOAD_QPS for SECS while
# CHANGE (a function, given the second) runs once a second.
fixed_rate() {
	local f=$1 secs=$2 change=$3 lp i

	# Not through dnsload(): $! must be the guard's PID, not a subshell.
	timeout -s TERM $((secs + 60)) "$BIN/dnsload" -S 127.0.0.1 \
	    -p "$PORT" -c "$LOAD_CPU" -f "$QUERIES" -d "$secs" \
	    -r "$RELOAD_QPS" -w "$RELOAD_WINDOW" -s "$RELOAD_SOCKETS" \
	    -b "$BATCH" -t "$TIMEOUT" -T >"$f" 2>&1 &
	lp=$!
	PIDS+=("$lp")
	for i in $(seq 1 $((secs - 1))); do
		sleep 1
		"$change" "$i"
	done
	wait "$lp" || die "dnsload (fixed rate) failed: $(tail -n 3 "$f")"
}

# "LOST of SENT (PCT %)" from a dnsload output.
lost_cell() {
	echo "$(num "$(val lost "$1")") of $(num "$(val sent "$1")")" \
	    "($(val lost_pct "$1") %)"
}

# step_reload NAME CHANGE RELOADS: first RELOAD_BASE_SECS at the fixed
# rate with no change, which shows what the server loses without
# reloads; then RELOAD_SECS while CHANGE changes the data once a second.
# RELOADS prints how many reloads the server has done.
step_reload() {
	local name=$1 change=$2 reloads=$3 before
	local f=$WORK/$name.reload b=$WORK/$name.steady

	fixed_rate "$b" "$RELOAD_BASE_SECS" none
	log "$name: steady: $(tail -n 1 "$b")"
	R[$name|steady_lost]=$(lost_cell "$b")
	before=$("$reloads")
	fixed_rate "$f" "$RELOAD_SECS" "$change"
	sleep 1.5	# a reload that started late ends before we count
	log "$name: reload: $(tail -n 1 "$f")"
	R[$name|reload_lost]=$(lost_cell "$f")
	R[$name|reload_lat]="$(val lat_p99_us "$f") µs / $(awk '
	    $1 == "lat_max_us" { printf "%.0f", $2 / 1000 }' "$f") ms"
	R[$name|reload_bad_secs]=$(awk '$1 == "timeline" && $5 > 0 { n++ }
	    END { print n + 0 }' "$f")
	R[$name|reload_count]="$((RELOAD_SECS - 1)) /"
	R[$name|reload_count]+=" $(($("$reloads") - before))"
	# Lost per second of the run, for the notes under the table.
	R[$name|reload_timeline]=$(awk '$1 == "timeline" { printf "%s%d",
	    sep, $5; sep = " " }' "$f")
}

# server_up NAME EXPECT STEPS CHANGE RELOADS CMDFN [ARG...]: starts a
# server and measures its start-up; it then stays up for the rounds.
# STEPS is a list of load, dnsperf, reload. CMDFN is a function that
# sets the array SRV_CMD to the server's start command once $PORT is
# chosen; CHANGE and RELOADS are for step_reload.
SERVERS=()
SRV_CMD=()
declare -A S_PORT S_PID S_TPID S_LOG S_STEPS S_CHANGE S_RELOADS
server_up() {
	local name=$1 expect=$2 cmdfn=$6

	S_STEPS[$name]=$3
	S_CHANGE[$name]=$4
	S_RELOADS[$name]=$5
	shift 6
	SERVERS+=("$name")
	PORT=$(free_port) || die "no free UDP port"
	"$cmdfn" "$@"
	log "$name: starting on 127.0.0.1/$PORT: ${SRV_CMD[*]}"
	server_start "$name" "$expect" "${SRV_CMD[@]}"
	S_PORT[$name]=$PORT
	S_PID[$name]=$SRV_PID
	S_TPID[$name]=$SRV_TPID
	S_LOG[$name]=$SRV_LOG
}
# The server the steps talk to (they read PORT, SRV_PID, SRV_LOG).
use_server() {
	PORT=${S_PORT[$1]}
	SRV_PID=${S_PID[$1]}
	SRV_TPID=${S_TPID[$1]}
	SRV_LOG=${S_LOG[$1]}
}
has_step() {
	case " ${S_STEPS[$1]} " in *" $2 "*) return 0 ;; esac
	return 1
}

# ---- the servers -------------------------------------------------

none() {
	:
}

# The reply loop: one thread on the server's CPU.
reply_loop_cmd() {
	SRV_CMD=("$BIN/udp_reply_loop" -a 127.0.0.1 -p "$PORT" -n 1
	    -c "$SRV_CPU" -t "$SRV_MAXLIFE")
}

# rbldnsd reads its data from $RBL. Two versions that differ in one
# entry's TXT take turns: a hard link, touched, renamed over the served
# name, as an export that writes a new file and renames it would do,
# without copying 150 MB a second on a CPU the measurement needs. -c 1:
# look for changed files every second instead of every minute.
RBL=
rbldnsd_cmd() {
	SRV_CMD=(taskset -c "$SRV_CPU" rbldnsd -n -u nobody
	    -b "127.0.0.1/$PORT" -c 1 -w "$RBL" "$@"
	    bl.test:ip4set:bl.test.ip4set)
}
rbldnsd_change() {
	local v=a

	# The version not served now: renaming a file over another link to
	# the same inode does nothing (rename(2)).
	[ "$RBL/bl.test.ip4set" -ef "$RBL/version.a" ] && v=b
	ln -f "$RBL/version.$v" "$RBL/.next" &&
	    touch "$RBL/.next" &&
	    mv -f "$RBL/.next" "$RBL/bl.test.ip4set"
}
rbldnsd_reloads() {
	grep -c 'zones reloaded' "$SRV_LOG"
}

rbldnsd_data() {
	RBL=$WORK/rbldnsd
	mkdir -p "$RBL"
	cp "$DATA" "$RBL/version.a"
	# The first entry's TXT differs.
	sed '0,/ UTC; see /s// UTC (changed); see /' "$DATA" \
	    >"$RBL/version.b"
	cmp -s "$RBL/version.a" "$RBL/version.b" && die "sed changed nothing"
	ln "$RBL/version.a" "$RBL/bl.test.ip4set"
	# rbldnsd reads them after it dropped to "nobody".
	chmod 755 "$WORK" "$RBL"
	chmod 644 "$RBL"/version.*
}

# ---- the table ---------------------------------------------------

num() {		# 1234567 -> 1,234,567
	printf '%s' "$1" |
	    sed -e :a -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\|\.\)/\1,\2\3/' -e ta
}
cell() {	# cell SERVER KEY [FORMAT]: the figure or a dash
	local v=${R[$1|$2]:-}

	if [ -z "$v" ]; then
		printf '—'
	elif [ -n "${3:-}" ]; then
		# shellcheck disable=SC2059
		printf "$3" "$v"
	else
		num "$v"
	fi
}
row() {		# row LABEL KEY [FORMAT]
	local s

	printf '| %s |' "$1"
	for s in "${SERVERS[@]}"; do
		printf ' %s |' "$(cell "$s" "$2" "${3:-}")"
	done
	printf '\n'
}

table() {
	local s cpu kernel ver

	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
	    head -n 1)
	kernel=$(uname -r)
	ver=$(dpkg-query -W -f '${Version}' rbldnsd 2>/dev/null || echo "?")
	for s in "${SERVERS[@]}"; do
		R[$s|rss_start_mib]=$(awk -v k="${R[$s|rss_start]}" \
		    'BEGIN { printf "%.1f", k / 1024 }')
		R[$s|rss_peak_mib]=$(awk -v k="${R[$s|rss_peak]}" \
		    'BEGIN { printf "%.1f", k / 1024 }')
	done

	echo "$(date -u +%Y-%m-%d), $(nproc) × $cpu, Linux $kernel," \
	    "rbldnsd $ver, dnsperf $(dpkg-query -W -f '${Version}' dnsperf \
	    2>/dev/null || echo "?")."
	echo "Command: \`bench/dns.sh\` (data: \`bench/dns_data.sh\`," \
	    "1,000,000 listed IPv4 addresses, 2,000,000 queries)."
	echo
	printf '| what |'
	for s in "${SERVERS[@]}"; do
		printf ' %s |' "$s"
	done
	printf '\n| --- |'
	for s in "${SERVERS[@]}"; do
		printf ' --- |'
	done
	printf '\n'
	row "start-up until the first answer (ms)" startup_ms
	row "restart from its zone snapshot: first answer (ms)" restart_ms
	row "RSS after the restart (MiB)" rss_restart "%s"
	row "RSS after start-up (MiB)" rss_start_mib "%s"
	row "RSS peak (MiB)" rss_peak_mib "%s"
	row "dnsload QPS, median of $RUNS × $SECS s" qps
	row "dnsload QPS, each run" qps_all "%s"
	row "QPS / udp_reply_loop's, each round" vs_loop "%s"
	row "QPS / rbldnsd's, each round" vs_rbldnsd "%s"
	row "latency p50 / p99 / p99.9 (µs), median run" lat "%s"
	row "lost (median run)" lost_cell "%s"
	row "NOERROR / NXDOMAIN / other (median run)" rcodes "%s"
	row "bad or late answers (median run)" bad
	row "CPUs used by other processes during the runs" other_cpu "%s"
	row "dnsperf QPS ($SECS s)" dnsperf_qps
	row "dnsperf mean latency (µs)" dnsperf_lat
	row "dnsperf lost" dnsperf_lost
	row "reload test: data changes / reloads done" reload_count "%s"
	row "steady: lost at $(num "$RELOAD_QPS") qps, $RELOAD_BASE_SECS s" \
	    steady_lost "%s"
	row "reload test: lost at $(num "$RELOAD_QPS") qps, $RELOAD_SECS s" \
	    reload_lost "%s"
	row "reload test: seconds with a loss" reload_bad_secs "%s"
	row "reload test: p99 / max latency" reload_lat "%s"
	echo
	echo "Server on CPU $SRV_CPU, load generator on CPU $LOAD_CPU." \
	    "dnsload and dnsperf: $SOCKETS sockets, at most $WINDOW queries" \
	    "in flight (closed loop), timeout $TIMEOUT s. Reload test:" \
	    "dnsload at a fixed $(num "$RELOAD_QPS") qps with up to" \
	    "$(num "$RELOAD_WINDOW") in flight (open loop), the data file" \
	    "replaced by rename once a second, rbldnsd -c 1; a query" \
	    "unanswered after $TIMEOUT s is lost. udp_reply_loop answers" \
	    "NXDOMAIN without parsing: the ceiling of this machine's" \
	    "loopback UDP path, not a DNS server. RSS is the server" \
	    "process's own (rbldnsd -f: not its reload child's)."
	for s in "${SERVERS[@]}"; do
		[ -n "${R[$s|reload_timeline]:-}" ] || continue
		echo
		echo "Lost per second of the reload run, $s:" \
		    "${R[$s|reload_timeline]}."
	done
	echo
	# Other work on the same two CPUs shows up in every figure.
	echo "Load average (1 min) before / after: $LOAD_BEFORE /" \
	    "$(cut -d ' ' -f 1 /proc/loadavg)."
}

# ---- backscatter dns ---------------------------------------------

# The same addresses in a store, imported once and kept with the data.
backscatter_data() {
	BSDB=$DIR/bs.db
	[ -x "$BS" ] || die "no $BS: build first (cmake -B build && cmake --build build)"
	if [ ! -s "$BSDB" ] || [ "$DIR/listed.txt" -nt "$BSDB" ]; then
		rm -f "$BSDB" "$BSDB-wal" "$BSDB-shm"
		log "importing $(wc -l <"$DIR/listed.txt") addresses into $BSDB"
		"$BS" --store "$BSDB" import --format plain --ttl never \
		    --reason benchmark "$DIR/listed.txt" >/dev/null ||
		    die "backscatter import"
	fi
	printf '[dns]\nzone = bl.test\n' >"$WORK/bs.conf"
}
backscatter_cmd() {
	SRV_CMD=(taskset -c "$SRV_CPU" "$BS" -c "$WORK/bs.conf" --store "$BSDB"
	    dns --listen "127.0.0.1:$PORT" --threads 1)
}
# The first start reads the store (its snapshot of an earlier run is
# removed); after its runs it stops and writes one, and a restart reads
# that: what a restart costs once the server has run.
backscatter_restart() {
	local name="backscatter dns"

	use_server "$name"
	server_stop "$name"
	grep -E 'snapshot written' "$SRV_LOG" | sed "s/^/dns.sh: $name: /" >&2
	PORT=$(free_port) || die "no free UDP port"
	backscatter_cmd
	server_start "$name (restart)" noerror "${SRV_CMD[@]}"
	R[$name|restart_ms]=${R[$name (restart)|startup_ms]}
	R[$name|rss_restart]=$(awk -v k="${R[$name (restart)|rss_start]}" \
	    'BEGIN { printf "%.1f", k / 1024 }')
	S_PORT[$name]=$PORT
	S_PID[$name]=$SRV_PID
	S_TPID[$name]=$SRV_TPID
	S_LOG[$name]=$SRV_LOG
}
# 100 updates a second: 100 listed addresses listed again (new expiry, a
# journal entry each) by another process, as a trap would. Answers stay
# the same, so any loss is the update path's doing, as in rbldnsd's test.
backscatter_change() {
	local first=$(( ($1 * 100) % 900000 + 1 ))

	sed -n "${first},$((first + 99))p" "$DIR/listed.txt" >"$WORK/upd.txt"
	"$BS" --store "$BSDB" import --format plain --ttl 28d \
	    --reason "benchmark update" "$WORK/upd.txt" >/dev/null ||
	    log "backscatter import of updates failed"
}
# Updates applied: the SOA serial follows the journal.
backscatter_reloads() {
	dig @127.0.0.1 -p "$PORT" +short +time=1 +tries=3 bl.test SOA |
	    awk '{ print $3 + 0 }'
}

# ---- main --------------------------------------------------------

LOAD_BEFORE=$(cut -d ' ' -f 1 /proc/loadavg)
build
data
WORK=$(mktemp -d "$DIR/run.XXXXXX") || die "mktemp"

# The probe: a listed address, whose answer is NOERROR from a server
# that has loaded the list (and NXDOMAIN from the reply loop).
awk 'NR > 3 { split($1, o, "."); printf "%s.%s.%s.%s.bl.test A\n",
    o[4], o[3], o[2], o[1]; exit }' "$DATA" >"$WORK/probe.q"
rbldnsd_data

backscatter_data
rm -f "$BSDB.zone"
# The data just written (rbldnsd's two 150 MB versions) would otherwise
# be written back while a server starts and reads its own from disk.
sync

# Start-up one server at a time; all stay up (an idle server costs the
# one under load nothing) so that the throughput runs can take turns.
server_up udp_reply_loop nxdomain "load dnsperf" none none reply_loop_cmd
server_up rbldnsd noerror "load dnsperf reload" rbldnsd_change \
    rbldnsd_reloads rbldnsd_cmd
server_up "backscatter dns" noerror "load dnsperf reload" \
    backscatter_change backscatter_reloads backscatter_cmd
for r in $(seq 1 "$RUNS"); do
	for s in "${SERVERS[@]}"; do
		has_step "$s" load || continue
		use_server "$s"
		step_load_run "$s" "$r"
	done
done
for s in "${SERVERS[@]}"; do
	if has_step "$s" load; then
		step_load_done "$s"
		R[$s|vs_loop]=$(ratio_rounds "$s" udp_reply_loop)
		R[$s|vs_rbldnsd]=$(ratio_rounds "$s" rbldnsd)
	fi
	if has_step "$s" dnsperf; then
		use_server "$s"
		step_dnsperf "$s"
	fi
done
backscatter_restart
# The reload tests one server at a time, each stopped after its own.
for s in "${SERVERS[@]}"; do
	use_server "$s"
	has_step "$s" reload &&
	    step_reload "$s" "${S_CHANGE[$s]}" "${S_RELOADS[$s]}"
	server_stop "$s"
done
# -f: rbldnsd forks a child that answers while the parent reloads. It
# reads the same files as rbldnsd above, so it starts after that one
# has stopped.
server_up "rbldnsd -f" noerror "reload" rbldnsd_change rbldnsd_reloads \
    rbldnsd_cmd -f
use_server "rbldnsd -f"
step_reload "rbldnsd -f" rbldnsd_change rbldnsd_reloads
server_stop "rbldnsd -f"

table
