#include "core/tokenizer/normalizer.h"

#include "core/common/error.h"
#include "core/tokenizer/unicode_props.h"
#include "core/tokenizer/unicode_regex.h"
#include "core/tokenizer/utf8.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>

#include <vector>

namespace llms::hf {

namespace {

constexpr const char* kSupported = "NFC, NFD, NFKC, NFKD, Sequence, Replace, Prepend, Strip";

// One of ICU's four standard normalization forms.
class UnicodeForm final : public Normalizer {
public:
    UnicodeForm(const std::string& type, const std::string& where) : type_(type) {
        UErrorCode status = U_ZERO_ERROR;
        form_ = type == "NFC"    ? icu::Normalizer2::getNFCInstance(status)
                : type == "NFD"  ? icu::Normalizer2::getNFDInstance(status)
                : type == "NFKC" ? icu::Normalizer2::getNFKCInstance(status)
                                 : icu::Normalizer2::getNFKDInstance(status);
        if (U_FAILURE(status) || form_ == nullptr)
            throw Error(where + ": ICU cannot provide the " + type + " normalizer (" + u_errorName(status) +
                        "); the ICU data library (libicu) is damaged: reinstall it");
    }
    void normalize(std::string& s) const override {
        UErrorCode status = U_ZERO_ERROR;
        const icu::StringPiece in(s.data(), static_cast<int32_t>(s.size()));
        if (form_->isNormalizedUTF8(in, status) && U_SUCCESS(status)) return;   // the common case: nothing to do
        status = U_ZERO_ERROR;
        std::string out;
        out.reserve(s.size() + s.size() / 4);
        icu::StringByteSink<std::string> sink(&out);
        form_->normalizeUTF8(0, in, sink, nullptr, status);
        if (U_FAILURE(status))
            throw Error("ICU " + type_ + " normalization failed on a text of " + std::to_string(s.size()) +
                        " bytes (" + u_errorName(status) + ")");
        s.swap(out);
    }

private:
    std::string type_;
    const icu::Normalizer2* form_ = nullptr;
};

class Sequence final : public Normalizer {
public:
    explicit Sequence(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
    void normalize(std::string& s) const override {
        for (const auto& p : parts_) p->normalize(s);
    }

private:
    std::vector<std::unique_ptr<Normalizer>> parts_;
};

// Every match of the pattern becomes `content`.
class Replace final : public Normalizer {
public:
    Replace(UnicodeRegex pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
    void normalize(std::string& s) const override {
        std::vector<std::pair<size_t, size_t>> matches;
        pattern_.find_all(s, matches);
        if (matches.empty()) return;
        std::string out;
        out.reserve(s.size() + matches.size() * content_.size());
        size_t at = 0;
        for (const auto& [b, e] : matches) {
            out.append(s, at, b - at);
            out += content_;
            at = e;
        }
        out.append(s, at, std::string::npos);
        s.swap(out);
    }

private:
    UnicodeRegex pattern_;
    std::string content_;
};

// `prepend` goes before any non-empty text.
class Prepend final : public Normalizer {
public:
    explicit Prepend(std::string prepend) : prepend_(std::move(prepend)) {}
    void normalize(std::string& s) const override {
        if (!s.empty()) s.insert(0, prepend_);
    }

private:
    std::string prepend_;
};

// Leading and/or trailing White_Space characters are removed (Rust's trim_start / trim_end).
class Strip final : public Normalizer {
public:
    Strip(bool left, bool right) : left_(left), right_(right) {}
    void normalize(std::string& s) const override {
        size_t begin = 0, end = s.size();
        if (left_) {
            while (begin < end) {
                size_t len = 0;
                if (!is_white_space(decode_utf8(s, begin, &len))) break;
                begin += len;
            }
        }
        if (right_) {
            while (end > begin) {
                size_t start = end - 1;
                while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
                size_t len = 0;
                if (!is_white_space(decode_utf8(s, start, &len))) break;
                end = start;
            }
        }
        s = s.substr(begin, end - begin);
    }

private:
    bool left_, right_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const json& spec, const std::string& where) {
    const std::string type = component_type(spec, where);
    const std::string here = where + " (normalizer " + type + ")";
    if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD")
        return std::make_unique<UnicodeForm>(type, here);
    if (type == "Sequence") {
        const json& list = required(spec, "normalizers", here);
        if (!list.is_array()) throw Error(here + ": \"normalizers\" should be a list");
        std::vector<std::unique_ptr<Normalizer>> parts;
        for (const json& part : list) parts.push_back(make_normalizer(part, where));
        return std::make_unique<Sequence>(std::move(parts));
    }
    if (type == "Replace")
        return std::make_unique<Replace>(UnicodeRegex::from_json(required(spec, "pattern", here), here),
                                         string_field(spec, "content", here));
    if (type == "Prepend") return std::make_unique<Prepend>(string_field(spec, "prepend", here));
    if (type == "Strip")
        return std::make_unique<Strip>(bool_field(spec, "strip_left", here), bool_field(spec, "strip_right", here));
    refuse_component(where, "normalizer", type, kSupported);
}

}  // namespace llms::hf
