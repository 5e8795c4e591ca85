#!/usr/bin/env bash
# Surgery-step throughput: llm-surgery (`llm-surgery-cli bench surgery`) against the official recipe's step
# re-created in PyTorch (bench/peer/official_step.py), on the same initial weights and batches, on the demo
# shape and on a larger one. Prints tokens/s of both, the ratio, and the first two steps' term losses of
# both (same math: equal up to float rounding). Builds nothing.
#
# usage: bench/run_peer_comparison.sh [--cli PATH] [--precision fp32|bf16|both] [--repeat N] [--threads N]
#                                     [--max-other F] [--quick] [--out DIR]
#   --cli PATH       llm-surgery-cli (default: $LLMS_CLI, else build/bin/llm-surgery-cli)
#   --precision P    fp32, bf16 (CPU autocast in both implementations) or both (default)
#   --repeat N       runs of each measurement; the median run is reported (default 3)
#   --threads N      threads for both (default: physical cores)
#   --max-other F    each run waits until other processes use at most F of the machine's CPU (for up to
#                    30 min); a run during which they used more is noise: retried up to 5 times, then kept
#                    and flagged in the summary (default 0.1; 1 disables the waiting)
#   --quick          fewer steps (a check that everything runs, not a measurement)
#   --out DIR        keep the JSON of every run there (default: a temporary folder, removed)
# Both sides run with the OpenMP wait policy the CLI's training commands pick on an idle machine, GOMP_SPINCOUNT=30000
# (core/common/thread_wait_policy.h), unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set; alternating ours /
# peer run by run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli="${LLMS_CLI:-$here/../build/bin/llm-surgery-cli}"
precision=both
repeat=3
threads=0
max_other=0.1
quick=0
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cli) cli="$2"; shift 2 ;;
    --precision) precision="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --max-other) max_other="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -x "$cli" ]] || { echo "llm-surgery-cli not found at $cli: build it first or pass --cli PATH" >&2; exit 1; }
/usr/bin/python3 -c 'import torch' 2>/dev/null ||
  { echo "Debian's python3-torch is missing (/usr/bin/python3 cannot import torch): apt install python3-torch" >&2; exit 1; }
case "$precision" in fp32) precisions=(fp32) ;; bf16) precisions=(bf16) ;; both) precisions=(fp32 bf16) ;;
  *) echo "--precision expects fp32, bf16 or both" >&2; exit 2 ;; esac
[[ -n "${OMP_WAIT_POLICY:-}" || -n "${GOMP_SPINCOUNT:-}" ]] || export GOMP_SPINCOUNT=30000

if [[ -z "$out" ]]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"

# measure OUT CMD...: runs CMD with its stdout in OUT once the machine is quiet (other processes below
# --max-other of the CPU for 5 s, waiting up to 30 min), and again (up to 5 times) while other processes used
# more than that during the run; their share of the machine's CPU time during the kept run goes to OUT.other.
measure() {
  MAX_OTHER="$max_other" /usr/bin/python3 - "$@" <<'PY'
import os, resource, subprocess, sys, time
out, cmd, max_other = sys.argv[1], sys.argv[2:], float(os.environ["MAX_OTHER"])
hz, ncpu = os.sysconf("SC_CLK_TCK"), os.cpu_count()
def busy():
    v = list(map(int, open("/proc/stat").readline().split()[1:9]))
    return sum(v) - v[3] - v[4]                      # all but idle and iowait, in clock ticks
def wait_quiet(limit_s=1800):
    end = time.time() + limit_s
    while time.time() < end:
        b0, t0 = busy(), time.time()
        time.sleep(5)
        if (busy() - b0) / hz / (ncpu * (time.time() - t0)) <= max_other:
            return
for attempt in range(1, 6):
    wait_quiet()
    r0, b0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), busy(), time.time()
    with open(out, "w") as f:
        rc = subprocess.call(cmd, stdout=f, stdin=subprocess.DEVNULL)
    r1, b1, t1 = resource.getrusage(resource.RUSAGE_CHILDREN), busy(), time.time()
    if rc != 0:
        sys.exit(rc)
    mine = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    other = max(0.0, (b1 - b0) / hz - mine) / (ncpu * max(t1 - t0, 1e-3))
    if other <= max_other:
        break
    print(f"  (other processes used {100 * other:.0f}% of the CPU during {os.path.basename(out)}: retry {attempt})",
          file=sys.stderr)
open(out + ".other", "w").write(f"{other:.3f}\n")
PY
}

