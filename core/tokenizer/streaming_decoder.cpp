// StreamingDecoder: decode the ids so far, return the new suffix, and hold back a UTF-8 character
// whose bytes are still arriving as byte-fallback pieces (<0xE6><0x9D> of "東" waits for <0xB1>) or as byte-level
// tokens (decoded as U+FFFD until complete).
#include "core/tokenizer/tokenizer.h"

namespace llms {

namespace {

// Number of bytes at the end of b[0, n) that start a UTF-8 sequence but do not complete it.
size_t incomplete_utf8_tail(const unsigned char* b, size_t n) {
    size_t cont = 0;   // trailing continuation bytes 10xxxxxx
    while (cont < n && cont < 3 && (b[n - 1 - cont] & 0xC0) == 0x80) ++cont;
    if (cont == n) return 0;   // no lead byte: stray continuation bytes never complete
    const unsigned char lead = b[n - 1 - cont];
    const size_t need = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 0;
    return (need != 0 && cont + 1 < need) ? cont + 1 : 0;
}

}  // namespace

std::string StreamingDecoder::push(int32_t id) {
    ids_.push_back(id);
    // Trailing byte-fallback pieces: SentencePiece would render an unfinished character as U+FFFD,
    // so the ids of its bytes are left out of this decode until the character completes.
    std::vector<unsigned char> tail;
    for (size_t i = ids_.size(); i > 0; --i) {
        const int b = tok_.byte_value(ids_[i - 1]);
        if (b < 0) break;
        tail.insert(tail.begin(), static_cast<unsigned char>(b));
        if (tail.size() == 4) break;   // a UTF-8 character has at most 4 bytes
    }
    const size_t hold = incomplete_utf8_tail(tail.data(), tail.size());
    std::string text = tok_.decode(std::vector<int32_t>(ids_.begin(), ids_.end() - static_cast<ptrdiff_t>(hold)));
    // Raw bytes of an unfinished character in the text itself are held back the same way.
    size_t complete =
        text.size() - incomplete_utf8_tail(reinterpret_cast<const unsigned char*>(text.data()), text.size());
    // A byte-level tokenizer (tokenizer.json) renders a character whose bytes are still arriving as U+FFFD: held
    // back as well (a U+FFFD that stays is printed with the next token).
    constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
    if (std::string_view(text).substr(0, complete).ends_with(kReplacement)) complete -= kReplacement.size();
    if (complete <= emitted_) return {};
    std::string out = text.substr(emitted_, complete - emitted_);
    emitted_ = complete;
    return out;
}

}  // namespace llms
