#!/usr/bin/env bash
# The GPU check of issue #5 §3, in one go on a machine with CUDA and PyTorch (the device machine): builds core + CLI
# with the UI and tests off against that PyTorch's LibTorch, then records `bench surgery` for a 1B shape (every
# weight trained) and a 7B shape (layers 24-31 trained, layers recomputed in the backward), bf16 autocast with fp32
# master weights: tokens/s, MFU against the measured GEMM peak of the card, peak GPU memory. One JSON per run.
#
# usage: bench/gpu_check.sh [--out DIR] [--build DIR] [--device cuda|cpu] [--quick]
#   --out DIR      where the JSON files and build.log go (default: $OUT, else ./gpu-check)
#   --build DIR    build folder (default: build-gpu)
#   --device D     cuda (default); cpu with --quick checks this script on a machine without a GPU
#   --quick        tiny shapes (a check that everything runs, not a measurement)
# Headers the GPU machine lacks (nlohmann/json.hpp) are read from .carry/include (git-ignored): on the
# development machine run `mkdir -p .carry/include && cp -r /usr/include/nlohmann .carry/include/` and name
# .carry in the device call's carry list.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT:-$here/gpu-check}"
build="$here/build-gpu"
device=cuda
quick=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --device) device="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"

cli="$build/bin/llm-surgery-cli"
if [[ "$device" == cuda* ]]; then
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
  torch_dir="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')/Torch"
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' | tee -a "$out/gpu.txt"
  extra=()
  [[ -d "$here/.carry/include" ]] && extra=(-DLLMS_EXTRA_INCLUDE="$here/.carry/include")
  { cmake -S "$here" -B "$build" -G Ninja -DLLMS_BUILD_UI=OFF -DLLMS_BUILD_TESTS=OFF -DTorch_DIR="$torch_dir" "${extra[@]}" &&
    cmake --build "$build" --target llm-surgery-cli -j "$(nproc)"; } >"$out/build.log" 2>&1 ||
    { tail -40 "$out/build.log"; echo "build failed (whole log: $out/build.log)" >&2; exit 1; }
fi
[[ -x "$cli" ]] || { echo "llm-surgery-cli not found at $cli (build it, or pass --build DIR)" >&2; exit 1; }

# name | shape and training options | timed steps | warm-up steps
runs=(
  # Llama-3.2-1B-like: every weight trained
  "1b|--dim 2048 --ffn 8192 --layers 16 --heads 32 --kv-heads 8 --vocab 32000 --seq 256 --batch 8|5|2"
  # Llama-2-7B: the upper 8 layers trained (layer-selective), every layer recomputed in the backward
  "7b|--dim 4096 --ffn 11008 --layers 32 --heads 32 --kv-heads 32 --vocab 32000 --seq 256 --batch 4 --train layers:24-31 --checkpoint-layers|5|2"
  # the same 7B shape without checkpointing: what activations cost
  "7b-nockpt|--dim 4096 --ffn 11008 --layers 32 --heads 32 --kv-heads 32 --vocab 32000 --seq 256 --batch 4 --train layers:24-31|5|2"
)
((quick)) && runs=(
  "1b|--dim 64 --layers 2 --heads 4 --kv-heads 2 --vocab 256 --seq 16 --batch 2|1|1"
  "7b|--dim 64 --layers 4 --heads 4 --kv-heads 4 --vocab 256 --seq 16 --batch 2 --train layers:2-3 --checkpoint-layers|1|1"
)
for spec in "${runs[@]}"; do
  IFS='|' read -r name opts steps warmup <<<"$spec"
  echo "== $name: $opts"
  # shellcheck disable=SC2086
  if "$cli" bench surgery $opts --device "$device" --precision bf16 --steps "$steps" --warmup "$warmup" --json \
      >"$out/$name.json" 2>"$out/$name.err"; then
    python3 - "$out/$name.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print(f"  {j['params'] / 1e9:.2f} B params, {j['trainable_params'] / 1e9:.2f} B trained | {j['tokens_per_s']:.0f} tokens/s, "
      f"step {j['step_ms']:.0f} ms (fwd {j['forward_ms']:.0f} / bwd {j['backward_ms']:.0f} / opt {j['optimizer_ms']:.0f}) | "
      f"MFU {100 * j['mfu']:.1f}% of {j['gemm_gflops'] / 1e3:.0f} TFLOP/s | peak GPU {j['peak_device_mb'] / 1024:.1f} GiB, "
      f"RSS {j['peak_rss_mb'] / 1024:.1f} GiB")
PY
  else
    echo "  failed: $(tail -3 "$out/$name.err")"
  fi
done
