// Project files: JSON, versioned, atomic writes, every field checked on read.
#include "core/session/project_file.h"

#include "core/common/error.h"
#include "core/io/atomic_write.h"
#include "core/io/json_input.h"
#include "core/io/read_file.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include <limits>
#include <sstream>
#include <type_traits>

namespace llms::session {

namespace {

using json = nlohmann::json;
constexpr const char* kFormat = "llm-surgery-project";
constexpr int kVersion = 1;

// ---- facts: the JSONL objects, one per array entry (the facts module parses and validates them) -------
json facts_json(const facts::FactSet& s) {
    json a = json::array();
    std::istringstream lines(facts::to_jsonl(s));
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) a.push_back(json::parse(line));
    return a;
}

facts::FactSet facts_from(const json& a, const std::string& source) {
    if (!a.is_array()) throw Error(source + ": \"facts\" must be an array of fact objects");
    std::string text;
    for (const auto& f : a) text += f.dump() + "\n";
    return facts::parse_jsonl(text, source + " (facts)");
}

// ---- surgery settings ------------------------------------------------------------------------------------
// ROME / MEMIT settings (core/edit/edit_settings.h); the covariance cache's folder is the machine's, not the run's.
json edit_json(const edit::EditSettings& e) {
    return {{"layers", e.layers},
            {"memit_span", e.memit_span},
            {"cov_samples", e.cov_samples},
            {"mom2_weight", e.mom2_weight},
            {"v_steps", e.v_steps},
            {"v_lr", e.v_lr},
            {"v_weight_decay", e.v_weight_decay},
            {"kl_factor", e.kl_factor},
            {"keep_factor", e.keep_factor},
            {"keep_prompts", e.keep_prompts},
            {"keep_relations", e.keep_relations},
            {"start_keys", e.start_keys},
            {"clamp_norm", e.clamp_norm},
            {"context_prefixes", e.context_prefixes},
            {"prefix_tokens", e.prefix_tokens},
            {"forget_target", e.forget_target},
            {"trace_facts", e.trace_facts},
            {"trace_samples", e.trace_samples}};
}

json config_json(const surgery::SurgeryConfig& c) {
    return {{"method", surgery::method_name(c.method)},
            {"preset", c.preset},
            {"steps", c.steps},
            {"batch_size", c.batch_size},
            {"lr", c.lr},
            {"schedule", c.schedule},
            {"warmup_steps", c.warmup_steps},
            {"w_forget", c.w_forget},
            {"w_edit", c.w_edit},
            {"w_update", c.w_update},
            {"w_retain", c.w_retain},
            {"beta1", c.beta1},
            {"beta2", c.beta2},
            {"weight_decay", c.weight_decay},
            {"grad_clip", c.grad_clip},
            {"seed", c.seed},
            {"eval_every", c.eval_every},
            {"early_stop", c.early_stop},
            {"train_params", c.train_params},
            {"forget_nll_stop", c.forget_nll_stop},
            {"early_stop_past_bound", c.early_stop_past_bound},
            {"forget_to_never_seen", c.forget_to_never_seen},
            {"retain_pool_per_step", c.retain_pool_per_step},
            {"kl_answers_only", c.kl_answers_only},
            {"npo_beta", c.npo_beta},
            {"blowup_factor", c.blowup_factor},
            {"device", c.device},
            {"precision", c.precision},
            {"checkpoint_layers", c.checkpoint_layers},
            {"chat_prompts", c.chat_prompts},
            {"lora", c.lora},
            {"lora_targets", c.lora_targets},
            {"edit", edit_json(c.edit)}};
}

template <class T>
void read(const json& j, const char* key, T* out, const std::string& where) {
    if (!j.contains(key)) return;   // older files: keep the default
    const json& v = j.at(key);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
        if (!v.is_number_integer())   // a float such as 1e300 would convert with undefined behaviour
            throw Error(where + ": field \"" + key + "\" must be an integer, found " + io::json_preview(v));
    try {
        *out = v.get<T>();
    } catch (const json::exception&) {
        throw Error(where + ": field \"" + key + "\" has the wrong type (" + io::json_preview(v) + ")");
    }
}

surgery::SurgeryConfig config_from(const json& j, const std::string& where) {
    if (!j.is_object()) throw Error(where + ": surgery settings must be an object");
    surgery::SurgeryConfig c;
    std::string method = surgery::method_name(c.method);
    read(j, "method", &method, where);
    if (!surgery::method_from_name(method, &c.method))
        throw Error(where + ": unknown surgery method \"" + method +
                    "\" (llm-surgery, grad-ascent, grad-diff, npo, finetune, rome or memit)");
    read(j, "preset", &c.preset, where);
    read(j, "steps", &c.steps, where);
    read(j, "batch_size", &c.batch_size, where);
    read(j, "lr", &c.lr, where);
    read(j, "schedule", &c.schedule, where);
    read(j, "warmup_steps", &c.warmup_steps, where);
    read(j, "w_forget", &c.w_forget, where);
    read(j, "w_edit", &c.w_edit, where);
    read(j, "w_update", &c.w_update, where);
    read(j, "w_retain", &c.w_retain, where);
    read(j, "beta1", &c.beta1, where);
    read(j, "beta2", &c.beta2, where);
    read(j, "weight_decay", &c.weight_decay, where);
    read(j, "grad_clip", &c.grad_clip, where);
    read(j, "seed", &c.seed, where);
    read(j, "eval_every", &c.eval_every, where);
    read(j, "early_stop", &c.early_stop, where);
    read(j, "train_params", &c.train_params, where);
    read(j, "forget_nll_stop", &c.forget_nll_stop, where);
    read(j, "early_stop_past_bound", &c.early_stop_past_bound, where);
    read(j, "forget_to_never_seen", &c.forget_to_never_seen, where);
    read(j, "retain_pool_per_step", &c.retain_pool_per_step, where);
    read(j, "kl_answers_only", &c.kl_answers_only, where);
    read(j, "npo_beta", &c.npo_beta, where);
    read(j, "blowup_factor", &c.blowup_factor, where);
    read(j, "device", &c.device, where);
    read(j, "precision", &c.precision, where);
    read(j, "checkpoint_layers", &c.checkpoint_layers, where);
    read(j, "chat_prompts", &c.chat_prompts, where);
    read(j, "lora", &c.lora, where);
    read(j, "lora_targets", &c.lora_targets, where);
    if (j.contains("edit")) {   // older files: the defaults
        const json& e = j.at("edit");
        const std::string at = where + ", \"edit\"";
        if (!e.is_object()) throw Error(at + ": must be an object");
        read(e, "layers", &c.edit.layers, at);
        read(e, "memit_span", &c.edit.memit_span, at);
        read(e, "cov_samples", &c.edit.cov_samples, at);
        read(e, "mom2_weight", &c.edit.mom2_weight, at);
        read(e, "v_steps", &c.edit.v_steps, at);
        read(e, "v_lr", &c.edit.v_lr, at);
        read(e, "v_weight_decay", &c.edit.v_weight_decay, at);
        read(e, "kl_factor", &c.edit.kl_factor, at);
        read(e, "keep_factor", &c.edit.keep_factor, at);
        read(e, "keep_prompts", &c.edit.keep_prompts, at);
        read(e, "keep_relations", &c.edit.keep_relations, at);
        read(e, "start_keys", &c.edit.start_keys, at);
        read(e, "clamp_norm", &c.edit.clamp_norm, at);
        read(e, "context_prefixes", &c.edit.context_prefixes, at);
        read(e, "prefix_tokens", &c.edit.prefix_tokens, at);
        read(e, "forget_target", &c.edit.forget_target, at);
        read(e, "trace_facts", &c.edit.trace_facts, at);
        read(e, "trace_samples", &c.edit.trace_samples, at);
    }
    return c;
}

// An integer value; nlohmann would convert a float (1e300) with a cast that is undefined behaviour outside the
// type's range, so anything but an integer in range is an error (found by fuzz/fuzz_project).
template <class T>
T as_int(const json& v, const std::string& where) {
    const bool ok = v.is_number_integer() &&
                    (v.is_number_unsigned() ? v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max())
                                            : v.get<int64_t>() >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                                                  v.get<int64_t>() <= static_cast<int64_t>(std::numeric_limits<T>::max()));
    if (!ok) throw Error(where + ": expected an integer, found " + io::json_preview(v));
    return v.get<T>();
}

