#!/usr/bin/env bash
# Installs llama.cpp's prebuilt CPU binaries from npm (node-llama-cpp 3.22.1, the linux-x64 variant only: 85 MB) into
# DIR/node_modules for the interop tests (CTest llama_cpp_gguf / llama_cpp_lora, tools/check_gguf_llama_cpp.mjs).
# Debian 12 has no llama.cpp. Without node/npm or the registry the tests are not registered, and this says so;
# it never fails the build. Idempotent.
#   packaging/install-llama-cpp-check.sh [DIR=build/llama-cpp-check]
set -uo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build/llama-cpp-check}
[ -d "$dir/node_modules/node-llama-cpp" ] && [ -d "$dir/node_modules/@node-llama-cpp/linux-x64" ] && exit 0
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install-llama-cpp-check: no node/npm: the llama.cpp interop tests are off" >&2
  exit 0
fi
mkdir -p "$dir"
if ! timeout 300 npm install --prefix "$dir" --omit=optional --no-audit --no-fund --loglevel=error \
       node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1 >/dev/null; then
  echo "install-llama-cpp-check: npm install failed (no registry?): the llama.cpp interop tests are off" >&2
  rm -rf "$dir/node_modules"
fi
exit 0
