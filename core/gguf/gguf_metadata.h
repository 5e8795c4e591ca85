// GGUF metadata: typed values under dotted keys, in file order. Torch-free.
#pragma once
#include "core/gguf/gguf_format.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace llms::gguf {

struct Value {
    ValueType type = ValueType::U32;
    uint64_t u = 0;                  // U8, U16, U32, U64
    int64_t i = 0;                   // I8, I16, I32, I64
    double f = 0;                    // F32, F64
    bool b = false;                  // Bool
    std::string s;                   // String
    ValueType elem = ValueType::U32; // Array: the element type
    std::vector<Value> items;        // Array

    static Value u32(uint32_t v);
    static Value i32(int32_t v);
    static Value f32(float v);
    static Value boolean(bool v);
    static Value string(std::string v);
    static Value strings(const std::vector<std::string>& v);
    static Value f32s(const std::vector<float>& v);
    static Value i32s(const std::vector<int32_t>& v);
};

class Metadata {
public:
    void set(const std::string& key, Value v);       // replaces the value of an existing key in place
    const Value* find(const std::string& key) const; // nullptr when absent
    const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }

private:
    std::vector<std::pair<std::string, Value>> entries_;
};

}  // namespace llms::gguf