template <class T>
T int_field(const json& j, const char* key, T fallback, const std::string& where) {
    if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return fallback;
    return as_int<T>(j.at(key), where + ": field \"" + key + "\"");
}

// ---- report (eval::Report::to_json read back) --------------------------------------------------------------
std::optional<double> opt_num(const json& j, const char* key) {
    if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
    return j.at(key).get<double>();
}

eval::SetMetrics set_from(const json& j) {
    eval::SetMetrics s;
    if (!j.is_object()) return s;
    s.n = int_field<decltype(s.n)>(j, "n", 0, "report");
    s.exact_match = j.value("exact_match", 0.0);
    s.answer_prob = opt_num(j, "answer_prob").value_or(NAN);
    s.nll = j.value("nll", 0.0);
    s.mcqa_acc = j.value("mcqa_acc", 0.0);
    s.rouge_l = j.value("rouge_l", 0.0);
    s.paraphrase_acc = opt_num(j, "paraphrase_acc");
    s.kl = opt_num(j, "kl");
    return s;
}

eval::FactOutcome outcome_from(const json& f, const json& side) {
    eval::FactOutcome o;
    o.id = f.value("id", "");
    o.set = f.value("set", "");
    o.prompt = f.value("prompt", "");
    o.target = f.value("target", "");
    o.completion = side.value("completion", "");
    o.match = side.value("match", false);
    o.answer_prob = opt_num(side, "answer_prob").value_or(NAN);
    return o;
}

