// llm-surgery-cli eval MODEL_DIR --facts FILE [--reference MODEL_DIR] [--report REPORT.json] [--json]
#include "app/cli/eval_inputs.h"
#include "app/cli/model_options.h"

#include <cstdio>
#include <iostream>

namespace llms::cli {
namespace {

int run(const std::vector<std::string>& argv) {
    Args a(argv, {"json", "chat"});
    auto known = kModelOptions;
    known.insert(kEvalOptions.begin(), kEvalOptions.end());
    known.insert({"reference", "report", "json", "seed"});
    a.check_known(known);
    if (a.positional().size() != 1) throw Error("expected one MODEL_DIR (see --help)");
    const std::filesystem::path model_dir = a.positional()[0];
    // Known facts (collateral) come from the reference when given: it is the model they were verified on.
    const std::filesystem::path base = a.has("reference") ? std::filesystem::path(a.get("reference")) : model_dir;
    auto in = read_eval_inputs(a, base, a.get_u64("seed", 0));
    if (a.flag("chat")) wrap_in_chat(in, model_dir);
    if (!in.notes.empty() && !a.flag("json")) std::fprintf(stderr, "%s", in.notes.c_str());

    eval::Evaluator ev(in.set, in.collateral, in.heldout);
    eval::Report report;
    report.model = model_dir.string();
    report.method = "eval";
    report.preset = "-";
    report.outcome = a.has("reference") ? "compared with " + a.get("reference") : "measured";
    if (a.has("reference")) {
        auto ref = load_for_cli(a, a.get("reference"), true);
        report.before = ev.measure(ref);   // fixes θ0 for the KL
    }
    auto m = load_for_cli(a, model_dir, true);
    report.after = ev.measure(m);
    if (a.has("report")) {
        report.save(a.get("report"));
    }
    if (a.flag("json")) std::cout << report.to_json();
    else print_report_summary(report);
    return 0;
}

CommandRegistrar reg({"eval", "measure a model on a fact set (optionally against a reference)",
                      std::string("usage: llm-surgery-cli eval MODEL_DIR --facts FILE [--reference MODEL_DIR]\n"
                                  "         [--report REPORT.json|.md] [--json]\n\n"
                                  "  --reference DIR   the original model: report before (reference) and after (MODEL_DIR),\n"
                                  "                    with KL(reference || model) on retain and collateral facts\n"
                                  "  --json            print the report JSON\n"
                                  "  --seed S          seed for the collateral sample\n") +
                          kEvalOptionsHelp + kModelOptionsHelp,
                      run});

}  // namespace
}  // namespace llms::cli
