#include "core/io/json_input.h"

#include "core/common/error.h"

namespace llms::io {

using nlohmann::json;

namespace {

struct TooDeep {};

// nlohmann's DOM builder behind a depth limit and a key observer (the SAX interface of json::sax_parse).
class LimitedDomBuilder {
public:
    using number_integer_t = json::number_integer_t;
    using number_unsigned_t = json::number_unsigned_t;
    using number_float_t = json::number_float_t;
    using string_t = json::string_t;
    using binary_t = json::binary_t;

    LimitedDomBuilder(json& result, const JsonKeyObserver& on_key) : dom_(result, true), on_key_(on_key) {}

    bool null() { return dom_.null(); }
    bool boolean(bool v) { return dom_.boolean(v); }
    bool number_integer(number_integer_t v) { return dom_.number_integer(v); }
    bool number_unsigned(number_unsigned_t v) { return dom_.number_unsigned(v); }
    bool number_float(number_float_t v, const string_t& s) { return dom_.number_float(v, s); }
    bool string(string_t& v) { return dom_.string(v); }
    bool binary(binary_t& v) { return dom_.binary(v); }
    bool start_object(std::size_t n) {
        enter();
        return dom_.start_object(n);
    }
    bool key(string_t& k) {
        if (on_key_) on_key_(depth_, k);
        return dom_.key(k);
    }
    bool end_object() {
        --depth_;
        return dom_.end_object();
    }
    bool start_array(std::size_t n) {
        enter();
        return dom_.start_array(n);
    }
    bool end_array() {
        --depth_;
        return dom_.end_array();
    }
    template <class Exception>
    bool parse_error(std::size_t position, const std::string& last_token, const Exception& ex) {
        return dom_.parse_error(position, last_token, ex);   // throws ex
    }

private:
    void enter() {
        if (++depth_ > kMaxJsonDepth) throw TooDeep{};
    }
    nlohmann::detail::json_sax_dom_parser<json> dom_;
    const JsonKeyObserver& on_key_;
    int depth_ = 0;
};

}  // namespace

bool try_parse_json_input(std::string_view text, json* out, std::string* reason, const JsonKeyObserver& on_key) {
    if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
        *reason = "a NUL byte at offset " + std::to_string(nul);
        return false;
    }
    try {
        json result;
        LimitedDomBuilder builder(result, on_key);
        json::sax_parse(text.begin(), text.end(), &builder);
        *out = std::move(result);
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

json parse_json_input(std::string_view text, const std::string& source, const JsonKeyObserver& on_key) {
    json j;
    std::string reason;
    if (!try_parse_json_input(text, &j, &reason, on_key)) throw Error(source + ": not valid JSON (" + reason + ")");
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
