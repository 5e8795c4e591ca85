// The chat template renderer (core/chat/chat_template.h) against Jinja2 itself: every case of
// tests/data/chat_templates/reference.json — real templates (Llama 3, 3.1, 3.2, Qwen2.5, Qwen3, SmolLM2,
// Mistral-7B-Instruct) over single-turn, system, multi-turn, tool, thinking and awkward-text conversations, plus
// small templates for each Jinja feature — must render byte for byte what Jinja2 rendered, configured as
// transformers' apply_chat_template (tools/render_chat_reference.py made the file), or fail where Jinja2 failed.
// Then the helpers (render_user_turn, ChatOptions fields, the ChatMessage overload), reading the template from a
// model folder, and refusals: unknown or unsupported constructs, unbalanced tags, raise_exception, what cannot be
// reproduced exactly, and the resource limits — each a one-line llms::Error naming the line.
#include "core/chat/chat_template.h"
#include "core/chat/chat_template_file.h"
#include "core/common/error.h"
#include "tests/test_files.h"

#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

using namespace llms;
using namespace llms::chat;
namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

using llms::test::read_bytes;
using llms::test::write_bytes;
using llms::test::error_of;

const fs::path kData = fs::path(LLMS_TEST_DATA) / "chat_templates";

const ordered_json& reference() {
    static const ordered_json ref = ordered_json::parse(read_bytes(kData / "reference.json"));
    return ref;
}

std::string template_text(const std::string& name) { return read_bytes(kData / (name + ".jinja")); }

// The clock the references were rendered with (render_chat_reference.py: NOW).
std::tm reference_now() {
    std::tm t{};
    t.tm_year = 2025 - 1900;
    t.tm_mon = 1;
    t.tm_mday = 3;
    t.tm_hour = 4;
    t.tm_min = 5;
    t.tm_sec = 6;
    t.tm_isdst = -1;
    std::tm copy = t;
    std::mktime(&copy);   // fills in the weekday and the day of the year
    t.tm_wday = copy.tm_wday;
    t.tm_yday = copy.tm_yday;
    return t;
}

std::map<std::string, std::string> special_tokens(const ordered_json& c) {
    std::map<std::string, std::string> tokens;
    for (const auto& [k, v] : c["special_tokens"].items()) tokens[k] = v.get<std::string>();
    return tokens;
}

const ordered_json& find_case(const std::string& tpl, const std::string& name) {
    for (const auto& c : reference()["cases"])
        if (c.value("template", "") == tpl && c["name"] == name) return c;
    throw std::runtime_error("no reference case " + tpl + "/" + name);
}

std::string render_source(const std::string& source, const ordered_json& extra = ordered_json::object()) {
    ChatOptions o;
    o.extra = extra;
    o.now = reference_now();
    return ChatTemplate(source).render(ordered_json::array({{{"role", "user"}, {"content", "hi"}}}), true,
                                       {{"bos_token", "<s>"}}, o);
}

}  // namespace

