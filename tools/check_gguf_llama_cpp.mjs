// llama.cpp as the judge of our GGUF export (issue #18 §2): for each model folder, `llm-surgery-cli export` writes
// f32, bf16 and q8_0 files; llama.cpp (node-llama-cpp's prebuilt CPU binaries) loads each and must
//   - tokenize the probe prompts as we do (`llm-surgery-cli tokenize`),
//   - continue each prompt greedily (24 tokens) with exactly our tokens (`llm-surgery-cli generate --temperature 0`)
//     for the f32 and bf16 files, or part from them only at a near tie: where the two first differ, our
//     log-probabilities of the two tokens within 0.01 nats (f32) / 0.13 nats (bf16: two rounding steps of a bf16
//     logit),
//   - pick our most likely next token (`llm-surgery-cli score --json`: top1) at >= 97 % of the positions for q8_0
//     (--types adds others, e.g. q4_0, whose agreement is reported without a requirement).
// With --lora PEFT_DIR (a LoRA adapter, e.g. from `surgery --lora R --adapter-out`) or --lora random (an adapter
// of rank 8 with random A and B written here, for models without a trained one), per model instead:
//   - llama.cpp runs the base model's f32 GGUF with the adapter as a GGUF LoRA file (`export --format gguf-lora`) and
//     must continue each prompt greedily with exactly the tokens llama.cpp gives on the merged f32 GGUF
//     (`export --adapter`): the adapter file applies the merge;
//   - and with our tokens for the model with the adapter merged (`export --format hf`, then `generate`), or part from
//     them only at a near tie: where the two first differ, our log-probabilities of the two tokens within 0.01 nats
//     (random-weight models have flat distributions; llama.cpp sums in another order).
// Prints one line per model and file type and a JSON summary; exit 1 when a requirement fails.
//
//   npm install --prefix DIR --omit=optional node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1
//   node tools/check_gguf_llama_cpp.mjs --modules DIR/node_modules --cli build/bin/llm-surgery-cli --work /tmp/gg \
//        [--lora PEFT_DIR|random] MODEL_DIR...
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const opt = (name, def) => {
    const i = args.indexOf(name);
    if (i < 0) return def;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
};
const modules = opt("--modules", "node_modules");
const cli = resolve(opt("--cli", "build/bin/llm-surgery-cli"));
const work = resolve(opt("--work", "/tmp/llms-gguf-check"));
const types = opt("--types", "f32,bf16,q8_0").split(",");
const lora = opt("--lora", "");
const models = args;
if (models.length === 0) {
    console.error("usage: node tools/check_gguf_llama_cpp.mjs [--modules DIR] [--cli PATH] [--work DIR] MODEL_DIR...");
    process.exit(2);
}
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(resolve(modules, "node-llama-cpp/dist/index.js")).href);

const prompts = [
    "The capital of France is",
    "Water is made of",
    "Once upon a time, there was a",
    "The chemical symbol of gold is",
    "Numbers: 1, 2, 3,",
    "Zürich liegt in der Schweiz, und",
];
// A greedy continuation may part from ours only where our two candidates are this close (nats): random-weight test
// models have flat distributions, and llama.cpp sums in another order. bf16: our bf16 logits are themselves rounded
// to bf16, 2^-5 or 2^-4 apart below 16, so two rounding steps.
const tieGap = { f32: 0.01, bf16: 0.13 };
const run = (argv) => JSON.parse(execFileSync(cli, argv, { encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "pipe"] }));
const sameIds = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

mkdirSync(work, { recursive: true });
const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error, build: "never" });
const summary = [];
let failed = false;

