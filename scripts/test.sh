#!/usr/bin/env bash
# test.sh -- install what is missing, lint, build, and run every test: once as
# built for release, once under AddressSanitizer + UndefinedBehaviorSanitizer;
# then fuzz every harness for a bounded time (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
jobs=$(nproc)

echo "== static analysis (cppcheck, clang-tidy)"
bash scripts/lint.sh

echo "== build and test (RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

echo "== build and test under ASan + UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBACKSCATTER_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j"$jobs")

echo "== fuzz every harness (libFuzzer, ASan + UBSan; FUZZ_SECONDS each)"
bash scripts/fuzz.sh
