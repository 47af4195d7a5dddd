#!/bin/bash
# run.sh -- using the list the right way, with real mail servers: Postfix
# with `backscatter policy` (check_policy_service), with `backscatter milter`
# (smtpd_milters), and without our code (reject_rbl_client in a restriction
# class reached by check_sender_access for <> and postmaster@); Exim with the
# documented ACL; `spamassassin --lint` and `rspamadm configtest` on the
# documented rules. Every configuration snippet is read from
# docs/clients.md, so the documentation is what is tested.
#
# What must hold: a null sender (or postmaster@) from a listed address is
# rejected with 550 5.7.1 and the lookup URL; the same client with a normal
# sender passes, in the same connection too (the message, not the host);
# an unlisted client passes; when DNS does not answer, mail passes (fail
# open). Postfix's and Exim's own lookups go through libc, which needs a
# resolver on port 53: they run under `unshare -m` with a private
# resolv.conf bind-mounted over /etc/resolv.conf, naming our `backscatter
# dns` on a 127.0.0.x:53 that is checked free first.
#
# Usage: bash run.sh /path/to/backscatter     Exit: 0 pass, 1 fail, 77 skip.
# Needs root for Postfix and unshare. Kills only the PIDs it started.
set -u
BIN=$(readlink -f "${1:?usage: run.sh /path/to/backscatter}")
HERE=$(cd "$(dirname "$0")" && pwd)
DOC=$HERE/../../../docs/clients.md

for tool in swaks postfix postconf python3 ss runuser unshare dig; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: Postfix instances need root"; exit 77; }
getent passwd postfix >/dev/null || { echo "SKIP: no postfix user"; exit 77; }
[ -r "$DOC" ] || { echo "FAIL: no $DOC"; exit 1; }

. "$HERE/../mailservers/pf_lib.sh"

