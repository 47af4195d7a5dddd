#!/usr/bin/env bash
# run.sh -- install what is missing, build, and run backscatter from this
# checkout with the store under ./var/. Arguments go to backscatter;
# without any it runs `backscatter serve`: the trap on 127.0.0.1:2525 and
# the DNS server on 127.0.0.1:5353 (Ctrl-C stops both).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBACKSCATTER_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
if [ $# -eq 0 ]; then
	set -- serve
fi
# The daemons refuse to run as root without [process] user; this is a
# development run on loopback ports. Production: README, "Running in
# production", and etc/systemd/.
if [ "$(id -u)" = 0 ]; then
	export BACKSCATTER_ALLOW_ROOT="${BACKSCATTER_ALLOW_ROOT:-1}"
fi
exec ./build/backscatter "$@"
