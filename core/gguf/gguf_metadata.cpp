#include "core/gguf/gguf_metadata.h"

namespace llms::gguf {

Value Value::u32(uint32_t v) {
    Value x;
    x.type = ValueType::U32, x.u = v;
    return x;
}
Value Value::i32(int32_t v) {
    Value x;
    x.type = ValueType::I32, x.i = v;
    return x;
}
Value Value::f32(float v) {
    Value x;
    x.type = ValueType::F32, x.f = v;
    return x;
}
Value Value::boolean(bool v) {
    Value x;
    x.type = ValueType::Bool, x.b = v;
    return x;
}
Value Value::string(std::string v) {
    Value x;
    x.type = ValueType::String, x.s = std::move(v);
    return x;
}
Value Value::strings(const std::vector<std::string>& v) {
    Value x;
    x.type = ValueType::Array, x.elem = ValueType::String;
    x.items.reserve(v.size());
    for (const auto& s : v) x.items.push_back(string(s));
    return x;
}
Value Value::f32s(const std::vector<float>& v) {
    Value x;
    x.type = ValueType::Array, x.elem = ValueType::F32;
    x.items.reserve(v.size());
    for (float f : v) x.items.push_back(f32(f));
    return x;
}
Value Value::i32s(const std::vector<int32_t>& v) {
    Value x;
    x.type = ValueType::Array, x.elem = ValueType::I32;
    x.items.reserve(v.size());
    for (int32_t i : v) x.items.push_back(i32(i));
    return x;
}

void Metadata::set(const std::string& key, Value v) {
    for (auto& [k, old] : entries_)
        if (k == key) return void(old = std::move(v));
    entries_.emplace_back(key, std::move(v));
}

const Value* Metadata::find(const std::string& key) const {
    for (const auto& [k, v] : entries_)
        if (k == key) return &v;
    return nullptr;
}

}  // namespace llms::gguf