# name | shape options | timed steps | warm-up steps
shapes=(
  "demo|--batch 16 --seq 64|10|2"
  "large|--dim 512 --layers 8 --heads 8 --kv-heads 4 --vocab 4096 --seq 256 --batch 4|4|1"
)
((quick)) && shapes=("demo|--batch 16 --seq 64|2|1" "large|--dim 512 --layers 8 --heads 8 --kv-heads 4 --vocab 4096 --seq 256 --batch 4|1|1")

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date:    $(date -u +%Y-%m-%dT%H:%MZ); OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}, GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-unset}; runs per measurement: $repeat"
for spec in "${shapes[@]}"; do
  IFS='|' read -r name opts steps warmup <<<"$spec"
  dump="$out/$name-dump"
  # shellcheck disable=SC2086
  "$cli" bench surgery $opts --steps 1 --warmup 0 --threads "$threads" --dump "$dump" --json >"$out/$name-dump.json"
  for prec in "${precisions[@]}"; do
    for ((i = 1; i <= repeat; i++)); do
      # shellcheck disable=SC2086
      measure "$out/$name-$prec-ours-$i.json" "$cli" bench surgery $opts --steps "$steps" --warmup "$warmup" \
        --threads "$threads" --precision "$prec" --json
      measure "$out/$name-$prec-peer-$i.json" /usr/bin/python3 "$here/peer/official_step.py" --load "$dump" \
        --steps "$steps" --warmup "$warmup" --threads "$threads" --precision "$prec"
    done
  done
done

python3 - "$out" "$repeat" "$max_other" "${precisions[@]}" <<'PY'
import json, sys
out, repeat, max_other, precisions = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
def load(p):
    j = json.load(open(p))
    j["other"] = float(open(p + ".other").read())
    return j
def median_run(name, prec, who):
    runs = [load(f"{out}/{name}-{prec}-{who}-{i}.json") for i in range(1, repeat + 1)]
    runs.sort(key=lambda j: j["tokens_per_s"])
    return runs[len(runs) // 2], runs
for name in ("demo", "large"):
    for prec in precisions:
        ours, ours_all = median_run(name, prec, "ours")
        peer, peer_all = median_run(name, prec, "peer")
        s = ours["shape"]
        print(f"\n== {name}: dim {s['dim']} ffn {s['ffn']} layers {s['layers']} heads {s['heads']}/{s['kv_heads']} "
              f"vocab {s['vocab']} | 3 x {s['batch']} rows x {s['seq']} tokens | {prec}, {ours['threads']} threads")
        print(f"  {'':6} {'tokens/s':>9} {'step ms':>9} {'fwd':>8} {'bwd':>8} {'opt':>7} {'RSS MB':>7}   "
              f"all runs: tokens/s (other processes' CPU share)")
        for who, j, runs in (("ours", ours, ours_all), ("peer", peer, peer_all)):
            runs_txt = ", ".join(f"{r['tokens_per_s']:.0f} ({100 * r['other']:.0f}%)" for r in runs)
            print(f"  {who:6} {j['tokens_per_s']:9.0f} {j['step_ms']:9.1f} {j['forward_ms']:8.1f} {j['backward_ms']:8.1f} "
                  f"{j['optimizer_ms']:7.1f} {j['peak_rss_mb']:7.0f}   {runs_txt}")
        noisy = any(r["other"] > max_other for r in ours_all + peer_all)
        print(f"  ratio  {ours['tokens_per_s'] / peer['tokens_per_s']:.2f}x   (ours MFU {100 * ours['mfu']:.1f}% of "
              f"{ours['gemm_gflops']:.0f} GFLOP/s measured {prec} GEMM peak)" + ("   NOISY: other processes ran" if noisy else ""))
        for step in ("step1", "step2"):
            o, p = ours[step], peer[step]
            print(f"  {step}  forget NLL {o['forget_nll']:.6f} vs {p['forget_nll']:.6f}   update NLL {o['update_nll']:.6f} vs "
                  f"{p['update_nll']:.6f}   retain KL {o['retain_kl']:.3e} (top-{ours['topk']}) vs {p['retain_kl']:.3e} (exact)")
if "fp32" in precisions and "bf16" in precisions:
    # The peer in PyTorch's default precision (fp32) against ours in bf16 autocast with fp32 master weights, one
    # of the levers of issue #5 (equal results: docs/benchmarks.md, the demo surgery in bf16 vs fp32).
    print("\n== ours in bf16 autocast vs the peer in PyTorch's default fp32")
    for name in ("demo", "large"):
        ours, _ = median_run(name, "bf16", "ours")
        peer, _ = median_run(name, "fp32", "peer")
        print(f"  {name:6} {ours['tokens_per_s']:7.0f} vs {peer['tokens_per_s']:7.0f} tokens/s   ratio "
              f"{ours['tokens_per_s'] / peer['tokens_per_s']:.2f}x")
PY
