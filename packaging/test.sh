#!/usr/bin/env bash
# Sets up (Debian 12 packages), builds everything from scratch-or-incrementally in build/, runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/install-deps.sh
packaging/install-llama-cpp-check.sh build/llama-cpp-check   # llama.cpp for the interop tests (skipped without npm)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j1 "$@"
