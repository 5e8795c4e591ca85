#!/bin/sh
# The layer rules the build also enforces (llms_ui does not see LibTorch's include paths): core/ includes no Qt
# header; ui/ and app/gui/ include no LibTorch header. Prints each offending include; exits 1 when there is one.
# Usage: tools/check_layers.sh [SOURCE_DIR]   (CTest test "layers")
set -eu
root=${1:-$(dirname "$0")/..}
cd "$root"
bad=0
qt=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](Q[A-Za-z]+|qt[a-z]*/)' core --include='*.h' --include='*.cpp' || true)
if [ -n "$qt" ]; then
    printf 'core/ must not include Qt headers:\n%s\n' "$qt"
    bad=1
fi
torch=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](torch|ATen|c10)/' ui app/gui --include='*.h' --include='*.cpp' || true)
if [ -n "$torch" ]; then
    printf 'ui/ and app/gui/ must not include LibTorch headers (reach the core through its torch-free headers):\n%s\n' "$torch"
    bad=1
fi
[ "$bad" -eq 0 ] && echo "layers: core/ has no Qt include, ui/ and app/gui/ no LibTorch include"
exit "$bad"