class TestChatTemplate : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void referenceRenders_data() {
        QTest::addColumn<int>("index");
        const auto& cases = reference()["cases"];
        for (size_t i = 0; i < cases.size(); ++i) {
            const std::string name = cases[i].value("template", "feature") + "/" + cases[i]["name"].get<std::string>();
            QTest::newRow(name.c_str()) << static_cast<int>(i);
        }
    }

    // The renderer gives what Jinja2 gave, byte for byte, or fails where Jinja2 failed.
    void referenceRenders() {
        QFETCH(int, index);
        const ordered_json& c = reference()["cases"][static_cast<size_t>(index)];
        const bool real = c.contains("template");
        const std::string text = real ? template_text(c["template"]) : c["source"].get<std::string>();
        ChatOptions o;
        o.tools = c["tools"];
        o.extra = c["extra"];
        o.now = reference_now();
        std::string got, error;
        try {
            got = ChatTemplate(text, real ? c["template"].get<std::string>() + ".jinja" : "feature template")
                      .render(c["messages"], c["add_generation_prompt"].get<bool>(), special_tokens(c), o);
        } catch (const Error& e) {
            error = e.what();
        }
        if (c.contains("error")) {
            QVERIFY2(!error.empty(), ("Jinja2 failed (" + c["error"].dump() + ") but this rendered: " +
                                      ordered_json(got).dump()).c_str());
            QVERIFY2(error.find('\n') == std::string::npos, error.c_str());
            if (c["error"]["type"] == "TemplateError")   // raise_exception: its message reaches the user
                QVERIFY2(error.find(c["error"]["message"].get<std::string>()) != std::string::npos, error.c_str());
            return;
        }
        QVERIFY2(error.empty(), error.c_str());
        const std::string expected = c["expected"].get<std::string>();
        if (got != expected) {
            size_t at = 0;
            while (at < got.size() && at < expected.size() && got[at] == expected[at]) ++at;
            QFAIL(("first difference at byte " + std::to_string(at) + "\n  got:      " +
                   ordered_json(got.substr(at > 40 ? at - 40 : 0, 120)).dump() + "\n  expected: " +
                   ordered_json(expected.substr(at > 40 ? at - 40 : 0, 120)).dump())
                      .c_str());
        }
    }

    // The issue's models are all in the reference, each with a rendered (not only refused) conversation set.
    void coversTheRequiredTemplates() {
        std::map<std::string, int> rendered;
        for (const auto& c : reference()["cases"])
            if (c.contains("template") && c.contains("expected")) ++rendered[c["template"].get<std::string>()];
        for (const char* t : {"llama3", "llama3_1", "llama3_2", "qwen2_5", "qwen3", "smollm2", "mistral_7b_instruct"})
            QVERIFY2(rendered[t] >= 7, t);
        QVERIFY(rendered["qwen3"] >= 20);   // with the thinking cases
        int features = 0;
        for (const auto& c : reference()["cases"]) features += c.contains("source");
        QVERIFY(features >= 60);
    }

    // render_user_turn = one user message + the generation prompt.
    void userTurnHelper_data() {
        QTest::addColumn<QString>("tpl");
        for (const char* t : {"llama3", "llama3_1", "llama3_2", "qwen2_5", "qwen3", "smollm2", "mistral_7b_instruct"})
            QTest::newRow(t) << QString(t);
    }
    void userTurnHelper() {
        QFETCH(QString, tpl);
        const ordered_json& c = find_case(tpl.toStdString(), "single_user");
        const auto tokens = special_tokens(c);
        const auto get = [&](const char* k) { return tokens.count(k) ? tokens.at(k) : std::string(); };
        std::string text = template_text(tpl.toStdString());
        if (tpl == "llama3_2") {
            // With the reference's clock, the same text; with the system clock, today's date (strftime_now) in
            // the same place.
            ChatOptions o;
            o.now = reference_now();
            QCOMPARE(render_user_turn(text, c["messages"][0]["content"], get("bos_token"), get("eos_token"), o),
                     c["expected"].get<std::string>());
            const std::string got =
                render_user_turn(text, c["messages"][0]["content"], get("bos_token"), get("eos_token"));
            const std::regex date("Today Date: [^\n]*\n");
            QCOMPARE(std::regex_replace(got, date, "D\n"),
                     std::regex_replace(c["expected"].get<std::string>(), date, "D\n"));
            QVERIFY(std::regex_search(got, std::regex("Today Date: \\d\\d [A-Z][a-z]{2} \\d{4}\n")));
            return;
        }
        QCOMPARE(render_user_turn(text, c["messages"][0]["content"], get("bos_token"), get("eos_token")),
                 c["expected"].get<std::string>());
    }

    // The typed options are the template variables of the same names.
    void optionFieldsAreTemplateVariables() {
        ChatOptions o;
        o.now = reference_now();
        o.enable_thinking = false;
        const ordered_json& off = find_case("qwen3", "thinking_off");
        QCOMPARE(ChatTemplate(template_text("qwen3")).render(off["messages"], true, special_tokens(off), o),
                 off["expected"].get<std::string>());
        ChatOptions d;
        d.now = reference_now();
        d.date_string = "01 Dec 2026";
        const ordered_json& dated = find_case("llama3_2", "date_string");
        QCOMPARE(ChatTemplate(template_text("llama3_2")).render(dated["messages"], true, special_tokens(dated), d),
                 dated["expected"].get<std::string>());
    }

    // The ChatMessage overload builds the same messages as the JSON one.
    void chatMessageOverload() {
        for (const char* name : {"single_user", "system_user", "multi_turn", "tricky_text"}) {
            const ordered_json& c = find_case("qwen2_5", name);
            std::vector<ChatMessage> messages;
            for (const auto& m : c["messages"]) messages.push_back({m["role"], m["content"]});
            QCOMPARE(render_chat(template_text("qwen2_5"), messages, c["add_generation_prompt"].get<bool>(),
                                 special_tokens(c)),
                     c["expected"].get<std::string>());
        }
        const std::string bad = error_of([] {
            render_chat("{{ messages[0].content }}", {{"user", "\xff"}}, true, {});
        });
        QVERIFY2(bad.find("message 1's content is not valid UTF-8") != std::string::npos, bad.c_str());
    }

    // chat_template.jinja first, then tokenizer_config.json's string or its list's "default".
    void readsTheTemplateOfAFolder() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const fs::path d = dir.path().toStdString();
        QVERIFY(!read_chat_template(d));   // nothing there
        write_bytes(d / "tokenizer_config.json", R"({"bos_token": "<s>"})");
        QVERIFY(!read_chat_template(d));   // a config without a template
        write_bytes(d / "tokenizer_config.json", R"({"chat_template": "{{ bos_token }}x"})");
        auto t = read_chat_template(d);
        QVERIFY(t);
        QCOMPARE(t->text, std::string("{{ bos_token }}x"));
        QCOMPARE(t->file, d / "tokenizer_config.json");
        write_bytes(
            d / "tokenizer_config.json",
            R"({"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]})");
        QCOMPARE(read_chat_template(d)->text, std::string("D"));
        write_bytes(d / "tokenizer_config.json",
                    R"({"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "rag", "template": "R"}]})");
        std::string e = error_of([&] { read_chat_template(d); });
        QVERIFY2(e.find("tokenizer_config.json") != std::string::npos && e.find("no template named \"default\"") !=
                     std::string::npos && e.find("tool_use, rag") != std::string::npos, e.c_str());
        write_bytes(d / "tokenizer_config.json", R"({"chat_template": 42})");
        e = error_of([&] { read_chat_template(d); });
        QVERIFY2(e.find("\"chat_template\" should be a string") != std::string::npos, e.c_str());
        write_bytes(d / "tokenizer_config.json", R"({"chat_template": [{"name": "default"}]})");
        e = error_of([&] { read_chat_template(d); });
        QVERIFY2(e.find("should be {\"name\": ..., \"template\": ...}") != std::string::npos, e.c_str());
        write_bytes(d / "tokenizer_config.json", R"({"chat_template": "x")");
        e = error_of([&] { read_chat_template(d); });
        QVERIFY2(e.find("not valid JSON") != std::string::npos, e.c_str());
        // chat_template.jinja overrides the config (as transformers does), whatever the config holds.
        write_bytes(d / "chat_template.jinja", template_text("smollm2"));
        t = read_chat_template(d);
        QCOMPARE(t->text, template_text("smollm2"));
        QCOMPARE(t->file, d / "chat_template.jinja");
        // A real config: Qwen3's tokenizer_config.json holds the same template as qwen3.jinja.
        fs::remove(d / "chat_template.jinja");
        ordered_json cfg = {
            {"bos_token", nullptr}, {"eos_token", "<|im_end|>"}, {"chat_template", template_text("qwen3")}};
        write_bytes(d / "tokenizer_config.json", cfg.dump());
        QCOMPARE(read_chat_template(d)->text, template_text("qwen3"));
        QCOMPARE(*chat_template_from_config(nlohmann::json::parse(cfg.dump()), "cfg"), template_text("qwen3"));
        QVERIFY(!chat_template_from_config(nlohmann::json::parse(R"({"chat_template": null})"), "cfg"));
    }

    void refusesUnknownFilter() {
        const std::string e = error_of([] { ChatTemplate("a\nb\n{{ x | frobnicate }}", "t.jinja"); });
        QVERIFY2(e.find("t.jinja, line 3:") == 0 &&
                     e.find("the unknown filter 'frobnicate' is not supported") != std::string::npos,
                 e.c_str());
        const std::string s = error_of([] { ChatTemplate("{% if x %}\n{{ x|safe }}{% endif %}"); });
        QVERIFY2(
            s.find("line 2:") != std::string::npos && s.find("the filter 'safe' is not supported") != std::string::npos,
            s.c_str());
        const std::string t = error_of([] { ChatTemplate("{{ x is frob }}"); });
        QVERIFY2(t.find("the unknown test 'frob' is not supported") != std::string::npos, t.c_str());
        // Refused when the template is read, before any conversation: even in a branch that would not run.
        const std::string u = error_of([] { ChatTemplate("{% if false %}{{ x|wordwrap }}{% endif %}"); });
        QVERIFY2(u.find("'wordwrap' is not supported") != std::string::npos, u.c_str());
    }

    void refusesUnknownStatement() {
        const std::string e = error_of([] { ChatTemplate("x\n{% frob a %}"); });
        QVERIFY2(e.find("line 2: unknown statement {% frob %}") != std::string::npos, e.c_str());
        for (const char* tag : {"include 'x'", "extends 'x'", "call m()", "filter upper", "with a = 1", "block b",
                                "import 'x' as y", "from 'x' import y", "autoescape true"}) {
            const std::string m = error_of([&] { ChatTemplate(std::string("{% ") + tag + " %}"); });
            QVERIFY2(m.find("is not supported") != std::string::npos && m.find("line 1") != std::string::npos,
                     m.c_str());
        }
    }

    void refusesUnbalancedTags_data() {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("message");
        QTest::newRow("unclosed if") << "a\n{% if x %}\nb" << "line 2: the {% if %} opened on line 2 is never closed";
        QTest::newRow("unclosed for") << "{% for x in y %}{% if x %}{% endif %}"
                                      << "{% for %} opened on line 1 is never closed";
        QTest::newRow("stray endif") << "a\n\n{% endif %}" << "line 3: {% endif %} without an opening statement";
        QTest::newRow("crossed ends") << "{% for x in y %}\n{% endif %}"
                                      << "line 2: {% endif %} does not belong to the {% for %} opened on line 1";
        QTest::newRow("else twice") << "{% if x %}{% else %}{% else %}{% endif %}"
                                    << "{% else %} does not belong to the {% if %}";
        QTest::newRow("unclosed print") << "{{ x" << "expected '}}', found the end of the template";
        QTest::newRow("unclosed comment") << "a\n{# b" << "line 2: missing end of comment tag";
        QTest::newRow("unclosed raw") << "{% raw %}x" << "missing end of raw directive";
        QTest::newRow("unclosed set block") << "{% set x %}abc" << "{% set %} opened on line 1 is never closed";
        QTest::newRow("bracket") << "{{ (1 }}" << "unexpected '}', expected ')'";
        QTest::newRow("break outside loop") << "{% break %}" << "{% break %} outside a for loop";
        QTest::newRow("bad character") << "{{ a ! b }}" << "unexpected character '!'";
        QTest::newRow("bad escape") << "{{ '\\x4' }}" << "truncated \\xXX escape";
    }
    void refusesUnbalancedTags() {
        QFETCH(QString, source);
        QFETCH(QString, message);
        const std::string e = error_of([&] { ChatTemplate(source.toStdString()); });
        QVERIFY2(e.find(message.toStdString()) != std::string::npos, e.c_str());
        QVERIFY2(e.find("not valid Jinja") != std::string::npos, e.c_str());
    }

    // A template that rejects a conversation says why, with its own words.
    void raiseExceptionCarriesTheMessage() {
        const std::string e = error_of([] {
            ChatTemplate(template_text("mistral_7b_instruct"), "mistral/tokenizer_config.json")
                .render(
                    ordered_json::array({{{"role", "system"}, {"content", "s"}}, {{"role", "user"}, {"content", "u"}}}),
                    true, {{"bos_token", "<s>"}, {"eos_token", "</s>"}});
        });
        QCOMPARE(e, std::string("mistral/tokenizer_config.json, line 1: the chat template rejects this conversation: "
                                "Conversation roles must alternate user/assistant/user/assistant/..."));
        const std::string l = error_of([] {
            render_source("{% for m in messages %}\n\n{{ raise_exception('bad role: ' ~ m.role) }}{% endfor %}");
        });
        QVERIFY2(l.find("line 3: the chat template rejects this conversation: bad role: user") != std::string::npos,
                 l.c_str());
    }

    // What the renderer cannot reproduce exactly is refused, never approximated.
    void refusesWhatItCannotReproduce_data() {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("message");
        QTest::newRow("upper of non-ASCII") << "{{ 'straße'|upper }}" << "non-ASCII text";
        QTest::newRow("str.lower of non-ASCII") << "{{ 'É'.lower() }}" << "non-ASCII text";
        QTest::newRow("list of non-ASCII printed") << "{{ ['é'] }}" << "non-ASCII text";
        QTest::newRow("64-bit overflow") << "{{ 2 ** 63 }}" << "beyond 64 bits";
        QTest::newRow("printf formatting") << "{{ '%s' % 1 }}" << "string formatting";
        QTest::newRow("str.format") << "{{ '{}'.format(1) }}" << "str.format()";
        QTest::newRow("list.append") << "{{ [].append(1) }}" << "list.append()";
        QTest::newRow("recursive loop") << "{% for x in y recursive %}{% endfor %}" << "recursive for loops";
        QTest::newRow("star args") << "{{ f(*xs) }}" << "*args";
        QTest::newRow("caller") << "{% macro m() %}{{ caller() }}{% endmacro %}" << "'caller' inside the macro m";
        QTest::newRow("named escape") << "{{ '\\N{BULLET}' }}" << "\\N{...}";
        QTest::newRow("lone surrogate") << "{{ '\\ud800' }}" << "surrogate";
        QTest::newRow("private attribute") << "{{ messages.__class__ }}" << "private attribute";
        QTest::newRow("printing a generator") << "{{ [1]|select }}" << "generator";
        QTest::newRow("cycler") << "{{ cycler(1, 2) }}" << "cycler()";
        QTest::newRow("strftime directive") << "{{ strftime_now('%c') }}" << "strftime directive %c";
        QTest::newRow("non-string dict keys") << "{{ {1: 2} }}" << "keys that are not strings";
        QTest::newRow("varargs") << "{% macro m() %}{% endmacro %}{{ m(1) }}" << "varargs";
    }
    void refusesWhatItCannotReproduce() {
        QFETCH(QString, source);
        QFETCH(QString, message);
        const std::string e = error_of([&] { render_source(source.toStdString()); });
        QVERIFY2(e.find(message.toStdString()) != std::string::npos, e.c_str());
        QVERIFY2(e.find("is not supported by llm-surgery's chat template renderer") != std::string::npos, e.c_str());
        QVERIFY2(e.find("line 1") != std::string::npos, e.c_str());
    }

    // Hostile templates cannot exhaust memory, time or the stack.
    void limits() {
        std::string e = error_of([] { render_source("{{ 'x' * 100000000 }}"); });
        QVERIFY2(e.find("over 64 MiB") != std::string::npos, e.c_str());
        e = error_of(
            [] { render_source("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"); });
        QVERIFY2(e.find("more than a million loop iterations") != std::string::npos, e.c_str());
        e = error_of([] { render_source("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}"); });
        QVERIFY2(e.find("more than 50 deep") != std::string::npos, e.c_str());
        e = error_of([] { ChatTemplate("{{ " + std::string(500, '(') + "1" + std::string(500, ')') + " }}"); });
        QVERIFY2(e.find("nested more than 100 deep") != std::string::npos, e.c_str());
        std::string nested;
        for (int i = 0; i < 300; ++i) nested += "{% if true %}";
        e = error_of([&] { ChatTemplate t(nested); });
        QVERIFY2(e.find("nested more than 100 deep") != std::string::npos, e.c_str());
        for (const char* use : {"{{ ns.v }}", "{{ ns.v|tojson }}", "{{ ns.v == [ns.v] }}"}) {
            e = error_of([&] {
                render_source(std::string("{% set ns = namespace(v=[]) %}{% for i in range(100000) %}"
                                          "{% set ns.v = [ns.v] %}{% endfor %}") + use);
            });
            QVERIFY2(e.find("nested more than 200 levels deep") != std::string::npos, e.c_str());
        }
        e = error_of([] { render_source("{{ range(100001)|length }}"); });
        QVERIFY2(e.find("Range too big") != std::string::npos, e.c_str());
        e = error_of([] { ChatTemplate("ok\n\xc3("); });
        QVERIFY2(e.find("line 2: the template is not valid UTF-8 (byte 3)") != std::string::npos, e.c_str());
    }

    // Every message names the template and the line, on one line.
    void errorsNameSourceAndLine() {
        const std::string e = error_of([] {
            ChatTemplate("{% for m in messages %}\n{{ m.content.nope() }}\n{% endfor %}", "model/chat_template.jinja")
                .render(ordered_json::array({{{"role", "user"}, {"content", "x"}}}), true, {});
        });
        QVERIFY2(e.find("model/chat_template.jinja, line 2: ") == 0, e.c_str());
        QVERIFY2(e.find("'str object' has no attribute 'nope'") != std::string::npos, e.c_str());
        QVERIFY(e.find('\n') == std::string::npos);
        const std::string m = error_of([] {
            ChatTemplate("{{ x }}").render(ordered_json::object(), true, {});
        });
        QVERIFY2(m.find("messages must be a JSON array") != std::string::npos, m.c_str());
    }
};

QTEST_APPLESS_MAIN(TestChatTemplate)
#include "test_chat_template.moc"