// A PEFT folder of rank 8 on q, k, v, o, gate, up and down of every layer, A and B uniform in ±scale (seeded), written
// with this script's own safetensors writer.
function randomAdapter(dir, out) {
    const c = JSON.parse(readFileSync(resolve(dir, "config.json"), "utf8"));
    const hd = c.head_dim ?? c.hidden_size / c.num_attention_heads, C = c.hidden_size, F = c.intermediate_size;
    const shapes = { "self_attn.q_proj": [C, c.num_attention_heads * hd], "self_attn.k_proj": [C, c.num_key_value_heads * hd],
                     "self_attn.v_proj": [C, c.num_key_value_heads * hd], "self_attn.o_proj": [c.num_attention_heads * hd, C],
                     "mlp.gate_proj": [C, F], "mlp.up_proj": [C, F], "mlp.down_proj": [F, C] };
    const r = 8;
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const header = {}, chunks = [];
    let offset = 0;
    const add = (name, rows, cols, scale) => {
        const a = new Float32Array(rows * cols).map(() => rand() * scale);
        header[name] = { dtype: "F32", shape: [rows, cols], data_offsets: [offset, offset + a.byteLength] };
        offset += a.byteLength;
        chunks.push(Buffer.from(a.buffer));
    };
    for (let l = 0; l < c.num_hidden_layers; l++)
        for (const [m, [inp, outp]] of Object.entries(shapes)) {
            const key = `base_model.model.model.layers.${l}.${m}`;
            add(`${key}.lora_A.weight`, r, inp, 1 / Math.sqrt(inp));
            add(`${key}.lora_B.weight`, outp, r, 0.02);
        }
    let h = Buffer.from(JSON.stringify(header));
    h = Buffer.concat([h, Buffer.alloc((8 - (h.length % 8)) % 8, 0x20)]);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(h.length));
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    writeFileSync(resolve(out, "adapter_model.safetensors"), Buffer.concat([len, h, ...chunks]));
    writeFileSync(resolve(out, "adapter_config.json"), JSON.stringify({ peft_type: "LORA", r, lora_alpha: 16,
        target_modules: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] }));
}

async function greedyOf(model, contextOptions, promptIds, n) {
    const context = await model.createContext({ contextSize: 512, sequences: 1, ...contextOptions });
    const out = [];
    for (const prompt of promptIds) {
        const seq = context.getSequence();
        const got = [];
        for await (const t of seq.evaluate(prompt, { temperature: 0 })) {
            got.push(t);
            if (got.length >= n || model.isEogToken?.(t)) break;
        }
        out.push(got);
        seq.dispose();
    }
    await context.dispose();
    return out;
}

