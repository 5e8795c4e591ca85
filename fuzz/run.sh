#!/usr/bin/env bash
# Runs one libFuzzer harness, then merges what it found into the committed corpus (see docs/reliability.md).
#   fuzz/run.sh NAME [SECONDS=1800] [BUILD_DIR=build-fuzz]
# NAME: safetensors safetensors_index config facts_jsonl facts_csv project spm_model tokenizer_json chat_template.
# Runs on one core under nice 10 with a 120 s per-input timeout (a hang; under nice, a run sharing the cores with
# a build got 10 s inputs from starvation alone: false timeouts that ended the run). New inputs go to BUILD_DIR/fuzz-work/NAME/, crashes to BUILD_DIR/fuzz-artifacts/NAME/ (crash-*, leak-*,
# timeout-*, oom-*), the log to BUILD_DIR/fuzz-logs/NAME.log. Then `-merge=1 -use_counters=0` adds to
# fuzz/corpus/NAME/ only the new inputs that reach new edges (hit counts ignored, to keep the committed corpus small;
# the full one stays in fuzz-work for the next run). Extra arguments after BUILD_DIR go to libFuzzer (e.g. -fork=1
# -ignore_crashes=1 to keep going past a known crash).
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: fuzz/run.sh NAME [SECONDS] [BUILD_DIR] [libFuzzer flags...]}
secs=${2:-1800}
build=${3:-build-fuzz}
shift $(( $# < 3 ? $# : 3 ))
exe=$build/bin/fuzz_$name
[ -x "$exe" ] || { echo "$exe: build it first (docs/reliability.md, Fuzzing)"; exit 2; }
case $name in
  safetensors|project|chat_template|tokenizer_json) max_len=8192 ;;
  spm_model) max_len=16384 ;;
  *) max_len=4096 ;;
esac
case $name in
  facts_csv) dict=fuzz/dict/csv.dict ;;
  spm_model) dict= ;;
  chat_template) dict=fuzz/dict/jinja.dict ;;
  *) dict=fuzz/dict/json.dict ;;
esac
work=$build/fuzz-work/$name
art=$build/fuzz-artifacts/$name
mkdir -p "$work" "$art" "$build/fuzz-logs"
log=$build/fuzz-logs/$name.log
flags=(-max_total_time="$secs" -max_len="$max_len" -rss_limit_mb=2048 -timeout=120 -print_final_stats=1
       -artifact_prefix="$art/" ${dict:+-dict=$dict})
echo "nice -n 10 $exe ${flags[*]} $* $work fuzz/corpus/$name" | tee "$log"
set +e
# CPU seconds go to the log too: under nice, a run shares the cores with whatever else runs, so wall time alone
# overstates the fuzzing done.
/usr/bin/time -f "time:: wall %e s, cpu %U s user + %S s sys, max rss %M KB" \
  nice -n 10 "$exe" "${flags[@]}" "$@" "$work" "fuzz/corpus/$name" >>"$log" 2>&1
rc=$?
set -e
grep -E "^stat::|^time::|^#[0-9]+.*DONE|ERROR|SUMMARY" "$log" | tail -20 || true
echo "libFuzzer exit status $rc; artifacts in $art/:"
ls "$art"
echo "merging new coverage into fuzz/corpus/$name/"
nice -n 10 "$exe" -merge=1 -use_counters=0 -max_len="$max_len" -rss_limit_mb=2048 -timeout=120 "fuzz/corpus/$name" "$work" \
  >"$build/fuzz-logs/$name.merge.log" 2>&1
tail -2 "$build/fuzz-logs/$name.merge.log"
echo "fuzz/corpus/$name: $(ls "fuzz/corpus/$name" | wc -l) files, $(du -sh --apparent-size "fuzz/corpus/$name" | cut -f1)"
exit $rc
