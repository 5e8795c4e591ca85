#include "core/bench/peer_dump.h"

#include "core/common/error.h"
#include "core/io/safetensors.h"

#include <ATen/ATen.h>

#include <fstream>
#include <system_error>

namespace llms::bench {

namespace fs = std::filesystem;

static void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw Error("cannot write " + path.string() + " (is the --dump folder writable and the disk not full?)");
}

void write_peer_dump(const fs::path& dir, LlamaForCausalLM& net, const at::Tensor& ids, int64_t B,
                     const std::string& recipe_json) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
        throw Error("cannot create the dump folder " + dir.string() + ": " + ec.message() +
                    " (give a writable --dump folder)");
    write_text(dir / "config.json", net->config.to_json_text());

    at::NoGradGuard ng;
    std::vector<std::pair<std::string, at::Tensor>> weights;
    for (auto& [name, p] : hf_named_tensors(net)) weights.emplace_back(name, p.detach().to(at::kFloat).contiguous());
    io::save_safetensors(dir / "model.safetensors", weights, {{"format", "pt"}});

    const auto f = ids.to(at::kFloat);   // [3B, T+1], ids < 2^24 are exact
    io::save_safetensors(dir / "batches.safetensors",
                         {{"forget", f.narrow(0, 0, B).contiguous()},
                          {"update", f.narrow(0, B, B).contiguous()},
                          {"retain", f.narrow(0, 2 * B, B).contiguous()}},
                         {{"layout", "row r: input ids[r, :T], targets ids[r, 1:]"}});
    write_text(dir / "recipe.json", recipe_json + "\n");
}

}  // namespace llms::bench
