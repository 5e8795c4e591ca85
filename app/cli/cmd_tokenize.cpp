// llm-surgery-cli tokenize MODEL_DIR|TOKENIZER_FILE (--text T | --file STRINGS.json) [--special] [--json]
// llm-surgery-cli decode  MODEL_DIR|TOKENIZER_FILE --ids 1,2,3 [--json]
#include "app/cli/command.h"
#include "core/common/error.h"
#include "core/io/json_input.h"
#include "core/io/read_file.h"
#include "core/tokenizer/tokenizer.h"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

namespace llms::cli {
namespace {

namespace fs = std::filesystem;

// A model folder (tokenizer.json preferred over tokenizer.model) or a tokenizer file itself.
Tokenizer open_tokenizer(const fs::path& p) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
        std::string note;
        Tokenizer t = Tokenizer::load_folder(p, &note);
        if (!note.empty()) std::fprintf(stderr, "%s\n", note.c_str());
        return t;
    }
    if (!fs::exists(p, ec)) throw Error(p.string() + ": not found (give a model folder, a tokenizer.json or a tokenizer.model)");
    return Tokenizer::load(p);
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

int run_tokenize(const std::vector<std::string>& argv) {
    Args a(argv, {"special", "json"});
    a.check_known({"text", "file", "special", "json"});
    if (a.positional().size() != 1) throw Error("expected one MODEL_DIR or TOKENIZER_FILE (see --help)");
    if (a.has("text") == a.has("file")) throw Error("give exactly one of --text or --file");
    const Tokenizer tok = open_tokenizer(a.positional()[0]);
    const bool special = a.flag("special");
    if (a.has("text")) {
        const auto ids = special ? tok.encode_with_special_tokens(a.get("text")) : tok.encode(a.get("text"), false);
        if (a.flag("json")) {
            std::cout << dump({{"ids", ids}}) << "\n";
            return 0;
        }
        for (const int32_t id : ids) std::printf("%8d  %s\n", id, tok.piece(id).c_str());
        return 0;
    }
    const fs::path file = a.get("file");
    const auto strings = io::parse_json_input(io::read_regular_file(file, io::kMaxDocumentBytes, "strings file"), file.string());
    if (!strings.is_array()) throw Error(file.string() + ": expected a JSON array of strings");
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < strings.size(); ++i) {
        if (!strings[i].is_string())
            throw Error(file.string() + ": entry " + std::to_string(i + 1) + " is not a string");
        const std::string text = strings[i].get<std::string>();
        out.push_back(special ? tok.encode_with_special_tokens(text) : tok.encode(text, false));
    }
    if (a.flag("json")) {
        std::cout << dump(out) << "\n";
        return 0;
    }
    for (const auto& ids : out) std::cout << dump(ids) << "\n";
    return 0;
}

int run_decode(const std::vector<std::string>& argv) {
    Args a(argv, {"json"});
    a.check_known({"ids", "json"});
    if (a.positional().size() != 1) throw Error("expected one MODEL_DIR or TOKENIZER_FILE (see --help)");
    std::vector<int32_t> ids;
    const std::string s = a.require("ids");
    for (size_t at = 0; at <= s.size();) {
        const size_t comma = std::min(s.find(',', at), s.size());
        int32_t v = 0;
        const auto [p, ec] = std::from_chars(s.data() + at, s.data() + comma, v);
        if (ec != std::errc() || p != s.data() + comma || v < 0)
            throw Error("--ids expects comma-separated non-negative integers, got \"" + s + "\"");
        ids.push_back(v);
        at = comma + 1;
    }
    const Tokenizer tok = open_tokenizer(a.positional()[0]);
    const std::string text = tok.decode(ids);
    if (a.flag("json")) std::cout << dump({{"text", text}}) << "\n";
    else std::cout << text << "\n";
    return 0;
}

CommandRegistrar reg_tokenize({"tokenize", "the token ids of a text, with the model's own tokenizer",
                               "usage: llm-surgery-cli tokenize MODEL_DIR|TOKENIZER_FILE (--text T | --file STRINGS.json)\n"
                               "                                [--special] [--json]\n\n"
                               "A model folder's tokenizer.json is used when present, else its tokenizer.model.\n"
                               "  --text T        one text; prints id and piece per line (--json: {\"ids\": [...]})\n"
                               "  --file F.json   a JSON array of strings; prints one id list per string (--json: a list)\n"
                               "  --special       add the special tokens as the tokenizer's post-processor and\n"
                               "                  tokenizer_config.json say (Hugging Face add_special_tokens=True: Llama's\n"
                               "                  BOS; none for Qwen)\n"
                               "  --json          machine-readable output\n",
                               run_tokenize});

CommandRegistrar reg_decode({"decode", "the text of token ids, with the model's own tokenizer",
                             "usage: llm-surgery-cli decode MODEL_DIR|TOKENIZER_FILE --ids 1,2,3 [--json]\n\n"
                             "  Special tokens are skipped. --json prints {\"text\": ...}.\n",
                             run_decode});

}  // namespace
}  // namespace llms::cli