eval::Report report_from(const json& j) {
    eval::Report r;
    r.model = j.value("model", "");
    r.method = j.value("method", "");
    r.preset = j.value("preset", "");
    r.steps = int_field<decltype(r.steps)>(j, "steps", 0, "report");
    r.seconds = j.value("seconds", 0.0);
    r.tokens = int_field<decltype(r.tokens)>(j, "tokens", 0, "report");
    r.outcome = j.value("outcome", "");
    const bool has_before = j.contains("forget") && j["forget"].contains("before") && !j["forget"]["before"].is_null();
    eval::Measurement before, after;
    const std::pair<const char*, eval::SetMetrics eval::Measurement::*> sets[] = {
        {"forget", &eval::Measurement::forget}, {"update", &eval::Measurement::update},
        {"retain", &eval::Measurement::retain}, {"collateral", &eval::Measurement::collateral}};
    for (auto [name, field] : sets) {
        if (!j.contains(name)) continue;
        after.*field = set_from(j[name].value("after", json::object()));
        if (has_before) before.*field = set_from(j[name].value("before", json::object()));
    }
    if (j.contains("fluency_ppl")) {
        after.fluency_ppl = opt_num(j["fluency_ppl"], "after");
        before.fluency_ppl = opt_num(j["fluency_ppl"], "before");
    }
    for (const auto& f : j.value("facts", json::array())) {
        after.facts.push_back(outcome_from(f, f.value("after", json::object())));
        if (has_before) before.facts.push_back(outcome_from(f, f.value("before", json::object())));
    }
    // Reports written before the answer probability became the whole answer's (it was exp of the mean answer-token
    // log-prob) carry no "answer_prob_definition": their values are not shown rather than shown under the new name.
    if (j.value("answer_prob_definition", "") != eval::kAnswerProbDefinition) {
        auto drop = [](eval::Measurement& m) {
            for (auto* s : {&m.forget, &m.update, &m.retain, &m.collateral}) s->answer_prob = NAN;
            for (auto& f : m.facts) f.answer_prob = NAN;
        };
        drop(after), drop(before);
    }
    r.after = after;
    if (has_before) r.before = before;
    return r;
}