if (lora) {
    for (const dir of models) {
        const name = basename(resolve(dir));
        const adapter = lora === "random" ? resolve(work, `${name}-random-adapter`) : resolve(lora);
        if (lora === "random") randomAdapter(dir, adapter);
        const file = (what) => resolve(work, `${name}-${what}`);
        for (const f of ["base-f32.gguf", "lora-f32.gguf", "merged-f32.gguf", "merged"]) rmSync(file(f), { recursive: true, force: true });
        const cliQuiet = (argv) => execFileSync(cli, argv, { stdio: ["ignore", "ignore", "pipe"] });
        cliQuiet(["export", dir, "--type", "f32", "--out", file("base-f32.gguf")]);
        cliQuiet(["export", dir, "--adapter", adapter, "--format", "gguf-lora", "--type", "f32", "--out", file("lora-f32.gguf")]);
        cliQuiet(["export", dir, "--adapter", adapter, "--type", "f32", "--out", file("merged-f32.gguf")]);
        cliQuiet(["export", dir, "--adapter", adapter, "--format", "hf", "--out", file("merged")]);
        // Ours: the merged model's greedy continuations.
        const ours = prompts.map((p) => {
            const ids = run(["tokenize", file("merged"), "--text", p, "--special", "--json"]).ids;
            const g = run(["generate", file("merged"), "--prompt", p, "--max-new-tokens", "24", "--temperature", "0", "--json"]);
            return { prompt: p, ids, generated: g.token_ids };
        });
        const base = await llama.loadModel({ modelPath: file("base-f32.gguf"), gpuLayers: 0 });
        const withLora = await greedyOf(base, { lora: { adapters: [{ filePath: file("lora-f32.gguf") }] } }, ours.map((o) => o.ids), 24);
        const plain = await greedyOf(base, {}, ours.map((o) => o.ids), 24);
        await base.dispose();
        const merged = await llama.loadModel({ modelPath: file("merged-f32.gguf"), gpuLayers: 0 });
        const mergedGreedy = await greedyOf(merged, {}, ours.map((o) => o.ids), 24);
        const stop = (ids) => (ids.length && merged.isEogToken?.(ids[ids.length - 1]) ? ids.slice(0, -1) : ids);
        const row = { model: name, adapter: lora === "random" ? "random rank 8" : adapter, prompts: prompts.length,
                      lora_vs_merged_gguf: 0, lora_vs_ours: 0, near_ties: [], base_differs: 0 };
        ours.forEach((o, i) => {
            const got = stop(withLora[i]), want = stop(o.generated);
            if (sameIds(got, stop(mergedGreedy[i]))) row.lora_vs_merged_gguf++;
            else console.error(`  ${name} lora: "${o.prompt}": llama.cpp base+adapter [${withLora[i]}] merged GGUF [${mergedGreedy[i]}]`);
            if (!sameIds(stop(plain[i]), want)) row.base_differs++;
            if (sameIds(got, want)) {
                row.lora_vs_ours++;
                return;
            }
            // Where they part: our log-probabilities of our token and of llama.cpp's there.
            let k = 0;
            while (k < got.length && k < want.length && got[k] === want[k]) k++;
            const lp = (t) => run(["score", file("merged"), "--ids", [...o.ids, ...want.slice(0, k), t].join(","), "--json"]).logprobs.at(-1);
            const gap = k < got.length && k < want.length ? Math.abs(lp(want[k]) - lp(got[k])) : Infinity;
            row.near_ties.push({ prompt: o.prompt, token: k, gap });   // the f32 threshold: both sides f32
            console.error(`  ${name} lora: "${o.prompt}": parts from ours at token ${k} (ours ${want[k]}, llama.cpp ${got[k]}; ` +
                          `gap ${gap.toFixed(4)} nats)`);
        });
        await merged.dispose();
        const ok = row.lora_vs_merged_gguf === prompts.length && row.near_ties.every((t) => t.gap < tieGap.f32);
        failed ||= !ok;
        console.log(`${ok ? "ok  " : "FAIL"} ${name} LoRA: llama.cpp base + GGUF adapter = llama.cpp merged GGUF on ` +
                    `${row.lora_vs_merged_gguf}/${prompts.length} greedy continuations, = our merged model on ` +
                    `${row.lora_vs_ours}/${prompts.length} (${row.near_ties.length} near ties); the adapter changes ` +
                    `${row.base_differs}/${prompts.length} of the base's`);
        summary.push(row);
    }
    console.log(JSON.stringify({ llama_cpp: "node-llama-cpp 3.22.1 (prebuilt CPU)", lora: summary }));
    process.exit(failed ? 1 : 0);
}

