// Probing: the original and the live weights answer prompts; answer probabilities; per-fact verdicts.
#include "core/chat/chat_prompts.h"
#include "core/common/error.h"
#include "core/eval/answer_tokens.h"
#include "core/eval/exact_match.h"
#include "core/eval/score.h"
#include "core/generate/generate.h"
#include "core/session/session_impl.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace llms::session {

namespace {

std::string trim(std::string s) {
    auto sp = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && sp(s.back())) s.pop_back();
    size_t i = 0;
    while (i < s.size() && sp(s[i])) ++i;
    return s.substr(i);
}

std::string cut_at_newline(std::string s) {
    if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
    return s;
}

bool ends_with_replacement_char(const std::string& s) {   // U+FFFD: a UTF-8 character still incomplete
    return s.size() >= 3 && s.compare(s.size() - 3, 3, "\xEF\xBF\xBD") == 0;
}

// Generation as text plus each token's text and probability. Token texts are differences of the decoded
// prompt+prefix, so SentencePiece's leading space survives and split UTF-8 characters land on the token
// that completes them.
Completion complete(LoadedModel& m, const std::vector<int32_t>& prompt_ids, const SampleOptions& s) {
    GenerateOptions g;
    g.max_new_tokens = s.max_new_tokens;
    g.temperature = s.temperature;
    g.top_p = s.top_p;
    g.seed = s.seed;
    g.eos_ids = m.stop_ids();
    auto r = generate(m.net, prompt_ids, g);
    Completion c;
    std::vector<int32_t> prefix;
    std::string done;
    for (size_t i = 0; i < r.token_ids.size(); ++i) {
        if (std::find(g.eos_ids.begin(), g.eos_ids.end(), r.token_ids[i]) != g.eos_ids.end()) break;
        prefix.push_back(r.token_ids[i]);
        const std::string t = completion_text(m.tok(), prompt_ids, prefix);
        TokenProb tp;
        tp.prob = std::exp(r.token_logprobs[i]);
        if (!ends_with_replacement_char(t)) {
            tp.text = t.compare(0, done.size(), done) == 0 ? t.substr(done.size()) : t.substr(std::min(done.size(), t.size()));
            done = t;
        }
        c.tokens.push_back(std::move(tp));
    }
    c.text = done;
    return c;
}

// P(answer | prompt): product of the answer tokens' probabilities.
double answer_probability(LoadedModel& m, const std::string& prompt, const std::string& answer) {
    if (trim(answer).empty()) return -1;
    AnswerTokens at;
    try {
        at = tokenize_answer(m.tok(), prompt, answer);
    } catch (const Error&) {
        return -1;
    }
    if ((int64_t)at.ids.size() > m.config.max_position_embeddings) return -1;
    const auto lp = token_logprobs(m.net, at.ids);   // lp[i] = log p(ids[i+1] | ids[..i])
    double sum = 0;
    for (size_t i = at.answer_start - 1; i < lp.size(); ++i) sum += lp[i];
    return std::exp(sum);
}

// The first phrase of a completion (up to . , ; or newline): what a probe calls "the answer".
std::string first_phrase(const std::string& text) {
    const size_t cut = text.find_first_of(".,;\n");
    std::string s = text.substr(0, cut);
    return trim(s).empty() ? std::string() : s;
}

void check_prompt_fits(const LoadedModel& m, const std::vector<int32_t>& ids, const std::string& prompt) {
    if ((int64_t)ids.size() >= m.config.max_position_embeddings)
        throw Error("the prompt \"" + prompt.substr(0, 60) + "\" has " + std::to_string(ids.size()) +
                    " tokens; this model reads at most " + std::to_string(m.config.max_position_embeddings) +
                    ": shorten it");
}

}  // namespace

std::vector<std::string> Session::ask(const std::vector<std::string>& prompts, int max_new_tokens) {
    auto& I = *impl_;
    auto& m = I.model();
    std::vector<std::vector<int32_t>> ids;
    for (const auto& p : prompts) {
        ids.push_back(I.tok().encode(p));
        check_prompt_fits(m, ids.back(), p);
    }
    torch::NoGradGuard ng;
    auto texts = greedy_completions(m, ids, max_new_tokens);
    for (auto& t : texts) t = cut_at_newline(t);
    return texts;
}

