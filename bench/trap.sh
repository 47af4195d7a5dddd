#!/bin/bash
# trap.sh -- `backscatter trap` against Postfix's smtp-sink, in one run:
# sessions/s and messages/s from smtp-source at 100 and 1,000 concurrent
# sessions, callouts per second, and the trap's RSS with 10,000 idle
# sessions. Every trap run starts on an empty store and must end with
# exactly as many hits in it as messages (or callouts) acknowledged.
#
# Usage: bench/trap.sh [-w]
#   -w  also write the "## Trap" section of docs/benchmarks.md
# Prints a markdown table on stdout, progress on stderr; takes about five
# minutes, three with a baseline more. The runs are taken in rounds (each
# case once on every server, then the next round), so that the machine's
# drift over minutes falls on every column alike. Needs postfix
# (smtp-source, smtp-sink), sqlite3, gcc, taskset; run as root
# (smtp-sink drops to "nobody").
#
# Environment (defaults in brackets):
#   BACKSCATTER	the binary to measure [build/backscatter]
#   BASELINE	other binaries, each measured the same way in a column of
#		its own: "LABEL=PATH ..." (before/after a change) [none]
#   MSGS	messages (or callouts) per run [20000]; the trap's
#		max_commands grows with it (MSGS / 10 + 1000), since a
#		reused session at -s 100 sends three commands for each
#		of its MSGS / 100 messages and would get 421 past the
#		default of 1,000, as it should
#   RUNS	runs per figure; the median is reported [3]
#   IDLE	idle sessions for the RSS figure [10000]
#
#   LO_MTU	the MTU of the run's loopback [1500]
#
# Layout for a machine with two CPUs: the server on CPU 0, the load on
# CPU 1. The store is on the disk of /tmp (not a tmpfs is better: a
# commit must cost what it costs; the table says which).
#
# The run has a network of its own: a namespace (unshare -n) whose only
# link is a loopback with Ethernet's MTU, as mail from the Internet has.
# On the host's loopback (MTU 65536) smtp-source sizes each session's
# two stream buffers to twice the MSS, 128 KiB each, and its allocator
# fills every buffer it hands out and takes back: 512 KiB of memset per
# session made the load generator the limit of the run, and its cache
# misses the figure's noise. No other traffic shares this loopback.
#
# Bounded: every server runs under timeout(1), every load run too, and on
# exit every process this script started is ended by its PID.
set -u
# The daemons refuse root without [process] user; a bench on loopback is
# a test rig (backscatter(8), ENVIRONMENT).
export BACKSCATTER_ALLOW_ROOT=1

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BS=$(readlink -f "${BACKSCATTER:-$ROOT/build/backscatter}")
BASES=()		# "label=path" of each baseline
for b in ${BASELINE:-}; do
	case $b in
	*=*) BASES+=("${b%%=*}=$(readlink -f "${b#*=}")") ;;
	*) BASES+=("baseline=$(readlink -f "$b")") ;;
	esac
done
MSGS=${MSGS:-20000}
CLK_TCK=$(getconf CLK_TCK)
RUNS=${RUNS:-3}
IDLE=${IDLE:-10000}
CONCS="100 1000"
SRV_CPU=0
LOAD_CPU=1
SRV_MAXLIFE=900
RUN_MAX=300		# one load run, whatever happens
DOC=$ROOT/docs/benchmarks.md
WRITE=0
[ "${1:-}" = -w ] && WRITE=1
# Idle sessions come from several loopback sources: past per-address
# limits and past one source's ephemeral ports.
SOURCES=127.0.0.11,127.0.0.12,127.0.0.13,127.0.0.14

log() { echo "trap.sh: $*" >&2; }
die() {
	log "$*"
	exit 1
}

for tool in smtp-source smtp-sink sqlite3 gcc taskset timeout ss; do
	command -v "$tool" >/dev/null 2>&1 ||
	    die "$tool missing (apt-get install -y postfix sqlite3)"
done
[ -x "$BS" ] || die "no binary $BS (build first, or set BACKSCATTER)"
for b in ${BASES[@]+"${BASES[@]}"}; do
	[ -x "${b#*=}" ] || die "no binary ${b#*=}"
done
[ "$(nproc)" -ge 2 ] || die "needs two CPUs (server and load apart)"
[ "$(id -u)" -eq 0 ] || die "run as root (smtp-sink -u nobody)"
LO_MTU=${LO_MTU:-1500}
if [ -z "${TRAP_BENCH_NETNS:-}" ]; then
	for tool in unshare ip; do
		command -v "$tool" >/dev/null 2>&1 ||
		    die "$tool missing (apt-get install -y util-linux iproute2)"
	done
	export TRAP_BENCH_NETNS=1
	exec unshare -n bash "$0" "$@"
fi
ip link set lo mtu "$LO_MTU" up || die "cannot set up the loopback"
# 10,000 idle sessions and -s 1000 need descriptors on both sides.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" -ge $((IDLE + 200)) ] ||
    die "ulimit -n $(ulimit -n) is too low for $IDLE sessions"

WORK=$(mktemp -d /tmp/bs-bench-trap-XXXXXX)
PIDS=()
SRV_TPID=
SRV_PID=
cleanup() {
	local p

	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null && log "pid $p still runs"
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gcc -O2 -Wall -Wextra -Werror -std=c17 -o "$WORK/trap_client" \
    "$ROOT/bench/trap_client.c" || die "build trap_client"

# What every message is: a Postfix-style DSN (RFC 3464), so the trap
# classifies each one as bounce/dsn and lists the sender, as it would a
# real bounce; 1 KiB, like a short one.
cat >"$WORK/dsn.eml" <<'EOF'
From: MAILER-DAEMON@mx.bouncer.test (Mail Delivery System)
To: victim@trap.test
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="DSN.boundary"

This is a MIME-encapsulated message.

--DSN.boundary
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<nosuchuser@bouncer.test>: unknown user: "nosuchuser"

--DSN.boundary
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.bouncer.test

Final-Recipient: rfc822; nosuchuser@bouncer.test
Action: failed
Status: 5.1.1
Diagnostic-Code: X-Postfix; unknown user: "nosuchuser"

--DSN.boundary
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: victim@trap.test
To: nosuchuser@bouncer.test
Subject: forged-sender spam

--DSN.boundary--
EOF

. "$ROOT/tests/lib/ports.sh"

ms() { echo $(($(date +%s%N) / 1000000)); }
num() {	# 1234567 -> 1,234,567
	printf '%s' "$1" |
	    sed -e :a -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e ta
}
pct() { awk -v m="$1" 'BEGIN { printf "%.0f", m / 10 }'; } # per mille
median() { # the middle of the numbers given
	printf '%s\n' "$@" | sort -n | awk -v n=$# 'NR == int((n + 1) / 2)'
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# ratios "A..." "B...": A[i] / B[i] in per mille for each round i where
# both ran; a round's servers run minutes apart at most, so the ratio
# keeps less of the machine's drift than the medians do.
ratios() {
	local -a a b
	local i

	read -ra a <<<"$1"
	read -ra b <<<"$2"
	for i in "${!a[@]}"; do
		[ "${a[$i]:-0}" -gt 0 ] && [ "${b[$i]:-0}" -gt 0 ] &&
		    echo $((a[i] * 1000 / b[i]))
	done
}

# ---- servers -------------------------------------------------------

# srv_start KIND BIN: the trap (on a fresh store) or smtp-sink on CPU 0,
# in the background; sets PORT, SRV_TPID (timeout) and SRV_PID.
srv_start() {
	local kind=$1 bin=$2 i kids

	PORT=$(free_port) || die "no free port"
	rm -rf "${WORK:?}/var"
	if [ "$kind" = sink ]; then
		timeout -s TERM "$SRV_MAXLIFE" taskset -c "$SRV_CPU" \
		    smtp-sink -u nobody "127.0.0.1:$PORT" 1024 \
		    >"$WORK/srv.log" 2>&1 &
	else
		cat >"$WORK/bs.conf" <<EOF
[store]
path = $WORK/var/bl.db
[listing]
allow_special = loopback
[trap]
listen = 127.0.0.1:$PORT
domains = trap.test
hostname = mx.trap.test
sensor = bench
tls = off
max_sessions = $((IDLE + 1000))
max_sessions_per_ip = 100000
max_commands = $((MSGS / 10 + 1000))
EOF
		timeout -s TERM "$SRV_MAXLIFE" taskset -c "$SRV_CPU" \
		    "$bin" -c "$WORK/bs.conf" trap >"$WORK/srv.log" 2>&1 &
	fi
	SRV_TPID=$!
	PIDS+=("$SRV_TPID")
	SRV_PID=
	for i in $(seq 1 200); do
		kids=$(cat "/proc/$SRV_TPID/task/$SRV_TPID/children" \
		    2>/dev/null)
		SRV_PID=${kids%% *}
		[ -n "$SRV_PID" ] && [ -n "$(ss -Hlnt "sport = :$PORT")" ] &&
		    return 0
		sleep 0.05
	done
	tail -n 5 "$WORK/srv.log" >&2
	die "$kind: did not start"
}

srv_stop() {
	kill -TERM "$SRV_TPID" 2>/dev/null
	wait "$SRV_TPID" 2>/dev/null
	kill -0 "$SRV_PID" 2>/dev/null && die "pid $SRV_PID still runs"
	SRV_PID=
}

# Hits in the store of the trap that just stopped.
store_hits() {
	sqlite3 -cmd ".timeout 5000" "$WORK/var/bl.db" \
	    "SELECT count(*) FROM hit" 2>/dev/null || echo 0
}

# ---- load ----------------------------------------------------------
#
# Results go into R["column|key"]; the table at the end reads them.
declare -A R

# One smtp-source run against PORT; prints messages/s. -d keeps each
# session for its share of the messages; without it, one message per
# session. A null sender and a DSN to a trap address: every message is
# a bounce, and a hit.
source_run() {
	local conc=$1 reuse=$2 out=$WORK/source.out t0 t1

	echo "?" >"$WORK/acked"
	t0=$(ms)
	# shellcheck disable=SC2086
	timeout -s TERM "$RUN_MAX" taskset -c "$LOAD_CPU" smtp-source \
	    $reuse -s "$conc" -m "$MSGS" -F "$WORK/dsn.eml" -f '' \
	    -t victim@trap.test \
	    -M bouncer.bench.test "127.0.0.1:$PORT" >"$out" 2>&1
	t1=$(ms)
	# smtp-source says nothing when every message got its 250; when it
	# stops early, how many did is not known ("?").
	[ -s "$out" ] && { log "smtp-source: $(head -n 3 "$out")"; echo 0; return; }
	echo "$MSGS" >"$WORK/acked"
	awk -v n="$MSGS" -v t=$((t1 - t0)) 'BEGIN { printf "%.0f", n * 1000 / t }'
}

callout_run() {
	local conc=$1 out=$WORK/callout.out

	timeout -s TERM "$RUN_MAX" taskset -c "$LOAD_CPU" \
	    "$WORK/trap_client" callout -c "$conc" -m "$MSGS" \
	    -s "$SOURCES" 127.0.0.1 "$PORT" >"$out" 2>&1
	awk '$1 == "acked" { print $2 }' "$out" >"$WORK/acked"
	if [ "$(awk '$1 == "acked" { print $2 }' "$out")" != "$MSGS" ]; then
		log "callout: $(tr '\n' ' ' <"$out")"
		echo 0
		return
	fi
	awk '$1 == "sessions_per_s" { print $2 }' "$out"
}

# cpu_ticks N: "busy total" clock ticks of CPU N so far (/proc/stat:
# busy is everything but idle and iowait).
cpu_ticks() {
	awk -v c="cpu$1" '$1 == c {
		b = $2 + $3 + $4 + $7 + $8 + $9
		print b, b + $5 + $6 }' /proc/stat
}

# busy_pct "B0 T0" "B1 T1": the share of the time between the two
# cpu_ticks readings that the CPU was busy, in %.
busy_pct() {
	echo "$1 $2" | awk '{ t = $4 - $2
		printf "%d", (t > 0 ? 100 * ($3 - $1) / t : 0) }'
}

# cpu_us "B0 T0" "B1 T1": the CPU's busy time between the two cpu_ticks
# readings, in µs per session of the run (MSGS sessions or messages).
cpu_us() {
	echo "$1 $2" | awk -v hz="$CLK_TCK" -v n="$MSGS" \
	    '{ printf "%d", ($3 - $1) * 1000000 / hz / n }'
}

# measure_one COL KIND BIN CONC MODE: one run of one server; its rate is
# appended to R["COL|MODE CONC"], and a trap's store is checked. How
# busy the server's and the load's CPUs were during the run goes with
# it: a load CPU near 100 % means the figure is the load generator's.
measure_one() {
	local col=$1 kind=$2 bin=$3 conc=$4 mode=$5 v hits want s0 l0 s1 l1

	srv_start "$kind" "$bin"
	s0=$(cpu_ticks "$SRV_CPU")
	l0=$(cpu_ticks "$LOAD_CPU")
	case $mode in
	msg) v=$(source_run "$conc" "") ;;
	reuse) v=$(source_run "$conc" -d) ;;
	callout) v=$(callout_run "$conc") ;;
	esac
	s1=$(cpu_ticks "$SRV_CPU")
	l1=$(cpu_ticks "$LOAD_CPU")
	srv_stop
	R[$col|$mode${conc}_list]="${R[$col|$mode${conc}_list]:-} $v"
	R[$col|$mode${conc}_cpu]="${R[$col|$mode${conc}_cpu]:-} $(busy_pct \
	    "$s0" "$s1")/$(busy_pct "$l0" "$l1")"
	R[$col|$mode${conc}_us]="${R[$col|$mode${conc}_us]:-} $(cpu_us \
	    "$s0" "$s1")"
	[ "$v" = 0 ] && R[$col|bad]=$((${R[$col|bad]:-0} + 1))
	if [ "$kind" = trap ]; then
		# Every acknowledged message (or callout) is in the store,
		# and nothing else is.
		hits=$(store_hits)
		want=$(cat "$WORK/acked")
		if [ "$want" != "?" ] && [ "$hits" != "$want" ]; then
			log "$col: $hits hits in the store after $want acknowledged"
			R[$col|lost]=$((${R[$col|lost]:-0} + 1))
		fi
		R[$col|hits]=$((${R[$col|hits]:-0} + hits))
	fi
	log "$col $mode -s $conc: $v/s"
}

