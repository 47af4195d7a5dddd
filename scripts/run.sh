#!/usr/bin/env bash
# run.sh -- install what is missing, build, and run backscatter from this
# checkout with the store under ./var/. Arguments go to backscatter;
# without any it shows the store's statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBACKSCATTER_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
if [ $# -eq 0 ]; then
	# The daemons (backscatter serve) arrive with the trap and DNS server;
	# until then the operator CLI is the main job.
	[ -e var/backscatter.db ] || ./build/backscatter list add 192.0.2.1 \
		--reason "first run: a documentation address as a sample listing" >/dev/null
	set -- stats
fi
exec ./build/backscatter "$@"
