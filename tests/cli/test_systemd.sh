#!/usr/bin/env bash
# test_systemd.sh -- the units in etc/systemd/ are what systemd accepts:
# `systemd-analyze verify` loads each (ExecStart pointed at the built
# binary) with no complaint at all (it exits 0 even for an unknown key, so
# any message is a failure), and each keeps the sandbox and the reload
# the documentation promises.
# usage: test_systemd.sh /path/to/backscatter
set -u
BIN=$(readlink -f "${1:?usage: test_systemd.sh /path/to/backscatter}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v systemd-analyze >/dev/null; then
	echo "FAIL: systemd-analyze is missing: bash scripts/deps.sh test" >&2
	exit 1
fi
T=$(mktemp -d /tmp/bs-systemd-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
bad() {
	echo "FAIL: $*" >&2
	fail=1
}

units=("$ROOT"/etc/systemd/*.service)
[ "${#units[@]}" -ge 2 ] || bad "no units in etc/systemd/"
[ -f "$ROOT/etc/systemd/backscatter.service" ] ||
	bad "etc/systemd/backscatter.service is missing"
for u in "${units[@]}"; do
	name=$(basename "$u")
	sed "s#^ExecStart=/usr/local/sbin/backscatter #ExecStart=$BIN #" \
		"$u" >"$T/$name"
	grep -q "^ExecStart=$BIN -c " "$T/$name" ||
		bad "$name: ExecStart does not run /usr/local/sbin/backscatter"
	for key in 'ExecReload=/bin/kill -HUP \$MAINPID' 'User=backscatter' \
	    'StateDirectory=backscatter' 'ProtectSystem=strict' \
	    'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
	    'NoNewPrivileges=yes' \
	    'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' \
	    'AmbientCapabilities=CAP_NET_BIND_SERVICE' \
	    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
	    'SystemCallFilter=@system-service' 'MemoryDenyWriteExecute=yes' \
	    'LockPersonality=yes' 'Type=simple'; do
		grep -qx -- "$key" "$u" || bad "$name: no line '$key'"
	done
	# The command it runs exists and takes -c.
	cmd=$(sed -n 's#^ExecStart=/usr/local/sbin/backscatter -c [^ ]* ##p' "$u")
	"$BIN" "$cmd" --help >/dev/null 2>&1 ||
		bad "$name: 'backscatter $cmd' is not a command"
done
# Offline: no running systemd needed. --man=no: no man pages installed.
if ! (cd "$T" && systemd-analyze verify --man=no ./*.service) \
    >"$T/out" 2>&1; then
	bad "systemd-analyze verify failed: $(cat "$T/out")"
elif [ -s "$T/out" ]; then
	bad "systemd-analyze verify complained: $(cat "$T/out")"
fi
# A broken unit is caught: the check itself works.
cp "$T/backscatter.service" "$T/broken.service"
echo "ProtectSystm=strict" >>"$T/broken.service"
(cd "$T" && systemd-analyze verify --man=no ./broken.service) >"$T/out" 2>&1
grep -q "ProtectSystm" "$T/out" || bad "verify did not notice an unknown key"
exit "$fail"
