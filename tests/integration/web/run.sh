#!/bin/bash
# run.sh -- `backscatter web` in a real browser and over HTTP: Debian's
# headless Chromium, driven by playwright-core (browser.mjs), looks
# addresses up with the keyboard only, opens a fix guide and files an
# express delisting with the form, with a screenshot of every step;
# the operator approves it with `backscatter delist approve`, and dig
# against `backscatter dns` shows the address unlisted. curl checks the
# API: status codes, JSON, bearer-token refusals, CSRF refusal, rate
# limiting, escaping of hostile input and that no page shows a trap
# address. Hits come from the real trap (`backscatter trap`), sent from
# 127.0.0.9 so that they list an address other than the RFC 5782 test
# points.
#
# Usage: bash run.sh /path/to/backscatter     Exit: 0 pass, 1 fail, 77 skip.
#
# playwright-core is pinned by package-lock.json and installed with
# `npm ci` into a cache next to the binary (BACKSCATTER_WEB_NODE_CACHE,
# default BUILD/test-node/web) when missing or stale; it downloads no
# browser. Screenshots go to BACKSCATTER_WEB_SCREENSHOTS (default
# BUILD/screenshots/web). Without node the test is skipped (77); node
# without npm, or an npm ci that fails, is a failure: scripts/deps.sh test
# installs both.
set -u
BIN=$(readlink -f "${1:?usage: run.sh /path/to/backscatter}")
HERE=$(cd "$(dirname "$0")" && pwd)
ZONE=bl.test
TOKEN=test-admin-token-0123456789abcdef

for tool in curl dig python3 ss chromium node; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done
command -v npm >/dev/null 2>&1 ||
	{ echo "FAIL: node without npm (scripts/deps.sh test)"; exit 1; }
BUILD=$(dirname "$BIN")
NODE_CACHE=${BACKSCATTER_WEB_NODE_CACHE:-$BUILD/test-node/web}
SHOTS=${BACKSCATTER_WEB_SCREENSHOTS:-$BUILD/screenshots/web}

# playwright-core from the lock file, once per cache: reinstalled when the
# lock file changes. flock keeps two runs from installing at once.
npm_install() {
	mkdir -p "$NODE_CACHE" || return 1
	(
		command -v flock >/dev/null && flock -w 300 9
		if cmp -s "$HERE/package-lock.json" "$NODE_CACHE/package-lock.json" &&
		    [ -f "$NODE_CACHE/node_modules/playwright-core/package.json" ]; then
			exit 0
		fi
		cp "$HERE/package.json" "$HERE/package-lock.json" "$NODE_CACHE/" &&
		cd "$NODE_CACHE" &&
		PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 timeout 300 npm ci --omit=dev \
		    --ignore-scripts --no-audit --no-fund --loglevel=error >npm-ci.log 2>&1 ||
		    { cat "$NODE_CACHE/npm-ci.log" >&2; rm -f "$NODE_CACHE/package-lock.json"; exit 1; }
	) 9>"$NODE_CACHE/.lock"
}
npm_install || { echo "FAIL: npm ci of playwright-core in $NODE_CACHE"; exit 1; }

T=$(mktemp -d /tmp/bs-web-XXXXXX)
WEB_PID=
WEB2_PID=
DNS_PID=
TRAP_PID=
cleanup() {
	# Only what this script started, by PID.
	for p in $WEB_PID $WEB2_PID $DNS_PID $TRAP_PID; do
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
	if grep -qE -- "$3" <<<"$2"; then ok; else bad "$1: '$3' not in: ${2:0:400}"; fi
}
lacks() {
	if grep -qE -- "$3" <<<"$2"; then bad "$1: '$3' found"; else ok; fi
}

. "$(dirname "$0")/../../lib/ports.sh"
PORTS=$(free_ports 4) || { echo "no free port"; exit 1; }
read -r WPORT W2PORT DPORT SPORT <<<"$PORTS"

