#!/bin/bash
# run.sh -- `backscatter trap` against real mail software: swaks for every
# dialogue shape (callout, DSN bounce, vacation reply, relay attempt,
# STARTTLS, pipelining, limits), a scripted client for exact bytes and the
# PROXY protocol, and real Postfix instances that make a sender callout
# (reject_unverified_sender) and send a real bounce (local_recipient_maps
# empty) to the trap. Exim too when its unpacked binary is around
# (shared/peers/install.sh). Checks the store right after each reply:
# a hit is committed before the 250, and a store that cannot commit gives
# 451, never 250. Ends with SIGTERM: 421 to an idle session, exit 0.
#
# Usage: bash run.sh /path/to/backscatter     Exit: 0 pass, 1 fail, 77 skip.
# Needs root for Postfix. Loopback only; kills only the PIDs it started.
set -u
BIN=$(readlink -f "${1:?usage: run.sh /path/to/backscatter}")
HERE=$(cd "$(dirname "$0")" && pwd)

for tool in swaks postfix postconf python3 sqlite3 ss openssl runuser; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: Postfix instances need root"; exit 77; }
getent passwd postfix >/dev/null || { echo "SKIP: no postfix user"; exit 77; }

. "$HERE/pf_lib.sh"

T=$(mktemp -d /tmp/bs-trap-XXXXXX)
# Postfix's daemons (user postfix) must traverse it.
chmod 755 "$T"
TRAP_PID=
HOLD_PID=
LOCK_PID=
IDLE_PID=
DRAIN_PID=
EXIM_PID=
cleanup() {
	# Only what this script started, by PID (Postfix by its own pid file).
	for p in $HOLD_PID $LOCK_PID $IDLE_PID $DRAIN_PID $EXIM_PID $TRAP_PID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	pf_stop "$T/pfa"
	pf_stop "$T/pfb"
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
lacks() {
	if grep -qE -- "$3" <<<"$2"; then bad "$1: '$3' found in: $2"; else ok; fi
}

free_port() { # a TCP port nobody listens on, away from the DNS tests' 53xx
	local p
	for p in $(shuf -i 20000-60000 -n 100); do
		[ -z "$(ss -Hlnt "sport = :$p")" ] && { echo "$p"; return; }
	done
	return 1
}
PORT=$(free_port) || { echo "no free port"; exit 1; }
PFA_PORT=$(free_port) || { echo "no free port"; exit 1; }
PFB_PORT=$(free_port) || { echo "no free port"; exit 1; }
EXIM_PORT=$(free_port) || { echo "no free port"; exit 1; }

DB=$T/var/bl.db
cat >"$T/bs.conf" <<EOF
[store]
path = $DB
busy_timeout = 1s
[listing]
# Peers are on loopback; the PROXY sources are documentation addresses.
allow_special = loopback, documentation
[trap]
listen = 127.0.0.1:$PORT [::1]:$PORT
domains = trap.test
hostname = mx.trap.test
sensor = itest
line_max = 1024
max_recipients = 5
max_sessions_per_ip = 4
proxy_protocol = on
proxy_trusted = 127.0.0.2
EOF
bs() { timeout 30 "$BIN" -c "$T/bs.conf" "$@"; }
sw() { timeout 30 swaks --server "127.0.0.1:$PORT" --hide-informational "$@" 2>&1; }
sc() { timeout 30 python3 "$HERE/smtpc.py" "$@"; }
q() { sqlite3 -cmd ".timeout 5000" "$DB" "$1"; }
# What the store holds for the hits with this HELO: "class subclass", one a line.
hits() { q "SELECT class || ' ' || subclass FROM hit WHERE helo = '$1' ORDER BY id"; }

start_trap() {
	timeout 280 "$BIN" -c "$T/bs.conf" trap >>"$T/trap.log" 2>&1 &
	TRAP_PID=$!
	for _ in $(seq 1 100); do
		grep -q "answering on" "$T/trap.log" && return 0
		kill -0 "$TRAP_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T/trap.log"
	echo "FAIL: the trap did not start"
	exit 1
}
start_trap

# --- first run: a self-signed certificate next to the store -----------------
[ -s "$T/var/trap-tls.pem" ] && ok || bad "no certificate in $T/var"
expect "key mode" "$(stat -c %a "$T/var/trap-tls.key")" 600
contains "certificate CN" "$(openssl x509 -in "$T/var/trap-tls.pem" -noout -subject)" "CN ?= ?mx.trap.test"
contains "made logged" "$(cat "$T/trap.log")" "made a self-signed certificate"

# --- the dialogue shapes, with swaks -------------------------------------------
# A sender callout: MAIL FROM:<>, RCPT to a trap, then QUIT without DATA.
out=$(sw --helo callout.test --from '<>' --to victim@trap.test --quit-after RCPT)
contains "callout RCPT" "$out" "<-  250 2.1.5"
expect "callout recorded" "$(hits callout.test)" "3 callout/null-sender"
expect "callout rcpt" "$(q "SELECT rcpt || ' ' || sensor || ' <' || mail_from || '>' FROM hit WHERE helo = 'callout.test'")" \
	"victim@trap.test itest <>"

# A DSN bounce; the hit must be in the store the moment swaks has its 250.
cat >"$T/dsn.eml" <<'EOF'
Date: Mon, 23 Nov 2026 10:00:00 +0000
From: MAILER-DAEMON@mx.bouncer.test (Mail Delivery System)
To: victim@trap.test
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="DSN.boundary"
Message-Id: <20261123100000.1@mx.bouncer.test>

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
out=$(sw --helo dsn.test --from '<>' --to victim@trap.test --data "$T/dsn.eml")
contains "DSN 250" "$out" "<-  250 2.0.0 Ok: queued as"
# No waiting: the 250 came after the commit.
expect "DSN in the store at 250" "$(hits dsn.test)" "1 bounce/dsn"
contains "DSN excerpt" "$(q "SELECT excerpt FROM hit WHERE helo = 'dsn.test'")" "5\\.1\\.1"

# A vacation auto-reply from a real sender.
cat >"$T/vacation.eml" <<'EOF'
From: Alice <alice@example.org>
To: victim@trap.test
Subject: Out of Office: forged-sender spam
Auto-Submitted: auto-replied
X-Autoreply: yes
Precedence: auto_reply

I am out of the office until Monday and will read your message then.
EOF
out=$(sw --helo vacation.test --from alice@example.org --to victim@trap.test --data "$T/vacation.eml")
contains "vacation 250" "$out" "<-  250 2.0.0"
contains "vacation recorded" "$(hits vacation.test)" "^2 autoreply/"
expect "vacation sender" "$(q "SELECT mail_from FROM hit WHERE helo = 'vacation.test'")" alice@example.org

# A relay attempt: 550, nothing recorded, the session goes on.
out=$(sw --helo relay.test --from spammer@example.org --to someone@example.com)
contains "relay denied" "$out" "<\\*\\* 550 5\\.7\\.1 Relaying denied"
expect "relay not recorded" "$(hits relay.test)" ""

# STARTTLS, then a callout inside TLS.
if perl -MNet::SSLeay -e1 2>/dev/null; then
	out=$(sw --helo tls.test -tls --from '<>' --to victim@trap.test --quit-after RCPT)
	contains "STARTTLS 220" "$out" "<-  220 2.0.0 Ready to start TLS"
	contains "TLS session" "$out" "<~  250 2.1.5"
else
	# swaks without Net::SSLeay (libnet-ssleay-perl) cannot: openssl can.
	echo "note: swaks has no TLS support here, using openssl s_client"
	out=$(printf 'EHLO tls.test\r\nMAIL FROM:<>\r\nRCPT TO:<victim@trap.test>\r\nQUIT\r\n' |
		timeout 30 openssl s_client -connect "127.0.0.1:$PORT" -starttls smtp -quiet -ign_eof 2>&1)
	contains "TLS session" "$out" "250 2.1.5"
fi
expect "TLS callout recorded" "$(hits tls.test)" "3 callout/null-sender"
contains "TLS logged" "$(cat "$T/trap.log")" "event=tls addr=127.0.0.1 version=TLSv1\\.[23]"

# Pipelining (RFC 2920): swaks sends MAIL, RCPT, DATA in one go.
out=$(sw --helo pipe.test --pipeline --from '<>' --to victim@trap.test --data "$T/dsn.eml")
contains "pipelined 250" "$out" "<-  250 2.0.0 Ok: queued as"
expect "pipelined recorded" "$(hits pipe.test)" "1 bounce/dsn"
# Raw pipelining: every reply, in order, from one write.
out=$(sc --pipe 127.0.0.1 "$PORT" "EHLO raw.test" "MAIL FROM:<>" "RCPT TO:<a@trap.test>" \
	"RCPT TO:<b@example.org>" "RSET" "NOOP" "QUIT" | cut -c1-3 | tr '\n' ' ')
expect "raw pipelining" "$out" "220 250 250 250 550 250 250 221 "
expect "raw pipelining recorded" "$(hits raw.test)" "3 callout/null-sender"

# An over-long command line: 500, and the session goes on.
long=$(head -c 3000 /dev/zero | tr '\0' x)
out=$(sc 127.0.0.1 "$PORT" "EHLO long.test" "NOOP $long" "NOOP" "QUIT" | cut -c1-9 | tr '\n' ' ')
expect "long line" "$out" "220 mx.tr 250 8BITM 500 5.5.2 250 2.0.0 221 2.0.0 "

# Too many recipients (max_recipients = 5): 452 for the sixth.
out=$(sc 127.0.0.1 "$PORT" "EHLO rcpts.test" "MAIL FROM:<>" "RCPT TO:<1@trap.test>" \
	"RCPT TO:<2@trap.test>" "RCPT TO:<3@trap.test>" "RCPT TO:<4@trap.test>" \
	"RCPT TO:<5@trap.test>" "RCPT TO:<6@trap.test>" "QUIT" | cut -c1-9 | tr '\n' ' ')
expect "too many recipients" "$out" \
	"220 mx.tr 250 8BITM 250 2.1.0 250 2.1.5 250 2.1.5 250 2.1.5 250 2.1.5 250 2.1.5 452 4.5.3 221 2.0.0 "
expect "one hit for the transaction" "$(q "SELECT count(*) || ' ' || rcpt FROM hit WHERE helo = 'rcpts.test'")" "1 1@trap.test"

# Bad commands: 5xx and the session goes on, until max_errors (10).
out=$(sc 127.0.0.1 "$PORT" "RCPT TO:<a@trap.test>" "DATA" "FOO" "MAIL FROM:<x" "VRFY" \
	"=HELO a\x01b\r\n" "NOOP" | cut -c1-3 | tr '\n' ' ')
expect "bad commands" "$out" "220 503 503 500 501 501 500 250 "
args=()
for _ in $(seq 1 10); do args+=(FOO); done
out=$(sc 127.0.0.1 "$PORT" "${args[@]}" "?" "?" | tail -2 | cut -c1-9 | tr '\n' ' ')
expect "too many errors" "$out" "421 4.7.0 EOF "

# The IPv6 listener.
out=$(sc ::1 "$PORT" "QUIT" | cut -c1-3 | tr '\n' ' ')
expect "IPv6 listener" "$out" "220 221 "

# --- sessions per address: the fifth from one address gets 421 ----------------
# Started directly, not through sc(), so that $! is the process to kill.
timeout 60 python3 "$HERE/smtpc.py" --source 127.0.0.9 --hold 4 127.0.0.1 "$PORT" 30 \
	>"$T/hold.out" 2>&1 &
HOLD_PID=$!
for _ in $(seq 1 100); do
	[ "$(grep -c '^220' "$T/hold.out")" -eq 4 ] && break
	sleep 0.1
done
expect "four sessions held" "$(grep -c '^220' "$T/hold.out")" 4
out=$(sw --local-interface 127.0.0.9 --helo limit.test --from '<>' --to victim@trap.test --quit-after RCPT)
contains "per-IP limit" "$out" "421 4.7.0 mx.trap.test Error: too many connections from your address"
out=$(sw --local-interface 127.0.0.10 --helo other-ip.test --from '<>' --to victim@trap.test --quit-after RCPT)
contains "another address still served" "$out" "<-  250 2.1.5"
kill "$HOLD_PID" 2>/dev/null
wait "$HOLD_PID" 2>/dev/null
HOLD_PID=
for _ in $(seq 1 50); do
	out=$(sw --local-interface 127.0.0.9 --helo limit.test --quit-after HELO)
	grep -q '<-  250' <<<"$out" && break
	sleep 0.1
done
contains "slots freed" "$out" "<-  250"

# --- PROXY protocol from the trusted 127.0.0.2 --------------------------------
out=$(sc --source 127.0.0.2 --proxy-v1 192.0.2.77 127.0.0.1 "$PORT" "EHLO proxy1.test" \
	"MAIL FROM:<>" "RCPT TO:<victim@trap.test>" "QUIT" | cut -c1-3 | tr '\n' ' ')
expect "PROXY v1 dialogue" "$out" "220 250 250 250 221 "
out=$(bs list show 192.0.2.77)
contains "PROXY v1 source listed" "$out" "^192\\.0\\.2\\.77: LISTED"
contains "PROXY v1 hit" "$out" "helo=proxy1.test"
out=$(sc --source 127.0.0.2 --proxy-v2 2001:db8::77 127.0.0.1 "$PORT" "EHLO proxy2.test" \
	"MAIL FROM:<>" "RCPT TO:<victim@trap.test>" "QUIT" | cut -c1-3 | tr '\n' ' ')
expect "PROXY v2 dialogue" "$out" "220 250 250 250 221 "
contains "PROXY v2 source listed" "$(bs list show 2001:db8::77)" "LISTED"
# A trusted peer that sends no valid header is dropped without a word.
out=$(sc --source 127.0.0.2 --early 'EHLO x\r\n' 127.0.0.1 "$PORT" 2>&1 | head -1)
expect "trusted without header" "$out" "EOF"
# An untrusted peer's PROXY line is just a bad command; its own address counts.
out=$(sc --source 127.0.0.3 --proxy-v1 192.0.2.78 127.0.0.1 "$PORT" "EHLO spoof.test" \
	"MAIL FROM:<>" "RCPT TO:<victim@trap.test>" "QUIT" "?" | cut -c1-3 | tr '\n' ' ')
expect "untrusted PROXY" "$out" "220 500 250 250 250 221 "
contains "untrusted PROXY ignored" "$(bs list show 192.0.2.78)" "NOT LISTED|not listed"
contains "untrusted peer recorded" "$(bs list show 127.0.0.3)" "helo=spoof.test"

# --- the store cannot commit: 451, never 250; then 250 again ------------------
printf 'BEGIN EXCLUSIVE;\nINSERT INTO audit (t, who, action) VALUES (0, "x", "lock");\n.shell touch %s/locked\n.shell sleep 5\nCOMMIT;\n' "$T" \
	>"$T/lock.sql"
timeout 60 sqlite3 "$DB" <"$T/lock.sql" >/dev/null 2>&1 &
LOCK_PID=$!
for _ in $(seq 1 100); do [ -e "$T/locked" ] && break; sleep 0.05; done
[ -e "$T/locked" ] && ok || bad "the lock was not taken"
out=$(sw --helo locked.test --from '<>' --to victim@trap.test --data "$T/dsn.eml")
contains "locked store: 451" "$out" "<\\*\\* 451 4\\.3\\.0"
lacks "locked store: no 250" "$out" "<-  250 2\\.0\\.0 Ok: queued"
wait "$LOCK_PID"
LOCK_PID=
expect "nothing recorded while locked" "$(hits locked.test)" ""
contains "store error logged" "$(cat "$T/trap.log")" "event=store-error"
out=$(sw --helo locked.test --from '<>' --to victim@trap.test --data "$T/dsn.eml")
contains "unlocked store: 250" "$out" "<-  250 2\\.0\\.0 Ok: queued"
expect "recorded once unlocked" "$(hits locked.test)" "1 bounce/dsn"

# --- Postfix: a real callout and a real bounce ---------------------------------
# (a) reject_unverified_sender probes the sender's domain, our trap.
pf_make "$T/pfa" "$PFA_PORT" || exit 1
pf_conf "$T/pfa" "transport_maps = inline:{trap.test=smtp:[127.0.0.1]:$PORT}" \
	'smtpd_sender_restrictions = reject_unverified_sender' \
	'address_verify_poll_delay = 1s'
# (b) local_recipient_maps empty: accepts an unknown user, then bounces.
pf_make "$T/pfb" "$PFB_PORT" || exit 1
pf_conf "$T/pfb" "transport_maps = inline:{trap.test=smtp:[127.0.0.1]:$PORT}" \
	'local_recipient_maps =' 'myhostname = mx2.pf.test'
# Each takes some 3.5 s: both at once.
pf_start "$T/pfa" &
pfa_start=$!
pf_start "$T/pfb" &
pfb_start=$!
wait "$pfa_start" "$pfb_start"
wait_port "$PFA_PORT" 20 || { cat "$T/pfa/start.log" "$T/pfa/maillog" 2>/dev/null; bad "postfix (a) did not start"; }
wait_port "$PFB_PORT" 20 || { cat "$T/pfb/start.log" "$T/pfb/maillog" 2>/dev/null; bad "postfix (b) did not start"; }

out=$(timeout 60 swaks --server "127.0.0.1:$PFA_PORT" --from victim@trap.test \
	--to postmaster@pf.test --quit-after RCPT --hide-informational 2>&1)
# The trap accepted the probe, so Postfix takes the sender as verified.
contains "postfix callout verdict" "$out" "<-  250 2\\.1\\.5"
for _ in $(seq 1 100); do
	[ -n "$(hits mx.pf.test)" ] && break
	sleep 0.1
done
# Postfix probes as double-bounce@$myhostname by default, not <>.
expect "postfix callout recorded" "$(hits mx.pf.test)" "3 callout/double-bounce"
expect "postfix probe sender" "$(q "SELECT mail_from FROM hit WHERE helo = 'mx.pf.test'")" "double-bounce@mx.pf.test"
out=$(bs list show 127.0.0.1)
contains "127.0.0.1 listed" "$out" "^127\\.0\\.0\\.1: LISTED"
contains "listed for callout" "$out" "callout"

out=$(timeout 60 swaks --server "127.0.0.1:$PFB_PORT" --from victim@trap.test \
	--to nosuchuser@pf.test --header 'Subject: forged-sender spam' --hide-informational 2>&1)
contains "postfix accepts the unknown user" "$out" "<-  250 2\\.0\\.0"
for _ in $(seq 1 200); do
	[ -n "$(hits mx2.pf.test)" ] && break
	sleep 0.1
done
expect "postfix bounce recorded" "$(hits mx2.pf.test)" "1 bounce/dsn"
contains "postfix bounce excerpt" "$(q "SELECT excerpt FROM hit WHERE helo = 'mx2.pf.test'")" "5\\.1\\.1"
contains "bounce listed" "$(bs list show 127.0.0.1)" "bounce"
pf_stop "$T/pfa"
pf_stop "$T/pfb"

# --- Exim (unpacked by shared/peers/install.sh): its callout uses <> ------------
EXIM=${EXIM:-$HERE/../../../../shared/peers/exim-root/usr/sbin/exim4}
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
  allow_localhost
  hosts_avoid_tls = *
begin retry
*   *   F,2m,5s
EOF
	chmod 644 "$T/exim/exim.conf"
	timeout 120 "$EXIM" -C "$T/exim/exim.conf" -bdf -q5s >"$T/exim/stderr" 2>&1 &
	EXIM_PID=$!
	if wait_port "$EXIM_PORT" 20; then
		timeout 60 swaks --server "127.0.0.1:$EXIM_PORT" --from victim@trap.test \
			--to postmaster@exim.test --quit-after RCPT --hide-informational >/dev/null 2>&1
		for _ in $(seq 1 100); do
			[ -n "$(hits mx.exim.test)" ] && break
			sleep 0.1
		done
		expect "exim callout recorded" "$(hits mx.exim.test)" "3 callout/null-sender"
	else
		bad "exim did not start: $(cat "$T/exim/stderr")"
	fi
	kill "$EXIM_PID" 2>/dev/null
	wait "$EXIM_PID" 2>/dev/null
	EXIM_PID=
else
	echo "note: Exim skipped (no unpacked exim4; see shared/peers/install.sh)"
fi

# --- log lines: session id first, key=value, peer strings escaped --------------
out=$(sc 127.0.0.1 "$PORT" 'EHLO "quoted"\name' "MAIL FROM:<>" "RCPT TO:<x@trap.test>" "QUIT")
contains "escaped HELO in log" "$(cat "$T/trap.log")" \
	'^backscatter: [0-9a-f]{16} event=hit addr=127\.0\.0\.1 class=callout .*helo="\\x22quoted\\x22\\x5cname"'

# --- a second trap on the same port: a clear error that names it -------------
out=$(timeout 30 "$BIN" -c "$T/bs.conf" trap --listen "127.0.0.1:$PORT" 2>&1)
expect "port in use exit" "$?" 1
contains "port in use names the address" "$out" "listen 127\\.0\\.0\\.1:$PORT: Address already in use"
out=$(timeout 30 "$BIN" -c "$T/bs.conf" trap --listen nonsense 2>&1)
expect "bad --listen" "$?" 2
out=$(timeout 30 "$BIN" -c "$T/bs.conf" trap --domain localhost 2>&1)
expect "bad --domain" "$?" 2

# --- SIGTERM: a message being received is finished and answered, an idle
# session gets 421 at once, the trap exits 0 ------------------------------------
timeout 60 python3 "$HERE/smtpc.py" 127.0.0.1 "$PORT" "EHLO idle.test" "~20" >"$T/idle.out" 2>&1 &
IDLE_PID=$!
timeout 60 python3 "$HERE/smtpc.py" 127.0.0.1 "$PORT" "EHLO drain.test" "MAIL FROM:<>" \
	"RCPT TO:<victim@trap.test>" "DATA" "+Subject: in flight\r\n" "!2" \
	"=\r\nThe trap is stopping meanwhile.\r\n.\r\n" "?" "?" >"$T/drain.out" 2>&1 &
DRAIN_PID=$!
for _ in $(seq 1 100); do
	grep -q '^250' "$T/idle.out" && grep -q '^354' "$T/drain.out" && break
	sleep 0.1
done
kill -TERM "$TRAP_PID"
wait "$TRAP_PID"
rc=$?
TRAP_PID=
expect "exit status on SIGTERM" "$rc" 0
wait "$IDLE_PID"
IDLE_PID=
contains "idle session told" "$(cat "$T/idle.out")" "^421 4\\.3\\.2 mx\\.trap\\.test"
wait "$DRAIN_PID"
DRAIN_PID=
expect "message in flight answered, then 421" "$(cut -c1-9 "$T/drain.out" | tr '\n' ' ')" \
	"220 mx.tr 250 8BITM 250 2.1.0 250 2.1.5 354 End d 250 2.0.0 421 4.3.2 EOF "
expect "message in flight recorded" "$(q "SELECT count(*) FROM hit WHERE helo = 'drain.test'")" 1
contains "stop logged" "$(cat "$T/trap.log")" "trap: stopped"
# The certificate is reused on the next start, not made again. This run
# also has a short idle timeout ([trap] is the last section).
echo "idle_timeout = 1s" >>"$T/bs.conf"
start_trap
expect "certificate made once" "$(grep -c 'made a self-signed' "$T/trap.log")" 1
out=$(sc 127.0.0.1 "$PORT" "EHLO slow.test" "MAIL FROM:<>" "RCPT TO:<victim@trap.test>" "~10" "?" |
	cut -c1-9 | tr '\n' ' ')
expect "idle timeout" "$out" "220 mx.tr 250 8BITM 250 2.1.0 250 2.1.5 421 4.4.2 EOF "
expect "idle timeout records the callout" "$(hits slow.test)" "3 callout/null-sender"
kill -TERM "$TRAP_PID"
wait "$TRAP_PID"
TRAP_PID=

if [ "$fail" -ne 0 ]; then
	echo "----- trap log"
	tail -50 "$T/trap.log"
fi
echo "trap: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
