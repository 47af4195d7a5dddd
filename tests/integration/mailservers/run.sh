#!/bin/bash
# run.sh -- real mail servers against `backscatter trap`, and what a DNSBL
# client then sees from `backscatter dns` on the same store:
#   (1) Postfix with reject_unverified_sender probes a trap address (a
#       sender callout): recorded as a callout, listed, and the DNS server
#       answers 127.0.0.2 for it within about a second;
#   (2) Postfix that accepts unknown users (local_recipient_maps empty)
#       bounces to the forged sender, a trap: recorded as a DSN bounce;
#   (3) Postfix configured correctly (default local_recipient_maps) says
#       550 at RCPT: no bounce, nothing recorded, not listed;
#   (4) Exim with `verify = sender/callout` (its probe uses <>), and its
#       bounce for an unroutable user: callout and bounce, listed.
# Each peer sends from a loopback address of its own (smtp_bind_address,
# Exim's interface), so each verdict is a listing of its own.
#
# Exim cannot be apt-installed next to Postfix: scripts/peers.sh unpacks
# it into /var/cache/backscatter-peers; $EXIM names another binary.
# Without it the Exim part is skipped with a note.
#
# Usage: bash run.sh /path/to/backscatter     Exit: 0 pass, 1 fail, 77 skip.
# Needs root (Postfix, Exim). Loopback only; kills only the PIDs it started.
set -u
BIN=$(readlink -f "${1:?usage: run.sh /path/to/backscatter}")
HERE=$(cd "$(dirname "$0")" && pwd)

for tool in swaks postfix postconf sqlite3 dig ss runuser; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: Postfix instances need root"; exit 77; }
getent passwd postfix >/dev/null || { echo "SKIP: no postfix user"; exit 77; }

. "$HERE/pf_lib.sh"

