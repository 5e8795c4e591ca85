// llm-surgery-cli audit ORIGINAL_DIR EDITED_DIR --facts FILE [--report AUDIT.json]
#include "app/cli/audit_progress.h"
#include "app/cli/interrupt.h"
#include "app/cli/model_options.h"
#include "core/facts/fact_set.h"
#include "core/io/output_folder.h"

#include <cstdio>
#include <iostream>

namespace llms::cli {
namespace {

int run(const std::vector<std::string>& argv) {
    Args a(argv, {"json"});
    auto known = kModelOptions;
    known.insert(kAuditOptions.begin(), kAuditOptions.end());
    known.insert({"facts", "report", "json", "seed"});
    a.check_known(known);
    if (a.positional().size() != 2) throw Error("expected ORIGINAL_DIR and EDITED_DIR (see --help)");
    const std::filesystem::path original_dir = a.positional()[0], edited_dir = a.positional()[1];
    const auto options = audit_options_from(a, a.get_u64("seed", 0));
    if (a.has("report")) io::check_report_path(a.get("report"), edited_dir);
    const auto set = facts::load_any(a.require("facts"));
    if (auto issues = set.validate(); !issues.empty())
        throw Error(a.get("facts") + ": " + issues.front().to_string());
    const auto& stop = install_interrupt_flag();

    eval::AuditReport report;
    report.original = original_dir.string();
    report.edited = edited_dir.string();
    {   // the original's answers first, then it is released: one model in memory at a time
        std::fprintf(stderr, "measuring the original model %s\n", original_dir.string().c_str());
        auto original = load_for_cli(a, original_dir, true);
        eval::audit_original(original, set, report);
    }
    std::fprintf(stderr, "auditing %s\n", edited_dir.string().c_str());
    // fp32 weights unless --dtype says otherwise: the relearning attacks train them.
    auto edited = load_for_cli(a, edited_dir, true, "float32");
    AuditProgress progress(&stop);
    report = eval::run_audit(edited, set, options, progress.callbacks(), report);
    progress.finish();
    if (a.has("report")) {
        report.save(a.get("report"));
        std::fprintf(stderr, "audit report: %s\n", a.get("report").c_str());
    }
    if (a.flag("json")) std::cout << report.to_json();
    else print_audit_summary(report);
    return report.pass() ? 0 : 3;
}

CommandRegistrar reg({"audit", "try to bring forgotten facts back from an edited model (quantization, relearning, ...)",
                      std::string("usage: llm-surgery-cli audit ORIGINAL_DIR EDITED_DIR --facts FILE [--report AUDIT.json|.md]\n\n"
                                  "Attacks the edited model: Q8_0 / Q4_0 quantization, relearning on half of the forgotten\n"
                                  "facts, fine-tuning on retain facts, sampling, paraphrases and a held-out template; and a\n"
                                  "membership-inference test (Min-K%++ and loss AUROC) against never-seen answers. Exit\n"
                                  "status 0 when every attack passes, 3 when one fails. Keys: README \"Audit JSON\".\n\n"
                                  "  --facts FILE        the fact set of the surgery (JSONL or CSV)\n"
                                  "  --report FILE       write the audit (.json, or .md for Markdown)\n"
                                  "  --json              print the audit JSON\n"
                                  "  --seed S            seed of the relearning split and the never-seen answers\n") +
                          kAuditOptionsHelp + kModelOptionsHelp,
                      run});

}  // namespace
}  // namespace llms::cli
