// Mirrors tokenizers 0.22 processors (template.rs for a single sequence, byte_level.rs, sequence.rs).
#include "core/tokenizer/post_processor.h"

#include "core/common/error.h"
#include "core/io/json_input.h"

namespace llms::hf {

namespace {

constexpr const char* kSupported = "TemplateProcessing, ByteLevel, Sequence";

// The single-sequence template: each element is either the text's ids or the ids of a special token.
class Template final : public PostProcessor {
public:
    struct Element {
        bool sequence = false;        // the encoded text ($A)
        std::vector<int32_t> ids;     // a special token's ids
    };
    explicit Template(std::vector<Element> elements) : elements_(std::move(elements)) {}
    void process(std::vector<int32_t>& ids, bool add_special_tokens) const override {
        std::vector<int32_t> out;
        out.reserve(ids.size() + 4);
        for (const Element& e : elements_) {
            if (e.sequence) out.insert(out.end(), ids.begin(), ids.end());
            else if (add_special_tokens) out.insert(out.end(), e.ids.begin(), e.ids.end());
        }
        ids.swap(out);
    }

private:
    std::vector<Element> elements_;
};

class Nothing final : public PostProcessor {
public:
    void process(std::vector<int32_t>&, bool) const override {}
};

class Sequence final : public PostProcessor {
public:
    explicit Sequence(std::vector<std::unique_ptr<PostProcessor>> parts) : parts_(std::move(parts)) {}
    void process(std::vector<int32_t>& ids, bool add_special_tokens) const override {
        for (const auto& p : parts_) p->process(ids, add_special_tokens);
    }

private:
    std::vector<std::unique_ptr<PostProcessor>> parts_;
};

std::unique_ptr<PostProcessor> make_template(const json& spec, const std::string& here) {
    const json& specials = required(spec, "special_tokens", here);
    if (!specials.is_object()) throw Error(here + ": \"special_tokens\" should be an object");
    const json& single = required(spec, "single", here);
    if (!single.is_array())
        throw Error(here + ": \"single\" should be a list of pieces, found " + io::json_preview(single));
    std::vector<Template::Element> elements;
    for (const json& piece : single) {
        Template::Element e;
        if (piece.is_object() && piece.contains("Sequence")) {
            const std::string id = string_field(piece["Sequence"], "id", here);
            if (id != "A")
                throw Error(here + ": the single-sequence template uses sequence \"" + id +
                            "\"; only A exists for one text, so the file is damaged");
            e.sequence = true;
        } else if (piece.is_object() && piece.contains("SpecialToken")) {
            const std::string name = string_field(piece["SpecialToken"], "id", here);
            const auto it = specials.find(name);
            if (it == specials.end())
                throw Error(here + ": the template names the special token \"" + name +
                            "\", which \"special_tokens\" does not define; the file is damaged");
            const json& ids = required(*it, "ids", here);
            if (!ids.is_array()) throw Error(here + ": the ids of \"" + name + "\" should be a list");
            for (const json& id : ids) {
                if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
                    throw Error(here + ": an id of \"" + name + "\" should be a token id, found " + io::json_preview(id));
                e.ids.push_back(static_cast<int32_t>(id.get<int64_t>()));
            }
        } else {
            throw Error(here + ": a template piece should be {\"Sequence\": ..} or {\"SpecialToken\": ..}, found " +
                        io::json_preview(piece));
        }
        elements.push_back(std::move(e));
    }
    return std::make_unique<Template>(std::move(elements));
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const json& spec, const std::string& where) {
    const std::string type = component_type(spec, where);
    const std::string here = where + " (post_processor " + type + ")";
    if (type == "TemplateProcessing") return make_template(spec, here);
    if (type == "ByteLevel") return std::make_unique<Nothing>();
    if (type == "Sequence") {
        const json& list = required(spec, "processors", here);
        if (!list.is_array()) throw Error(here + ": \"processors\" should be a list");
        std::vector<std::unique_ptr<PostProcessor>> parts;
        for (const json& part : list) parts.push_back(make_post_processor(part, where));
        return std::make_unique<Sequence>(std::move(parts));
    }
    refuse_component(where, "post_processor", type, kSupported);
}

std::unique_ptr<PostProcessor> make_bos_eos_template(std::vector<int32_t> prefix, std::vector<int32_t> suffix) {
    std::vector<Template::Element> elements;
    if (!prefix.empty()) elements.push_back({false, std::move(prefix)});
    elements.push_back({true, {}});
    if (!suffix.empty()) elements.push_back({false, std::move(suffix)});
    return std::make_unique<Template>(std::move(elements));
}

}  // namespace llms::hf