// ---- runs -----------------------------------------------------------------------------------------------
const char* end_name(surgery::SurgeryOutcome::End e) {
    switch (e) {
        case surgery::SurgeryOutcome::End::Completed: return "completed";
        case surgery::SurgeryOutcome::End::TargetsMet: return "targets_met";
        case surgery::SurgeryOutcome::End::Stopped: return "stopped";
        case surgery::SurgeryOutcome::End::Diverged: return "diverged";
    }
    return "completed";
}

surgery::SurgeryOutcome::End end_from(const std::string& s) {
    if (s == "targets_met") return surgery::SurgeryOutcome::End::TargetsMet;
    if (s == "stopped") return surgery::SurgeryOutcome::End::Stopped;
    if (s == "diverged") return surgery::SurgeryOutcome::End::Diverged;
    return surgery::SurgeryOutcome::End::Completed;
}

json run_json(const RunRecord& r) {
    json steps = json::array(), evals = json::array();
    for (const auto& s : r.steps)
        steps.push_back({s.step, s.loss_forget, s.loss_edit, s.loss_update, s.loss_retain, s.total, s.grad_norm, s.lr,
                         s.tokens_per_s, s.seconds, s.active_forget, s.steps});
    for (const auto& e : r.evals) evals.push_back({e.step, e.forget_acc, e.update_acc, e.retain_acc});
    json j = {{"id", r.id},
              {"base", r.base},
              {"started", r.started},
              {"facts", facts_json(r.facts)},
              {"surgery", config_json(r.config)},
              {"outcome",
               {{"end", end_name(r.outcome.end)},
                {"message", r.outcome.message},
                {"steps_done", r.outcome.steps_done},
                {"seconds", r.outcome.seconds},
                {"tokens", r.outcome.tokens}}},
              {"steps", steps},
              {"evals", evals}};
    j["report"] = r.report ? json::parse(r.report->to_json()) : json();
    return j;
}

RunRecord run_from(const json& j, const std::string& where) {
    if (!j.is_object()) throw Error(where + ": a run must be an object");
    RunRecord r;
    read(j, "id", &r.id, where);
    read(j, "base", &r.base, where);
    read(j, "started", &r.started, where);
    r.facts = facts_from(j.value("facts", json::array()), where);
    r.config = config_from(j.value("surgery", json::object()), where);
    const json o = j.value("outcome", json::object());
    r.outcome.end = end_from(o.value("end", "completed"));
    r.outcome.message = o.value("message", "");
    r.outcome.steps_done = int_field<decltype(r.outcome.steps_done)>(o, "steps_done", 0, where + ", outcome");
    r.outcome.seconds = o.value("seconds", 0.0);
    r.outcome.tokens = int_field<decltype(r.outcome.tokens)>(o, "tokens", 0, where + ", outcome");
    try {
        for (const auto& s : j.value("steps", json::array())) {
            surgery::StepMetrics m;
            m.step = as_int<decltype(m.step)>(s.at(0), where + ", steps");
            m.loss_forget = s.at(1), m.loss_edit = s.at(2), m.loss_update = s.at(3), m.loss_retain = s.at(4);
            m.total = s.at(5), m.grad_norm = s.at(6), m.lr = s.at(7), m.tokens_per_s = s.at(8), m.seconds = s.at(9);
            m.active_forget = as_int<decltype(m.active_forget)>(s.at(10), where + ", steps");
            m.steps = s.size() > 11 ? as_int<int>(s.at(11), where + ", steps") : r.config.steps;
            r.steps.push_back(m);
        }
        for (const auto& e : j.value("evals", json::array()))
            r.evals.push_back({as_int<int>(e.at(0), where + ", evals"), e.at(1).get<double>(), e.at(2).get<double>(),
                               e.at(3).get<double>()});
        if (j.contains("report") && !j["report"].is_null()) r.report = report_from(j["report"]);
    } catch (const json::exception& e) {
        throw Error(where + ": malformed metrics (" + e.what() + ")");
    }
    r.weights_kept = false;
    return r;
}

