#!/bin/bash
# dns_data.sh -- make the DNS benchmark's data: a listed set, its files, queries.
#
# Usage: bench/dns_data.sh [-o DIR] [-n ADDRESSES] [-q QUERIES] [-s SEED]
# Defaults: DIR build/bench-dns, 1,000,000 addresses, 2,000,000 queries,
# seed 1. The same arguments always give byte-identical files, so figures
# taken on different days, or for different servers, saw the same data.
#
# Writes into DIR:
#   bl.test.ip4set	rbldnsd ip4set data for zone bl.test, one entry per
#			line, A and TXT per entry, as our rbldnsd export
#			writes them (serve as bl.test:ip4set:FILE)
#   listed.txt		the same addresses, one per line, for
#			`backscatter import --format plain`
#   queries.txt		"NAME TYPE" lines for dnsload and dnsperf:
#			50 % A of a listed address, 30 % A of an unlisted
#			one, 20 % TXT of a listed one, shuffled
# Each file is written under a temporary name and renamed, so a file
# that exists is complete.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=$ROOT/build/bench-dns
NADDR=1000000
NQUERY=2000000
SEED=1

usage() {
	echo "usage: $0 [-o DIR] [-n ADDRESSES] [-q QUERIES] [-s SEED]" >&2
	exit 2
}
while getopts o:n:q:s: opt; do
	case $opt in
	o) DIR=$OPTARG ;;
	n) NADDR=$OPTARG ;;
	q) NQUERY=$OPTARG ;;
	s) SEED=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
for v in "$NADDR" "$NQUERY" "$SEED"; do
	case $v in
	'' | *[!0-9]*) usage ;;
	esac
done
# Unlisted addresses are drawn from what is left of the ~2.9 billion
# usable ones; a cap far below that keeps the rejection loop short.
if [ "$NADDR" -lt 1 ] || [ "$NADDR" -gt 100000000 ] ||
    [ "$NQUERY" -lt 1 ] || [ "$NQUERY" -gt 100000000 ]; then
	usage
fi

mkdir -p "$DIR"
# Python's own random module is not promised to give the same sequence
# across versions for everything we use (shuffle, randrange), so the
# generator is spelled out here: splitmix64, as in bench/store_bench.c.
python3 - "$DIR" "$NADDR" "$NQUERY" "$SEED" <<'EOF'
import os
import sys

out, naddr, nquery, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4])
M = (1 << 64) - 1
state = seed & M


def rnd():
    """splitmix64: the next 64-bit value."""
    global state
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)


def below(n):
    """Uniform in [0, n): the high 32 bits scaled, bias below 2^-32 * n."""
    return ((rnd() >> 32) * n) >> 32


# Whole /8s only, leaving out every /8 that holds a special-purpose range
# (RFC 6890 and the IANA registries, as src/core/special.c lists them):
# 0, 10, 100 (100.64/10), 127, 169 (169.254/16), 172 (172.16/12), 192,
# 198 (198.18/15, 198.51.100/24), 203 (203.0.113/24) and 224 and up.
# Coarser than needed, but no address can hit a special range, so
# `backscatter import` takes every one of them.
SPECIAL_8 = {0, 10, 100, 127, 169, 172, 192, 198, 203}
OCTET1 = [o for o in range(1, 224) if o not in SPECIAL_8]


def addr():
    return (OCTET1[below(len(OCTET1))] << 24) | (rnd() & 0xFFFFFF)


def dotted(a):
    return "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                            a & 255)


def rev(a):
    return "%d.%d.%d.%d.bl.test" % (a & 255, (a >> 8) & 255,
                                    (a >> 16) & 255, a >> 24)


listed = []
seen = set()
while len(listed) < naddr:
    a = addr()
    if a not in seen:
        seen.add(a)
        listed.append(a)


def write(name, lines):
    tmp = os.path.join(out, "." + name + ".tmp")
    with open(tmp, "w") as f:
        f.writelines(lines)
    os.rename(tmp, os.path.join(out, name))


# $SOA: RFC 2308 section 3 wants the SOA in negative answers, and a
# production zone has one; without it rbldnsd's NXDOMAIN would be
# smaller than any real one.
head = [
    "# dns_data.sh: %d addresses, seed %d, zone bl.test\n" % (naddr, seed),
    "$TTL 2100\n",
    "$SOA 2100 ns.bl.test. hostmaster.bl.test. 1 3600 600 86400 300\n",
]
write("bl.test.ip4set", head + [
    "%s :127.0.0.2:%s listed for backscatter (bounce), last seen "
    "2026-11-20 10:00 UTC; see http://localhost:8080/lookup?ip=%s\n"
    % (d, d, d) for d in map(dotted, listed)])
write("listed.txt", [dotted(a) + "\n" for a in listed])

# Exact shares, then a Fisher-Yates shuffle, so the mix holds in any
# prefix of the file as well as in the whole.
n_a = nquery * 50 // 100
n_un = nquery * 30 // 100
q = []
for _ in range(n_a):
    q.append(rev(listed[below(naddr)]) + " A\n")
for _ in range(n_un):
    while True:
        a = addr()
        if a not in seen:
            break
    q.append(rev(a) + " A\n")
for _ in range(nquery - n_a - n_un):
    q.append(rev(listed[below(naddr)]) + " TXT\n")
for i in range(len(q) - 1, 0, -1):
    j = below(i + 1)
    q[i], q[j] = q[j], q[i]
write("queries.txt", q)
EOF
echo "dns_data.sh: wrote $DIR/{bl.test.ip4set,listed.txt,queries.txt}" >&2
