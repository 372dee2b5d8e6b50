#!/usr/bin/env bash
# The main job: install what is missing, build, run the default scenario, plot it.
# Output: results/twomode-phase1.json (hdflow.table/1) and results/twomode-phase1.png
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh build plot
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DHDFLOW_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target hdflow_cli
build/hdflow run data/scenarios/twomode-phase1.json -o results/twomode-phase1.json
/usr/bin/python3 scripts/plot.py results/twomode-phase1.json -o results/twomode-phase1.png