cat >"$T/bs.conf" <<EOF2
[store]
path = $T/bl.db
[listing]
allow_special = loopback
[dns]
zone = $ZONE
listen = 127.0.0.1:$DPORT
poll_interval = 100ms
[trap]
listen = 127.0.0.1:$SPORT
domains = trap.test
tls = off
[web]
listen = 127.0.0.1:$WPORT
lookup_url = http://127.0.0.1:$WPORT/lookup?ip={ip}
admin_tokens = $TOKEN
lookups_per_minute = 1000
requests_per_hour = 100
[express]
quiet_period = 1s
EOF2
# A second web server on the same store with tight limits.
sed -e "s/^listen = 127.0.0.1:$WPORT/listen = 127.0.0.1:$W2PORT/" \
    -e 's/^lookups_per_minute = .*/lookups_per_minute = 3/' \
    -e 's/^requests_per_hour = .*/requests_per_hour = 1/' \
    "$T/bs.conf" >"$T/bs2.conf"
bs() { timeout 30 "$BIN" -c "$T/bs.conf" "$@"; }

bs list add 198.18.7.7 --reason manual >/dev/null || bad "list add"

timeout 300 "$BIN" -c "$T/bs.conf" trap >"$T/trap.log" 2>&1 &
TRAP_PID=$!
timeout 300 "$BIN" -c "$T/bs.conf" dns >"$T/dns.log" 2>&1 &
DNS_PID=$!
timeout 300 "$BIN" -c "$T/bs.conf" web >"$T/web.log" 2>&1 &
WEB_PID=$!
timeout 300 "$BIN" -c "$T/bs2.conf" web >"$T/web2.log" 2>&1 &
WEB2_PID=$!
W=http://127.0.0.1:$WPORT
W2=http://127.0.0.1:$W2PORT
for _ in $(seq 1 300); do
	curl -fs "$W/" >/dev/null && curl -fs "$W2/style.css" >/dev/null &&
		ss -Hlnt "sport = :$SPORT" | grep -q . && break
	sleep 0.1
