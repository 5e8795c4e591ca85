#!/usr/bin/env bash
# Sets up (Debian 12 packages), builds, and starts the desktop app (extra arguments go to the app).
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
exec build/bin/llm-surgery "$@"
