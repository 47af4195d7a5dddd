#!/usr/bin/env bash
# peers.sh -- unpack Exim for the integration tests, as root, idempotently.
#
# exim4-daemon-light cannot be apt-installed next to Postfix (both
# provide and conflict on mail-transport-agent), and the tests need both.
# So the unmodified Debian packages are fetched with `apt-get download`
# and unpacked with `dpkg-deb -x` into a directory of our own; the
# libraries the binary needs are installed from apt, and the user
# Debian-exim, compiled into the binary, is created. The tests run that
# binary with their own configuration (exim4 -C FILE); nothing is set up
# system-wide, no daemon is started, /etc/exim4 is not used.
#
# Usage: scripts/peers.sh [DIR]	(default: /var/cache/backscatter-peers)
# Result: DIR/exim-root/usr/sbin/exim4, what tests/integration/mailservers
# runs by default ($EXIM overrides it). Exit 0 when it is there and runs.
# A second run does nothing but check. Recipe: shared/peers/install.sh.
set -euo pipefail

DIR=${1:-${BACKSCATTER_PEERS:-/var/cache/backscatter-peers}}
ROOT=$DIR/exim-root
EXIM=$ROOT/usr/sbin/exim4
DEBS=(exim4-daemon-light exim4-base exim4-config)
LIBS=(libgnutls-dane0 libidn12 libdb5.3 libpcre2-8-0 libnsl2)

log() { echo "peers.sh: $*" >&2; }

# The binary is there, finds its libraries and its user: nothing to do.
# (-C /dev/null: -bV wants a configuration, and /etc/exim4 has none.)
ready() {
	[ -x "$EXIM" ] && getent passwd Debian-exim >/dev/null &&
	    "$EXIM" -C /dev/null -bV >/dev/null 2>&1
}
if ready; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	log "Exim is not unpacked in $ROOT; run as root"
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o DPkg::Lock::Timeout=300)
# Only what is missing, so that a second run does not touch apt.
missing=()
for p in "${LIBS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	apt-get "${apt_opts[@]}" install --no-install-recommends \
	    "${missing[@]}" >/dev/null ||
	{ apt-get "${apt_opts[@]}" update >/dev/null &&
	    apt-get "${apt_opts[@]}" install --no-install-recommends \
	    "${missing[@]}" >/dev/null; }
fi

if [ ! -x "$EXIM" ]; then
	mkdir -p "$DIR"
	# Every directory on the way must be searchable by Debian-exim.
	chmod 755 "$DIR"
	work=$(mktemp -d "$DIR/.unpack-XXXXXX")
	trap 'rm -rf "$work"' EXIT
	chmod 755 "$work"
	# _apt cannot write to a root-owned directory: the download is
	# "unsandboxed", which apt notes and which is fine here.
	if ! (cd "$work" && apt-get -q download "${DEBS[@]}") >/dev/null 2>&1
	then
		apt-get "${apt_opts[@]}" update >/dev/null
		(cd "$work" && apt-get -q download "${DEBS[@]}") >/dev/null 2>&1 ||
		{ log "apt-get download ${DEBS[*]} failed"; exit 1; }
	fi
	mkdir -p "$work/root"
	for f in "$work"/*.deb; do
		dpkg-deb -x "$f" "$work/root"
	done
	[ -x "$work/root/usr/sbin/exim4" ] ||
	    { log "no usr/sbin/exim4 in the packages"; exit 1; }
	# In place in one step: a half-unpacked tree is never seen.
	rm -rf "$ROOT"
	mv "$work/root" "$ROOT"
	chmod 755 "$ROOT"
	log "unpacked $(ls "$work"/*.deb | xargs -n1 basename | tr '\n' ' ')into $ROOT"
fi

getent passwd Debian-exim >/dev/null ||
    useradd -r -U -d /nonexistent -s /usr/sbin/nologin Debian-exim

if ! ready; then
	log "$EXIM does not run: $("$EXIM" -C /dev/null -bV 2>&1 | head -n 3)"
	exit 1
fi
log "Exim ready: $EXIM"
