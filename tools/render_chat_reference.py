#!/usr/bin/env python3
"""Renders the reference strings of tests/test_chat_template.cpp with Jinja2 itself, configured exactly as Hugging Face
transformers configures it for apply_chat_template (transformers/utils/chat_template_utils.py,
_compile_jinja_template and render_jinja_template):

  - jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
    extensions=[AssistantTracker, jinja2.ext.loopcontrols]);
  - filters["tojson"] = json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False);
  - globals["raise_exception"] raises TemplateError(message); globals["strftime_now"] = datetime.now().strftime;
  - render(messages=..., tools=..., documents=..., add_generation_prompt=..., **special_tokens, **kwargs), where
    tools and documents are None unless given and special_tokens holds only the tokens the model has.

Here strftime_now reads a fixed clock (NOW below) so that the references do not depend on the day; the C++ test
gives its renderer the same clock. AssistantTracker is transformers' {% generation %} tag without its index
tracking (which only matters for return_assistant_tokens_mask).

Input: tests/data/chat_templates/*.jinja (see README.md there; tools/extract_chat_templates.mjs writes them).
Output: tests/data/chat_templates/reference.json, byte-identical on every run with the same Jinja2.

    python3 tools/render_chat_reference.py      # needs jinja2 >= 3.1 (Debian: python3-jinja2; or pip)
"""

import datetime
import json
import pathlib
import platform
import sys

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "chat_templates"
NOW = datetime.datetime(2025, 2, 3, 4, 5, 6)