# measure_all: every load figure of every server, in rounds: each round
# runs each case once on every server in turn, so that a machine whose
# speed drifts over minutes (this one does, by 10 % and more) weighs on
# all columns alike rather than on whichever ran last.
measure_all() {
	local r conc mode c
	local -a list

	for r in $(seq 1 "$RUNS"); do
		log "round $r of $RUNS"
		for conc in $CONCS; do
			for mode in msg reuse callout; do
				for c in "${COLS[@]}"; do
					measure_one "$c" "${KIND[$c]}" \
					    "${BIN[$c]}" "$conc" "$mode"
				done
			done
		done
	done
	for c in "${COLS[@]}"; do
		R[$c|bad]=${R[$c|bad]:-0}
		for conc in $CONCS; do
			for mode in msg reuse callout; do
				read -ra list <<<"${R[$c|$mode${conc}_list]}"
				R[$c|$mode$conc]=$(median "${list[@]}")
				R[$c|$mode${conc}_all]=$(printf '%s / ' \
				    "${list[@]}" | sed 's| / $||')
				read -ra list <<<"${R[$c|$mode${conc}_us]}"
				R[$c|$mode${conc}_us_med]=$(median "${list[@]}")
				read -ra list <<<"${R[$c|$mode${conc}_cpu]}"
				R[$c|$mode${conc}_cpu_all]=$(printf '%s, ' \
				    "${list[@]}" | sed 's|, $||')
			done
		done
	done
}

