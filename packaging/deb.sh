#!/usr/bin/env bash
# Sets up (Debian 12 packages), builds what the package holds in build/, and makes the Debian package
# build/llm-surgery_<version>_amd64.deb (CPack, packaging/deb.cmake). Then install it with
#   sudo apt install ./build/llm-surgery_<version>_amd64.deb
# and check it in a clean root with packaging/test_deb.sh (needs root).
#   packaging/deb.sh            # JOBS=N to build with N jobs (default: all cores)
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLMS_BUILD_UI=ON >/dev/null
# The package holds the app and the tokenizer plugin: without Qt 6 or SentencePiece these targets do not exist.
cmake --build build -j"${JOBS:-$(nproc)}" --target llm-surgery llm-surgery-cli llms_spm llms_man ||
  { echo "deb.sh: the build failed (above); a missing target means Qt 6 or SentencePiece was not found:" \
         "run packaging/install-deps.sh" >&2; exit 1; }
packaging/check_desktop_files.sh "$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' build/CMakeCache.txt)" >/dev/null

# CPack installs the project into a staging folder (every installed target must be built: they are above),
# runs dpkg-shlibdeps on the binaries and the plugin for the Depends field, and writes the .deb into build/.
(cd build && cpack -G DEB >cpack.log) ||
  { cat build/cpack.log >&2; echo "deb.sh: cpack failed (log above, and build/_CPack_Packages/)" >&2; exit 1; }
deb=$(sed -n 's/^CPack: - package: \(.*\.deb\) generated\.$/\1/p' build/cpack.log)
[ -f "$deb" ] || { cat build/cpack.log >&2; echo "deb.sh: cpack wrote no .deb" >&2; exit 1; }
echo "$deb"
dpkg-deb --field "$deb" Package Version Architecture Installed-Size Depends Recommends
