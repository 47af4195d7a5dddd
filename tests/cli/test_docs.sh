#!/usr/bin/env bash
# test_docs.sh -- the deployment diagram in docs/ is what its Graphviz source
# draws: the source renders, and the SVG in the tree has the same nodes,
# edges and labels as a fresh rendering (the layout itself may differ with
# the fonts of the machine, so coordinates are not compared).
# usage: test_docs.sh /path/to/backscatter (unused; the docs are checked)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DOT=$ROOT/docs/deployment.dot
SVG=$ROOT/docs/deployment.svg
if ! command -v dot >/dev/null; then
	echo "FAIL: dot (graphviz) is not installed: bash scripts/deps.sh test" >&2
	exit 1
fi
T=$(mktemp -d /tmp/bs-docs-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
if ! dot -Tsvg "$DOT" -o "$T/fresh.svg" 2>"$T/err"; then
	echo "FAIL: $DOT does not render: $(cat "$T/err")" >&2
	exit 1
fi
# What a diagram says: its titles (nodes, edges) and its texts, in order.
words() { grep -oE '<(title|text)[^>]*>[^<]*' "$1" | sed 's/^<[^>]*>//'; }
words "$T/fresh.svg" >"$T/fresh.txt"
words "$SVG" >"$T/tree.txt"
if ! diff -u "$T/tree.txt" "$T/fresh.txt" >"$T/diff"; then
	echo "FAIL: docs/deployment.svg is not what docs/deployment.dot draws;" \
		"regenerate it: dot -Tsvg docs/deployment.dot -o docs/deployment.svg" >&2
	cat "$T/diff" >&2
	fail=1
fi
# The page shows the diagram and says where it comes from.
grep -q 'deployment.svg' "$ROOT/docs/deployment.md" || {
	echo "FAIL: docs/deployment.md does not show deployment.svg" >&2
	fail=1
}
[ "$(wc -l <"$T/fresh.txt")" -gt 20 ] || {
	echo "FAIL: the diagram has almost nothing in it" >&2
	fail=1
}
[ $fail -eq 0 ] && echo "docs: ok"
exit $fail