# RSS of the server before and with IDLE idle sessions.
measure_idle() {
	local col=$1 kind=$2 bin=$3 fifo=$WORK/hold cp open

	srv_start "$kind" "$bin"
	sleep 0.5
	R[$col|rss0]=$(rss_kb "$SRV_PID")
	mkfifo "$fifo"
	# The client holds its sessions until its stdin (the fifo) closes.
	timeout -s TERM "$RUN_MAX" taskset -c "$LOAD_CPU" \
	    "$WORK/trap_client" idle -n "$IDLE" -s "$SOURCES" -t "$RUN_MAX" \
	    127.0.0.1 "$PORT" <"$fifo" >"$WORK/idle.out" 2>&1 &
	cp=$!
	PIDS+=("$cp")
	exec 7>"$fifo"
	for _ in $(seq 1 1200); do
		grep -q '^open' "$WORK/idle.out" && break
		kill -0 "$cp" 2>/dev/null || break
		sleep 0.1
	done
	open=$(awk '$1 == "open" { print $2 }' "$WORK/idle.out")
	sleep 1
	R[$col|rss_idle]=$(rss_kb "$SRV_PID")
	R[$col|idle_open]=${open:-0}
	log "$col: RSS ${R[$col|rss0]} kB, with ${open:-0} idle sessions" \
	    "${R[$col|rss_idle]} kB"
	exec 7>&-
	wait "$cp" 2>/dev/null
	rm -f "$fifo"
	srv_stop
}

