#!/bin/bash
# run.sh -- privileges and operations: `backscatter serve` started as root
# binds SMTP 25, DNS 53 and HTTP 80 in a private network namespace, then
# runs as [process] user (every thread: /proc/PID/task/*/status), answers
# on all three ports and writes its store as that user; without a user
# (and without BACKSCATTER_ALLOW_ROOT) every daemon refuses to start as
# root; a store the user could not write is refused; SIGHUP re-reads the
# configuration (debug lines appear, a changed key that needs a restart
# is named, a broken file is logged and the old one kept) and reopens a
# log file that logrotate moved away; SIGTERM ends it with exit 0; each
# of dns, trap, web, policy and milter alone drops too, reloads on SIGHUP
# and exits 0 on SIGTERM; [log] target = syslog reaches /dev/log with
# its facility; and `backscatter dns` runs chrooted.
#
# Usage: bash run.sh /path/to/backscatter     Exit: 0 pass, 1 fail, 77 skip.
# Root only (it binds ports below 1024 and changes users); all traffic
# stays inside a network namespace of its own (unshare -n); kills only
# the PIDs it started.
set -u
BIN=$(readlink -f "${1:?usage: run.sh /path/to/backscatter}")

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for tool in unshare ip dig curl swaks python3 stat ss mknod mountpoint; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done
getent passwd nobody >/dev/null || { echo "SKIP: no user nobody"; exit 77; }

# Everything below runs in a network namespace of its own, where ports
# 25, 53 and 80 on 127.0.0.1 are certainly free.
if [ -z "${BS_PRIV_NETNS:-}" ]; then
	if ! unshare -n -m true 2>/dev/null; then
		echo "SKIP: cannot make network and mount namespaces"
		exit 77
	fi
	# A mount namespace too (private propagation): see the chroot case.
	exec unshare -n -m env BS_PRIV_NETNS=1 bash "$0" "$@"
fi
ip link set lo up || { echo "FAIL: lo up"; exit 1; }
# The refusal is what this test checks: run without the suite's escape.
unset BACKSCATTER_ALLOW_ROOT

NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)

