#include "core/tokenizer/spm_model_check.h"

#include "core/common/error.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace llms::tokenizer {

namespace {

// A bounds-checked reader of protobuf wire format (varints, fixed 32/64, length-delimited fields).
struct Wire {
    std::string_view b;
    size_t pos = 0;
    bool done() const { return pos >= b.size(); }

    bool varint(uint64_t* v) {
        *v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= b.size()) return false;
            const auto byte = static_cast<uint8_t>(b[pos++]);
            *v |= static_cast<uint64_t>(byte & 0x7F) << shift;
            if (!(byte & 0x80)) return true;
        }
        return false;
    }
    // One field: its number and wire type, and for length-delimited fields the payload.
    bool field(uint32_t* number, uint32_t* type, std::string_view* payload) {
        uint64_t key = 0;
        if (!varint(&key) || key >> 32 != 0) return false;
        *number = static_cast<uint32_t>(key >> 3);
        *type = static_cast<uint32_t>(key & 7);
        if (*number == 0) return false;
        uint64_t v = 0;
        switch (*type) {
            case 0: return varint(&v);
            case 1: return skip(8);
            case 5: return skip(4);
            case 2:
                if (!varint(&v) || v > b.size() - pos) return false;
                *payload = b.substr(pos, static_cast<size_t>(v));
                pos += static_cast<size_t>(v);
                return true;
            default: return false;   // groups (3, 4) and reserved types: not in a ModelProto
        }
    }
    bool skip(size_t n) {
        if (n > b.size() - pos) return false;
        pos += n;
        return true;
    }
};

// Walks every field of a message within bounds; `on` sees each length-delimited one.
template <class F>
bool walk(std::string_view msg, F&& on) {
    Wire w{msg};
    while (!w.done()) {
        uint32_t number = 0, type = 0;
        std::string_view payload;
        if (!w.field(&number, &type, &payload)) return false;
        if (type == 2 && !on(number, payload)) return false;
    }
    return true;
}

uint32_t le32(const char* p) {
    uint32_t v = 0;
    std::memcpy(&v, p, 4);   // little-endian hosts only (static_assert in the safetensors reader)
    return v;
}

// precompiled_charsmap: <u32 trie size><darts-clone double array of u32 units><NUL-terminated strings>. Every
// unit the normalizer's commonPrefixSearch can reach from the root is checked to stay inside the array, and
// every leaf value to point at a NUL-terminated string inside the string blob. "" when sound, else the problem.
std::string check_charsmap(std::string_view blob) {
    if (blob.empty()) return "";
    if (blob.size() <= 4) return "precompiled_charsmap is shorter than its header";
    const uint32_t trie_bytes = le32(blob.data());
    if (trie_bytes > blob.size() - 4)
        return "precompiled_charsmap's trie size runs past its end";
    const size_t units = trie_bytes / 4;
    if (units == 0) return "precompiled_charsmap has an empty trie";
    const std::string_view strings = blob.substr(4 + trie_bytes);
    std::vector<uint32_t> a(units);
    std::memcpy(a.data(), blob.data() + 4, units * 4);
    const auto offset = [](uint32_t u) -> uint64_t { return static_cast<uint64_t>(u >> 10) << ((u & (1U << 9)) >> 6); };
    const auto label = [](uint32_t u) { return u & ((1U << 31) | 0xFF); };
    const auto has_leaf = [](uint32_t u) { return ((u >> 8) & 1) == 1; };

    std::vector<char> seen(units, 0);
    std::vector<size_t> todo{0};
    seen[0] = 1;
    while (!todo.empty()) {
        const size_t pos = todo.back();
        todo.pop_back();
        const uint64_t base = static_cast<uint64_t>(pos) ^ offset(a[pos]);
        if ((base | 0xFF) >= units) return "precompiled_charsmap's trie points outside itself";
        if (pos != 0 && has_leaf(a[pos])) {   // the root's leaf flag is never read
            const uint32_t value = a[base] & ((1U << 31) - 1);
            if (value >= strings.size() || strings.find('\0', value) == std::string_view::npos)
                return "precompiled_charsmap's trie points outside its strings";
        }
        for (uint32_t c = 0; c < 256; ++c) {
            const size_t next = static_cast<size_t>(base ^ c);
            if (label(a[next]) == c && !seen[next]) {
                seen[next] = 1;
                todo.push_back(next);
            }
        }
    }
    return "";
}

}  // namespace

void check_spm_model_bytes(std::string_view bytes, const std::string& path) {
    const auto fail = [&](const std::string& what) {
        throw Error("tokenizer model " + path + " is corrupt or not a SentencePiece model (" + what +
                    "); it is refused before parsing, as such a file could crash the program: copy tokenizer.model "
                    "again from the original model");
    };
    std::string problem;
    size_t pieces = 0;
    const bool ok = walk(bytes, [&](uint32_t number, std::string_view payload) {
        if (number == 1) {   // SentencePiece { piece = 1; score = 2; type = 3; }
            ++pieces;
            return walk(payload, [&](uint32_t n, std::string_view p) {
                if (n == 1 && p.size() > kMaxPieceBytes)
                    problem = "piece " + std::to_string(pieces) + " is " + std::to_string(p.size()) + " bytes long";
                return problem.empty();
            });
        }
        if (number == 3 || number == 5)   // NormalizerSpec { name = 1; precompiled_charsmap = 2; ... }
            return walk(payload, [&](uint32_t n, std::string_view p) {
                if (n == 2) problem = check_charsmap(p);
                return problem.empty();
            });
        if (number == 2 || number == 4) return walk(payload, [](uint32_t, std::string_view) { return true; });
        return true;   // an unknown field: skipped within bounds, as protobuf does
    });
    if (!problem.empty()) fail(problem);
    if (!ok) fail("its protobuf encoding is broken or truncated");
    if (pieces == 0) fail("it holds no pieces");
}

}  // namespace llms::tokenizer
