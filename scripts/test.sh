#!/usr/bin/env bash
# The test job: install what is missing, build everything, run the default test suite through ctest.
# Slow tests (label "slow") are excluded here; run them with: ctest --test-dir build -L slow
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh build plot python
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DHDFLOW_BUILD_TESTS=ON -DHDFLOW_BUILD_BENCH=ON -DHDFLOW_PYTHON=ON >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure --no-tests=error -j"$(nproc)" -LE slow