T=$(mktemp -d /tmp/bs-mail-XXXXXX)
# Postfix's and Exim's daemons (their own users) must traverse it.
chmod 755 "$T"
TRAP_PID=
DNS_PID=
EXIM_PID=
cleanup() {
	# Only what this script started, by PID (Postfix by its own pid file).
	for p in $EXIM_PID $DNS_PID $TRAP_PID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for d in pfa pfb pfc; do
		pf_stop "$T/$d"
	done
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
expect() { # expect WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}
contains() { # contains WHAT TEXT REGEX
	if grep -qE -- "$3" <<<"$2"; then ok; else bad "$1: '$3' not in: $2"; fi
}

. "$(dirname "$0")/../../lib/ports.sh"
PORTS=$(free_ports 6) || { echo "no free port"; exit 1; }
read -r PORT DNS_PORT PFA_PORT PFB_PORT PFC_PORT EXIM_PORT <<<"$PORTS"

DB=$T/var/bl.db
cat >"$T/bs.conf" <<EOF
[store]
path = $DB
[listing]
# The peers are on loopback.
allow_special = loopback
[dns]
zone = bl.test
[trap]
listen = 127.0.0.1:$PORT
domains = trap.test
hostname = mx.trap.test
sensor = mailservers
tls = off
EOF
q() { sqlite3 -cmd ".timeout 5000" "$DB" "$1"; }
# "class subclass" of the hits with this HELO, one a line.
hits() {
	q "SELECT class || ' ' || subclass FROM hit WHERE helo = '$1' ORDER BY id" 2>/dev/null
}
# The A answer for a name, "NX" for NXDOMAIN.
dnsq() {
	local out
	out=$(dig @127.0.0.1 -p "$DNS_PORT" +time=1 +tries=2 "$1" "${2:-A}")
	if grep -q "status: NXDOMAIN" <<<"$out"; then
		echo NX
	else
		dig @127.0.0.1 -p "$DNS_PORT" +short +time=1 +tries=2 "$1" \
			"${2:-A}" | head -n 1
	fi
}
# Waits (10 s at most) until the store holds a hit with this HELO.
wait_hit() {
	for _ in $(seq 1 100); do
		[ -n "$(hits "$1")" ] && return 0
		sleep 0.1
	done
	return 1
}
# Once the hit is committed, the DNS server must answer 127.0.0.2 within
# about a second (dns.poll_interval is 200 ms): 15 tries 0.1 s apart,
# a little room for dig itself.
wait_listed() {
	local a
	for _ in $(seq 1 15); do
		a=$(dnsq "$1")
		[ "$a" = 127.0.0.2 ] && break
		sleep 0.1
	done
	echo "$a"
}

# --- the trap and the DNS server, two processes on one store ----------------
timeout 280 "$BIN" -c "$T/bs.conf" trap >>"$T/trap.log" 2>&1 &
TRAP_PID=$!
for _ in $(seq 1 100); do
	grep -q "answering on" "$T/trap.log" && break
	sleep 0.1
done
grep -q "answering on" "$T/trap.log" || { cat "$T/trap.log"; echo "FAIL: trap did not start"; exit 1; }
# The trap made the store; the DNS server opens it.
timeout 280 "$BIN" -c "$T/bs.conf" dns --listen "127.0.0.1:$DNS_PORT" \
	>>"$T/dns.log" 2>&1 &
DNS_PID=$!
for _ in $(seq 1 100); do
	dig @127.0.0.1 -p "$DNS_PORT" +short +time=1 +tries=1 bl.test SOA \
		>/dev/null 2>&1 && [ -n "$(dnsq bl.test SOA)" ] && break
	kill -0 "$DNS_PID" 2>/dev/null || break
	sleep 0.1
done
expect "DNS test point" "$(dnsq 2.0.0.127.bl.test)" 127.0.0.2

# --- Postfix: three instances, started together (some 3.5 s each) ------------
# (a) reject_unverified_sender probes the sender's domain: our trap.
pf_make "$T/pfa" "$PFA_PORT" || exit 1
pf_conf "$T/pfa" "transport_maps = inline:{trap.test=smtp:[127.0.0.1]:$PORT}" \
	'smtpd_sender_restrictions = reject_unverified_sender' \
	'address_verify_poll_delay = 1s' 'smtp_bind_address = 127.0.0.21'
# (b) local_recipient_maps empty: accepts an unknown user, then bounces.
pf_make "$T/pfb" "$PFB_PORT" || exit 1
pf_conf "$T/pfb" "transport_maps = inline:{trap.test=smtp:[127.0.0.1]:$PORT}" \
	'local_recipient_maps =' 'myhostname = mx2.pf.test' \
	'smtp_bind_address = 127.0.0.22'
# (c) the default local_recipient_maps: 550 at RCPT, nothing to bounce.
pf_make "$T/pfc" "$PFC_PORT" || exit 1
pf_conf "$T/pfc" "transport_maps = inline:{trap.test=smtp:[127.0.0.1]:$PORT}" \
	'myhostname = mx3.pf.test' 'smtp_bind_address = 127.0.0.23'
starts=()
for d in pfa pfb pfc; do
	pf_start "$T/$d" &
	starts+=($!)
done
wait "${starts[@]}"
for d in pfa:$PFA_PORT pfb:$PFB_PORT pfc:$PFC_PORT; do
	wait_port "${d#*:}" 20 || {
		cat "$T/${d%%:*}/start.log" "$T/${d%%:*}/maillog" 2>/dev/null
		bad "postfix ${d%%:*} did not start"
	}
done

# (1) The callout. The trap accepts the probe, so Postfix takes the sender
# as verified and accepts the message it was asked about.
out=$(timeout 60 swaks --server "127.0.0.1:$PFA_PORT" --from victim@trap.test \
	--to postmaster@pf.test --quit-after RCPT --hide-informational 2>&1)
contains "postfix callout verdict" "$out" "<-  250 2\\.1\\.5"
wait_hit mx.pf.test || bad "no hit from postfix's callout"
# Postfix probes as double-bounce@$myhostname by default, not <>.
expect "postfix callout recorded" "$(hits mx.pf.test)" "3 callout/double-bounce"
expect "postfix callout in DNS" "$(wait_listed 21.0.0.127.bl.test)" 127.0.0.2
contains "postfix callout TXT" "$(dnsq 21.0.0.127.bl.test TXT)" "callout"
contains "postfix callout listed" "$("$BIN" -c "$T/bs.conf" list show 127.0.0.21)" "^127\\.0\\.0\\.21: LISTED"

# (2) The backscatter bounce.
out=$(timeout 60 swaks --server "127.0.0.1:$PFB_PORT" --from victim@trap.test \
	--to nosuchuser@pf.test --header 'Subject: forged-sender spam' \
	--hide-informational 2>&1)
contains "postfix accepts the unknown user" "$out" "<-  250 2\\.0\\.0"
wait_hit mx2.pf.test || bad "no bounce from postfix"
expect "postfix bounce recorded" "$(hits mx2.pf.test)" "1 bounce/dsn"
contains "postfix bounce excerpt" "$(q "SELECT excerpt FROM hit WHERE helo = 'mx2.pf.test'")" "5\\.1\\.1"
expect "postfix bounce in DNS" "$(wait_listed 22.0.0.127.bl.test)" 127.0.0.2
contains "postfix bounce TXT" "$(dnsq 22.0.0.127.bl.test TXT)" "bounce"

# (3) Configured correctly: 550 at RCPT, so no bounce ever leaves.
out=$(timeout 60 swaks --server "127.0.0.1:$PFC_PORT" --from victim@trap.test \
	--to nosuchuser@pf.test --header 'Subject: forged-sender spam' \
	--hide-informational 2>&1)
contains "postfix rejects the unknown user" "$out" "<\\*\\* 550 5\\.1\\.1"
# A bounce takes 0.1-0.3 s here when there is one (pfb above): 5 s is ample.
sleep 5
expect "correct postfix: nothing recorded" "$(q "SELECT count(*) FROM hit WHERE helo = 'mx3.pf.test'")" 0
expect "correct postfix: not in DNS" "$(dnsq 23.0.0.127.bl.test)" NX
contains "correct postfix: not listed" "$("$BIN" -c "$T/bs.conf" list show 127.0.0.23)" "NOT LISTED|not listed"
for d in pfa pfb pfc; do
	pf_stop "$T/$d"
done

# --- (4) Exim (scripts/peers.sh): its callout uses <> ---------------------------
EXIM=${EXIM:-/var/cache/backscatter-peers/exim-root/usr/sbin/exim4}
if [ -x "$EXIM" ] && getent passwd Debian-exim >/dev/null; then
	mkdir -p "$T/exim/spool" "$T/exim/log"
	chmod 755 "$T/exim"
	chown -R Debian-exim:Debian-exim "$T/exim/spool" "$T/exim/log"
	cat >"$T/exim/exim.conf" <<EOF
exim_path = $EXIM
primary_hostname = mx.exim.test
qualify_domain = exim.test
spool_directory = $T/exim/spool
log_file_path = $T/exim/log/%slog
local_interfaces = 127.0.0.1
daemon_smtp_ports = $EXIM_PORT
tls_advertise_hosts =
keep_environment =
host_lookup =
never_users = root
domainlist local_domains = exim.test
acl_smtp_rcpt = acl_check_rcpt
begin acl
acl_check_rcpt:
  require verify = sender/callout=10s
  accept  domains = +local_domains
  deny    message = relay not permitted
begin routers
trap:
  driver = manualroute
  domains = trap.test
  route_list = * 127.0.0.1
  transport = trap_smtp
  self = send
  no_more
begin transports
trap_smtp:
  driver = smtp
  port = $PORT
  interface = 127.0.0.24
  allow_localhost
  hosts_avoid_tls = *
begin retry
*   *   F,2m,5s
EOF
	chmod 644 "$T/exim/exim.conf"
	timeout 120 "$EXIM" -C "$T/exim/exim.conf" -bdf -q5s >"$T/exim/stderr" 2>&1 &
	EXIM_PID=$!
	if wait_port "$EXIM_PORT" 20; then
		# The callout: RCPT to a local user makes Exim verify the sender.
		out=$(timeout 60 swaks --server "127.0.0.1:$EXIM_PORT" --from victim@trap.test \
			--to postmaster@exim.test --quit-after RCPT --hide-informational 2>&1)
		contains "exim callout verdict" "$out" "<-  250"
		wait_hit mx.exim.test || bad "no hit from exim's callout"
		expect "exim callout recorded" "$(hits mx.exim.test)" "3 callout/null-sender"
		expect "exim callout in DNS" "$(wait_listed 24.0.0.127.bl.test)" 127.0.0.2
		# The bounce: an unroutable local user, after the (cached) callout.
		out=$(timeout 60 swaks --server "127.0.0.1:$EXIM_PORT" --from victim@trap.test \
			--to nosuchuser@exim.test --hide-informational 2>&1)
		contains "exim accepts the message" "$out" "<-  250"
		for _ in $(seq 1 100); do
			[ "$(q "SELECT count(*) FROM hit WHERE helo = 'mx.exim.test' AND class = 1")" -gt 0 ] && break
			sleep 0.1
		done
		contains "exim bounce recorded" "$(hits mx.exim.test)" "^1 bounce/"
		contains "exim listed for both" "$("$BIN" -c "$T/bs.conf" list show 127.0.0.24)" "bounce.*callout|callout.*bounce"
	else
		bad "exim did not start: $(cat "$T/exim/stderr")"
	fi
	kill "$EXIM_PID" 2>/dev/null
	wait "$EXIM_PID" 2>/dev/null
	EXIM_PID=
else
	echo "note: Exim skipped: no $EXIM (run scripts/peers.sh as root)"
fi

# --- the logs: nothing went wrong on our side ---------------------------------
if grep -E "event=store-error|fatal" "$T/trap.log" "$T/dns.log"; then
	bad "errors in the trap or DNS log"
else
	ok
fi

if [ "$fail" -ne 0 ]; then
	echo "----- trap log"
	tail -30 "$T/trap.log"
	echo "----- dns log"
	tail -10 "$T/dns.log"
fi
echo "mailservers: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
