#!/usr/bin/env bash
# test_cli.sh -- the operator CLI as a user runs it: every command, exit codes
# 0/1/2, one-line errors, and bad input that must change no data.
# usage: test_cli.sh /path/to/backscatter
set -u
BIN=$(readlink -f "${1:?usage: test_cli.sh /path/to/backscatter}")
T=$(mktemp -d /tmp/bs-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# run EXPECTED_RC CMD...: runs backscatter, keeps stdout/stderr in $out/$err.
run() {
	local want=$1
	shift
	out=$("$BIN" "$@" 2>"$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
	if [ "$rc" -ne "$want" ]; then
		bad "backscatter $* -> rc $rc, want $want; stderr: $err"
		return 1
	fi
	ok
}
has() { # has WHAT TEXT PATTERN
	if printf '%s' "$2" | grep -qE -- "$3"; then ok; else
		bad "$1: '$3' not found in: $2"
	fi
}
hasnt() {
	if printf '%s' "$2" | grep -qE -- "$3"; then
		bad "$1: '$3' unexpectedly in: $2"
	else ok; fi
}
one_line() { # an error is exactly one line on stderr (plus an optional hint)
	local n
	n=$(printf '%s\n' "$err" | grep -cv "^Try 'backscatter")
	if [ "$n" -eq 1 ]; then ok; else bad "$1: expected one error line, got: $err"; fi
}

DB="$T/bl.db"
S=(--store "$DB")
NOW=2026-01-01T00:00:00Z

# --- help, version, usage errors ------------------------------------------
run 0 --version && has version "$out" '^backscatter [0-9]+\.[0-9]+'
run 0 --help && has help "$out" 'list add' && has help "$out" 'Exit status'
run 0 help export && has "help export" "$out" 'rbldnsd'
for cmd in "list add" "list del" "list show" "list search" "exclude add" \
	"exclude del" "exclude list" expire stats export import; do
	# shellcheck disable=SC2086
	run 0 $cmd --help && has "$cmd --help" "$out" "^usage: backscatter $cmd"
done
run 2 && has "no command" "$err" usage
run 2 frobnicate && has unknown "$err" "unknown command 'frobnicate'"
run 2 list && has "list alone" "$err" "needs a subcommand"
run 2 list frob && has "list frob" "$err" "unknown command 'list frob'"
run 2 --bogus stats && has "bad global option" "$err" "'--bogus'"
run 2 "${S[@]}" list add 192.0.2.1 --bogus && one_line "bad option"
run 2 "${S[@]}" list add && has "missing arg" "$err" "expected one"
run 2 "${S[@]}" --now yesterday stats && has "bad --now" "$err" "not a time"

# --- bad addresses are rejected before anything is created ------------------
for a in 192.0.2.256 192.0.2.1/24 1.2.3 01.2.3.4 2001:db8::/129 \
	"192.0.2.1 " fe80::1%eth0 ""; do
	run 2 "${S[@]}" list add "$a" && one_line "bad address '$a'" &&
		has "bad address '$a'" "$err" "not an IPv4/IPv6 address"
done
[ ! -e "$DB" ] && ok || bad "a rejected command created the store"
run 2 "${S[@]}" list add 192.0.2.1 --ttl soon && has "bad ttl" "$err" "duration"
run 2 "${S[@]}" list add 192.0.2.1 --reason "$(printf 'a\tb')" &&
	has "control char" "$err" "control"
run 2 "${S[@]}" list add 192.0.2.1 --reason "$(head -c 300 /dev/zero | tr '\0' x)" &&
	has "long reason" "$err" "longer than"

# --- a read command on a missing store is an error, not a new empty store ---
run 1 "${S[@]}" list show 192.0.2.1 && one_line "missing store" &&
	has "missing store" "$err" "$DB: No such file"
[ ! -e "$DB" ] && ok || bad "list show created the store"

# --- the listing lifecycle through the CLI ---------------------------------
run 0 "${S[@]}" --now $NOW list add 192.0.2.1 --reason "test listing" &&
	has "list add" "$out" "listed 192.0.2.1 for 28d"
run 0 "${S[@]}" --now $NOW list show 192.0.2.1 --json
has "show listed" "$out" '"listed":true'
has "show expiry" "$out" '"expires":"2026-01-29T00:00:00Z"'
has "show classes" "$out" '"classes":\["manual"\]'
has "show history" "$out" '"action":"list add"'
has "show reason" "$out" '"reason":"test listing"'
# Exact to the second: listed one second before expiry, not at it.
run 0 "${S[@]}" --now 2026-01-28T23:59:59Z list show 192.0.2.1 --json &&
	has "1s before expiry" "$out" '"listed":true'
run 0 "${S[@]}" --now 2026-01-29T00:00:00Z list show 192.0.2.1 --json &&
	has "at expiry" "$out" '"listed":false' && has "expired" "$out" '"state":"expired"'
run 0 "${S[@]}" --now $NOW list show 192.0.2.1 && has "text show" "$out" "^192.0.2.1: LISTED"
run 0 "${S[@]}" --now $NOW list show 192.0.2.2 && has "unlisted" "$out" "not listed"
run 0 "${S[@]}" --now $NOW list show 192.0.2.2 --json && has "unlisted json" "$out" '"listed":false'
run 0 "${S[@]}" --now $NOW list show 192.0.2.2 &&
	has "special range note" "$out" "special-purpose range 192.0.2.0/24 \(documentation\)"

run 0 "${S[@]}" --now $NOW list add 2001:db8::/64 --ttl never
run 0 "${S[@]}" --now 2099-01-01 list show 2001:db8::1:2 --json &&
	has "v6 prefix" "$out" '"prefix":"2001:db8::/64"' && has "never" "$out" '"expires":null'
run 0 "${S[@]}" --now $NOW list add 198.51.100.0/24 --ttl 1d

run 0 "${S[@]}" --now $NOW list search --json
has "search all" "$out" '"prefix":"192.0.2.1"'
has "search v6" "$out" '"prefix":"2001:db8::/64"'
run 0 "${S[@]}" --now $NOW list search --prefix 198.51.0.0/16 --json &&
	has "search prefix" "$out" '198.51.100.0/24' && hasnt "search prefix" "$out" '192.0.2.1'
run 0 "${S[@]}" --now $NOW list search --class bounce --json && has "class none" "$out" '^\[\]$'
run 0 "${S[@]}" --now $NOW list search --limit 1 && has "limit" "$err" "stopped at --limit 1"
run 2 "${S[@]}" list search --state bogus && has "bad state" "$err" "unknown state"
run 2 "${S[@]}" list search --class spam && has "bad class" "$err" "unknown class"
run 2 "${S[@]}" list search --limit -3 && has "bad limit" "$err" "--limit"

# expire journals once; the second run changes nothing.
run 0 "${S[@]}" --now 2026-01-05T00:00:00Z expire && has expire "$out" "expired 1 listing$"
run 0 "${S[@]}" --now 2026-01-05T00:00:00Z stats --json
serial1=$(printf '%s' "$out" | grep -oE '"serial":[0-9]+')
run 0 "${S[@]}" --now 2026-01-05T00:00:00Z expire && has "expire again" "$out" "expired 0 listings"
run 0 "${S[@]}" --now 2026-01-05T00:00:00Z stats --json
serial2=$(printf '%s' "$out" | grep -oE '"serial":[0-9]+')
[ "$serial1" = "$serial2" ] && ok || bad "second expire moved the serial: $serial1 $serial2"
has "stats" "$out" '"by_state":\{"pending":0,"listed":2,"delisted":0,"expired":1\}'

run 0 "${S[@]}" --now $NOW list del 192.0.2.1 --reason "fixed" && has del "$out" "delisted 192.0.2.1"
run 1 "${S[@]}" --now $NOW list del 192.0.2.1 && one_line "del twice" &&
	has "del twice" "$err" "not listed"
run 0 "${S[@]}" --now $NOW list show 192.0.2.1 --json && has "after del" "$out" '"state":"delisted"'
run 0 "${S[@]}" --now $NOW list add 192.0.2.1
run 0 "${S[@]}" --now $NOW list show 192.0.2.1 --json && has "relist" "$out" '"times_listed":2'

# --- exclusions ----------------------------------------------------------
run 0 "${S[@]}" --now $NOW exclude add 192.0.2.0/28 --reason "customer" &&
	has "exclude add" "$out" "excluded 192.0.2.0/28"
run 0 "${S[@]}" --now $NOW list show 192.0.2.1 --json &&
	has "excluded" "$out" '"listed":false' && has "excluded by" "$out" '"excluded_by":"192.0.2.0/28"'
run 1 "${S[@]}" --now $NOW list add 192.0.2.4 && one_line "add inside exclusion" &&
	has "inside exclusion" "$err" "inside the exclusion 192.0.2.0/28"
run 0 "${S[@]}" exclude list && has "exclude list" "$out" "192.0.2.0/28 .*customer"
run 0 "${S[@]}" exclude list --json && has "exclude json" "$out" '"prefix":"192.0.2.0/28"'
run 0 "${S[@]}" --now $NOW exclude del 192.0.2.0/28
run 1 "${S[@]}" --now $NOW exclude del 192.0.2.0/28 && has "exclude del twice" "$err" "not an exclusion"

# --- export and import ----------------------------------------------------
for f in rbldnsd bind postfix csv json; do
	run 0 "${S[@]}" --now $NOW export --format $f -o "$T/out.$f"
	[ -s "$T/out.$f" ] && ok || bad "export $f wrote nothing"
done
has "export csv" "$(cat "$T/out.csv")" '^2001:db8::/64,'
run 2 "${S[@]}" export && has "export no format" "$err" "--format is required"
run 2 "${S[@]}" export --format xml && has "export bad format" "$err" "unknown format 'xml'"
run 1 "${S[@]}" export --format csv -o /nonexistent/dir/out.csv && one_line "export unwritable"

run 0 "${S[@]}" --now $NOW stats --json
before=$(printf '%s' "$out" | grep -oE '"serial":[0-9]+')
printf '# a plain list\n203.0.113.5\n203.0.113.64/26\n\n2001:db8:5::1\n' >"$T/plain.txt"
printf '203.0.113.7\nnot-an-address\n203.0.113.8\n' >"$T/broken.txt"
run 1 "${S[@]}" --now $NOW import "$T/broken.txt" && one_line "import broken" &&
	has "import broken" "$err" "broken.txt:2:" && has "import nothing" "$err" "nothing imported"
run 0 "${S[@]}" --now $NOW stats --json
after=$(printf '%s' "$out" | grep -oE '"serial":[0-9]+')
[ "$before" = "$after" ] && ok || bad "a failed import changed the store ($before -> $after)"
run 0 "${S[@]}" --now $NOW list show 203.0.113.7 --json && has "nothing imported" "$out" '"listed":false'
run 0 "${S[@]}" --now $NOW import "$T/plain.txt" --reason migrated &&
	has import "$out" "imported 3 listings and 0 exclusions"
run 0 "${S[@]}" --now $NOW list show 203.0.113.100 --json && has "imported /26" "$out" '"listed":true'
run 1 "${S[@]}" import "$T/missing.txt" && has "import missing" "$err" "missing.txt: No such file"
# Round trip: what export writes, import reads back into a fresh store.
run 0 "${S[@]}" --now $NOW export --format rbldnsd -o "$T/rt.rbldnsd"
run 0 --store "$T/rt.db" --now $NOW import "$T/rt.rbldnsd"
run 0 --store "$T/rt.db" --now $NOW export --format csv
cut -d, -f1 <<<"$out" >"$T/rt.b"
run 0 "${S[@]}" --now $NOW export --format csv
cut -d, -f1 <<<"$out" >"$T/rt.a"
cmp -s "$T/rt.a" "$T/rt.b" && ok || bad "rbldnsd round trip differs: $(diff "$T/rt.a" "$T/rt.b")"

# --- configuration ---------------------------------------------------------
printf '[listing]\nttl = 2d\n' >"$T/good.conf"
run 0 -c "$T/good.conf" "${S[@]}" --now $NOW list add 198.51.100.7 && has "config ttl" "$out" "for 2d"
printf '[store]\npath = %s\n[listing]\nttl = 2d\nbogus = 1\n' "$DB" >"$T/bad.conf"
run 1 -c "$T/bad.conf" stats && one_line "bad config" && has "bad config" "$err" "bad.conf:5:"
printf '[listing]\nttl = forever\n' >"$T/bad2.conf"
run 1 -c "$T/bad2.conf" "${S[@]}" stats && has "bad value" "$err" "bad2.conf:2:"
run 1 -c "$T/nope.conf" "${S[@]}" stats && has "missing config" "$err" "nope.conf"
printf '[store]\npath = %s/other.db\n' "$T" >"$T/path.conf"
run 0 -c "$T/path.conf" list add 198.51.100.9
[ -e "$T/other.db" ] && ok || bad "store.path from config not used"
run 0 -c "$T/path.conf" "${S[@]}" list show 198.51.100.9 --json &&
	has "--store overrides store.path" "$out" '"listed":false'

# --- a store that is not ours, or broken, is refused and left untouched ------
head -c 8192 /dev/urandom >"$T/junk.db"
sum=$(md5sum <"$T/junk.db")
run 1 --store "$T/junk.db" list add 198.51.100.1 && one_line "junk store"
[ "$sum" = "$(md5sum <"$T/junk.db")" ] && ok || bad "junk store was modified"
sqlite3 "$T/foreign.db" 'CREATE TABLE customers (name TEXT);'
run 1 --store "$T/foreign.db" list add 198.51.100.1 && has "foreign" "$err" "not a backscatter store"
[ "$(sqlite3 "$T/foreign.db" .tables)" = customers ] && ok || bad "foreign db got our tables"

# --- a locked store: writers fail after busy_timeout, readers still read -----
printf '[store]\nbusy_timeout = 1s\n' >"$T/lock.conf"
(printf 'BEGIN IMMEDIATE;\nINSERT INTO audit (t, who, action) VALUES (0, "x", "lock");\n.shell sleep 4\nCOMMIT;\n' |
	sqlite3 "$DB") &
holder=$!
sleep 1
run 1 -c "$T/lock.conf" "${S[@]}" --now $NOW list add 198.51.100.2 && one_line "locked" &&
	has "locked" "$err" "locked"
run 0 -c "$T/lock.conf" "${S[@]}" --now $NOW list show 198.51.100.7 --json &&
	has "read while locked" "$out" '"listed":true'
wait "$holder"
run 0 "${S[@]}" --now $NOW list show 198.51.100.2 --json && has "nothing written" "$out" '"listed":false'

# --- a read-only directory: clear error, no data changed --------------------
mkdir "$T/ro"
run 0 --store "$T/ro/bl.db" --now $NOW list add 198.51.100.3
cp "$BIN" "$T/ro-bin" && chmod 755 "$T" "$T/ro-bin"
chmod 755 "$T/ro" && chmod 644 "$T/ro/bl.db"*
if [ "$(id -u)" -eq 0 ]; then
	ro=(setpriv --reuid=nobody --regid=nogroup --clear-groups "$T/ro-bin")
else
	chmod 555 "$T/ro"
	ro=("$T/ro-bin")
fi
[ "$(id -u)" -eq 0 ] && chmod 555 "$T/ro" && chmod 444 "$T/ro/bl.db"*
sum=$(md5sum <"$T/ro/bl.db")
out=$("${ro[@]}" --store "$T/ro/bl.db" --now $NOW list add 198.51.100.4 2>"$T/stderr")
rc=$?
err=$(cat "$T/stderr")
[ "$rc" -eq 1 ] && ok || bad "read-only dir: rc $rc, want 1 ($err)"
one_line "read-only dir"
has "read-only names the store" "$err" "$T/ro/bl.db"
[ "$sum" = "$(md5sum <"$T/ro/bl.db")" ] && ok || bad "read-only store changed"
chmod 755 "$T/ro"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
