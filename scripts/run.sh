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
	# `expire` creates the store on the first run and is idempotent.
	./build/backscatter expire >/dev/null
	set -- stats
fi
exec ./build/backscatter "$@"