done
for p in $TRAP_PID $DNS_PID $WEB_PID $WEB2_PID; do
	kill -0 "$p" 2>/dev/null || { cat "$T"/*.log; echo "FAIL: a daemon exited"; exit 1; }
done

# --- a real bounce to a trap, from 127.0.0.9 ------------------------------
python3 - "$SPORT" "$HERE/../../data/mail/postfix-dsn.eml" <<'PY' || bad "sending the bounce"
import smtplib, sys
port, path = int(sys.argv[1]), sys.argv[2]
msg = open(path, "rb").read().replace(
    b"Subject: Undelivered Mail Returned to Sender",
    b"Subject: <script>alert(1)</script> Undelivered Mail Returned to Sender")
with smtplib.SMTP("127.0.0.1", port, source_address=("127.0.0.9", 0),
                  timeout=20) as s:
    s.ehlo("mail.example.net")
    s.sendmail("", ["secret-trap-7@trap.test"], msg)
PY

dq() { timeout 10 dig @127.0.0.1 -p "$DPORT" +time=2 +tries=1 "$@"; }
for _ in $(seq 1 50); do
	[ "$(dq 9.0.0.127.$ZONE A +short)" = 127.0.0.2 ] && break
	sleep 0.1
done
expect "dns lists the trapped address" "$(dq 9.0.0.127.$ZONE A +short)" 127.0.0.2
sleep 1.2	# express.quiet_period = 1s: the hit must be older than that

# --- the JSON API -----------------------------------------------------------
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
expect "api lookup listed" "$(code "$W/api/v1/lookup/127.0.0.9")" 200
j=$(cat "$T/body")
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["listed"] and d["express"]["eligible"], d["express"]; assert d["evidence"][0]["recipient_domain"]=="trap.test"; assert d["guide"]=="/help/postfix", d["guide"]' <<<"$j" && ok || bad "lookup JSON: $j"
lacks "api lookup hides the trap" "$j" "secret-trap"
expect "api lookup unlisted" "$(code "$W/api/v1/lookup/192.0.2.77")" 200
contains "unlisted JSON" "$(cat "$T/body")" '"listed":false'
expect "api lookup bad ip" "$(code "$W/api/v1/lookup/not-an-ip")" 400
contains "error JSON" "$(cat "$T/body")" '^\{"error":\{"status":400,"code":"bad_address"'
expect "unknown api path" "$(code "$W/api/v1/nothing")" 404
contains "404 JSON" "$(cat "$T/body")" '"code":"not_found"'
expect "wrong method" "$(code -X POST "$W/api/v1/stats")" 405
expect "api stats" "$(code "$W/api/v1/stats")" 200
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["listed"]>=2' <"$T/body" && ok || bad "stats JSON"
expect "api listings" "$(code "$W/api/v1/listings?limit=1")" 200
cur=$(python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["listings"])==1; print(d["next_cursor"])' <"$T/body")
expect "listings page 2" "$(code "$W/api/v1/listings?limit=1&cursor=$cur")" 200
python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["listings"])==1' <"$T/body" && ok || bad "page 2"
expect "bad cursor" "$(code "$W/api/v1/listings?cursor=zz")" 400
expect "openapi" "$(code "$W/api/v1/openapi.json")" 200
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["openapi"].startswith("3.")' <"$T/body" && ok || bad "openapi JSON"
# Bearer tokens.
expect "admin without token" "$(code "$W/api/v1/admin/delist-requests")" 401
expect "admin with a bad token" "$(code -H 'Authorization: Bearer wrong-token-wrong-token' "$W/api/v1/admin/delist-requests")" 401
expect "admin evidence refused" "$(code "$W/api/v1/admin/evidence/127.0.0.9")" 401
lacks "401 hides the trap" "$(cat "$T/body")" "secret-trap"
A=(-H "Authorization: Bearer $TOKEN")
expect "admin evidence" "$(code "${A[@]}" "$W/api/v1/admin/evidence/127.0.0.9")" 200
contains "admin sees the trap" "$(cat "$T/body")" "secret-trap-7@trap.test"
expect "admin add" "$(code "${A[@]}" -d prefix=198.18.9.0/24 -d reason=api "$W/api/v1/admin/listings")" 201
expect "admin del" "$(code "${A[@]}" -X DELETE "$W/api/v1/admin/listings/198.18.9.0/24")" 200
expect "admin del again" "$(code "${A[@]}" -X DELETE "$W/api/v1/admin/listings/198.18.9.0/24")" 404
expect "admin decide missing" "$(code "${A[@]}" -X POST -d note=x "$W/api/v1/admin/delist-requests/999/approve")" 404
# CSRF: the form without a token, and with a forged one.
expect "delist form without CSRF" "$(code -d ip=127.0.0.9 "$W/delist")" 403
expect "delist form with forged CSRF" "$(code -d ip=127.0.0.9 -d csrf=1700000000.00000000000000000000000000000000 "$W/delist")" 403
# Not eligible: a manual listing.
expect "api delist manual" "$(code -d ip=198.18.7.7 "$W/api/v1/delist")" 409
contains "not eligible says why" "$(cat "$T/body")" '"code":"manual"'
# Escaping of hostile input.
expect "hostile lookup" "$(code "$W/lookup?ip=%3Cscript%3Ealert(1)%3C/script%3E")" 400
lacks "hostile lookup not echoed raw" "$(cat "$T/body")" "<script>"
contains "hostile lookup echoed escaped" "$(cat "$T/body")" "&lt;script&gt;"
expect "lookup with control bytes" "$(code "$W/lookup?ip=%01")" 400
expect "percent in path" "$(code "$W/help/%2e%2e/etc")" 400
expect "dot segments" "$(code --path-as-is "$W/help/../../etc/passwd")" 400
expect "unknown guide" "$(code "$W/help/nosuch")" 404
# Rate limits on the second server (3 lookups a minute, 1 request an hour).
for i in 1 2 3; do code "$W2/api/v1/lookup/192.0.2.$i" >/dev/null; done
expect "lookup rate limit" "$(code -D "$T/hdr" "$W2/api/v1/lookup/192.0.2.4")" 429
contains "Retry-After" "$(cat "$T/hdr")" "Retry-After: [0-9]+"
contains "429 JSON" "$(cat "$T/body")" '"code":"rate_limited"'
expect "lookup page rate limit" "$(code "$W2/lookup?ip=192.0.2.5")" 429
code -d ip=198.18.7.7 "$W2/api/v1/delist" >/dev/null
expect "request rate limit" "$(code -d ip=198.18.7.7 "$W2/api/v1/delist")" 429
# Pages and metrics.
expect "stats page" "$(code "$W/stats")" 200
contains "stats has an SVG chart" "$(cat "$T/body")" '<svg xmlns="http://www.w3.org/2000/svg"'
expect "metrics" "$(code "$W/metrics")" 200
contains "metrics text" "$(cat "$T/body")" '^backscatter_http_requests_total\{route="api_lookup",code="2xx"\} [1-9]'
contains "metrics listings" "$(cat "$T/body")" '^backscatter_listings\{state="listed"\} [0-9]+'
# No page shows a trap address.
for u in / "/lookup?ip=127.0.0.9" /api/v1/lookup/127.0.0.9 /stats /help /help/postfix \
    "/api/v1/listings" /metrics; do
	curl -s "$W$u" >"$T/page"
	lacks "no trap address in $u" "$(cat "$T/page")" "secret-trap|secret-trap-7@"
done

# --- the browser -------------------------------------------------------------
rm -f "$SHOTS"/*.png 2>/dev/null
if timeout 180 node "$HERE/browser.mjs" "$NODE_CACHE" "$SHOTS" "$W" \
    198.18.7.7 192.0.2.77 127.0.0.9 >"$T/browser.out" 2>&1; then
	ok
else
	cat "$T/browser.out" >&2
	bad "browser"
fi
grep -c '^ok' "$T/browser.out" | sed 's/^/browser checks passed: /'
echo "screenshots: $SHOTS ($(ls "$SHOTS"/*.png 2>/dev/null | wc -l) files)"

# --- the operator approves; DNS follows -------------------------------------
list=$(bs delist list)
contains "delist list shows the request" "$list" "pending +127\.0\.0\.9"
id=$(awk '/pending/ && /127\.0\.0\.9/ {print $1; exit}' <<<"$list")
expect "dns still lists before approval" "$(dq 9.0.0.127.$ZONE A +short)" 127.0.0.2
contains "delist approve" "$(bs delist approve "$id" --note "fixed")" "approved request $id"
r=""
for _ in $(seq 1 50); do
	r=$(dq 9.0.0.127.$ZONE A)
	grep -q "status: NXDOMAIN" <<<"$r" && break
	sleep 0.1
done
contains "dns no longer lists it" "$r" "status: NXDOMAIN"
contains "approve again refused" "$(bs delist approve "$id" 2>&1)" "already approved"
contains "audit has the approval" "$(bs list show 127.0.0.9)" "delist approve"
expect "lookup after approval" "$(code "$W/api/v1/lookup/127.0.0.9")" 200
contains "lookup says delisted" "$(cat "$T/body")" '"listed":false'
contains "history shows delisted" "$(cat "$T/body")" '"event":"delisted"'
expect "no second express while pending none" "$(code -d ip=127.0.0.9 "$W/api/v1/delist")" 409

# SIGTERM: a clean exit.
kill "$WEB_PID"
wait "$WEB_PID"
expect "web exits 0 on SIGTERM" "$?" 0
WEB_PID=

echo "web: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