for (const dir of models) {
    const name = basename(resolve(dir));
    // Ours: the prompt ids (with the tokenizer's own BOS), the greedy continuation, the top-1s; with the weights in
    // float32, or in bfloat16 for the bf16 file (each side at the file's precision).
    const oursAt = (dtype) => prompts.map((p) => {
        const plain = run(["tokenize", dir, "--text", p, "--json"]).ids;
        const withBos = run(["tokenize", dir, "--text", p, "--special", "--json"]).ids;
        const g = run(["generate", dir, "--prompt", p, "--max-new-tokens", "24", "--temperature", "0", "--dtype", dtype, "--json"]);
        const ids = [...withBos, ...g.token_ids];
        const s = run(["score", dir, "--ids", ids.join(","), "--dtype", dtype, "--json"]);
        return { prompt: p, plain, promptIds: withBos, generated: g.token_ids, ids, top1: s.top1 };
    });
    const oursF32 = oursAt("float32");
    for (const type of types) {
        const ours = type === "bf16" ? oursAt("bfloat16") : oursF32;
        const file = resolve(work, `${name}-${type}.gguf`);
        rmSync(file, { force: true });
        execFileSync(cli, ["export", dir, "--type", type, "--out", file], { stdio: ["ignore", "ignore", "pipe"] });
        const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
        const context = await model.createContext({ contextSize: 512, sequences: 1 });
        const row = { model: name, type, tokenize: 0, greedy: 0, near_ties: [], prompts: prompts.length, top1_agree: 0,
                      top1_positions: 0 };
        const dtype = type === "bf16" ? "bfloat16" : "float32";
        for (const o of ours) {
            // Tokenization: llama.cpp's ids of the text alone against ours (without BOS).
            const ll = model.tokenize(o.prompt, false);
            const oursPlain = o.plain;   // `tokenize` without --special: the text's own ids
            if (sameIds([...ll], oursPlain)) row.tokenize++;
            else console.error(`  ${name} ${type}: tokenize "${o.prompt}": llama.cpp [${[...ll]}] ours [${oursPlain}]`);

            // Greedy: 24 tokens from our prompt ids (BOS included where the tokenizer adds one).
            const prompt = o.promptIds;
            const seq = context.getSequence();
            const got = [];
            for await (const t of seq.evaluate(prompt, { temperature: 0 })) {
                got.push(t);
                if (got.length >= o.generated.length || model.isEogToken?.(t)) break;
            }
            // The end of generation token ends both (llama.cpp's evaluate does not yield it; ours lists it).
            const stop = (ids) => (ids.length && model.isEogToken?.(ids[ids.length - 1]) ? ids.slice(0, -1) : ids);
            if (sameIds(stop(got), stop(o.generated))) row.greedy++;
            else if (type === "f32" || type === "bf16") {
                // Where they part: our log-probabilities (at the file's precision) of our token and of llama.cpp's.
                const a = stop(got), b = stop(o.generated);
                let k = 0;
                while (k < a.length && k < b.length && a[k] === b[k]) k++;
                const lp = (t) => run(["score", dir, "--ids", [...o.promptIds, ...b.slice(0, k), t].join(","), "--dtype", dtype,
                                       "--json"]).logprobs.at(-1);
                const gap = k < a.length && k < b.length ? Math.abs(lp(b[k]) - lp(a[k])) : Infinity;
                row.near_ties.push({ prompt: o.prompt, token: k, gap });
                console.error(`  ${name} ${type}: greedy "${o.prompt}" parts at token ${k} (ours ${b[k]}, llama.cpp ${a[k]}; ` +
                              `gap ${gap.toFixed(4)} nats)`);
            }
            await seq.clearHistory();

            // Top-1 at every position of prompt + our continuation.
            const items = o.ids.map((t) => [t, { generateNext: { token: true } }]);
            const res = await seq.controlledEvaluate(items);
            for (let i = 0; i < o.ids.length; i++) {
                if (!res[i] || res[i].next?.token == null) continue;
                row.top1_positions++;
                if (res[i].next.token === o.top1[i]) row.top1_agree++;
            }
            await seq.clearHistory();
            seq.dispose();
        }
        row.top1_rate = row.top1_agree / Math.max(1, row.top1_positions);
        // f32 / bf16: token-identical greedy; q8_0: >= 97 % top-1 agreement; q4_0 (or others): reported only.
        const ok = row.tokenize === prompts.length &&
                   (type === "q8_0" ? row.top1_rate >= 0.97
                    : type === "f32" || type === "bf16" ? row.near_ties.every((t) => t.gap < tieGap[type]) : true);
        failed ||= !ok;
        console.log(`${ok ? "ok  " : "FAIL"} ${name} ${type}: tokenize ${row.tokenize}/${prompts.length}, greedy ` +
                    `${row.greedy}/${prompts.length}${row.near_ties.length ? ` (+${row.near_ties.length} parting at a near tie)` : ""}` +
                    `, top-1 ${row.top1_agree}/${row.top1_positions} ` +
                    `(${(100 * row.top1_rate).toFixed(1)} %)`);
        summary.push(row);
        await context.dispose();
        await model.dispose();
    }
}
console.log(JSON.stringify({ llama_cpp: "node-llama-cpp 3.22.1 (prebuilt CPU)", results: summary }));
process.exit(failed ? 1 : 0);
