#!/usr/bin/env bash
# deps.sh -- install the Debian packages backscatter needs: `deps.sh build` for
# building and running, `deps.sh test` for that plus the test peers.
set -euo pipefail

build_pkgs=(gcc make cmake pkg-config libsqlite3-dev libinih-dev libevent-dev
	libssl-dev libcmark-dev libc-ares-dev libmilter-dev zlib1g-dev
	libjansson-dev)
test_pkgs=(libcmocka-dev sqlite3 rbldnsd bind9-dnsutils knot-dnsutils unbound
	python3 dnsperf clang curl cppcheck clang-tidy
	libclang-rt-14-dev util-linux procps iproute2 swaks libnet-ssleay-perl postfix
	chromium nodejs spamassassin rspamd graphviz nsd knot systemd)

want=("${build_pkgs[@]}")
if [ "${1:-build}" = test ]; then
	want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
# npm separately: a nodejs from NodeSource provides it and conflicts with
# Debian's package of that name.
if [ "${1:-build}" = test ] && ! command -v npm >/dev/null 2>&1; then
	missing+=(npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages: ${missing[*]};" \
		    "run as root or install them" >&2
		exit 1
	fi
	echo "deps.sh: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# Postfix is a test peer only: "No configuration" keeps the system
	# instance from being set up or started; tests run private instances
	# (postfix -c DIR).
	echo 'postfix postfix/main_mailer_type select No configuration' |
		debconf-set-selections
	apt_opts=(-y -q -o DPkg::Lock::Timeout=300)
	apt-get "${apt_opts[@]}" update >/dev/null
	apt-get "${apt_opts[@]}" install --no-install-recommends \
	    "${missing[@]}" >/dev/null
fi

# Exim conflicts with postfix in apt: the tests use its unmodified Debian
# binaries unpacked aside (scripts/peers.sh; a second run only checks).
if [ "${1:-build}" = test ] && [ "$(id -u)" -eq 0 ]; then
	bash "$(dirname "$0")/peers.sh"
fi