ProbeResult Session::probe(const std::string& prompt, const SampleOptions& opt, const facts::FactSet& facts) {
    auto& I = *impl_;
    auto& m = I.model();
    if (trim(prompt).empty()) throw Error("the prompt is empty: type a prompt to probe (e.g. \"The capital of France is\")");
    // What the model reads: the prompt, or with opt.chat the prompt as a user turn of its chat template.
    const std::string model_prompt = opt.chat ? require_chat(m).wrap(prompt) : prompt;
    const auto ids = I.tok().encode(model_prompt);
    check_prompt_fits(m, ids, prompt);
    torch::NoGradGuard ng;

    ProbeResult r;
    r.prompt = prompt;
    r.edited_run = I.active;
    // Which answers to score: those of facts with this prompt, else each model's own first phrase.
    const facts::FactSet asked = opt.chat ? chat::wrap_fact_prompts(facts, require_chat(m)) : facts;
    for (size_t i = 0; i < facts.facts.size(); ++i) {
        const auto& user = facts.facts[i];
        const auto& f = asked.facts[i];   // answers as the model is asked for them (chat: no leading space)
        if (user.is_document() || trim(user.prompt) != trim(prompt)) continue;
        if (f.kind == facts::Kind::Update) {
            if (!f.answer.empty()) r.answers.push_back({"old answer", f.answer});
            r.answers.push_back({"new answer", f.new_answer});
        } else {
            r.answers.push_back({f.kind == facts::Kind::Forget ? "answer to forget" : "answer to keep", f.answer});
        }
    }
    const bool from_facts = !r.answers.empty();

    r.original = I.with_weights(0, [&] { return complete(m, ids, opt); });
    r.edited = I.active == 0 ? r.original : complete(m, ids, opt);
    if (!from_facts) {
        const auto a = first_phrase(r.original.text), b = first_phrase(r.edited.text);
        if (!a.empty()) r.answers.push_back({"original's answer", a});
        if (!b.empty() && trim(b) != trim(a)) r.answers.push_back({"edited's answer", b});
    }
    I.with_weights(0, [&] {
        for (auto& a : r.answers) a.p_original = answer_probability(m, model_prompt, a.answer);
    });
    for (auto& a : r.answers)
        a.p_edited = I.active == 0 ? a.p_original : answer_probability(m, model_prompt, a.answer);
    return r;
}

std::vector<FactProbe> Session::probe_facts(const facts::FactSet& user_set, bool chat) {
    auto& I = *impl_;
    auto& m = I.model();
    // The model reads `set` (chat: prompts wrapped, answers without their leading space); the probes show the
    // user's prompts.
    const facts::FactSet set = chat ? chat::wrap_fact_prompts(user_set, require_chat(m)) : user_set;
    std::vector<std::string> model_prompts;
    std::vector<FactProbe> out;
    std::vector<std::vector<int32_t>> prompts;
    int max_new = 4;
    for (size_t i = 0; i < set.facts.size(); ++i) {
        const auto& f = set.facts[i];
        if (f.is_document() || trim(f.prompt).empty()) continue;
        FactProbe p;
        p.fact = (int)i;
        p.kind = f.kind;
        p.prompt = user_set.facts[i].prompt;
        p.target = f.kind == facts::Kind::Update ? f.new_answer : f.answer;
        if (trim(p.target).empty()) continue;
        prompts.push_back(I.tok().encode(f.prompt));
        check_prompt_fits(m, prompts.back(), p.prompt);
        model_prompts.push_back(f.prompt);
        max_new = std::max<int>(max_new, (int)I.tok().encode(p.target, false).size() + 4);
        out.push_back(std::move(p));
    }
    torch::NoGradGuard ng;
    auto side = [&](bool before) {
        auto texts = greedy_completions(m, prompts, max_new);
        for (size_t i = 0; i < out.size(); ++i) {
            auto& p = out[i];
            const auto text = cut_at_newline(texts[i]);
            const bool hit = starts_with_answer(text, p.target);
            const double prob = answer_probability(m, model_prompts[i], p.target);
            (before ? p.before : p.after) = text;
            (before ? p.hit_before : p.hit_after) = hit;
            (before ? p.p_before : p.p_after) = prob;
        }
    };
    I.with_weights(0, [&] { side(true); });
    side(false);
    for (auto& p : out) {
        switch (p.kind) {
            case facts::Kind::Forget:
                p.pass = !p.hit_after;
                p.verdict = p.hit_after ? "still known" : p.hit_before ? "forgotten" : "never known";
                break;
            case facts::Kind::Update:
                p.pass = p.hit_after;
                p.verdict = p.hit_after ? (p.hit_before ? "already so before" : "updated") : "not updated";
                break;
            case facts::Kind::Retain:
                p.pass = p.hit_after;
                p.verdict = p.hit_after ? "retained" : p.hit_before ? "lost" : "never known";
                break;
        }
    }
    return out;
}

}  // namespace llms::session
