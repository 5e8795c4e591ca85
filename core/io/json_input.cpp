#include "core/io/json_input.h"

#include "core/common/error.h"

namespace llms::io {

using nlohmann::json;

namespace {

struct TooDeep {};

}  // namespace

bool try_parse_json_input(std::string_view text, json* out, std::string* reason, const json::parser_callback_t& callback) {
    if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
        *reason = "a NUL byte at offset " + std::to_string(nul);
        return false;
    }
    const json::parser_callback_t limited = [&](int depth, json::parse_event_t ev, json& parsed) {
        if (depth > kMaxJsonDepth) throw TooDeep{};
        return callback ? callback(depth, ev, parsed) : true;
    };
    try {
        *out = json::parse(text.begin(), text.end(), limited);
        return true;
    } catch (const TooDeep&) {
        *reason = "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    } catch (const json::exception& e) {
        // parse_error, and out_of_range for a number beyond a double (1e400); without nlohmann's
        // "[json.exception.parse_error.101] " prefix, which says nothing to a user
        *reason = e.what();
        if (const auto end = reason->find("] "); !reason->empty() && (*reason)[0] == '[' && end != std::string::npos)
            *reason = reason->substr(end + 2);
    }
    return false;
}

json parse_json_input(std::string_view text, const std::string& source, const json::parser_callback_t& callback) {
    json j;
    std::string reason;
    if (!try_parse_json_input(text, &j, &reason, callback)) throw Error(source + ": not valid JSON (" + reason + ")");
    return j;
}

std::string json_preview(const json& v) {
    std::string text;
    if (v.is_structured()) text = std::string(v.type_name()) + (v.empty() ? " (empty)" : " of " + std::to_string(v.size()));
    else text = v.dump(-1, ' ', true, json::error_handler_t::replace);   // a scalar: no recursion
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    return text;
}

}  // namespace llms::io