json probe_json(const SampleOptions& s) {
    return {{"max_new_tokens", s.max_new_tokens}, {"temperature", s.temperature}, {"top_p", s.top_p}, {"seed", s.seed}};
}

Project project_from(const json& j, const std::string& source);   // below project_from_json

}  // namespace

bool Project::operator==(const Project& o) const { return project_to_json(*this) == project_to_json(o); }

std::string project_to_json(const Project& p) {
    json runs = json::array();
    for (const auto& r : p.runs) runs.push_back(run_json(r));
    json j = {{"format", kFormat},         {"version", kVersion},           {"model_dir", p.model_dir},
              {"facts", facts_json(p.facts)}, {"surgery", config_json(p.surgery)}, {"probe", probe_json(p.probe)},
              {"from_original", p.from_original}, {"runs", runs}};
    return j.dump(2) + "\n";
}

Project project_from_json(const std::string& text, const std::string& source) {
    json j;
    if (std::string reason; !io::try_parse_json_input(text, &j, &reason))
        throw Error(source + ": not a valid project file (" + reason + "); open a file saved by llm-surgery");
    // Any value of the wrong type deeper in the file (a number where text belongs...) is a one-line error too.
    try {
        return project_from(j, source);
    } catch (const json::exception& e) {
        throw Error(source + ": not a valid project file (a field has the wrong type: " + e.what() +
                    "); open a file saved by llm-surgery");
    }
}

namespace {

Project project_from(const json& j, const std::string& source) {
    if (!j.is_object() || !j.contains("format") || j["format"] != kFormat)
        throw Error(source + ": not an llm-surgery project (missing \"format\": \"" + kFormat + "\")");
    int version = 0;
    read(j, "version", &version, source);
    if (version < 1 || version > kVersion)
        throw Error(source + ": project version " + std::to_string(version) + " is not supported (this build reads " +
                    std::to_string(kVersion) + "); update llm-surgery");
    Project p;
    read(j, "model_dir", &p.model_dir, source);
    p.facts = facts_from(j.value("facts", json::array()), source);
    p.surgery = config_from(j.value("surgery", json::object()), source);
    const json pr = j.value("probe", json::object());
    read(pr, "max_new_tokens", &p.probe.max_new_tokens, source);
    read(pr, "temperature", &p.probe.temperature, source);
    read(pr, "top_p", &p.probe.top_p, source);
    read(pr, "seed", &p.probe.seed, source);
    read(j, "from_original", &p.from_original, source);
    int i = 0;
    for (const auto& r : j.value("runs", json::array())) p.runs.push_back(run_from(r, source + ", run " + std::to_string(++i)));
    return p;
}

}  // namespace

void save_project(const Project& p, const std::filesystem::path& path) { io::write_file_atomic(path, project_to_json(p)); }

Project load_project(const std::filesystem::path& path) {
    return project_from_json(io::read_regular_file(path, io::kMaxDocumentBytes, "project file"), path.string());
}

std::string config_to_json(const surgery::SurgeryConfig& c) { return config_json(c).dump(); }

surgery::SurgeryConfig config_from_json(const std::string& text) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error&) {
        throw Error("surgery settings: not valid JSON");
    }
    return config_from(j, "surgery settings");
}

}  // namespace llms::session
