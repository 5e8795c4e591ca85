#!/usr/bin/env bash
# Tokenizer throughput on one core: builds bench/hf_tokenizer_bench.cpp with the tokenizer sources (no CMake, no
# torch) and encodes 1 MiB of English text (the world data) with each tokenizer.json under tests/data/tokenizers.
#   bench/hf_tokenizer_bench.sh [BUILD_DIR]      (default /tmp/llms-hf-bench)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/llms-hf-bench}
mkdir -p "$out"
sources=("$root"/core/tokenizer/{hf_tokenizer,added_vocabulary,bpe_model,byte_level,decoder,hf_json,normalizer,post_processor,pre_tokenizer,tokenizer_config,unicode_props,unicode_regex,utf8}.cpp
         "$root"/core/io/{read_file,json_input}.cpp "$root"/core/common/memory_available.cpp)
g++ -std=c++20 -O2 -I"$root" "${sources[@]}" "$root/bench/hf_tokenizer_bench.cpp" -o "$out/hf_tokenizer_bench" \
    $(pkg-config --cflags --libs libpcre2-8 icu-uc)
text=("$root/resources/world/factbook_background.txt" "$root/resources/world/wordnet_instance_glosses.txt")
for dir in "$root"/tests/data/tokenizers/*/; do
  name=$(basename "$dir")
  [ -f "$dir/tokenizer.json.gz" ] || continue
  mkdir -p "$out/$name"
  gzip -dc "$dir/tokenizer.json.gz" > "$out/$name/tokenizer.json"
  cp "$dir/tokenizer_config.json" "$out/$name/" 2>/dev/null || true
  taskset -c 0 "$out/hf_tokenizer_bench" "$out/$name/tokenizer.json" "${text[@]}" --bytes 1048576
done
