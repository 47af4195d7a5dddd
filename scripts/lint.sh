#!/usr/bin/env bash
# lint.sh -- static analysis of src/ with cppcheck and clang-tidy; non-zero
# exit on any finding.
#
#   bash scripts/lint.sh                      # every .c file under src/
#   bash scripts/lint.sh src/trap/classify.c  # only these files
#
# Both tools get the project's own flags (include paths, defines) from
# compile_commands.json in LINT_BUILD_DIR (default build-lint; configured,
# never built). clang-tidy's checks, and why some are off, are in
# .clang-tidy. A finding that is a false positive is suppressed where it is,
# with the reason: "// cppcheck-suppress ID ; why" on the line before, or
# "// NOLINT(check): why" / "// NOLINTNEXTLINE(check): why".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${LINT_BUILD_DIR:-build-lint}
jobs=$(nproc)

tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
cppcheck=$(command -v cppcheck || true)
if [ -z "$tidy" ] || [ -z "$cppcheck" ]; then
	echo "lint.sh: needs cppcheck and clang-tidy (bash scripts/deps.sh test)" >&2
	exit 1
fi

# clang, so that clang-tidy sees exactly the flags it would compile with.
if [ ! -f "$build/CMakeCache.txt" ]; then
	CC=${CC:-clang}
	export CC
fi
cmake -S . -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    -DBACKSCATTER_TESTS=OFF >/dev/null

# Only src/: tests and benchmarks have their own idioms (abort() as the
# verdict, fixed test data). The glob in CMakeLists.txt decides which files
# exist, so a file another change just added is checked too.
mkdir -p "$build/lint"
python3 - "$root" "$build/compile_commands.json" \
    "$build/lint/compile_commands.json" "$@" <<'EOF'
import json, os, sys
root, src, dst, only = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
only = {os.path.abspath(f) for f in only}
db = []
for e in json.load(open(src)):
    f = os.path.abspath(os.path.join(e["directory"], e["file"]))
    if os.path.relpath(f, root).startswith("src" + os.sep) and \
            (not only or f in only):
        db.append(e)
if not db:
    sys.exit("lint.sh: no source file to check")
json.dump(db, open(dst, "w"), indent=1)
EOF
mapfile -t files < <(python3 -c '
import json, os, sys
for e in json.load(open(sys.argv[1])):
    print(os.path.abspath(os.path.join(e["directory"], e["file"])))
' "$build/lint/compile_commands.json")

status=0

# cppcheck is not given the system headers (it would analyse libc), so it
# gets sys/queue.h, whose list macros appear in our struct declarations.
# What it ignores everywhere, and why: scripts/cppcheck-suppressions.xml.
# No -j: cppcheck 2.10 loses the symbolName suppressions in its workers.
echo "== lint: cppcheck ${#files[@]} files"
queue=
for q in /usr/include/sys/queue.h \
    "/usr/include/$(gcc -dumpmachine 2>/dev/null)/sys/queue.h"; do
	[ -f "$q" ] && queue=$q && break
done
"$cppcheck" --project="$build/lint/compile_commands.json" \
    ${queue:+--include="$queue"} \
    --enable=warning,style,performance,portability --inline-suppr \
    --suppress-xml=scripts/cppcheck-suppressions.xml \
    --error-exitcode=1 -q \
    --template='{file}:{line}: {severity}: {id}: {message}' \
    2>"$build/lint/cppcheck.txt" || status=1
sed "s|^$root/||" "$build/lint/cppcheck.txt"

# One clang-tidy per file, $jobs at a time; a finding in a header shows
# once for every file that includes it, hence sort -u.
echo "== lint: clang-tidy ${#files[@]} files"
printf '%s\n' "${files[@]}" |
    xargs -P"$jobs" -n1 "$tidy" -p "$build/lint" --quiet \
    >"$build/lint/clang-tidy.txt" 2>"$build/lint/clang-tidy.err" || status=1
grep -E '^/.*: (warning|error): ' "$build/lint/clang-tidy.txt" |
    sed "s|^$root/||" | sort -u || true
if [ "$status" != 0 ] &&
    ! grep -qE ': (warning|error): ' "$build/lint/clang-tidy.txt" &&
    ! [ -s "$build/lint/cppcheck.txt" ]; then
	# A tool failed without a finding: show what it said.
	cat "$build/lint/clang-tidy.err" >&2
fi

if [ "$status" != 0 ]; then
	echo "lint.sh: findings; fix them or suppress a false positive in place" >&2
	exit 1
fi
echo "lint.sh: no findings"