T0=$(date +%s)
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
COLS=(sink trap)
declare -A KIND=([sink]=sink [trap]=trap) BIN=([sink]="" [trap]="$BS")
declare -A LABEL=([sink]=smtp-sink [trap]="backscatter trap")
i=0
for b in ${BASES[@]+"${BASES[@]}"}; do
	i=$((i + 1))
	COLS+=("base$i")
	KIND[base$i]="trap"
	BIN[base$i]=${b#*=}
	LABEL[base$i]="trap: ${b%%=*}"
done
measure_all
for c in "${COLS[@]}"; do
	[ "${KIND[$c]}" = trap ] && measure_idle "$c" trap "${BIN[$c]}"
done
LOAD1=$(cut -d' ' -f1 /proc/loadavg)

# ---- table ---------------------------------------------------------

cell() { # cell COL KEY: a rate, or "failed"
	local v=${R[$1|$2]:-}

	if [ -z "$v" ]; then echo "—"
	elif [ "$v" = 0 ]; then echo "failed"
	else num "$v"; fi
}
row() {
	local label=$1 key=$2 c line

	line="| $label |"
	for c in "${COLS[@]}"; do
		line="$line $(cell "$c" "$key") |"
	done
	echo "$line"
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# A table's head: its first cell, then one column for each of COLUMN...
table_head() {
	local head="| $1 |" sep="| --- |" c
	shift
	for c; do
		head="$head ${LABEL[$c]} |"
		sep="$sep --- |"
	done
	echo "$head"
	echo "$sep"
}

TABLE=$WORK/table.md
{
	table_head what "${COLS[@]}"
	for conc in $CONCS; do
		row "one message per session, -s $(num "$conc"): sessions/s (= messages/s)" "msg$conc"
	done
	for conc in $CONCS; do
		row "sessions reused (-d), -s $(num "$conc"): messages/s" "reuse$conc"
	done
	for conc in $CONCS; do
		row "callouts (EHLO, MAIL FROM:<>, RCPT, QUIT), $(num "$conc") at a time: sessions/s" "callout$conc"
	done
	line="| hits in the store = messages and callouts acknowledged |"
	for c in "${COLS[@]}"; do
		if [ "$c" = sink ]; then line="$line — |"
		elif [ "${R[$c|lost]:-0}" != 0 ]; then
			line="$line NO, in ${R[$c|lost]} runs |"
		else line="$line yes ($(num "${R[$c|hits]}") hits) |"; fi
	done
	echo "$line"
	line="| runs that failed (errors, or no progress for 30 s) |"
	for c in "${COLS[@]}"; do line="$line ${R[$c|bad]} of $((RUNS * 6)) |"; done
	echo "$line"
	line="| RSS after start (MiB) |"
	for c in "${COLS[@]}"; do
		if [ -z "${R[$c|rss0]:-}" ]; then line="$line — |"
		else line="$line $(mib "${R[$c|rss0]}") |"; fi
	done
	echo "$line"
	line="| RSS with $(num "$IDLE") idle sessions (MiB) |"
	for c in "${COLS[@]}"; do
		if [ -z "${R[$c|rss0]:-}" ]; then line="$line — |"
		elif [ "${R[$c|idle_open]:-0}" = "$IDLE" ]; then
			line="$line $(mib "${R[$c|rss_idle]}") |"
		else
			line="$line only ${R[$c|idle_open]:-0} opened |"
		fi
	done
	echo "$line"
} >"$TABLE"

NOTES=$WORK/notes.md
{
	echo "Each figure is the median of $RUNS runs of $(num "$MSGS")" \
	    "messages (or callouts), taken in $RUNS rounds: each round runs" \
	    "every case once on every server in turn. Each trap run starts" \
	    "on an empty store. Every run, in round order, with how busy" \
	    "the server's and the load's CPU were during it (server/load," \
	    "from /proc/stat; a load near 100 % bounds the figure):"
	echo
	for c in "${COLS[@]}"; do
		for conc in $CONCS; do
			for mode in msg reuse callout; do
				printf -- '- %s, %s -s %s: %s (CPU busy: %s %%)\n' \
				    "${LABEL[$c]}" "$mode" "$conc" \
				    "${R[$c|$mode${conc}_all]}" \
				    "${R[$c|$mode${conc}_cpu_all]}"
			done
		done
	done
	echo
	echo "Load average (1 min) before / after: $LOAD0 / $LOAD1;" \
	    "$(($(date +%s) - T0)) s in all."
} >"$NOTES"

# Each trap build against smtp-sink, round by round.
RATIOS=$WORK/ratios.md
{
	table_head "against smtp-sink, round by round: median (lowest–highest)" \
	    "${COLS[@]:1}"
	for mode in msg reuse callout; do
		for conc in $CONCS; do
			line="| $mode -s $(num "$conc") |"
			for c in "${COLS[@]}"; do
				[ "$c" = sink ] && continue
				read -ra list <<<"$(ratios \
				    "${R[$c|$mode${conc}_list]}" \
				    "${R[sink|$mode${conc}_list]}" | tr '\n' ' ')"
				if [ "${#list[@]}" = 0 ]; then
					line="$line — |"
					continue
				fi
				line="$line $(pct "$(median "${list[@]}")") %"
				line="$line ($(pct "$(printf '%s\n' "${list[@]}" |
				    sort -n | head -n 1)")–$(pct "$(printf \
				    '%s\n' "${list[@]}" | sort -n | tail -n 1)")) |"
			done
			echo "$line"
		done
	done
} >"$RATIOS"

# The server CPU's busy time per session: what each server costs, the
# same whichever CPU bounds the rate.
CPUTAB=$WORK/cpu.md
{
	table_head "server CPU busy per session (µs), median" "${COLS[@]}"
	for mode in msg reuse callout; do
		for conc in $CONCS; do
			line="| $mode -s $(num "$conc") |"
			for c in "${COLS[@]}"; do
				line="$line ${R[$c|$mode${conc}_us_med]:-—} |"
			done
			echo "$line"
		done
	done
} >"$CPUTAB"

cat "$TABLE"
echo
cat "$RATIOS"
echo
cat "$CPUTAB"
echo
cat "$NOTES"

[ "$WRITE" = 1 ] || exit 0
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
fs=$(df -T "$WORK" | awk 'NR == 2 { print $2 }')
pfv=$(dpkg-query -W -f '${Version}' postfix 2>/dev/null || echo "?")
SECTION=$WORK/section.md
{
	echo "## Trap"
	echo
	echo "$(date -u +%Y-%m-%d), $(nproc) × ${cpu:-unknown CPU}," \
	    "$(uname -sr), Postfix $pfv (smtp-source, smtp-sink), store on $fs."
	echo "Command: \`${BASELINE:+BASELINE=... }bench/trap.sh -w\`."
	echo
	cat "$TABLE"
	echo
	cat "$RATIOS"
	echo
	cat "$CPUTAB"
	echo
	echo "The server's CPU time is everything CPU 0 did during the run" \
	    "(from /proc/stat), per message or session. On loopback the" \
	    "CPU that sends a segment also runs its receipt, so this" \
	    "includes the kernel's work on the client's side of each" \
	    "segment the server sends, and leaves out the server's side of" \
	    "those the client sends."
	echo
	echo "Server on CPU 0, load on CPU 1, in a network namespace of" \
	    "the run's own whose loopback has an MTU of $LO_MTU (see the" \
	    "script's head for why). smtp-source sends \`MAIL FROM:<>\`" \
	    "and a 1 KiB DSN (\`-F\`) to victim@trap.test (a trap address:" \
	    "every message is a hit, classified bounce/dsn)," \
	    "one message per session unless \`-d\`. Callouts come from" \
	    "\`bench/trap_client.c\` over four 127.0.0.x sources, one command" \
	    "per round trip; a callout counts once QUIT got 221. The trap" \
	    "config: \`[listing] allow_special = loopback\`, \`tls = off\`," \
	    "\`max_sessions = $((IDLE + 1000))\`, \`max_sessions_per_ip = 100000\`," \
	    "\`max_commands = $((MSGS / 10 + 1000))\` (a reused session at 100" \
	    "sends about $((MSGS * 3 / 100)) commands)," \
	    "the default log level (a line per hit and one per session at its" \
	    "close, to a file)."
	echo
	cat "$NOTES"
} >"$SECTION"
# Replace the "## Trap" section (up to the next "## " heading) or append
# it, in one step on a fresh read: others write other sections.
awk -v sect="$SECTION" '
	function put() { while ((getline l < sect) > 0) print l; done = 1 }
	/^## Trap[[:space:]]*$/ { if (!done) { if (NR > 1) print ""; put() }
	    skip = 1; next }
	skip && /^## / { skip = 0; print "" }
	!skip { print }
	END { if (!done) { print ""; put() } }
' "$DOC" | cat -s >"$WORK/doc.md" && cp "$WORK/doc.md" "$DOC"
log "updated $DOC"