# The special tokens each model's tokenizer_config.json declares (tokenizer.special_tokens_map: unset tokens absent).
MODELS = {
    "llama3": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "llama3_1": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "llama3_2": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "qwen2_5": {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"},
    "qwen3": {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"},
    "smollm2": {"bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "unk_token": "<|endoftext|>",
                "pad_token": "<|im_end|>"},
    "mistral_7b_instruct": {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"},
}


def make_environment():
    class AssistantTracker(jinja2.ext.Extension):
        tags = {"generation"}

        def parse(self, parser):
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
            return jinja2.nodes.CallBlock(self.call_method("_generation_support"), [], [], body).set_lineno(lineno)

        def _generation_support(self, caller):
            return caller()

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[AssistantTracker, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def msg(role, content, **more):
    m = {"role": role, "content": content}
    m.update(more)
    return m


TRICKY = ("  Quotes ' and \" and `back`; a \\ backslash, tabs\tand\r\nnewlines\n\n"
          "unicode: é ß 日本語 العربية 👩\u200d💻 🇫🇷; braces {} {{ x }} {% if %} {# c #} %} }} and \"{{\" \"{%\"  \n")
SPACES = "\u00a0\u3000 padded by non-ASCII spaces \u2003\u0085"

TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather",
        "description": "Current weather in a city — “quoted”, with ünïcode",
        "parameters": {"type": "object",
                       "properties": {"city": {"type": "string", "description": "City name"},
                                      "unit": {"type": "string", "enum": ["c", "f"]},
                                      "days": {"type": "integer", "minimum": 1, "maximum": 7.5},
                                      "verbose": {"type": "boolean", "default": False},
                                      "extra": {"type": ["string", "null"], "default": None}},
                       "required": ["city"]}}},
    {"type": "function", "function": {"name": "no_args", "description": "", "parameters": {}}},
]

TOOL_CALL = {"type": "function", "function": {"name": "get_weather",
                                              "arguments": {"city": "Paris", "days": 2, "note": "ça\nva"}}}


def conversations(model):
    """(name, messages, add_generation_prompt, tools, extra template variables) for one real template."""
    c = [
        ("single_user", [msg("user", "What is the capital of France?")], True, None, {}),
        ("single_user_no_prompt", [msg("user", "What is the capital of France?")], False, None, {}),
        ("system_user", [msg("system", "You are a terse assistant."), msg("user", "Name a prime.")], True, None, {}),
        ("multi_turn", [msg("user", "Hi!"), msg("assistant", "Hello. How can I help?"),
                        msg("user", "Tell me a fact about Mars.")], True, None, {}),
        ("multi_turn_no_prompt", [msg("user", "Hi!"), msg("assistant", "Hello. How can I help?"),
                                  msg("user", "Tell me a fact."), msg("assistant", "Mars has two moons.")],
         False, None, {}),
        ("system_multi_turn", [msg("system", "Answer in French."), msg("user", "Hi"), msg("assistant", "Bonjour"),
                               msg("user", "Thanks")], True, None, {}),
        ("tricky_text", [msg("user", TRICKY)], True, None, {}),
        ("tricky_system", [msg("system", TRICKY), msg("user", TRICKY), msg("assistant", TRICKY),
                           msg("user", "again")], True, None, {}),
        ("unicode_spaces", [msg("user", SPACES)], True, None, {}),
        ("empty_content", [msg("user", "")], True, None, {}),
        ("empty_conversation", [], True, None, {}),
        ("assistant_first", [msg("assistant", "I start."), msg("user", "ok")], True, None, {}),
        ("tools", [msg("system", "Use tools."), msg("user", "Weather in Paris?")], True, TOOLS, {}),
        ("tools_no_system", [msg("user", "Weather in Paris?")], True, TOOLS, {}),
        ("tool_call_round", [msg("user", "Weather in Paris?"), msg("assistant", "", tool_calls=[TOOL_CALL]),
                             msg("tool", "{\"temp\": 21}"), msg("tool", "sunny"),
                             msg("assistant", "21 and sunny."), msg("user", "Thanks")], True, TOOLS, {}),
        ("tools_only_system", [msg("system", "Only a system message.")], True, TOOLS, {}),
    ]
    if model.startswith("llama3_"):
        c += [
            ("date_string", [msg("user", "Which day is it?")], True, None, {"date_string": "01 Dec 2026"}),
            ("tools_in_system", [msg("user", "Weather?")], True, TOOLS, {"tools_in_user_message": False}),
        ]
    if model == "llama3_1":
        c += [
            ("builtin_tools", [msg("user", "Search the web.")], True, None,
             {"builtin_tools": ["brave_search", "code_interpreter", "wolfram_alpha"]}),
            ("builtin_tool_call", [msg("user", "Search."),
                                   msg("assistant", "", tool_calls=[{"type": "function", "function": {
                                       "name": "brave_search", "arguments": {"query": "Mars moons"}}}]),
                                   msg("ipython", {"result": ["Phobos", "Deimos"]})], True, None,
             {"builtin_tools": ["brave_search"]}),
        ]
    if model == "qwen3":
        history = [msg("user", "2+2?"), msg("assistant", "<think>\nEasy: add.\n</think>\n\n4"),
                   msg("user", "And 3+3?")]
        c += [
            ("thinking_off", [msg("user", "2+2?")], True, None, {"enable_thinking": False}),
            ("thinking_on", [msg("user", "2+2?")], True, None, {"enable_thinking": True}),
            ("thinking_history", history, True, None, {}),
            ("thinking_history_off", history, True, None, {"enable_thinking": False}),
            ("thinking_last_assistant", history[:2], False, None, {}),
            ("reasoning_content", [msg("user", "Q"), msg("assistant", "A", reasoning_content="\nweighed it\n")],
             False, None, {}),
            ("thinking_tool_response", [msg("user", "Weather?"), msg("assistant", "", tool_calls=[TOOL_CALL]),
                                        msg("user", "<tool_response>\nsunny\n</tool_response>")],
             True, TOOLS, {"enable_thinking": False}),
        ]
    return c


# Small templates for what the real ones do not exercise (each is rendered with the variables in "extra").
FEATURES = [
    ("ws_control", "a  {%- if true -%}  b  {%- endif -%}  c\n  {{- 'd' -}}  \n e {{ 'f' -}}\n\n g"),
    ("trim_lstrip", "line1\n    {% if true %}\n    x\n    {% endif %}\nend\n  {% for i in [1, 2] %}\n{{ i }}\n  {% endfor %}"),
    ("plus_modifiers", "a\n    {%+ if true +%}\nb\n    {%- if true %}  c{% endif %}\n{% endif %}\nz"),
    ("comments", "a\n  {# one #}\nb {#- two -#} c\n{#+ three +#}\nd {# multi\nline #}\ne"),
    ("raw", "{% raw %}{{ not }} {% evaluated %}{% endraw %}|\n  {%- raw -%}  x  {% endraw %}\ny\n  {% raw %}\nz\n  {% endraw %}\nw"),
    ("trailing_newline", "one\n"),
    ("trailing_newlines", "two\n\n"),
    ("crlf_source", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\n{{ 'c\r\nd' }}\rx"),
    ("unicode_ws_strip", "a\u3000\u00a0 {{- 'b' -}} \u2003\nc\n\u000c{% if true %}d{% endif %}"),
    ("loop_vars", "{% for x in xs %}{{ loop.index0 }}{{ loop.index }}{{ loop.first }}{{ loop.last }}"
                  "{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.depth }}|{% endfor %}"),
    ("loop_filter_else", "{% for x in xs if x > 1 %}{{ x }}/{{ loop.index }}/{{ loop.length }} {% else %}none{% endfor %}"
                         "{% for x in [] %}x{% else %}empty{% endfor %}"),
    ("loop_neighbours", "{% for x in xs %}[{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }}{{ loop.cycle('a', 'b') }}]{% endfor %}"),
    ("loop_nested", "{% for a in [1, 2] %}{% for b in 'xy' %}{{ a }}{{ b }}{{ loop.index }}{% endfor %}{{ loop.index }};{% endfor %}"),
    ("loop_controls", "{% for x in xs %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
    ("scoping", "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = x + i %}{{ x }};{% endfor %}{{ x }}"
                "{% if true %}{% set y = 5 %}{% endif %}{{ y }}"),
    ("namespace", "{% set ns = namespace(n=0, s='', found=false) %}{% for x in xs %}{% set ns.n = ns.n + x %}"
                  "{% set ns.s = ns.s ~ x %}{% if x == 3 %}{% set ns.found = true %}{% endif %}{% endfor %}"
                  "{{ ns.n }} {{ ns.s }} {{ ns.found }} {{ ns.missing is defined }} {{ ns['n'] }}"),
    ("unpacking", "{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}{% for k, v in d.items() %}{{ k }}{% endfor %}"
                  "{% for k in d %}{{ k }}{% endfor %}{% for a, b in [[1, 2], (3, 4)] %}{{ a + b }}{% endfor %}"
                  "{% set p, q = 1, 'two' %}{{ p }}{{ q }}"),
    ("slicing", "{{ xs[::-1] }} {{ xs[1:] }} {{ xs[:-1] }} {{ xs[1:3] }} {{ xs[::2] }} {{ xs[-2] }} {{ xs[10] }}|"
                "{{ s[::-1] }}|{{ s[1:] }}|{{ s[-3:] }}|{{ s[1:10:3] }}|{{ s[0] }}{{ s[-1] }}|{{ s|length }}"),
    ("string_methods", "{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '  a'.lstrip() }}|{{ 'a\\n\\n'.rstrip('\\n') }}|"
                       "{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}|"
                       "{{ 'hello'.startswith('he') }}{{ 'hello'.startswith(('x', 'h')) }}{{ 'hello'.endswith('lo') }}|"
                       "{{ 'aXa'.replace('a', 'b') }}|{{ 'aaa'.replace('a', 'b', 2) }}|{{ 'Hi There'.upper() }}{{ 'Hi There'.lower() }}|"
                       "{{ 'hello world'.title() }}|{{ 'hELLO'.capitalize() }}|{{ 'banana'.find('na') }}{{ 'banana'.rfind('na') }}"
                       "{{ 'banana'.find('x') }}|{{ 'banana'.count('a') }}|{{ 'a\\nb\\r\\nc'.splitlines() }}|"
                       "{{ '-'.join(['a', 'b']) }}|{{ 'prefix_x'.removeprefix('prefix_') }}{{ 'x.txt'.removesuffix('.txt') }}|"
                       "{{ 'é日本'.find('本') }}|{{ 'abc'.isalpha() }}{{ '12'.isdigit() }}{{ ' '.isspace() }}"),
    ("filters", "{{ '  t  '|trim }}|{{ 'xxtxx'|trim('x') }}|{{ xs|length }}|{{ 'abc'|upper }}|{{ 'ABC'|lower }}|"
                "{{ 12|string }}{{ none|string }}|{{ xs|join(', ') }}|{{ xs|join }}|{{ missing|default('dflt') }}|"
                "{{ ''|default('empty', true) }}|{{ ''|default('kept') }}|{{ xs|first }}{{ xs|last }}|{{ 'abc'|first }}|"
                "{{ ms|map(attribute='role')|join(',') }}|{{ ['a', 'b']|map('upper')|join }}|{{ xs|select('odd')|list }}|"
                "{{ xs|reject('equalto', 2)|list }}|{{ ms|selectattr('role', 'equalto', 'user')|map(attribute='content')|join }}|"
                "{{ ms|rejectattr('role', 'equalto', 'user')|list|length }}|{{ ms|selectattr('content')|list|length }}|"
                "{{ 'a-b'|replace('-', '+') }}|{{ xs|reverse|list }}|{{ 'abc'|reverse }}|{{ xs|list }}|{{ 'ab'|list }}|"
                "{{ '42'|int + 1 }}|{{ '2.5'|float }}|{{ -3|abs }}|{{ (xs|map('string')|join('+')) }}|{{ xs|sum }}|"
                "{{ [3, 1, 2]|sort }}|{{ ['b', 'A', 'c']|sort }}|{{ [1, 2, 1]|unique|list }}|{{ 'hello world'|capitalize }}|"
                "{{ 'hello world'|title }}|{{ d|dictsort }}|{{ xs|max }}{{ xs|min }}|{{ 'a b c'|wordcount }}|"
                "{{ 2.567|round(1) }}|{{ 7|round }}|{{ [[1], [2, 3]]|map('length')|list }}|{{ d|count }}"),
    ("tojson", "{{ d|tojson }}|{{ d|tojson(indent=2) }}|{{ d|tojson(sort_keys=true) }}|{{ u|tojson }}|"
               "{{ u|tojson(ensure_ascii=true) }}|{{ d|tojson(separators=(',', ':')) }}|{{ [1.5, 1e20, -0.0, 0.1, none, true]|tojson }}|"
               "{{ {'a': [], 'b': {}, 'c': [{}]}|tojson(indent=3) }}|{{ 'ctl\\u0001\\u001f\\u007f\\t'|tojson }}|{{ (1, 2)|tojson }}|"
               "{{ d|tojson(indent='\\t') }}"),
    ("tests", "{% set ns = namespace(a=1) %}{% for v in [none, true, 0, 1.5, 'a', [1], {'a': 1}, ns, missing, (1, 2)] %}"
              "{{ v is defined }}{{ v is undefined }}{{ v is none }}{{ v is string }}{{ v is mapping }}"
              "{{ v is iterable }}{{ v is sequence }}{{ v is number }}{{ v is boolean }}{{ v is integer }}"
              "{{ v is float }}{{ v is true }}{{ v is false }}{{ v is callable }};{% endfor %}"
              "{{ 3 is odd }}{{ 3 is even }}{{ 9 is divisibleby 3 }}{{ 'a' is in 'cat' }}{{ 2 is eq 2 }}"
              "{{ 2 is equalto 3 }}{{ 1 is lt 2 }}{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ raise_exception is callable }}"
              "{{ x is not defined }}{{ 1 is ne 2 }}{{ 1 is ge 1 }}{{ 'x'.upper is callable }}"),
    ("arithmetic", "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 7 / 2 }}"
                   " {{ 1 / 4 }} {{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1.5e-7 }} {{ 10 / 5 }} {{ 1e16 }} {{ 1e15 + 0.5 }} {{ 1 / 3 }}"
                   " {{ -1.5 }} {{ 3 - 5 }} {{ 2 * 3.5 }} {{ true + 1 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 1_000 }} {{ 0x1F }}"
                   " {{ 0o17 }} {{ 0b101 }} {{ 1.5e3 }} {{ 2 ** 0.5 }} {{ 123456789.123456789 }} {{ 0.0001 }} {{ 0.00001 }}"
                   " {{ +3 }} {{ -(2) }} {{ 5 - -2 }}"),
    ("strings_ops", "{{ 'a' ~ 1 ~ none ~ true ~ 1.0 ~ missing }}|{{ 'ab' * 3 }}|{{ 2 * 'x' }}|{{ [1] + [2] }}|"
                    "{{ 'x' + 'y' }}|{{ 'a' 'b' \"c\" }}|{{ 'q\\'s' }}|{{ \"d\\\"q\" }}|{{ 'tab\\there' }}|{{ '\\x41\\u00e9\\U0001F600' }}|"
                    "{{ '\\d\\w' }}|{{ 'back\\\\slash' }}|{{ '\\101\\0' }}|{{ 'ünï' ~ \"cødé\" }}|{{ [1, 'a', none, true, 2.5, [], {'k': 'v'}] }}|"
                    "{{ {'a': 1, 'b': 'x'} }}|{{ (1,) }}|{{ () }}|{{ ('a', 2) }}|{{ \"it's\" }}|{{ ['it\\'s', 'say \"hi\"'] }}"),
    ("comparisons", "{{ 1 < 2 < 3 }}{{ 3 > 2 > 2 }}{{ 1 == 1.0 }}{{ true == 1 }}{{ 'a' < 'b' }}{{ [1, 2] < [1, 3] }}"
                    "{{ 'a' in 'cat' }}{{ 2 not in [1] }}{{ 'k' in {'k': 1} }}{{ none == none }}{{ missing == missing }}"
                    "{{ 'a' == missing }}{{ [1, [2]] == [1, [2]] }}{{ {'a': 1, 'b': 2} == {'b': 2, 'a': 1} }}{{ 1 != 2 }}"
                    "{{ 2 >= 2 }}{{ 'b' <= 'a' }}{{ 'x' in missing }}{{ missing in [1] }}"),
    ("logic", "{{ '' or 'x' }}|{{ 0 and 1 }}|{{ 1 and 'y' }}|{{ none or [] }}|{{ not 0 }}|{{ not not 'a' }}|"
              "{{ 'yes' if xs else 'no' }}|{{ 'a' if false }}|{{ 1 if false else 2 if false else 3 }}|"
              "{{ not 1 == 2 }}|{{ - 2 ** 2 }}|{{ 1 + 2 * 3 - 4 / 2 }}|{{ 'a' ~ 'b' + 'c' }}|{{ xs|length - 1 }}|"
              "{{ not xs is none }}|{{ 1 in [1] and 2 in [2] }}|{{ [] or missing|default('d') }}"),
    ("access", "{{ d.a }}{{ d['a'] }}{{ d.nested.k }}{{ d['nested']['k'] }}{{ ms.0.role }}{{ ms[1]['role'] }}"
               "{{ d.nokey }}|{{ d['nokey'] is defined }}|{{ d.items is callable }}|{{ d.get('a') }}{{ d.get('z', 'zz') }}"
               "{{ d.get('z') }}|{{ d.keys()|list }}{{ d.values()|list|length }}|{{ none.x is defined }}|{{ 'abc'.nope is defined }}|"
               "{{ xs.count(1) }}{{ xs.index(3) }}|{{ ms[0].content|length }}|{{ [1, 2][-1] }}|{{ {'a': {'b': 'c'}}.a.b }}"),
    ("set_block", "{% set x %}hello {{ name }}{% endset %}{{ x|upper }}|{% set y | trim %}  spaced  {% endset %}[{{ y }}]"),
    ("macro", "{% macro greet(who, greeting='Hello', end='!') %}{{ greeting }}, {{ who }}{{ end }}{% endmacro %}"
              "{{ greet('Ann') }} {{ greet('Bob', 'Hi') }} {{ greet(who='Cy', end='?') }} {{ greet('Di', end='.') }}"
              "{% macro outer(n) %}{% if n > 0 %}{{ n }}{{ outer(n - 1) }}{% endif %}{% endmacro %}{{ outer(3) }}"),
    ("generation_tag", "{% for m in ms %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}"
                       "{% else %}<{{ m.content }}>{% endif %}{% endfor %}"),
    ("undefined", "[{{ missing }}][{{ missing|length }}][{{ missing|trim }}][{% for x in missing %}x{% endfor %}]"
                  "[{{ missing is defined }}][{{ missing|default('d') }}][{{ xs[99] }}][{{ missing|first }}]"
                  "[{{ missing|list }}][{{ missing|join }}][{{ missing ~ 'x' }}][{{ missing|upper }}]"),
    ("strftime", "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S') }}|{{ strftime_now('%A %B %j %p %I %y %a %%') }}"
                 "|{{ strftime_now('%-d %-m %e') }}"),
    ("globals", "{{ range(3)|list }}{{ range(1, 7, 2)|list }}{{ range(3, 0, -1)|list }}|{% for i in range(2) %}{{ i }}{% endfor %}|"
                "{{ dict(a=1, b='x') }}|{{ namespace(a=1).a }}|{{ bos_token }}{{ eos_token }}|{{ add_generation_prompt }}"
                "|{{ tools }}{{ documents }}|{{ messages|length }}"),
    ("print_stmt", "{% print 'p', 1 %}|{% if true %}{% print xs|length %}{% endif %}"),
    ("if_chain", "{% for v in [0, 1, 2, 3] %}{% if v == 0 %}zero{% elif v == 1 %}one{% elif v == 2 %}two{% else %}many{% endif %},{% endfor %}"),
    ("math_strings", "{{ '%d' }}|{{ '{}' }}|{{ \"{{ '{{' }}\" }}|{{ '{%' ~ '%}' }}"),
]

# Corner cases of the same features, where a reimplementation is most likely to drift from Jinja2.
FEATURES += [
    ("ws_corners", "text {% if true %}kept{% endif %} text\n\t {% if true %}\n\tx\n\t {% endif %}  \nnext\n"
                   "  {{ 'var at line start keeps its indent' }}\n  {#- c #}\n  {# c -#}\n  end\n{% if true %}  \nspaces\n{% endif %}"
                   "{%- if true %}a{% endif -%}\n\n  b {%- raw %} r {% endraw -%}  c\n  {% raw -%}\n  x\n  {%- endraw %}\ny"),
    ("floats", "{{ 1e22 }} {{ 1e21 }} {{ 1.7976931348623157e308 }} {{ 5e-324 }} {{ 0.1 + 0.7 }} {{ 1e-7 }} {{ 123456789012345680.0 }}"
               " {{ 0.000123 }} {{ 100.0 }} {{ 1.0e15 }} {{ 9999999999999998.0 }} {{ 2.5|round }} {{ 3.5|round }} {{ 0.125|round(2) }}"
               " {{ 2.675|round(2) }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(0, 'floor') }} {{ -2.5|round }} {{ 7 / 7 }} {{ 2 ** 62 - 1 + 2 ** 62 }}"
               " {{ [1.0, 2.5e-10, 1e100]|tojson }} {{ 1e16|int }} {{ 3.99|int }} {{ -3.99|int }}"),
    ("numbers_from_text", "{{ ' 42 '|int }} {{ '4_2'|int }} {{ '1e3'|int }} {{ 'abc'|int }} {{ '3.9'|int }} {{ '-0'|int }} {{ 'nan'|int }}"
                          " {{ 'x'|int(7) }} {{ '1_000.5'|float }} {{ ' -2.5e2 '|float }} {{ 'inf'|float }} {{ 'abc'|float }}"
                          " {{ none|int }} {{ true|int }} {{ '+5'|int }} {{ '.5'|float }} {{ '5.'|float }} {{ '_5'|int }}"),
    ("slicing_more", "{{ xs[::-2] }} {{ xs[-1:0:-1] }} {{ xs[5:] }} {{ xs[:-10] }} {{ xs[-10:2] }} {{ xs[3:1] }} {{ xs[1::-1] }}"
                     "|{{ s[::-3] }}|{{ s[-100:100] }}|{{ s[2:-2:2] }}|{{ ''[1:] }}|{{ (1, 2, 3)[1:] }}|{{ range(5)[::2]|list }}"),
    ("split_more", "{{ 'a  b'.split(' ') }} {{ ''.split() }} {{ ''.split(',') }} {{ '  a b  '.rsplit(none, 1) }} {{ ' a b c '.split(none, 1) }}"
                   " {{ 'a\r\nb\rc\u0085d\n'.splitlines() }} {{ 'a\nb\n'.splitlines(true) }} {{ '\u3000x\u00a0'.strip() }}"
                   " {{ 'abcba'.strip('ab') }} {{ 'a,b,c'.rsplit(',') }} {{ 'a,,b'.split(',', 0) }} {{ 'x'.replace('', '-') }}"
                   " {{ 'aaa'.count('aa') }} {{ 'a-b-c'.partition('-') }} {{ 'a-b-c'.rpartition('-') }} {{ 'abc'.partition('x') }}"),
    ("scoping_more", "{% set a = 'outer' %}{% macro m() %}{{ a }}{% endmacro %}{% set a = 'changed' %}{{ m() }}"
                     "{% for i in [1] %}{% set a = 'loop' %}{{ m() }}{{ a }}{% endfor %}{{ a }}"
                     "{% for i in [1, 2] %}{% if i == 1 %}{% set seen = 'yes' %}{% endif %}[{{ seen }}]{% endfor %}"
                     "{% set ns = namespace(v=[]) %}{% for i in [1, 2] %}{% set ns.v = ns.v + [i] %}{% endfor %}{{ ns.v }}"
                     "{% for x in [1, 2] %}{% for y in [3] %}{{ loop.index }}{% endfor %}{{ loop.index }}{% endfor %}"
                     "{% for i in [1, 1, 2] %}{{ loop.changed(i) }}{% endfor %}"),
    ("generators", "{% set g = xs|select('odd') %}{{ g|list }}{{ g|list }}{% set h = xs|select('even') %}{{ h|first }}{{ h|list }}"
                   "{{ xs|select('odd') is sequence }}{{ xs|select('odd') is iterable }}{{ d.items() is sequence }}"
                   "{{ (xs|map('string')|list)[0] is string }}{{ 3 in xs|select('odd') }}{{ xs|reject('odd')|join(',') }}"
                   "{{ [] | select('odd') | list }}{{ d|items|list }}{{ d.items()|list|length }}{{ xs|reverse|first }}"
                   "{% if xs|select('none') %}gen-truthy{% endif %}"),
    ("select_tests", "{{ xs|select('divisibleby', 2)|list }}{{ xs|select('in', [1, 2])|list }}{{ ms|selectattr('content', 'defined')|list|length }}"
                     "{{ [1, none, 2]|reject('none')|list }}{{ [1, none]|select|list }}{{ xs|select('gt', 2)|list }}{{ xs|select('lessthan', 3)|list }}"
                     "{{ ms|map(attribute='missing', default='?')|join }}{{ ms|map(attribute='role')|unique|list }}"
                     "{{ ['a', 'B', 'A']|unique|list }}{{ ['a', 'B', 'A']|unique(case_sensitive=true)|list }}"),
    ("sorting", "{{ ms|sort(attribute='role')|map(attribute='content')|join(',') }}|{{ ms|sort(attribute='role', reverse=true)|map(attribute='content')|join(',') }}"
                "|{{ d|dictsort(by='value', reverse=false) if false else {'b': 1, 'a': 2}|dictsort(by='value') }}|{{ ['b', 'a', 'C']|sort(case_sensitive=true) }}"
                "|{{ ['b', 'a', 'C']|max }}{{ ['b', 'a', 'C']|min }}{{ ['b', 'a', 'C']|max(case_sensitive=true) }}|{{ []|max }}"
                "|{{ [[2, 1], [1, 2], [1]]|sort }}|{{ xs|sum(start=10) }}|{{ ms|sum(attribute='content', start='') if false else 0 }}"
                "|{{ [0.5, 1]|sum }}|{{ [3, 1]|sort(reverse=true) }}"),
    ("repr_more", "{{ [\"it's\", 'say \"hi\"', 'both \\'\" q', 'tab\t', 'nl\n', '\\\\'] }}|{{ {'k': (1, [2, {'x': none}])} }}"
                  "|{{ {'a': 1, 'a': 2} }}|{{ [1.5, -0.0, 1e20] }}|{{ ((1,),) }}|{{ [missing] }}|{{ d.items()|list }}"),
    ("escapes_more", "{{ '\\é' }}|{{ '\\日' }}|{{ '\\😀' }}|{{ '\\q' }}|{{ '\\\n' }}|{{ '\\7\\77\\777' }}|{{ 'a\\\nb' }}"
                     "|{{ \"'\" }}|{{ '\"' }}|{{ '\\a\\b\\f\\v'|length }}"),
    ("messages_helpers", "{{ messages|selectattr('role', 'equalto', 'user')|list|length }}|{{ messages|map(attribute='content')|join('/') }}"
                         "|{{ (messages|last).role }}|{{ messages[-1]['content'] }}|{{ messages|length is odd }}"
                         "|{% for m in messages if m.role != 'system' %}{{ loop.index }}:{{ m.content|upper }}{% endfor %}"
                         "|{% for a, b in [[1, 2], [0, 5]] if a > 0 %}{{ a }}{{ b }}{{ loop.length }}{{ loop.revindex }}{% endfor %}"),
    ("concat_more", "{{ none|string }}{{ none ~ '' }}{{ [none, 1, 'a']|join(',') }}{{ [1, 2]|join(', ', attribute=none) }}"
                    "{{ ms|join(',', attribute='role') }}{{ x|default(none) is none }}{{ [1] + [2] * 2 }}{{ (1, 2) + (3,) }}"
                    "{{ 'x' * 0 }}{{ [1] * -1 }}{{ 'ab' ~ 3 * 2 }}"),
    ("condexpr_more", "{{ 'a' if true }}{{ 'b' if false }}{{ 'c' if none is none else 'd' }}{{ 1 if 0 else 2 if '' else 3 }}"
                      "{{ ('y' if xs) ~ 'z' }}{{ [1, 2] if xs|length > 3 else [] }}"),
    ("strftime_more", "{{ strftime_now('%Y%m%d') }}{{ strftime_now('%H%M') }}{{ strftime_now('%b %-d, %Y') }}{{ strftime_now('%B %d') }}"),
    ("constant_folding", "{{ (true)[1:] }}|{{ not (2)[:1] }}|{{ ({})[::-1] }}|{{ (1.5)['a':] }}|{{ 'abc'[1:] }}"
                         "|{% if not (none)[1:] %}folded{% endif %}|{{ [1, 2][:1] + [3] }}|{{ ('ab' ~ 'cd')[::-2] }}"),
    ("lazy_generators", "{{ not xs|items is none }}|{% set g = 5|map('string') %}{% set h = none|select('odd') %}ok"
                        "|{{ 'skipped' if true else (xs|map|first) }}|{{ (d|items|list)[0] }}"
                        "|{% if xs|map('nofilter') %}truthy{% endif %}|{{ 2 in xs|map('int') }}"),
    ("title_filter", "{{ '<think>x</think>y'|title }}|{{ 'hello-world (x)[y]{z}'|title }}|{{ \"it's o'neil\"|title }}"
                     "|{{ \"it's o'neil\".title() }}|{{ '1st place'|title }}{{ '1st place'.title() }}|{{ ms|title }}"),
    ("tojson_more", "{{ {'é': 1, 'a': {'z': [], 'b': 'ü'}}|tojson(sort_keys=true) }}|{{ 'x'|tojson(indent=2) }}|{{ []|tojson(indent=2) }}"
                    "|{{ [1, [2, []]]|tojson(indent=1) }}|{{ d|tojson(indent=0) }}|{{ none|tojson }}{{ true|tojson }}{{ 1.0|tojson }}"
                    "|{{ 'a\u2028b'|tojson }}{{ 'a\u2028b'|tojson(ensure_ascii=true) }}|{{ d|tojson(separators=[';', '=']) }}"),
]

# Feature templates whose rendering Jinja2 refuses: the renderer must refuse them too (any error).
FEATURE_ERRORS = [
    ("undefined_attribute", "{{ missing.attr }}"),
    ("undefined_item", "{{ missing['k'] }}"),
    ("str_plus_int", "{{ 'a' + 1 }}"),
    ("undefined_plus", "{{ missing + 'a' }}"),
    ("raise", "{{ raise_exception('Stop: ' ~ xs|length) }}"),
    ("call_undefined", "{{ nope() }}"),
    ("none_iter", "{% for x in none %}{% endfor %}"),
    ("ns_assign_non_namespace", "{% set d.x = 1 %}"),
    ("compare_types", "{{ 1 < 'a' }}"),
    ("division_by_zero", "{{ 1 / 0 }}"),
    ("tojson_undefined", "{{ missing|tojson }}"),
    ("int_in_str", "{{ 1 in 'abc' }}"),
    ("len_of_generator", "{{ xs|select('odd')|length }}"),
    ("last_of_generator", "{{ xs|select('odd')|last }}"),
    ("unpack_count", "{% for a, b in [[1, 2, 3]] %}{% endfor %}"),
    ("map_no_filter", "{{ xs|map|list }}"),
    ("range_too_big", "{{ range(100001)|length }}"),
    ("undefined_in_macro", "{% macro m(a) %}{{ a.b }}{% endmacro %}{{ m() }}"),
    ("sum_strings", "{{ ['a']|sum(start='') }}"),
    ("dictsort_list", "{{ xs|dictsort }}"),
    ("none_attr_call", "{{ none.x() }}"),
    ("runtime_slice_of_int", "{% set v = (2)[:2] %}{{ v }}"),
    ("runtime_slice_of_variable", "{{ (xs|length)[1:] }}"),
    ("lazy_error_consumed", "{{ xs|map('nofilter')|list }}"),
    ("raise_in_loop", "{% for m in messages %}{% if m.role == 'user' %}{{ raise_exception('no users: ' ~ m.content) }}{% endif %}{% endfor %}"),
]

FEATURE_VARIABLES = {
    "xs": [1, 2, 3, 4],
    "s": "héllo wörld 👩\u200d💻!",
    "d": {"a": 1, "b": "two", "nested": {"k": "v"}, "z": [1, 2]},
    "u": {"text": "ünïcödé \"q\" \\ / \n 日本 😀"},
    "ms": [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"},
           {"role": "assistant", "content": "hello"}, {"role": "user", "content": ""}],
    "name": "World",
}


def render(env, source, messages, add_generation_prompt, special_tokens, tools, extra):
    template = env.from_string(source)
    return template.render(messages=messages, tools=tools, documents=None,
                           add_generation_prompt=add_generation_prompt, **{**special_tokens, **extra})


def case_record(env, name, template_name, source, messages, agp, special_tokens, tools, extra):
    rec = {"name": name}
    if template_name is not None:
        rec["template"] = template_name
    else:
        rec["source"] = source
    rec.update({"messages": messages, "add_generation_prompt": agp, "special_tokens": special_tokens,
                "tools": tools, "extra": extra})
    try:
        rec["expected"] = render(env, source, messages, agp, special_tokens, tools, extra)
    except jinja2.exceptions.UndefinedError as e:
        rec["error"] = {"type": "UndefinedError", "message": str(e)}
    except jinja2.exceptions.TemplateError as e:
        # raise_exception() and the sandbox's security errors
        rec["error"] = {"type": type(e).__name__, "message": str(e)}
    except (TypeError, ValueError, AttributeError, LookupError, ZeroDivisionError, OverflowError) as e:
        rec["error"] = {"type": type(e).__name__, "message": str(e)}
    return rec


def main():
    env = make_environment()
    cases = []
    for model, special in MODELS.items():
        source = (DATA / f"{model}.jinja").read_text(encoding="utf-8")
        for name, messages, agp, tools, extra in conversations(model):
            cases.append(case_record(env, name, model, source, messages, agp, special, tools, extra))
    feature_special = {"bos_token": "<s>", "eos_token": "</s>"}
    feature_messages = [msg("user", "hi")]
    for name, source in FEATURES:
        rec = case_record(env, "feature_" + name, None, source, feature_messages, True, feature_special, None,
                          FEATURE_VARIABLES)
        cases.append(rec)
    for name, source in FEATURE_ERRORS:
        rec = case_record(env, "error_" + name, None, source, feature_messages, True, feature_special, None,
                          FEATURE_VARIABLES)
        if "error" not in rec:
            sys.exit(f"error_{name}: Jinja2 rendered it ({rec['expected']!r}) but an error was expected")
        cases.append(rec)
    for rec in cases:
        if rec["name"].startswith("feature_") and "error" in rec:
            sys.exit(f"{rec['name']}: Jinja2 refused it: {rec['error']}")
    out = {
        "about": "Made by tools/render_chat_reference.py; do not edit by hand.",
        "renderer": f"jinja2 {jinja2.__version__} (Python {platform.python_version()}), configured as transformers'"
                    " apply_chat_template",
        "now": NOW.isoformat(),
        "cases": cases,
    }
    path = DATA / "reference.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    errors = sum("error" in c for c in cases)
    print(f"{path}: {len(cases)} cases ({errors} expected errors)")


if __name__ == "__main__":
    main()
