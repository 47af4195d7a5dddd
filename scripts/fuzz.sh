#!/usr/bin/env bash
# fuzz.sh -- build every libFuzzer harness (tests/fuzz/fuzz_*.c) with ASan and
# UBSan and fuzz each for a bounded time; non-zero exit on any finding.
#
#   bash scripts/fuzz.sh              # every harness, FUZZ_SECONDS each
#   bash scripts/fuzz.sh dns smtp     # only these targets
#
# Environment: FUZZ_SECONDS (per target; default 30, lowered so that the
# whole run stays within FUZZ_BUDGET seconds of fuzzing, default 360),
# FUZZ_JOBS (targets fuzzed at once; default nproc), FUZZ_BUILD_DIR
# (default build-fuzz), FUZZ_TIMEOUT (seconds one input may take, default
# 10), FUZZ_RSS_MB (default 2048).
#
# Each target fuzzes a fresh copy of tests/fuzz/corpus/<target>/ in
# BUILD/fuzz/<target>/corpus, so a run starts from the seeds and never
# changes them. A crash, leak, timeout, out-of-memory or UB report keeps
# the input in BUILD/fuzz/<target>/artifacts/ and the script prints the
# sanitizer report and how to reproduce it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

build=${FUZZ_BUILD_DIR:-build-fuzz}
budget=${FUZZ_BUDGET:-360}
jobs=${FUZZ_JOBS:-$(nproc)}
per_input=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}

# Every harness by glob, so a new fuzz_<target>.c is fuzzed without
# touching this script; arguments narrow the list.
targets=()
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	t=${src#tests/fuzz/fuzz_}
	t=${t%.c}
	if [ $# -gt 0 ]; then
		want=0
		for a in "$@"; do [ "$a" = "$t" ] && want=1; done
		[ $want = 1 ] || continue
	fi
	targets+=("$t")
done
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz.sh: no harness matches: $*" >&2
	exit 2
fi

n=${#targets[@]}
if [ -n "${FUZZ_SECONDS:-}" ]; then
	secs=$FUZZ_SECONDS
else
	# Rounds of $jobs targets at once must fit the budget.
	rounds=$(((n + jobs - 1) / jobs))
	secs=$((budget / rounds))
	[ "$secs" -le 30 ] || secs=30
	[ "$secs" -ge 5 ] || secs=5
fi

# Inputs longer than libFuzzer's default (4096, or the largest seed) where
# the parser reads whole messages; shorter where a longer input cannot
# matter and would only slow the search.
max_len_of() {
	case $1 in
	addr) echo 128 ;;
	proxy) echo 2200 ;;
	smtp) echo 8192 ;;
	classify) echo 16384 ;;
	*) echo "" ;;
	esac
}

echo "== fuzz: build ($build, clang, ASan + UBSan + libFuzzer)"
if [ ! -f "$build/CMakeCache.txt" ]; then
	CC=${CC:-clang}
	export CC
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBACKSCATTER_FUZZ=ON -DBACKSCATTER_TESTS=OFF >/dev/null
bins=()
for t in "${targets[@]}"; do bins+=("fuzz_$t"); done
cmake --build "$build" -j"$(nproc)" --target "${bins[@]}"

# Our own sanitizer settings, whatever the caller exported: leaks are
# findings, and UBSan stops at the first report (the build also has
# -fno-sanitize-recover=all) so libFuzzer keeps the input.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

run_one() {
	local t=$1 dir="$root/$build/fuzz/$1" opts=() ml rc=0
	rm -rf "$dir"
	mkdir -p "$dir/corpus" "$dir/artifacts"
	if [ -d "tests/fuzz/corpus/$t" ]; then
		cp -R "tests/fuzz/corpus/$t/." "$dir/corpus/"
	fi
	ml=$(max_len_of "$t")
	[ -z "$ml" ] || opts+=("-max_len=$ml")
	# The outer timeout only guards against a fuzzer that stops
	# answering; -max_total_time ends a healthy run.
	(cd "$dir" && timeout -k 10 $((secs + 120)) "$root/$build/fuzz_$t" \
	    -max_total_time="$secs" -timeout="$per_input" \
	    -rss_limit_mb="$rss_mb" -detect_leaks=1 -print_final_stats=1 \
	    -artifact_prefix="$dir/artifacts/" "${opts[@]}" corpus \
	    >"$dir/log" 2>&1) || rc=$?
	echo "$rc" >"$dir/rc"
}

echo "== fuzz: ${n} targets, ${secs} s each, ${jobs} at a time"
running=0
for t in "${targets[@]}"; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
done
wait

# The table: executions, and coverage (edges, features) after the seeds
# and at the end, from libFuzzer's INITED and last status lines.
failed=0
printf '%-10s %-8s %12s %10s %15s %15s %6s\n' target result executions \
    exec/s "cov seeds->end" "ft seeds->end" corpus
for t in "${targets[@]}"; do
	dir="$build/fuzz/$t"
	rc=$(cat "$dir/rc")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
	init=$(grep -E '^#[0-9]+[[:space:]]+INITED' "$dir/log" | tail -1 || true)
	last=$(grep -E '^#[0-9]+[[:space:]].*cov: ' "$dir/log" | tail -1 || true)
	field() { sed -n "s/.* $1: \([0-9]*\).*/\1/p" <<<"$2"; }
	[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")
	result=ok
	if [ "$rc" != 0 ]; then
		result=FAILED
		failed=1
	fi
	printf '%-10s %-8s %12s %10s %15s %15s %6s\n' "$t" "$result" \
	    "${execs:-?}" "${rate:-?}" \
	    "$(field cov "$init")->$(field cov "$last")" \
	    "$(field ft "$init")->$(field ft "$last")" \
	    "$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")"
done

for t in "${targets[@]}"; do
	dir="$build/fuzz/$t"
	rc=$(cat "$dir/rc")
	[ "$rc" != 0 ] || continue
	echo
	echo "== fuzz: $t FAILED (exit $rc); the end of $dir/log:"
	grep -v -E '^#[0-9]+[[:space:]]|^(INFO|\\x|0x|\*\*\*)' "$dir/log" |
	    tail -60 | sed 's/^/  /'
	[ "$rc" != 124 ] && [ "$rc" != 137 ] ||
		echo "  (the fuzzer stopped answering and was killed)"
	for a in "$dir"/artifacts/*; do
		[ -e "$a" ] || continue
		echo "  input kept: $a"
		echo "  reproduce:  $build/fuzz_$t -rss_limit_mb=$rss_mb" \
		    "-timeout=$per_input $a"
		echo "  once fixed, add it to the seeds (replayed by ctest):"
		echo "      cp $a tests/fuzz/corpus/$t/"
	done
done
if [ "$failed" != 0 ]; then
	echo "fuzz.sh: findings; see above" >&2
	exit 1
fi
echo "fuzz.sh: no findings"
