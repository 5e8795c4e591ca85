// Tokenizer::train: SentencePiece trainer flags with Llama's conventions, run in the plugin.
#include "core/tokenizer/tokenizer.h"

#include "core/common/error.h"
#include "core/tokenizer/spm_plugin_loader.h"

#include <charconv>
#include <fstream>
#include <system_error>

namespace llms {

namespace fs = std::filesystem;

namespace {

// A double-quoted value in the plugin's argument syntax (spm_plugin_api.h): " and \ escaped.
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string shortest(double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

void check_options(const TokenizerTrainOptions& o) {
    std::error_code ec;
    if (!fs::is_regular_file(o.input, ec))
        throw Error("tokenizer training corpus " + o.input.string() + " not found: give a plain-text file, one "
                    "sentence or paragraph per line");
    if (!std::ifstream(o.input, std::ios::binary).good())
        throw Error("tokenizer training corpus " + o.input.string() + " cannot be opened: check its permissions");
    if (o.input.string().find(',') != std::string::npos)
        throw Error("tokenizer training corpus path " + o.input.string() + " contains a comma, which SentencePiece "
                    "reads as a list separator: rename or copy the file to a path without commas");
    if (o.model_prefix.empty() || !o.model_prefix.has_filename())
        throw Error("tokenizer model prefix '" + o.model_prefix.string() + "' is empty or a folder: give a path "
                    "such as out/tokenizer (writes out/tokenizer.model and out/tokenizer.vocab)");
    const fs::path dir = o.model_prefix.has_parent_path() ? o.model_prefix.parent_path() : fs::path(".");
    if (!fs::is_directory(dir, ec))
        throw Error("tokenizer output folder " + dir.string() + " does not exist: create it first");
    if (o.vocab_size < 4)
        throw Error("tokenizer vocab_size " + std::to_string(o.vocab_size) + " is too small: use at least the "
                    "special pieces plus 256 byte pieces plus the corpus characters (e.g. 2048)");
    if (!(o.character_coverage > 0.0 && o.character_coverage <= 1.0))
        throw Error("tokenizer character_coverage " + shortest(o.character_coverage) + " must be in (0, 1]");
    if (o.num_threads < 1)
        throw Error("tokenizer training num_threads " + std::to_string(o.num_threads) + " must be at least 1");
}

}  // namespace

void Tokenizer::train(const TokenizerTrainOptions& o) {
    check_options(o);
    std::string args;
    const auto flag = [&args](const std::string& key, const std::string& value) {
        args += (args.empty() ? "--" : " --") + key + "=" + value;
    };
    flag("input", quoted(o.input.string()));
    flag("model_prefix", quoted(o.model_prefix.string()));
    flag("model_type", quoted(o.model_type));
    flag("vocab_size", std::to_string(o.vocab_size));
    flag("character_coverage", shortest(o.character_coverage));
    flag("byte_fallback", o.byte_fallback ? "true" : "false");
    flag("split_digits", "true");
    flag("add_dummy_prefix", "true");
    flag("remove_extra_whitespaces", "false");
    flag("allow_whitespace_only_pieces", "true");
    flag("normalization_rule_name", "identity");
    flag("unk_id", "0");
    flag("bos_id", "1");
    flag("eos_id", "2");
    flag("pad_id", "-1");
    flag("shuffle_input_sentence", "false");
    flag("num_threads", std::to_string(o.num_threads));
    if (o.input_sentence_size > 0) flag("input_sentence_size", std::to_string(o.input_sentence_size));
    flag("minloglevel", o.verbose ? "0" : "1");

    const auto& plugin = tokenizer::spm_plugin();
    char err[2048] = {};
    if (plugin.train(args.c_str(), o.seed, err, sizeof err) != 0)
        throw Error("SentencePiece training on " + o.input.string() + " failed: " + err +
                    "; check the corpus and the options (vocab_size must fit the corpus)");
}

}  // namespace llms
