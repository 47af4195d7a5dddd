#!/bin/bash
# run.sh -- the rbldnsd feed ([feed] path, /download/ZONE.rbldnsd.gz): a
# real rbldnsd serving the file backscatter rewrites follows an added and
# a removed listing; the HTTP download gunzips to the same bytes, with
# ETag/Last-Modified and 304 answers; a reader never sees the file
# half-written while a big list is rewritten again and again.
#
# Usage: bash run.sh /path/to/backscatter
# Exit: 0 pass, 1 fail, 77 skip (rbldnsd, dig, curl or python3 missing).
set -u

BIN=${1:?usage: run.sh /path/to/backscatter}
ZONE=bl.test

for tool in rbldnsd dig curl python3 gzip; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed"
		exit 77
	fi
done

TMP=$(mktemp -d /tmp/bs-feed-XXXXXX) || exit 1
WEB_PID= RBL_PID= READER_PID=
fail() {
	echo "FAIL: $*" >&2
	for f in web.log rbldnsd.log reader.log; do
		if [ -s "$TMP/$f" ]; then
			echo "--- $f:" >&2
			tail -n 15 "$TMP/$f" >&2
		fi
	done
	exit 1
}
cleanup() {
	# Only what this script started, by PID.
	for p in $READER_PID $RBL_PID $WEB_PID; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
# rbldnsd drops root for "nobody"; it must still read the feed.
chmod 755 "$TMP"
mkdir -m 755 "$TMP/feed"
FEED=$TMP/feed/$ZONE.rbldnsd

. "$(dirname "$0")/../../lib/ports.sh"
PORTS=$(free_ports 2) || fail "no free port"
read -r WPORT DPORT <<<"$PORTS"

cat >"$TMP/bs.conf" <<EOF
[dns]
zone = $ZONE
[feed]
path = $FEED
interval = 1s
[web]
listen = 127.0.0.1:$WPORT
EOF
bs() {
	timeout 60 "$BIN" -c "$TMP/bs.conf" --store "$TMP/bs.db" "$@"
}
bs list add 192.0.2.1 >/dev/null || fail "list add 192.0.2.1"

timeout 300 "$BIN" -c "$TMP/bs.conf" --store "$TMP/bs.db" web \
    >"$TMP/web.log" 2>&1 &
WEB_PID=$!
for _ in $(seq 1 100); do
	[ -s "$FEED" ] && break
	kill -0 "$WEB_PID" 2>/dev/null || fail "web exited"
	sleep 0.2
done
[ -s "$FEED" ] || fail "the feed file was not written"
grep -q '^192\.0\.2\.1 :127\.0\.0\.2:' "$FEED" || fail "192.0.2.1 not in feed"

USEROPT=()
[ "$(id -u)" -eq 0 ] && USEROPT=(-u nobody)
# -c 1: look for a changed file every second (rbldnsd(8)).
timeout 280 rbldnsd -n "${USEROPT[@]}" -c 1 -b "127.0.0.1/$DPORT" \
    "$ZONE:combined:$FEED" >"$TMP/rbldnsd.log" 2>&1 &
RBL_PID=$!

ask() {	# ask NAME: the A answer, or the status word
	local out
	out=$(timeout 10 dig @127.0.0.1 -p "$DPORT" +time=2 +tries=1 \
	    "$1.$ZONE" A 2>/dev/null) || { echo "noanswer"; return; }
	if grep -q 'status: NXDOMAIN' <<<"$out"; then
		echo NXDOMAIN
	else
		awk '$4 == "A" { print $5 }' <<<"$out" | head -n 1
	fi
}
wait_for() {	# wait_for NAME WANT WHAT: rbldnsd answers WANT within 30 s
	local got=
	for _ in $(seq 1 150); do
		got=$(ask "$1")
		[ "$got" = "$2" ] && return 0
		kill -0 "$RBL_PID" 2>/dev/null || fail "rbldnsd exited"
		sleep 0.2
	done
	fail "$3: rbldnsd answers '$got' for $1, want $2"
}
wait_for 1.2.0.192 127.0.0.2 "first load"
wait_for 2.2.0.192 NXDOMAIN "before the add"

bs list add 192.0.2.2 >/dev/null || fail "list add 192.0.2.2"
wait_for 2.2.0.192 127.0.0.2 "added listing"
bs list del 192.0.2.1 >/dev/null || fail "list del 192.0.2.1"
wait_for 1.2.0.192 NXDOMAIN "removed listing"
echo "ok: rbldnsd follows the feed (add and delete)"

# ---- HTTP download -------------------------------------------------
URL=http://127.0.0.1:$WPORT/download/$ZONE.rbldnsd.gz
fetch() {	# fetch OUT [curl args]: prints the status
	local out=$1
	shift
	timeout 30 curl -s -o "$out" -D "$TMP/h.txt" -w '%{http_code}' "$@" \
	    "$URL"
}
# The feed may still be rewriting the last change: take the file and
# the download when both have settled on the same ETag.
ok=
for _ in $(seq 1 50); do
	code=$(fetch "$TMP/dl.gz") || fail "curl"
	[ "$code" = 200 ] || fail "download: HTTP $code"
	etag=$(awk 'tolower($1) == "etag:" { print $2 }' "$TMP/h.txt" |
	    tr -d '\r')
	lastmod=$(sed -n 's/^[Ll]ast-[Mm]odified: //p' "$TMP/h.txt" |
	    tr -d '\r')
	ctype=$(sed -n 's/^[Cc]ontent-[Tt]ype: //p' "$TMP/h.txt" | tr -d '\r')
	gzip -dc "$TMP/dl.gz" >"$TMP/dl.txt" 2>/dev/null ||
	    fail "the download is not gzip"
	if cmp -s "$TMP/dl.txt" "$FEED"; then
		ok=1
		break
	fi
	sleep 0.2
done
[ -n "$ok" ] || fail "the download does not gunzip to the feed file"
[ "$ctype" = application/gzip ] || fail "Content-Type '$ctype'"
want=\"$(sha256sum "$FEED" | cut -c1-32)\"
[ "$etag" = "$want" ] || fail "ETag $etag, want $want"
[ -n "$lastmod" ] || fail "no Last-Modified"
grep -q '^192\.0\.2\.2 ' "$TMP/dl.txt" || fail "download lacks 192.0.2.2"

code=$(fetch "$TMP/304.out" -H "If-None-Match: $etag") || fail "curl"
[ "$code" = 304 ] || fail "If-None-Match: HTTP $code, want 304"
[ ! -s "$TMP/304.out" ] || fail "304 with a body"
code=$(fetch "$TMP/304.out" -H "If-None-Match: W/\"x\", $etag") ||
    fail "curl"
[ "$code" = 304 ] || fail "If-None-Match list: HTTP $code, want 304"
code=$(fetch "$TMP/304.out" -H "If-Modified-Since: $lastmod") ||
    fail "curl"
[ "$code" = 304 ] || fail "If-Modified-Since: HTTP $code, want 304"
code=$(fetch "$TMP/x.out" -H 'If-None-Match: "0000"') || fail "curl"
[ "$code" = 200 ] || fail "other ETag: HTTP $code, want 200"
code=$(fetch "$TMP/x.out" \
    -H 'If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT') || fail "curl"
[ "$code" = 200 ] || fail "old If-Modified-Since: HTTP $code, want 200"
# If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
code=$(fetch "$TMP/x.out" -H 'If-None-Match: "0000"' \
    -H "If-Modified-Since: $lastmod") || fail "curl"
[ "$code" = 200 ] || fail "INM beats IMS: HTTP $code, want 200"
code=$(timeout 30 curl -s -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$WPORT/download/other.zone.rbldnsd.gz") || fail curl
[ "$code" = 404 ] || fail "unknown zone: HTTP $code, want 404"
echo "ok: download, ETag, Last-Modified, 304s and 404"

# ---- atomic rewrites -----------------------------------------------
# 30000 listings make each rewrite take a while; a reader opens and
# reads the file as fast as it can while the list changes every second.
python3 - "$TMP/big.txt" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(30000):
        f.write("10.%d.%d.%d\n" % (100 + i // 65536, (i // 256) % 256,
                                  i % 256))
EOF
bs import "$TMP/big.txt" >/dev/null || fail "import"

cat >"$TMP/reader.py" <<'EOF'
# Reads the feed until told to stop; every read must be a whole file
# (header first, the IPv6 section that is written last, a final
# newline), and a file once opened must never change: rewrites replace
# it (a new inode) instead of writing into it.
import os, sys, time
path, stop = sys.argv[1], sys.argv[2]
reads, inodes = 0, set()
while not os.path.exists(stop):
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        print("feed missing"); sys.exit(1)
    st0 = os.fstat(fd)
    chunks = []
    while True:
        b = os.read(fd, 1 << 20)
        if not b:
            break
        chunks.append(b)
    data = b"".join(chunks)
    time.sleep(0.01)
    st1 = os.fstat(fd)
    os.close(fd)
    reads += 1
    inodes.add(st0.st_ino)
    if (st0.st_size, st0.st_mtime_ns) != (st1.st_size, st1.st_mtime_ns) \
            or len(data) != st0.st_size:
        print("file changed while open: inode %d" % st0.st_ino)
        sys.exit(1)
    if not data.startswith(b"# backscatter ") or not data.endswith(b"\n") \
            or b"\n$DATASET ip6trie:backscatter6 @\n" not in data:
        print("partial file read (%d bytes)" % len(data))
        sys.exit(1)
print("reads=%d inodes=%d" % (reads, len(inodes)))
sys.exit(0 if len(inodes) >= 3 else 2)
EOF
python3 "$TMP/reader.py" "$FEED" "$TMP/stop" >"$TMP/reader.log" 2>&1 &
READER_PID=$!
for i in $(seq 1 6); do
	bs list add "192.0.2.$((100 + i))" >/dev/null || fail "list add"
	sleep 1.5
done
# Let the last change be written, then stop the reader.
for _ in $(seq 1 100); do
	grep -q '^192\.0\.2\.106 ' "$FEED" && break
	sleep 0.2
done
touch "$TMP/stop"
wait "$READER_PID"
rc=$?
READER_PID=
[ $rc -eq 0 ] || fail "reader: $(cat "$TMP/reader.log")"
echo "ok: atomic rewrites ($(cat "$TMP/reader.log"))"
[ "$(grep -c '^10\.' "$FEED")" -eq 30000 ] || fail "big list incomplete"
ls "$TMP/feed" | grep -q '\.tmp\.' && fail "temporary files left behind"
wait_for 106.2.0.192 127.0.0.2 "big list"

kill "$WEB_PID"
wait "$WEB_PID"
rc=$?
WEB_PID=
[ $rc -eq 0 ] || fail "web exited $rc on SIGTERM"
echo "PASS"
exit 0
