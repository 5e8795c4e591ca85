// llm-surgery-cli trace MODEL_DIR --facts FILE [--json]: causal tracing (core/edit/causal_trace.h), the layers
// ROME / MEMIT would edit.
#include "app/cli/edit_progress.h"
#include "app/cli/interrupt.h"
#include "app/cli/model_options.h"
#include "core/edit/causal_trace.h"
#include "core/edit/edit_settings.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace llms::cli {
namespace {

nlohmann::json grid_json(const edit::TraceGrid& g) {
    return {{"id", g.fact_id},          {"prompt", g.prompt},         {"subject", g.subject},
            {"answer", g.answer},       {"tokens", g.tokens},         {"subject_begin", g.subject_begin},
            {"subject_end", g.subject_end}, {"layers", g.layers},     {"p_clean", g.p_clean},
            {"p_corrupt", g.p_corrupt}, {"state", g.state},           {"mlp", g.mlp},
            {"mlp_window", g.mlp_window}};
}

int run(const std::vector<std::string>& argv) {
    Args a(argv, {"json"});
    auto known = kModelOptions;
    known.insert({"facts", "json", "max-facts", "samples", "noise", "window", "seed", "span"});
    a.check_known(known);
    if (a.positional().size() != 1) throw Error("expected one MODEL_DIR (see --help)");
    const auto set = facts::load_any(a.require("facts"));
    edit::TraceOptions o;
    o.samples = a.get_int("samples", o.samples);
    o.noise = a.get_double("noise", o.noise);
    o.window = a.get_int("window", o.window);
    o.seed = a.get_u64("seed", o.seed);
    const int max_facts = a.get_int("max-facts", 16);
    if (o.samples < 1 || o.noise <= 0 || o.window < 0 || max_facts < 1)
        throw Error("--samples and --max-facts must be at least 1, --noise positive, --window at least 0");
    const auto to_trace = edit::facts_to_trace(set, max_facts);
    if (to_trace.empty()) throw Error("no forget or update fact with an answer to trace in " + a.get("facts"));
    const auto& stop = install_interrupt_flag();
    auto m = load_for_cli(a, a.positional()[0], true, "float32");
    const int L = (int)m.config.num_hidden_layers;
    const int span = a.get_int("span", L <= 8 ? 2 : L / 5);
    if (span < 1 || span > L) throw Error("--span must be in [1, " + std::to_string(L) + "]");

    ProgressLine bar;
    auto summary = edit::trace_facts(m, to_trace, o, &stop, [&](int done, int total) {
        draw_edit_progress(bar, {edit::EditProgress::Stage::Trace, done, total, 0, ""});
    });
    bar.finish();
    if (stop.load()) {
        std::fprintf(stderr, "stopped\n");
        return 130;
    }
    const auto rome = edit::choose_layers(summary.mlp_effect, L, 1);
    const auto memit = edit::choose_layers(summary.mlp_effect, L, span);
    if (a.flag("json")) {
        nlohmann::json grids = nlohmann::json::array();
        for (const auto& g : summary.grids) grids.push_back(grid_json(g));
        std::cout << nlohmann::json({{"grids", grids}, {"mlp_effect", summary.mlp_effect}, {"rome_layer", rome[0]},
                                     {"memit_layers", memit}})
                         .dump()
                  << "\n";
        return 0;
    }
    for (const auto& g : summary.grids) std::printf("%s\n", edit::trace_text(g).c_str());
    std::printf("MLP indirect effect at the subject's last token, mean over %zu facts:\n", summary.grids.size());
    for (int l = 0; l < L; ++l) std::printf("  layer %2d  %+.4f\n", l, summary.mlp_effect[l]);
    std::printf("ROME layer: %d   MEMIT layers: %d-%d\n", rome[0], memit.front(), memit.back());
    return 0;
}

CommandRegistrar reg({"trace", "causal tracing of facts: where a model recalls them, the layers ROME / MEMIT edit",
                      std::string(
                          "usage: llm-surgery-cli trace MODEL_DIR --facts FILE [--json] [options]\n\n"
                          "Causal tracing (Meng et al. 2022) of the forget and update facts of FILE (with their current\n"
                          "answers): the subject's token embeddings corrupted with Gaussian noise, then each layer's\n"
                          "output at each prompt token restored from the clean run, and P(answer | prompt) measured;\n"
                          "likewise restoring the MLP outputs of a window of layers. Prints a text heat map per fact\n"
                          "(rows: layers; columns: prompt tokens; ^ marks the subject) and the layers `surgery --method\n"
                          "rome|memit --edit-layers auto` would edit: the largest MLP effect at the subject's last token.\n\n"
                          "  --facts FILE        fact set (JSONL or CSV)\n"
                          "  --max-facts N       trace at most N facts (default 16)\n"
                          "  --samples N         noise samples averaged per fact (default 3)\n"
                          "  --noise X           noise std in units of the embedding matrix's std (default 3)\n"
                          "  --window N          MLP restoration window in layers (default: layers / 5, at least 1)\n"
                          "  --span N            MEMIT's number of layers (default 2 up to 8 layers, else layers / 5)\n"
                          "  --seed S            noise seed (default 0)\n"
                          "  --json              print {grids: [{prompt, subject, answer, tokens, subject_begin,\n"
                          "                      subject_end, layers, p_clean, p_corrupt, state, mlp, mlp_window}],\n"
                          "                      mlp_effect, rome_layer, memit_layers} (state / mlp: layers x tokens,\n"
                          "                      row-major)\n") +
                          kModelOptionsHelp,
                      run});

}  // namespace
}  // namespace llms::cli
