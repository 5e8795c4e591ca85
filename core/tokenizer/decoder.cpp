// Mirrors tokenizers 0.22 decoders (byte_level.rs, metaspace.rs, byte_fallback.rs, fuse.rs, strip.rs,
// normalizers/replace.rs as a decoder, sequence.rs).
#include "core/tokenizer/decoder.h"

#include "core/common/error.h"
#include "core/tokenizer/byte_level.h"
#include "core/tokenizer/unicode_regex.h"
#include "core/tokenizer/utf8.h"

namespace llms::hf {

namespace {

constexpr const char* kSupported = "ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, Sequence";

// Byte-level characters back to bytes; a token with any other character is taken as it is. One lossy UTF-8 text.
class ByteLevel final : public Decoder {
public:
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::string bytes;
        for (const std::string& t : tokens) {
            const size_t mark = bytes.size();
            bool all = true;
            for (size_t i = 0; i < t.size() && all;) {
                size_t len = 0;
                const int b = byte_level_byte(decode_utf8(t, i, &len));
                if (b < 0) all = false;
                else bytes.push_back(static_cast<char>(b));
                i += len;
            }
            if (!all) {
                bytes.resize(mark);
                bytes += t;
            }
        }
        tokens.assign(1, utf8_lossy(bytes));
    }
};

// The replacement character becomes a space, except in the first token when a prefix was prepended (HF drops
// every replacement character of the first token then).
class Metaspace final : public Decoder {
public:
    Metaspace(std::string replacement, bool prepended) : replacement_(std::move(replacement)), prepended_(prepended) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (size_t k = 0; k < tokens.size(); ++k) {
            std::string out;
            const std::string& t = tokens[k];
            for (size_t at = 0; at < t.size();) {
                if (t.compare(at, replacement_.size(), replacement_) == 0) {
                    if (!(k == 0 && prepended_)) out += ' ';
                    at += replacement_.size();
                } else {
                    out += t[at++];
                }
            }
            tokens[k].swap(out);
        }
    }

private:
    std::string replacement_;
    bool prepended_;
};

// Runs of <0xNN> tokens become their bytes when these form UTF-8, else one U+FFFD per byte.
class ByteFallback final : public Decoder {
public:
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::vector<std::string> out;
        out.reserve(tokens.size());
        std::string bytes;
        const auto flush = [&] {
            if (bytes.empty()) return;
            if (first_invalid_utf8(bytes) == kValidUtf8) out.push_back(bytes);
            else
                for (size_t k = 0; k < bytes.size(); ++k) out.emplace_back("\xEF\xBF\xBD");
            bytes.clear();
        };
        for (std::string& t : tokens) {
            int value = -1;
            if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') value = hex_byte(t[3], t[4]);
            if (value >= 0) {
                bytes.push_back(static_cast<char>(value));
                continue;
            }
            flush();
            out.push_back(std::move(t));
        }
        flush();
        tokens.swap(out);
    }

private:
    // Rust u8::from_str_radix(.., 16): hex digits of either case.
    static int hex_byte(char hi, char lo) {
        const auto digit = [](char c) {
            return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        };
        const int h = digit(hi), l = digit(lo);
        return (h < 0 || l < 0) ? -1 : h * 16 + l;
    }
};

class Fuse final : public Decoder {
public:
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::string all;
        for (const std::string& t : tokens) all += t;
        tokens.assign(1, std::move(all));
    }
};

// Up to `start` leading and `stop` trailing copies of one character are removed from every token.
class Strip final : public Decoder {
public:
    Strip(std::string content, size_t start, size_t stop) : content_(std::move(content)), start_(start), stop_(stop) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        const size_t n = content_.size();
        for (std::string& t : tokens) {
            size_t begin = 0, end = t.size();
            for (size_t k = 0; k < start_ && begin + n <= end && t.compare(begin, n, content_) == 0; ++k) begin += n;
            for (size_t k = 0; k < stop_ && end >= begin + n && t.compare(end - n, n, content_) == 0; ++k) end -= n;
            t = t.substr(begin, end - begin);
        }
    }

private:
    std::string content_;
    size_t start_, stop_;
};

class Replace final : public Decoder {
public:
    Replace(UnicodeRegex pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::vector<std::pair<size_t, size_t>> matches;
        for (std::string& t : tokens) {
            pattern_.find_all(t, matches);
            if (matches.empty()) continue;
            std::string out;
            size_t at = 0;
            for (const auto& [b, e] : matches) {
                out.append(t, at, b - at);
                out += content_;
                at = e;
            }
            out.append(t, at, std::string::npos);
            t.swap(out);
        }
    }

private:
    UnicodeRegex pattern_;
    std::string content_;
};

class Sequence final : public Decoder {
public:
    explicit Sequence(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (const auto& p : parts_) p->decode_chain(tokens);
    }

private:
    std::vector<std::unique_ptr<Decoder>> parts_;
};

std::string one_char(const json& spec, const char* key, const std::string& where) {
    const std::string s = string_field(spec, key, where);
    size_t len = 0;
    if (s.empty() || (decode_utf8(s, 0, &len), len != s.size()))
        throw Error(where + ": \"" + key + "\" should be one character, found \"" + s + "\"");
    return s;
}

}  // namespace

std::unique_ptr<Decoder> make_decoder(const json& spec, const std::string& where) {
    const std::string type = component_type(spec, where);
    const std::string here = where + " (decoder " + type + ")";
    if (type == "ByteLevel") return std::make_unique<ByteLevel>();
    if (type == "Metaspace") {
        const std::string scheme = string_field(spec, "prepend_scheme", here, "always");
        if (scheme != "always" && scheme != "first" && scheme != "never")
            throw Error(here + ": unknown prepend_scheme \"" + scheme + "\" (known: always, first, never)");
        // Older files say add_prefix_space instead; false must agree with the scheme, as HF checks.
        const bool add_prefix_space = bool_field(spec, "add_prefix_space", here, true);
        if (!add_prefix_space && spec.contains("prepend_scheme") && scheme != "never")
            throw Error(here + ": add_prefix_space false contradicts prepend_scheme \"" + scheme + "\"");
        const bool prepended = scheme != "never" && add_prefix_space;
        return std::make_unique<Metaspace>(one_char(spec, "replacement", here), prepended);
    }
    if (type == "ByteFallback") return std::make_unique<ByteFallback>();
    if (type == "Fuse") return std::make_unique<Fuse>();
    if (type == "Strip")
        return std::make_unique<Strip>(one_char(spec, "content", here),
                                       static_cast<size_t>(count_field(spec, "start", here)),
                                       static_cast<size_t>(count_field(spec, "stop", here)));
    if (type == "Replace")
        return std::make_unique<Replace>(UnicodeRegex::from_json(required(spec, "pattern", here), here),
                                         string_field(spec, "content", here));
    if (type == "Sequence") {
        const json& list = required(spec, "decoders", here);
        if (!list.is_array()) throw Error(here + ": \"decoders\" should be a list");
        std::vector<std::unique_ptr<Decoder>> parts;
        for (const json& part : list) parts.push_back(make_decoder(part, where));
        return std::make_unique<Sequence>(std::move(parts));
    }
    refuse_component(where, "decoder", type, kSupported);
}

}  // namespace llms::hf
