#!/bin/bash
# run.sh -- `backscatter serve`: the trap, the DNS server, the web lookup
# and the policy service in one process. A bounce and a callout sent with swaks become listings that
# dig sees within a second; an unlisted address stays NXDOMAIN; the test
# points answer; every hit acknowledged with 250 survives kill -9 and is
# answered after a restart; a refused client gets 127.255.255.254; a DNS
# port in use stops the trap from starting too (neither half runs alone);
# SIGTERM ends both with exit 0.
#
# Usage: bash run.sh /path/to/backscatter     Exit: 0 pass, 1 fail, 77 skip.
# Loopback only; kills only the PIDs it started.
set -u
BIN=$(readlink -f "${1:?usage: run.sh /path/to/backscatter}")

for tool in swaks dig sqlite3 ss python3 curl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done

T=$(mktemp -d /tmp/bs-serve-XXXXXX)
SRV_PID=
BLOCK_PID=
cleanup() {
	for p in $BLOCK_PID $SRV_PID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
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
PORTS=$(free_ports 4) || { echo "no free port"; exit 1; }
read -r SMTP_PORT DNS_PORT WEB_PORT POLICY_PORT <<<"$PORTS"

cat >"$T/bs.conf" <<EOF
[store]
path = $T/var/bl.db
[listing]
allow_special = loopback
[dns]
zone = bl.test
refuse = 127.0.0.77
[trap]
domains = trap.test
tls = off
EOF

start() { # start: serve in the background, wait until both halves answer
	"$BIN" -c "$T/bs.conf" serve --trap-listen "127.0.0.1:$SMTP_PORT" \
	    --dns-listen "127.0.0.1:$DNS_PORT" \
	    --web-listen "127.0.0.1:$WEB_PORT" \
	    --policy-listen "127.0.0.1:$POLICY_PORT" >>"$T/serve.log" 2>&1 &
	SRV_PID=$!
	for _ in $(seq 1 100); do
		if [ -n "$(ss -Hlnt "sport = :$SMTP_PORT")" ] &&
		    [ -n "$(ss -Hlnt "sport = :$WEB_PORT")" ] &&
		    [ -n "$(ss -Hlnt "sport = :$POLICY_PORT")" ] &&
		    dig @127.0.0.1 -p "$DNS_PORT" +short +time=1 +tries=1 \
		    bl.test SOA >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	bad "serve did not come up: $(tail -n 5 "$T/serve.log")"
	exit 1
}

q() { # q NAME [TYPE]: the short answer, "NX" for NXDOMAIN
	local out
	out=$(dig @127.0.0.1 -p "$DNS_PORT" +time=1 +tries=2 "$1" "${2:-A}")
	if grep -q "status: NXDOMAIN" <<<"$out"; then
		echo NX
	else
		dig @127.0.0.1 -p "$DNS_PORT" +short +time=1 +tries=2 "$1" \
		    "${2:-A}" | head -n 1
	fi
}

# wait_listed NAME: polls for up to 1.5 s (the target is 1 s after the
# commit; a little room for dig itself); prints the answer.
wait_listed() {
	local a
	for _ in $(seq 1 15); do
		a=$(q "$1")
		[ "$a" = 127.0.0.2 ] && break
		sleep 0.1
	done
	echo "$a"
}

start

# The test points answer at once (RFC 5782).
expect "test point" "$(q 2.0.0.127.bl.test)" 127.0.0.2
expect "unlisted test point" "$(q 1.0.0.127.bl.test)" NX

# A refused client (dns.refuse) gets 127.255.255.254 for any address,
# over UDP and TCP, and a TXT saying why; the apex still answers.
expect "refused client" "$(dig -b 127.0.0.77 @127.0.0.1 -p "$DNS_PORT" +short \
    +time=1 +tries=2 9.9.9.198.bl.test A)" 127.255.255.254
expect "refused client, TCP" "$(dig -b 127.0.0.77 @127.0.0.1 -p "$DNS_PORT" \
    +tcp +short +time=1 +tries=2 2.0.0.127.bl.test A)" 127.255.255.254
contains "refused client TXT" "$(dig -b 127.0.0.77 @127.0.0.1 -p "$DNS_PORT" \
    +short +time=1 +tries=2 9.9.9.198.bl.test TXT)" "refused"
contains "refused client, apex" "$(dig -b 127.0.0.77 @127.0.0.1 \
    -p "$DNS_PORT" +short +time=1 +tries=2 bl.test SOA)" "hostmaster"

# A DSN bounce from 127.0.0.3: listed, and its TXT explains why.
dsn=$(printf '%s\r\n' \
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>" \
    "To: victim@trap.test" \
    "Subject: Undelivered Mail Returned to Sender" \
    "MIME-Version: 1.0" \
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"" \
    "" \
    "--b1" \
    "Content-Type: text/plain" \
    "" \
    "This is the mail system at host mx.example.net." \
    "--b1" \
    "Content-Type: message/delivery-status" \
    "" \
    "Reporting-MTA: dns; mx.example.net" \
    "" \
    "Final-Recipient: rfc822; nobody@example.net" \
    "Action: failed" \
    "Status: 5.1.1" \
    "--b1--")
out=$(swaks --server 127.0.0.1 --port "$SMTP_PORT" --local-interface 127.0.0.3 \
    --helo mx.example.net --from '<>' --to victim@trap.test \
    --data "$dsn" 2>&1)
contains "bounce accepted" "$out" "<-  250 "
expect "bounce listed" "$(wait_listed 3.0.0.127.bl.test)" 127.0.0.2
contains "bounce TXT" "$(q 3.0.0.127.bl.test TXT)" "bounce"

# A callout from 127.0.0.4: RCPT to a trap, then QUIT without DATA.
out=$(swaks --server 127.0.0.1 --port "$SMTP_PORT" --local-interface 127.0.0.4 \
    --helo mx.example.org --from '<>' --to victim@trap.test --quit-after RCPT \
    2>&1)
contains "callout RCPT accepted" "$out" "<-  250 "
expect "callout listed" "$(wait_listed 4.0.0.127.bl.test)" 127.0.0.2
contains "callout TXT" "$(q 4.0.0.127.bl.test TXT)" "callout"

# The web lookup in the same process sees the same store, and its page
# never shows the trap address.
api=$(curl -s "http://127.0.0.1:$WEB_PORT/api/v1/lookup/127.0.0.3")
contains "web API: listed" "$api" '"listed": ?true'
page=$(curl -s "http://127.0.0.1:$WEB_PORT/lookup?ip=127.0.0.3")
contains "web page: listed" "$page" "127\.0\.0\.3"
if grep -q "victim@trap.test" <<<"$page"; then
	bad "web page shows the trap address"
else
	ok
fi

# The policy service in the same process reads the store: a null sender
# from the listed address is rejected, a normal sender is not looked up.
policy() { # policy SENDER CLIENT: the action line
	python3 - "$POLICY_PORT" "$1" "$2" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(("request=smtpd_access_policy\nprotocol_state=RCPT\n"
           "sender=%s\nrecipient=a@example.org\nclient_address=%s\n\n"
           % (sys.argv[2], sys.argv[3])).encode())
print(s.recv(4096).decode().splitlines()[0])
PY
}
contains "policy: null sender, listed" "$(policy '' 127.0.0.3)" "^action=550 5.7.1"
expect "policy: normal sender" "$(policy alice@example.org 127.0.0.3)" "action=DUNNO"
expect "policy: unlisted" "$(policy '' 127.0.0.9)" "action=DUNNO"

# Plain mail to a trap is evidence, never a listing; relaying is refused.
out=$(swaks --server 127.0.0.1 --port "$SMTP_PORT" --local-interface 127.0.0.5 \
    --from spammer@example.com --to victim@trap.test \
    --header "Subject: cheap watches" --body "buy now" 2>&1)
contains "spam accepted" "$out" "<-  250 "
out=$(swaks --server 127.0.0.1 --port "$SMTP_PORT" --local-interface 127.0.0.5 \
    --from '<>' --to someone@example.com --quit-after RCPT 2>&1)
contains "relay denied" "$out" "<\\*\\* 550 5.7.1"
sleep 0.5
expect "spam not listed" "$(q 5.0.0.127.bl.test)" NX
expect "never contacted" "$(q 9.0.0.127.bl.test)" NX

# kill -9 in the middle of a stream of bounces: each one that got its
# 250 is in the store and answered after the restart.
: >"$T/acked"
for i in $(seq 10 49); do
	if swaks --server 127.0.0.1 --port "$SMTP_PORT" \
	    --local-interface "127.0.1.$i" --from '<>' --to "v$i@trap.test" \
	    --data "$dsn" >/dev/null 2>&1; then
		echo "$i" >>"$T/acked"
	fi
	[ "$i" -eq 30 ] && kill -9 "$SRV_PID"
done
wait "$SRV_PID" 2>/dev/null
SRV_PID=
acked=$(wc -l <"$T/acked")
[ "$acked" -ge 15 ] && ok || bad "only $acked bounces acknowledged before kill -9"
integrity=$(sqlite3 "$T/var/bl.db" "PRAGMA integrity_check")
expect "integrity after kill -9" "$integrity" ok
start
missing=0
while read -r i; do
	[ "$(q "$i.1.0.127.bl.test")" = 127.0.0.2 ] || missing=$((missing + 1))
done <"$T/acked"
expect "acknowledged hits answered after kill -9" "$missing" 0
expect "earlier listing survives" "$(q 3.0.0.127.bl.test)" 127.0.0.2

# SIGTERM: both halves stop, exit 0.
kill -TERM "$SRV_PID"
wait "$SRV_PID"
expect "exit status after SIGTERM" "$?" 0
SRV_PID=
contains "clean stop logged" "$(cat "$T/serve.log")" "serve: stopped"

# The DNS port taken: serve exits 1 naming the address, and neither the
# trap nor the web server is left running on its port.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
time.sleep(30)' "$DNS_PORT" &
BLOCK_PID=$!
for _ in $(seq 1 100); do
	[ -n "$(ss -Hlnu "sport = :$DNS_PORT")" ] && break
	sleep 0.1
done
out=$(timeout 20 "$BIN" -c "$T/bs.conf" serve \
    --trap-listen "127.0.0.1:$SMTP_PORT" \
    --dns-listen "127.0.0.1:$DNS_PORT" \
    --web-listen "127.0.0.1:$WEB_PORT" \
    --policy-listen "127.0.0.1:$POLICY_PORT" 2>&1)
expect "exit status with the DNS port taken" "$?" 1
contains "names the address" "$out" "127.0.0.1:$DNS_PORT"
expect "trap port free again" "$(ss -Hlnt "sport = :$SMTP_PORT" | wc -l)" 0
expect "web port free again" "$(ss -Hlnt "sport = :$WEB_PORT" | wc -l)" 0
kill "$BLOCK_PID" 2>/dev/null
wait "$BLOCK_PID" 2>/dev/null
BLOCK_PID=

# Bad arguments: exit 2 with a message.
out=$("$BIN" -c "$T/bs.conf" serve --dns-listen nonsense 2>&1)
expect "bad --dns-listen" "$?" 2
out=$("$BIN" -c "$T/bs.conf" serve extra 2>&1)
expect "stray argument" "$?" 2

echo "serve: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
