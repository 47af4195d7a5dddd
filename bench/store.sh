#!/bin/bash
# store.sh -- run the store benchmark and record it in docs/benchmarks.md.
#
# Usage: bench/store.sh [store_bench options, e.g. -n 100000 -a 20000]
# BUILD=DIR picks the build directory (default: build, Release).
# Rewrites only the "## Store" section of docs/benchmarks.md.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
DOC=$ROOT/docs/benchmarks.md
COMMAND="bench/store.sh${*:+ $*}"
[ "$BUILD" != "$ROOT/build" ] && COMMAND="BUILD=${BUILD#"$ROOT"/} $COMMAND"

# Timings of a debug build mean nothing: configure Release if needed.
if ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$BUILD/CMakeCache.txt" \
    2>/dev/null; then
	cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$BUILD" -j"$(nproc)" --target store_bench backscatter \
    >/dev/null

# On the build's disk, not a tmpfs: fsync must cost what it costs.
WORK=$BUILD/bench-store
rm -rf "$WORK"
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

echo "running store_bench (a few minutes)..." >&2
"$BUILD/store_bench" -d "$WORK" "$@" | tee "$WORK/figures" >&2

val() {
	awk -v k="$1" '$1 == k { print $2 }' "$WORK/figures"
}

# The real command on the store the benchmark left, as of the
# benchmark's end (2025-01-01), when all its listings are active.
t0=$(date +%s%N)
"$BUILD/backscatter" --store "$WORK/bench.db" --now 2025-01-01T00:00:00Z \
    export --format rbldnsd -o "$WORK/bl.rbldnsd"
t1=$(date +%s%N)
export_s=$(awk -v a="$t0" -v b="$t1" \
    'BEGIN { printf "%.2f", (b - a) / 1e9 }')
export_bytes=$(stat -c %s "$WORK/bl.rbldnsd")
export_lines=$(grep -c -v -e '^#' -e '^\$' -e '^$' "$WORK/bl.rbldnsd" ||
    true)

# The statistics every /metrics scrape and /stats page read, on the
# same store: the median of five calls.
stats_s=$(for _ in 1 2 3 4 5; do
	t0=$(date +%s%N)
	"$BUILD/backscatter" --store "$WORK/bench.db" \
	    --now 2025-01-01T00:00:00Z stats >/dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
done | sort -n | sed -n 3p)

mib() {
	awk -v n="$1" 'BEGIN { printf "%.1f MiB", n / 1048576 }'
}
num() {		# 1234567 -> 1,234,567
	printf '%s' "$1" |
	    sed -e :a -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e ta
}
row() {
	printf '| %s | %s |\n' "$1" "$2"
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
sqlite=$(pkg-config --modversion sqlite3 2>/dev/null || echo "?")
fs=$(df -T "$WORK" | awk 'NR == 2 { print $2 }')
hits=$(num "$(val hits)")
full="$(num "$(val sync_full_hits_per_s)") hits/s"
full="$full ($(num "$(val sync_full_hits)") hits)"
export="$export_s s, $(mib "$export_bytes")"
export="$export, $(num "$export_lines") entries"
lookup="$(num "$(val lookups_per_s)") lookups/s"
lookup="$lookup ($(num "$(val lookups)") lookups, half of them listed)"

SECTION=$WORK/section.md
{
	echo "## Store"
	echo
	echo "$(date -u +%Y-%m-%d), $(nproc) × ${cpu:-unknown CPU}," \
	    "$(uname -sr), SQLite $sqlite, Release build, store on $fs."
	echo "Command: \`$COMMAND\` (runs \`store_bench\`, then the CLI" \
	    "export)."
	echo
	row what figure
	row --- ---
	row "hits, one transaction each (synchronous=NORMAL, WAL)" \
	    "$(num "$(val single_hits_per_s)") hits/s ($hits hits)"
	row "hits, one transaction each, synchronous=FULL (fsync each)" \
	    "$full"
	row "hits in batches of $(val batch_size) (\`store_record_hits\`)" \
	    "$(num "$(val batched_hits_per_s)") hits/s ($hits hits)"
	row "store size after $hits hits" "$(mib "$(val db_bytes)")"
	row "active listings" "$(num "$(val listings)")"
	row "\`backscatter export --format rbldnsd\`" "$export"
	row "\`export_write\` alone (in process)" "$(val export_s) s"
	row "\`backscatter stats\` (median of 5)" "$stats_s ms"
	row "\`store_lookup\`" "$lookup"
	echo
	echo "Workload: $(num "$(val addresses)") distinct addresses" \
	    "from a fixed splitmix64 seed, one in ten IPv6, none in a" \
	    "special-purpose range; every address is hit once, the other" \
	    "hits pick any address; classes 45 % bounce, 25 % callout," \
	    "20 % auto-reply, 10 % other (evidence only); hit times spread" \
	    "over the 27 days before 2025-01-01, so every listing is active" \
	    "at the end. Lookups stop after 20 s if not done. Figures depend" \
	    "on the disk and on what else runs: repeat and compare medians" \
	    "before drawing conclusions."
} >"$SECTION"

# Replace the "## Store" section (up to the next "## " heading), or
# append it; create the file if there is none.
if [ ! -f "$DOC" ]; then
	mkdir -p "$(dirname "$DOC")"
	printf '# Benchmarks\n\n%s\n' \
	    "Each section is written by the script it names." >"$DOC"
fi
awk -v sect="$SECTION" '
	function put() { while ((getline l < sect) > 0) print l; done = 1 }
	/^## Store[[:space:]]*$/ { if (!done) { if (NR > 1) print ""; put() }
	    skip = 1; next }
	skip && /^## / { skip = 0; print "" }
	!skip { print }
	END { if (!done) { print ""; put() } }
' "$DOC" | cat -s >"$WORK/doc.md"
cp "$WORK/doc.md" "$DOC"
echo "updated $DOC" >&2
