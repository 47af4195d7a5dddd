#!/bin/bash
# amplification.sh -- how many bytes `backscatter dns` sends back for each
# byte of a query, for every kind of question it answers: what a forged
# source address can make us send a victim.
#
# Usage: bench/amplification.sh [-w]
#   -w  also write the "## Amplification" section of docs/benchmarks.md
# Environment: BACKSCATTER (the binary) [build/backscatter].
# Prints a markdown table on stdout. Loopback only, one query per row,
# a few seconds in all; stops the server it started, by its PID.
set -u
# Tests run as root in CI containers; the daemons refuse that unless told.
export BACKSCATTER_ALLOW_ROOT=1
# The daemons refuse root without [process] user; a bench on loopback is
# a test rig (backscatter(8), ENVIRONMENT).
export BACKSCATTER_ALLOW_ROOT=1

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BS=${BACKSCATTER:-$ROOT/build/backscatter}
DOC=$ROOT/docs/benchmarks.md
WRITE=0
[ "${1:-}" = -w ] && WRITE=1

log() { echo "amplification.sh: $*" >&2; }
die() {
	log "$*"
	exit 1
}
for tool in python3 dig ss; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool missing"
done
[ -x "$BS" ] || die "no $BS: build first"

T=$(mktemp -d /tmp/bs-amp-XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

. "$ROOT/tests/lib/ports.sh"
PORT=$(free_port) || die "no free port"

# The defaults of a real deployment: zone, TXT template and lookup URL as
# shipped, two name servers.
cat >"$T/bs.conf" <<EOF
[store]
path = $T/bl.db
[dns]
zone = bl.example.org
listen = 127.0.0.1:$PORT
ns = ns1.bl.example.org ns2.bl.example.org
refuse = 127.0.0.77
[web]
lookup_url = https://bl.example.org/lookup?ip={ip}
EOF
"$BS" -c "$T/bs.conf" list add 203.0.113.7 --reason "amplification test" \
    >/dev/null || die "list add"
"$BS" -c "$T/bs.conf" dns >"$T/dns.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
	dig @127.0.0.1 -p "$PORT" +short +time=1 +tries=1 bl.example.org SOA \
	    >/dev/null 2>&1 && break
	sleep 0.1
done

python3 - "$PORT" >"$T/rows" <<'PY' || die "queries failed"
import socket, struct, sys

port = int(sys.argv[1])
TYPES = [("A", 1), ("TXT", 16), ("ANY", 255), ("SOA", 6), ("NS", 2),
         ("AAAA", 28), ("MX", 15), ("TYPE65280", 65280)]
NAMES = [("listed", "7.113.0.203.bl.example.org", "127.0.0.1"),
         ("unlisted", "9.113.0.203.bl.example.org", "127.0.0.1"),
         ("apex", "bl.example.org", "127.0.0.1"),
         ("out of zone", "www.example.com", "127.0.0.1"),
         ("refused client, listed", "7.113.0.203.bl.example.org",
          "127.0.0.77")]
RCODES = {0: "NOERROR", 1: "FORMERR", 3: "NXDOMAIN", 4: "NOTIMP",
          5: "REFUSED"}


def query(name, qtype, edns):
    q = struct.pack("!HHHHHH", 0x1234, 0, 1, 0, 0, 1 if edns else 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\x00" + struct.pack("!HH", qtype, 1)
    if edns:
        # OPT: root, type 41, the largest size we honour, DO set.
        q += b"\x00" + struct.pack("!HHIH", 41, 1232, 0x8000, 0)
    return q


for what, name, src in NAMES:
    for tname, t in TYPES:
        cells = []
        for edns in (False, True):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((src, 0))
            s.settimeout(2)
            q = query(name, t, edns)
            s.sendto(q, ("127.0.0.1", port))
            r = s.recv(65536)
            s.close()
            flags = struct.unpack("!H", r[2:4])[0]
            an, ns, ar = struct.unpack("!HHH", r[6:12])
            rc = RCODES.get(flags & 0xF, str(flags & 0xF))
            tc = " TC" if flags & 0x200 else ""
            cells.append("%d / %d = %.2f | %s%s, %d/%d/%d" % (
                len(r), len(q), len(r) / len(q), rc, tc, an, ns, ar))
        print("| %s | %s | %s | %s |" % (what, tname, cells[0], cells[1]))
PY

kill -TERM "$PID" && wait "$PID"
PID=

{
	echo "$(date -u +%F), Linux $(uname -r)."
	echo "Command: \`bench/amplification.sh -w\` (one UDP query per row to \`backscatter dns\` on loopback; zone bl.example.org with the shipped TXT template, two name servers, one manual listing)."
	echo
	echo "| name | type | no EDNS: response / query bytes = ratio | rcode, records an/ns/ar | EDNS (1232, DO): response / query = ratio | rcode, records an/ns/ar |"
	echo "| --- | --- | --- | --- | --- | --- |"
	cat "$T/rows"
	echo
	echo "Names: listed \`7.113.0.203.bl.example.org\` (A 127.0.0.2 and a TXT that explains it), unlisted \`9.113.0.203\`, the apex, \`www.example.com\` (outside the zone: REFUSED, no records), and a listed name asked by a client in \`dns.refuse\`. ANY gets the A record only (RFC 8482). Queries are 32–55 bytes here (the ratio falls as the name grows); the worst ratio is the listed name's TXT, a template that may render up to 255 bytes, the rest is one record or a SOA at most. Nothing larger is sent to an unauthenticated UDP client: no NS and glue in answers to other questions, no DNSSEC, ANY minimal, REFUSED without records. A forged flood is what \`[dns] rrl_rate\` limits: a limited response is dropped or, one in \`rrl_slip\`, sent as its header and question with TC, ratio at most 1."
} >"$T/section.md"
cat "$T/section.md"

if [ "$WRITE" = 1 ]; then
	{ echo "## Amplification"; echo; cat "$T/section.md"; } >"$T/sect"
	tmp=$(mktemp "$DOC.XXXXXX") || die "mktemp next to $DOC"
	awk -v sect="$T/sect" '
		function put() { while ((getline l < sect) > 0) print l; done = 1 }
		/^## Amplification[[:space:]]*$/ { put(); skip = 1; next }
		skip && /^## / { skip = 0; print "" }
		!skip { print }
		END { if (!done) { print ""; put() } }
	' "$DOC" >"$tmp" && chmod 644 "$tmp" && mv "$tmp" "$DOC" &&
	    log "updated the Amplification section of $DOC"
fi
