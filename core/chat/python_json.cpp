#include "core/chat/python_json.h"

#include "core/chat/jinja_error.h"
#include "core/chat/python_text.h"

#include <algorithm>

namespace llms::chat::jinja {

namespace {

const char* kHex = "0123456789abcdef";

void append_u_escape(std::string& out, unsigned code) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(code >> shift) & 15]);
}

// json.encoder.encode_basestring / encode_basestring_ascii.
void append_json_string(std::string& out, const std::string& s, bool ensure_ascii) {
    out.push_back('"');
    for (size_t i = 0; i < s.size();) {
        size_t len;
        const char32_t c = py::code_point_at(s, i, &len);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c < 0x20 || (ensure_ascii && c > 0x7e)) {
                    if (c >= 0x10000) {
                        const char32_t v = c - 0x10000;
                        append_u_escape(out, 0xd800 | static_cast<unsigned>(v >> 10));
                        append_u_escape(out, 0xdc00 | static_cast<unsigned>(v & 0x3ff));
                    } else {
                        append_u_escape(out, static_cast<unsigned>(c));
                    }
                } else {
                    out.append(s, i, len);
                }
        }
        i += len;
    }
    out.push_back('"');
}

struct Encoder {
    const JsonDumpOptions& o;
    std::string item_sep, key_sep;

    void encode(std::string& out, const Value& x, int level) {
        const NestingGuard guard;
        if (x.is_none()) { out += "null"; return; }
        if (x.is_bool()) { out += std::get<bool>(x.v) ? "true" : "false"; return; }
        if (x.is_int()) { out += std::to_string(std::get<int64_t>(x.v)); return; }
        if (x.is_float()) { out += py::float_json(std::get<double>(x.v)); return; }
        if (x.is_string()) { append_json_string(out, x.str(), o.ensure_ascii); return; }
        if (x.is_sequence() && (x.seq().kind == SeqKind::List || x.seq().kind == SeqKind::Tuple)) {
            const auto& items = x.seq().items;
            if (items.empty()) { out += "[]"; return; }
            out.push_back('[');
            const std::string newline = open(out, level + 1);
            for (size_t i = 0; i < items.size(); ++i) {
                if (i) out += item_sep + newline;
                encode(out, items[i], level + 1);
            }
            close(out, level);
            out.push_back(']');
            return;
        }
        if (x.is_dict()) {
            const auto& entries = x.dict().entries;
            if (entries.empty()) { out += "{}"; return; }
            std::vector<const std::pair<std::string, Value>*> order;
            for (const auto& e : entries) order.push_back(&e);
            if (o.sort_keys)
                std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->first < b->first; });
            out.push_back('{');
            const std::string newline = open(out, level + 1);
            for (size_t i = 0; i < order.size(); ++i) {
                if (i) out += item_sep + newline;
                append_json_string(out, order[i]->first, o.ensure_ascii);
                out += key_sep;
                encode(out, order[i]->second, level + 1);
            }
            close(out, level);
            out.push_back('}');
            return;
        }
        fail_runtime("Object of type " + type_name(x) + " is not JSON serializable");
    }

    // With an indent, each nested level starts on a new line indented `level` times.
    std::string open(std::string& out, int level) {
        if (!o.indent) return "";
        std::string newline = "\n";
        for (int i = 0; i < level; ++i) newline += *o.indent;
        out += newline;
        return newline;
    }
    void close(std::string& out, int level) {
        if (!o.indent) return;
        out.push_back('\n');
        for (int i = 0; i < level; ++i) out += *o.indent;
    }
};

}  // namespace

std::string json_dumps(const Value& x, const JsonDumpOptions& options) {
    Encoder e{options, ", ", ": "};
    if (options.separators) {
        e.item_sep = options.separators->first;
        e.key_sep = options.separators->second;
    } else if (options.indent) {
        e.item_sep = ",";
    }
    std::string out;
    e.encode(out, x, 0);
    return out;
}

}  // namespace llms::chat::jinja