T=$(mktemp -d /tmp/bs-priv-XXXXXX)
chmod 755 "$T"	# the dropped user walks through it to the store
SRV_PID=
DNS_PID=
cleanup() {
	for p in $SRV_PID $DNS_PID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	mountpoint -q "$T/jail/proc" 2>/dev/null && umount "$T/jail/proc"
	rm -rf --one-file-system "$T"
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
	if grep -qE -- "$3" <<<"$2"; then ok; else bad "$1: '$3' not in: $2"; fi
}
lacks() { # lacks WHAT TEXT REGEX
	if grep -qE -- "$3" <<<"$2"; then bad "$1: '$3' in: $2"; else ok; fi
}
# Waits (bounded) until FILE has a line matching REGEX.
wait_log() { # wait_log FILE REGEX
	for _ in $(seq 1 150); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# Exit status of PID once it ends, within 60 s; 124 if it did not.
wait_exit() {
	local pid=$1
	for _ in $(seq 1 600); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			return $?
		fi
		sleep 0.1
	done
	return 124
}
dig_a() { dig @127.0.0.1 -p 53 +time=2 +tries=2 +short "$1" A; }

# ---- refusal: root without [process] user --------------------------------
cat >"$T/root.conf" <<EOF
[store]
path = $T/rootvar/bl.db
[trap]
listen = 127.0.0.1:2525
[dns]
listen = 127.0.0.1:5353
[web]
listen = 127.0.0.1:8080
[policy]
listen = 127.0.0.1:10040
[milter]
listen = 127.0.0.1:8895
EOF
for cmd in serve dns trap web policy milter; do
	out=$(timeout 20 "$BIN" -c "$T/root.conf" "$cmd" 2>&1)
	expect "$cmd as root without a user: exit" "$?" 1
	contains "$cmd as root without a user: message" "$out" \
	    "refusing to run as root: set \[process\] user .*BACKSCATTER_ALLOW_ROOT=1"
done
[ ! -e "$T/rootvar" ] && ok || bad "a refused daemon made its store"

# ---- a store the user cannot write is refused -----------------------------
mkdir -p "$T/rootonly"
cat >"$T/rootonly.conf" <<EOF
[store]
path = $T/rootonly/bl.db
[process]
user = nobody
[dns]
listen = 127.0.0.1:53
EOF
out=$(timeout 20 "$BIN" -c "$T/rootonly.conf" dns 2>&1)
expect "store not writable by the user: exit" "$?" 1
contains "store not writable by the user: message" "$out" \
    "store directory $T/rootonly is not writable by user nobody"

# ---- serve on 25, 53 and 80 as nobody --------------------------------------
mkdir -p "$T/var" "$T/log"
chown nobody:"$NOBODY_GID" "$T/var" "$T/log"
write_conf() { # write_conf LEVEL DNS_TTL
	cat >"$T/bs.conf" <<EOF
[store]
path = $T/var/bl.db
[listing]
allow_special = loopback
[process]
user = nobody
[log]
level = $1
target = file:$T/log/bs.log
[trap]
listen = 127.0.0.1:25
domains = trap.example.org
[dns]
listen = 127.0.0.1:53
ttl = $2
[web]
listen = 127.0.0.1:80
[policy]
listen = 127.0.0.1:10040
EOF
}
write_conf info 2100
"$BIN" -c "$T/bs.conf" serve 2>"$T/serve.err" &
SRV_PID=$!
if ! wait_log "$T/log/bs.log" "serve: trap, dns, web and policy running"; then
	bad "serve did not start: $(cat "$T/serve.err" "$T/log/bs.log" 2>&1)"
	echo "privileges: $pass passed, $fail failed"
	exit 1
fi
contains "drop logged" "$(cat "$T/log/bs.log")" \
    "privileges dropped to user nobody \(uid $NOBODY_UID, gid $NOBODY_GID\)"

# Every thread: real, effective, saved and filesystem ids, groups, caps.
ntask=0
for st in /proc/$SRV_PID/task/*/status; do
	ntask=$((ntask + 1))
	uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$st")
	gids=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "$st")
	groups=$(awk '/^Groups:/ { $1 = ""; print }' "$st" | xargs)
	caps=$(awk '/^CapEff:/ { print $2 }' "$st")
	expect "$st Uid" "$uids" "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID"
	expect "$st Gid" "$gids" "$NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID"
	expect "$st Groups" "$groups" "$NOBODY_GID"
	expect "$st CapEff" "$caps" "0000000000000000"
done
# The trap's, web's and policy's loops, DNS workers, TCP and updater.
[ "$ntask" -ge 5 ] && ok || bad "only $ntask threads in /proc/$SRV_PID/task"

# SMTP on 25: a callout, recorded in the store by the dropped process
# (from 127.0.0.5: 127.0.0.1 is the test point that is never listed).
out=$(timeout 30 swaks --server 127.0.0.1:25 --local-interface 127.0.0.5 \
    --from '<>' --to x@trap.example.org --quit-after RCPT 2>&1)
contains "trap on port 25" "$out" "<- *220 "
contains "trap takes the callout" "$out" "<- *250 .*"
# DNS on 53: the test point, and the callout's listing within seconds.
expect "dns on port 53: test point" "$(dig_a 2.0.0.127.bl.example.org)" \
    127.0.0.2
listed=
for _ in $(seq 1 50); do
	listed=$(dig_a 5.0.0.127.bl.example.org)
	[ -n "$listed" ] && break
	sleep 0.2
done
expect "a hit written as nobody is answered" "$listed" 127.0.0.2
# The store's files belong to the user, WAL and shared memory included.
for f in "$T/var/bl.db" "$T/var/bl.db-wal" "$T/var/bl.db-shm"; do
	[ -e "$f" ] || continue
	expect "owner of $f" "$(stat -c %u "$f")" "$NOBODY_UID"
done
# HTTP on 80.
code=$(curl -s -o "$T/page" -w '%{http_code}' --max-time 20 \
    'http://127.0.0.1/api/v1/lookup/127.0.0.5')
expect "web on port 80" "$code" 200
contains "web shows the listing" "$(cat "$T/page")" '"listed":true'
lacks "no debug lines at level info" "$(cat "$T/log/bs.log")" \
    "web client=127\.0\.0\.1 status="

# ---- SIGHUP: log level, restart-only keys, logrotate ------------------------
write_conf debug 3600
mv "$T/log/bs.log" "$T/log/bs.log.1"	# logrotate, without copytruncate
kill -HUP "$SRV_PID"
wait_log "$T/log/bs.log" "reload: .*log.level debug" ||
    bad "no reload line in a new log file: $(cat "$T/log/bs.log"* 2>&1)"
expect "the new log file belongs to nobody" \
    "$(stat -c %u "$T/log/bs.log" 2>/dev/null)" "$NOBODY_UID"
contains "a key needing a restart is named" "$(cat "$T/log/bs.log")" \
    "dns\.ttl changed; it takes effect only after a restart"
curl -s -o /dev/null --max-time 20 'http://127.0.0.1/' || true
wait_log "$T/log/bs.log" "web client=127\.0\.0\.1 status=200" ||
    bad "no debug line after SIGHUP to level debug"
lacks "the moved file gets no new lines" "$(cat "$T/log/bs.log.1")" \
    "reload:"

# A file that does not parse: logged, the running configuration kept.
echo "[log]" >>"$T/bs.conf"
echo "level = loud" >>"$T/bs.conf"
kill -HUP "$SRV_PID"
wait_log "$T/log/bs.log" "reload: .*keeping the running configuration" ||
    bad "a broken file on reload was not reported"
kill -0 "$SRV_PID" 2>/dev/null && ok || bad "serve died on a broken reload"
expect "still answering after a broken reload" \
    "$(dig_a 2.0.0.127.bl.example.org)" 127.0.0.2

# ---- SIGTERM: exit 0 ---------------------------------------------------------
kill -TERM "$SRV_PID"
wait_exit "$SRV_PID"
expect "serve exit status on SIGTERM" "$?" 0
SRV_PID=
contains "stopped cleanly" "$(cat "$T/log/bs.log")" "serve: stopped"

# ---- each daemon alone: dropped, survives SIGHUP, SIGTERM exits 0 ---------
one_daemon() { # one_daemon CMD PORT
	local cmd=$1 port=$2 pid
	cat >"$T/one.conf" <<EOF
[store]
path = $T/var/bl.db
[process]
user = nobody
[log]
level = info
[trap]
listen = 127.0.0.1:25
[dns]
listen = 127.0.0.1:53
[web]
listen = 127.0.0.1:80
[policy]
listen = 127.0.0.1:10040
mode = store
[milter]
listen = 127.0.0.1:8895
EOF
	: >"$T/one.err"
	"$BIN" -c "$T/one.conf" "$cmd" 2>"$T/one.err" &
	pid=$!
	SRV_PID=$pid
	for _ in $(seq 1 150); do
		[ -n "$(ss -Hltn "sport = :$port")" ] && break
		sleep 0.1
	done
	if [ -z "$(ss -Hltn "sport = :$port")" ]; then
		bad "$cmd: not listening on $port: $(cat "$T/one.err")"
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
		SRV_PID=
		return
	fi
	expect "$cmd Uid" \
	    "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' /proc/$pid/status)" \
	    "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID"
	sed -i 's/^level = info/level = debug/' "$T/one.conf"
	kill -HUP "$pid"
	wait_log "$T/one.err" "reload: .*log.level debug" ||
	    bad "$cmd: no reload after SIGHUP: $(cat "$T/one.err")"
	kill -0 "$pid" 2>/dev/null && ok || bad "$cmd died on SIGHUP"
	kill -TERM "$pid"
	wait_exit "$pid"
	expect "$cmd exit status on SIGTERM" "$?" 0
	SRV_PID=
}
one_daemon dns 53
one_daemon trap 25
one_daemon web 80
one_daemon policy 10040
one_daemon milter 8895

# ---- syslog: a listener on /dev/log in a mount namespace of its own --------
# glibc's syslog(3) always writes to /dev/log: a tmpfs over /dev (with
# /dev/null) in a nested mount namespace gives the daemon our listener.
cat >"$T/syslogd.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
deadline = time.time() + 60
with open(sys.argv[2], "a") as out:
    while time.time() < deadline:
        try:
            out.write(s.recv(8192).decode("utf-8", "replace") + "\n")
            out.flush()
        except socket.timeout:
            pass
EOF
cat >"$T/syslog.conf" <<EOF
[store]
path = $T/var/bl.db
[process]
user = nobody
[log]
target = syslog
facility = local3
[dns]
listen = 127.0.0.1:53
EOF
: >"$T/syslog.out"
T="$T" BIN="$BIN" timeout 90 unshare -m bash -c '
	mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3 || exit 3
	python3 "$T/syslogd.py" /dev/log "$T/syslog.out" & lp=$!
	for _ in $(seq 1 50); do [ -S /dev/log ] && break; sleep 0.1; done
	"$BIN" -c "$T/syslog.conf" dns 2>"$T/syslog.err" & p=$!
	for _ in $(seq 1 150); do
		grep -q "dns: answering for" "$T/syslog.out" && break
		sleep 0.1
	done
	kill -HUP "$p"; sleep 0.5
	kill -TERM "$p"; wait "$p"; echo "exit=$?" >>"$T/syslog.out"
	sleep 0.5; kill "$lp"; wait "$lp" 2>/dev/null
	exit 0'
expect "syslog case ran" "$?" 0
out=$(cat "$T/syslog.out")
# <158>: facility local3 (19 * 8) + info (6), then the name and PID.
contains "syslog: info line in local3" "$out" \
    "^<158>.*backscatter\[[0-9]+\]: dns: answering for bl\.example\.org"
contains "syslog: after the drop too" "$out" \
    "^<15[68]>.*backscatter\[[0-9]+\]: (reload|dns: stopped)"
contains "syslog: the drop itself" "$out" "privileges dropped to user nobody"
contains "syslog: dns exit status on SIGTERM" "$out" "^exit=0$"
lacks "syslog: nothing on stderr but start-up" \
    "$(grep -v 'running as root' "$T/syslog.err")" "dns: answering"

# ---- chroot: dns in a jail --------------------------------------------------
mkdir -p "$T/jail/var"
chown nobody:"$NOBODY_GID" "$T/jail/var"
# LeakSanitizer reads /proc/PID/task at exit: a sanitizer build gets /proc
# in the jail (in this test's own mount namespace); a plain one runs
# without.
if ldd "$BIN" 2>/dev/null | grep -q libasan; then
	mkdir -p "$T/jail/proc"
	mount --bind /proc "$T/jail/proc" || bad "cannot bind /proc in the jail"
fi
cat >"$T/jail.conf" <<EOF
[store]
path = /var/bl.db
[process]
user = nobody
chroot = $T/jail
[dns]
listen = 127.0.0.1:53
EOF
"$BIN" -c "$T/jail.conf" dns 2>"$T/jail.err" &
DNS_PID=$!
wait_log "$T/jail.err" "dns: answering for" ||
    bad "chrooted dns did not start: $(cat "$T/jail.err")"
expect "chrooted dns answers" "$(dig_a 2.0.0.127.bl.example.org)" 127.0.0.2
# SIGHUP re-reads the file by the same path inside the jail.
mkdir -p "$T/jail$T"
sed 's/^\[dns\]$/[log]\nlevel = debug\n[dns]/' "$T/jail.conf" >"$T/jail$T/jail.conf"
kill -HUP "$DNS_PID"
wait_log "$T/jail.err" "reload: .*log.level debug" ||
    bad "chrooted dns: no reload of the file inside the jail: $(cat "$T/jail.err")"
lacks "chrooted dns: the start-up file was read" "$(cat "$T/jail.err")" \
    "SIGHUP will not compare keys"
expect "root of the chrooted process" "$(readlink /proc/$DNS_PID/root)" \
    "$T/jail"
expect "chrooted dns Uid" \
    "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' /proc/$DNS_PID/status)" \
    "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID"
[ -s "$T/jail/var/bl.db" ] && ok || bad "no store inside the jail"
contains "drop with chroot logged" "$(cat "$T/jail.err")" \
    "privileges dropped to user nobody .*chroot $T/jail"
kill -TERM "$DNS_PID"
wait_exit "$DNS_PID"
expect "chrooted dns exit status on SIGTERM" "$?" 0
DNS_PID=
mountpoint -q "$T/jail/proc" && umount "$T/jail/proc"

echo "privileges: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