T=$(mktemp -d /tmp/bs-policy-XXXXXX)
chmod 755 "$T"	# Postfix's daemons (user postfix) must traverse it
DNS_PID=
POL_PID=
MIL_PID=
SILENT_PID=
EXIM_PID=
cleanup() {
	for p in $EXIM_PID $MIL_PID $POL_PID $DNS_PID $SILENT_PID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	pf_stop "$T/pfp"
	pf_stop "$T/pfm"
	pf_stop "$T/pfr"
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
PORTS=$(free_ports 7) || { echo "no free port"; exit 1; }
read -r DNS_PORT POL_PORT MIL_PORT PFP_PORT PFM_PORT PFR_PORT EXIM_PORT <<<"$PORTS"
# Port 53 on an address of our own, for the libc resolvers.
DNS_IP=
for ip in 127.0.0.153 127.0.0.154 127.0.0.155 127.0.0.156; do
	if [ -z "$(ss -Hlntu "src $ip:53")" ] && [ -z "$(ss -Hlntu "src 0.0.0.0:53")" ]; then
		DNS_IP=$ip
		break
	fi
done
[ -n "$DNS_IP" ] || { echo "SKIP: no 127.0.0.x:53 free"; exit 77; }

# snippet NAME: the code block after "<!-- snippet: NAME -->" in the doc,
# with the documentation's zone and ports replaced by the test's.
snippet() {
	awk -v name="$1" '
		$0 == "<!-- snippet: " name " -->" { want = 1; next }
		want && /^```/ { if (inside) exit; inside = 1; next }
		inside { print }' "$DOC" |
	sed -e "s/bl\.example\.org/bl.test/g" \
	    -e "s/127\.0\.0\.1:10040/127.0.0.1:$POL_PORT/g" \
	    -e "s/127\.0\.0\.1:8895/127.0.0.1:$MIL_PORT/g"
}
for s in postfix-policy postfix-milter postfix-rbl exim-acl spamassassin rspamd \
    rspamd-lua rspamd-composite; do
	[ -n "$(snippet "$s")" ] || bad "snippet $s missing from docs/clients.md"
done

cat >"$T/bs.conf" <<EOF
[store]
path = $T/var/bl.db
[listing]
allow_special = loopback
[dns]
zone = bl.test
ttl = 60
[web]
lookup_url = http://lookup.test/ip/{ip}
[policy]
resolver = 127.0.0.1:$DNS_PORT
timeout = 1500ms
EOF
bs() { timeout 30 "$BIN" -c "$T/bs.conf" "$@"; }

# Listed: .5 (the cases), .7 (asked only once DNS is gone), .8 (Exim).
for ip in 127.0.0.5 127.0.0.7 127.0.0.8; do
	bs list add "$ip" --reason "policy test" >/dev/null || bad "list add $ip"
done

wait_log() { # wait_log FILE REGEX PID
	for _ in $(seq 1 100); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.1
	done
	bad "$1: no '$2': $(tail -n 5 "$1")"
	exit 1
}

timeout 280 "$BIN" -c "$T/bs.conf" dns --listen "127.0.0.1:$DNS_PORT" \
    --listen "$DNS_IP:53" >"$T/dns.log" 2>&1 &
DNS_PID=$!
wait_log "$T/dns.log" "answering for bl.test" "$DNS_PID"
for _ in $(seq 1 50); do
	dig @127.0.0.1 -p "$DNS_PORT" +short +time=1 +tries=1 2.0.0.127.bl.test \
	    A 2>/dev/null | grep -q 127.0.0.2 && break
	sleep 0.1
done
expect "our DNS answers" "$(dig @"$DNS_IP" +short +time=1 +tries=2 \
    5.0.0.127.bl.test A)" 127.0.0.2

timeout 280 "$BIN" -c "$T/bs.conf" policy --listen "127.0.0.1:$POL_PORT" \
    --listen "unix:$T/policy.sock" >"$T/policy.log" 2>&1 &
POL_PID=$!
wait_log "$T/policy.log" "answering on unix:" "$POL_PID"
timeout 280 "$BIN" -c "$T/bs.conf" milter --listen "127.0.0.1:$MIL_PORT" \
    >"$T/milter.log" 2>&1 &
MIL_PID=$!
wait_log "$T/milter.log" "answering on" "$MIL_PID"

printf 'nameserver %s\noptions timeout:1 attempts:2\n' "$DNS_IP" >"$T/resolv.conf"

# Three Postfix instances, started together (each takes ~3.5 s). mynetworks
# is 127.0.0.1 only, so that the test clients (.5 to .8) are strangers.
for pf in pfp pfm pfr; do
	case $pf in
	pfp) port=$PFP_PORT ;;
	pfm) port=$PFM_PORT ;;
	pfr) port=$PFR_PORT ;;
	esac
	pf_make "$T/$pf" "$port" || exit 1
	pf_conf "$T/$pf" 'mynetworks = 127.0.0.1/32' \
	    'transport_maps = inline:{pf.test=discard:}' \
	    'local_recipient_maps ='
done
snippet postfix-policy >>"$T/pfp/etc/main.cf"
snippet postfix-milter >>"$T/pfm/etc/main.cf"
snippet postfix-rbl >>"$T/pfr/etc/main.cf"
pf_start "$T/pfp" &
s1=$!
pf_start "$T/pfm" &
s2=$!
# Only the rbl instance resolves names itself: give it our resolver.
unshare -m bash -c "mount --bind '$T/resolv.conf' /etc/resolv.conf &&
    . '$HERE/../mailservers/pf_lib.sh' && pf_start '$T/pfr'" &
s3=$!
wait "$s1" "$s2" "$s3"
for port in $PFP_PORT $PFM_PORT $PFR_PORT; do
	wait_port "$port" 20 || { bad "postfix on $port did not start"; exit 1; }
done
for pf in pfp pfm pfr; do
	if grep -qE "fatal|error" "$T/$pf/maillog" 2>/dev/null; then
		bad "$pf: $(grep -E 'fatal|error' "$T/$pf/maillog" | head -n 3)"
	fi
done

# reply PORT FROM_IP SENDER [RCPT]: the first rejection swaks saw, or the
# final RCPT answer ("250 ..." when accepted).
reply() {
	local out
	out=$(timeout 30 swaks --server "127.0.0.1:$1" --local-interface "$2" \
	    --from "$3" --to "${4:-postmaster@pf.test}" --quit-after RCPT \
	    --hide-informational 2>&1)
	# A multi-line reply ("550-..." then "550 ...") becomes one line.
	if grep -q '^<\*\* ' <<<"$out"; then
		grep '^<\*\* ' <<<"$out" | sed -E 's/^<\*\* +//; s/^([0-9]{3})-/\1 /' |
		    awk 'NR == 1 { printf "%s", $0; next }
			{ sub(/^[0-9][0-9][0-9] /, ""); printf " %s", $0 }
			END { print "" }'
	else
		grep -A1 '^ -> RCPT TO' <<<"$out" | tail -n 1 | sed 's/^<- *//'
	fi
}

# same_conn PORT FROM_IP: MAIL FROM:<> then, after RSET, a normal sender in
# one SMTP session; prints the three reply codes.
same_conn() {
	timeout 30 python3 - "$1" "$2" <<'EOF'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), source_address=(sys.argv[2], 0), timeout=20)
s.ehlo("client.test")
codes = []
c, _ = s.mail("")
if c < 300:
    c, _ = s.rcpt("postmaster@pf.test")
codes.append(c)
s.rset()
c, _ = s.mail("someone@example.test")
codes.append(c)
c, _ = s.rcpt("postmaster@pf.test")
codes.append(c)
s.quit()
print(" ".join(str(x) for x in codes))
EOF
}

# --- Postfix + backscatter policy ---------------------------------------------
r=$(reply "$PFP_PORT" 127.0.0.5 '<>')
contains "policy: listed, null sender rejected" "$r" "^550 5\.7\.1 "
contains "policy: reply has the lookup URL" "$r" "http://lookup\.test/ip/127\.0\.0\.5"
contains "policy: postmaster@ rejected" "$(reply "$PFP_PORT" 127.0.0.5 \
    postmaster@example.test)" "^550 5\.7\.1 "
contains "policy: listed, normal sender accepted" "$(reply "$PFP_PORT" \
    127.0.0.5 someone@example.test)" "^250 "
contains "policy: unlisted, null sender accepted" "$(reply "$PFP_PORT" \
    127.0.0.6 '<>')" "^250 "
expect "policy: the message, not the host" "$(same_conn "$PFP_PORT" 127.0.0.5)" \
    "550 250 250"
contains "policy: reject logged" "$(cat "$T/policy.log")" \
    "client=127\.0\.0\.5 sender=<> state=RCPT listed zone=bl\.test"

# --- Postfix + backscatter milter ---------------------------------------------
r=$(reply "$PFM_PORT" 127.0.0.5 '<>')
contains "milter: listed, null sender rejected" "$r" "^550 5\.7\.1 "
contains "milter: reply has the lookup URL" "$r" "http://lookup\.test/ip/127\.0\.0\.5"
contains "milter: listed, normal sender accepted" "$(reply "$PFM_PORT" \
    127.0.0.5 someone@example.test)" "^250 "
contains "milter: unlisted, null sender accepted" "$(reply "$PFM_PORT" \
    127.0.0.6 '<>')" "^250 "
expect "milter: the transaction, not the connection" \
    "$(same_conn "$PFM_PORT" 127.0.0.5)" "550 250 250"
contains "milter: reject logged" "$(cat "$T/milter.log")" \
    "client=127\.0\.0\.5 sender=<> listed zone=bl\.test"

# --- Postfix alone: reject_rbl_client in a restriction class --------------------
r=$(reply "$PFR_PORT" 127.0.0.5 '<>')
contains "rbl: listed, null sender rejected" "$r" "^5[0-9][0-9] 5\.7\.1 .*blocked using bl\.test"
contains "rbl: TXT reason shown" "$r" "lookup\.test/ip/127\.0\.0\.5"
contains "rbl: postmaster@ rejected" "$(reply "$PFR_PORT" 127.0.0.5 \
    postmaster@example.test)" "^5[0-9][0-9] 5\.7\.1 "
contains "rbl: listed, normal sender accepted" "$(reply "$PFR_PORT" \
    127.0.0.5 someone@example.test)" "^250 "
contains "rbl: unlisted, null sender accepted" "$(reply "$PFR_PORT" \
    127.0.0.6 '<>')" "^250 "

# --- Exim with the documented ACL -------------------------------------------
EXIM=${EXIM:-/var/cache/backscatter-peers/exim-root/usr/sbin/exim4}
if [ -x "$EXIM" ] && getent passwd Debian-exim >/dev/null; then
	mkdir -p "$T/exim/spool" "$T/exim/log"
	chmod 755 "$T/exim"
	chown -R Debian-exim:Debian-exim "$T/exim/spool" "$T/exim/log"
	{
		cat <<EOF
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
  require domains = +local_domains
EOF
		snippet exim-acl
		cat <<EOF
  accept

begin routers
drop:
  driver = redirect
  data = :blackhole:
EOF
	} >"$T/exim/exim.conf"
	chmod 644 "$T/exim/exim.conf"
	unshare -m bash -c "mount --bind '$T/resolv.conf' /etc/resolv.conf &&
	    exec timeout 120 '$EXIM' -C '$T/exim/exim.conf' -bdf" \
	    >"$T/exim/stderr" 2>&1 &
	EXIM_PID=$!
	if wait_port "$EXIM_PORT" 20; then
		r=$(reply "$EXIM_PORT" 127.0.0.8 '<>' postmaster@exim.test)
		contains "exim: listed, null sender rejected" "$r" \
		    "^550 Backscatter from 127\.0\.0\.8 rejected: .*lookup\.test/ip/127\.0\.0\.8"
		contains "exim: postmaster@ rejected" "$(reply "$EXIM_PORT" \
		    127.0.0.8 postmaster@example.test postmaster@exim.test)" \
		    "^550 Backscatter"
		contains "exim: listed, normal sender accepted" "$(reply \
		    "$EXIM_PORT" 127.0.0.8 someone@example.test \
		    postmaster@exim.test)" "^250 "
		contains "exim: unlisted, null sender accepted" "$(reply \
		    "$EXIM_PORT" 127.0.0.6 '<>' postmaster@exim.test)" "^250 "
	else
		bad "exim did not start: $(cat "$T/exim/stderr")"
	fi
	kill "$EXIM_PID" 2>/dev/null
	wait "$EXIM_PID" 2>/dev/null
	EXIM_PID=
else
	echo "note: Exim skipped (no unpacked exim4; run scripts/peers.sh or set EXIM=)"
fi

# --- SpamAssassin and rspamd: the rules pass the tools' own checks -----------
if command -v spamassassin >/dev/null 2>&1; then
	# The site config with its plugin loads (.pre files), plus our rule.
	mkdir -p "$T/sa"
	cp -r /etc/spamassassin/. "$T/sa/"
	snippet spamassassin >"$T/sa/backscatter.cf"
	out=$(timeout 120 spamassassin --lint -D config --siteconfigpath="$T/sa" \
	    2>&1)
	expect "spamassassin --lint" "$?" 0
	contains "spamassassin read our rules" "$out" "backscatter\.cf"
	# A broken rule must fail the lint: the check is not a no-op.
	echo "header BROKEN_RULE eval:no_such_thing(" >>"$T/sa/backscatter.cf"
	timeout 120 spamassassin --lint --siteconfigpath="$T/sa" >/dev/null 2>&1
	[ "$?" -ne 0 ] && ok || bad "spamassassin --lint passed a broken rule"
else
	echo "note: spamassassin not installed, rule not checked"
fi
if command -v rspamadm >/dev/null 2>&1 && [ -d /etc/rspamd ]; then
	# The system's config with LOCAL_CONFDIR (local.d, rspamd.local.lua)
	# pointed at a directory of our own.
	mkdir -p "$T/rspamd/local.d"
	snippet rspamd >"$T/rspamd/local.d/rbl.conf"
	snippet rspamd-lua >"$T/rspamd/rspamd.local.lua"
	snippet rspamd-composite >"$T/rspamd/local.d/composites.conf"
	out=$(cd "$T" && timeout 120 rspamadm --var="LOCAL_CONFDIR=$T/rspamd" \
	    configtest 2>&1)
	expect "rspamadm configtest" "$?" 0
	contains "rspamadm: syntax OK" "$out" "syntax OK"
	if grep -qiE "invalid config for BACKSCATTER|BACKSCATTER.*(error|fail)" <<<"$out"; then
		bad "rspamadm complains about our rule: $out"
	else
		ok
	fi
	echo 'rules { BROKEN { rbl = ; } }' >"$T/rspamd/local.d/rbl.conf"
	(cd "$T" && timeout 120 rspamadm --var="LOCAL_CONFDIR=$T/rspamd" \
	    configtest >/dev/null 2>&1)
	[ "$?" -ne 0 ] && ok || bad "rspamadm configtest passed a broken rule"
else
	echo "note: rspamd not installed, rule not checked"
fi

# --- DNS gone: fail open ------------------------------------------------------
# The DNS server stops; a socket that swallows queries takes its port, so
# lookups time out. 127.0.0.7 is listed but was never asked, so no cache
# can answer for it: the mail must pass, and the failure be logged.
kill "$DNS_PID" 2>/dev/null
wait "$DNS_PID" 2>/dev/null
DNS_PID=
timeout 200 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    s.recv(4096)' "$DNS_PORT" &
SILENT_PID=$!
sleep 0.3
contains "policy: DNS timeout, accepted" "$(reply "$PFP_PORT" 127.0.0.7 '<>')" "^250 "
contains "milter: DNS timeout, accepted" "$(reply "$PFM_PORT" 127.0.0.7 '<>')" "^250 "
contains "policy: failure logged" "$(cat "$T/policy.log")" \
    "client=127\.0\.0\.7 .*fail open"
contains "milter: failure logged" "$(cat "$T/milter.log")" \
    "client=127\.0\.0\.7 .*fail open"
# And nothing answering at all (connection refused).
kill "$SILENT_PID" 2>/dev/null
wait "$SILENT_PID" 2>/dev/null
SILENT_PID=
contains "policy: DNS down, accepted" "$(reply "$PFP_PORT" 127.0.0.7 \
    postmaster@example.test)" "^250 "

# --- the service itself: hostile bytes, then a clean stop ---------------------
r=$(timeout 20 python3 - "$T/policy.sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(10)
s.sendall(b"no equals sign\n\nsender=\x01\nclient_address=1.2.3.4\n\n"
          b"request=smtpd_access_policy\nprotocol_state=RCPT\n"
          b"sender=\nclient_address=127.0.0.6\n\n")
d = b""
while d.count(b"\n\n") < 3:
    c = s.recv(4096)
    if not c:
        break
    d += c
print(d.decode().replace("\n\n", "|"))
EOF
)
expect "malformed requests: DUNNO, connection survives" "$r" \
    "action=DUNNO|action=DUNNO|action=DUNNO|"
contains "malformed logged" "$(cat "$T/policy.log")" "malformed request \(line without '='\)"

kill -TERM "$POL_PID"
wait "$POL_PID"
expect "policy exit status after SIGTERM" "$?" 0
POL_PID=
contains "policy counters logged" "$(cat "$T/policy.log")" \
    "stopped requests=[0-9]+ rejects=[1-9]"
[ -e "$T/policy.sock" ] && bad "policy socket left behind" || ok
kill -TERM "$MIL_PID"
wait "$MIL_PID"
expect "milter exit status after SIGTERM" "$?" 0
MIL_PID=

echo "policy: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
