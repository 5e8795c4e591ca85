#!/usr/bin/env bash
# Surgery-step throughput: llm-surgery (`llm-surgery-cli bench surgery`) against the official recipe's step
# re-created in PyTorch (bench/peer/official_step.py), on the same initial weights and batches, on the demo
# shape and on a larger one. Prints tokens/s of both, the ratio, and the first two steps' term losses of
# both (same math: equal up to float rounding). Builds nothing.
#
# usage: bench/run_peer_comparison.sh [--cli PATH] [--precision fp32|bf16|both] [--repeat N] [--threads N]
#                                     [--quick] [--out DIR]
#   --cli PATH       llm-surgery-cli (default: $LLMS_CLI, else build/bin/llm-surgery-cli)
#   --precision P    fp32, bf16 (CPU autocast in both implementations) or both (default)
#   --repeat N       runs of each measurement; the median run is reported (default 3)
#   --threads N      threads for both (default: physical cores)
#   --quick          fewer steps (a check that everything runs, not a measurement)
#   --out DIR        keep the JSON of every run there (default: a temporary folder, removed)
# Both sides run with OMP_WAIT_POLICY=PASSIVE unless it is set (a busy machine otherwise stalls spinning
# OpenMP threads). Numbers taken while other processes load the CPU are noise: check `uptime` first.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli="${LLMS_CLI:-$here/../build/bin/llm-surgery-cli}"
precision=both
repeat=3
threads=0
quick=0
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cli) cli="$2"; shift 2 ;;
    --precision) precision="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -x "$cli" ]] || { echo "llm-surgery-cli not found at $cli: build it first or pass --cli PATH" >&2; exit 1; }
/usr/bin/python3 -c 'import torch' 2>/dev/null ||
  { echo "Debian's python3-torch is missing (/usr/bin/python3 cannot import torch): apt install python3-torch" >&2; exit 1; }
case "$precision" in fp32) precisions=(fp32) ;; bf16) precisions=(bf16) ;; both) precisions=(fp32 bf16) ;;
  *) echo "--precision expects fp32, bf16 or both" >&2; exit 2 ;; esac
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

if [[ -z "$out" ]]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"

# name | shape options | timed steps | warm-up steps
shapes=(
  "demo|--batch 16 --seq 64|10|2"
  "large|--dim 512 --layers 8 --heads 8 --kv-heads 4 --vocab 4096 --seq 256 --batch 4|4|1"
)
((quick)) && shapes=("demo|--batch 16 --seq 64|2|1" "large|--dim 512 --layers 8 --heads 8 --kv-heads 4 --vocab 4096 --seq 256 --batch 4|1|1")

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date:    $(date -u +%Y-%m-%dT%H:%MZ); OMP_WAIT_POLICY=$OMP_WAIT_POLICY; runs per measurement: $repeat"
for spec in "${shapes[@]}"; do
  IFS='|' read -r name opts steps warmup <<<"$spec"
  dump="$out/$name-dump"
  # shellcheck disable=SC2086
  "$cli" bench surgery $opts --steps 1 --warmup 0 --threads "$threads" --dump "$dump" --json >"$out/$name-dump.json"
  for prec in "${precisions[@]}"; do
    for ((i = 1; i <= repeat; i++)); do
      # shellcheck disable=SC2086
      "$cli" bench surgery $opts --steps "$steps" --warmup "$warmup" --threads "$threads" --precision "$prec" --json \
        >"$out/$name-$prec-ours-$i.json"
      /usr/bin/python3 "$here/peer/official_step.py" --load "$dump" --steps "$steps" --warmup "$warmup" \
        --threads "$threads" --precision "$prec" >"$out/$name-$prec-peer-$i.json"
    done
  done
done

python3 - "$out" "$repeat" "${precisions[@]}" <<'PY'
import json, statistics, sys
out, repeat, precisions = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def load(p): return json.load(open(p))
def median_run(name, prec, who):
    runs = [load(f"{out}/{name}-{prec}-{who}-{i}.json") for i in range(1, repeat + 1)]
    runs.sort(key=lambda j: j["tokens_per_s"])
    return runs[len(runs) // 2], [j["tokens_per_s"] for j in runs]
for name in ("demo", "large"):
    for prec in precisions:
        ours, ours_all = median_run(name, prec, "ours")
        peer, peer_all = median_run(name, prec, "peer")
        s = ours["shape"]
        print(f"\n== {name}: dim {s['dim']} ffn {s['ffn']} layers {s['layers']} heads {s['heads']}/{s['kv_heads']} "
              f"vocab {s['vocab']} | 3 x {s['batch']} rows x {s['seq']} tokens | {prec}, {ours['threads']} threads")
        print(f"  {'':6} {'tokens/s':>9} {'step ms':>9} {'fwd':>8} {'bwd':>8} {'opt':>7} {'RSS MB':>7}   all runs (tokens/s)")
        for who, j, a in (("ours", ours, ours_all), ("peer", peer, peer_all)):
            print(f"  {who:6} {j['tokens_per_s']:9.0f} {j['step_ms']:9.1f} {j['forward_ms']:8.1f} {j['backward_ms']:8.1f} "
                  f"{j['optimizer_ms']:7.1f} {j['peak_rss_mb']:7.0f}   {', '.join(f'{v:.0f}' for v in a)}")
        print(f"  ratio  {ours['tokens_per_s'] / peer['tokens_per_s']:.2f}x   (ours MFU {100 * ours['mfu']:.1f}% of "
              f"{ours['gemm_gflops']:.0f} GFLOP/s measured {('bf16' if prec == 'bf16' else 'fp32')} GEMM peak)")
        for step in ("step1", "step2"):
            o, p = ours[step], peer[step]
            print(f"  {step}  forget NLL {o['forget_nll']:.6f} vs {p['forget_nll']:.6f}   update NLL {o['update_nll']:.6f} vs "
                  f"{p['update_nll']:.6f}   retain KL {o['retain_kl']:.3e} (top-{ours['topk']}) vs {p['retain_kl']:.3e} (exact)")
PY
