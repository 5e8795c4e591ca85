// libllms_spm.so: SentencePiece behind the C API of spm_plugin_api.h.
// Built as a MODULE that links only libsentencepiece + libsentencepiece_train (never torch); every
// entry point catches all exceptions so none crosses the C boundary.
#include "core/tokenizer/spm_plugin_api.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct llms_spm_model {
    sentencepiece::SentencePieceProcessor sp;
};

namespace {

void set_error(char* err, size_t err_cap, std::string_view msg) {
    if (err == nullptr || err_cap == 0) return;
    const size_t n = std::min(msg.size(), err_cap - 1);
    std::memcpy(err, msg.data(), n);
    err[n] = '\0';
}

bool valid_id(const llms_spm_model* m, int32_t id) {
    return m != nullptr && id >= 0 && id < m->sp.GetPieceSize();
}

// Copies bytes into out when they fit (plus a NUL when room); returns the length needed.
int64_t copy_out(const std::string& s, char* out, size_t cap) {
    if (out != nullptr && s.size() <= cap) {
        std::memcpy(out, s.data(), s.size());
        if (s.size() < cap) out[s.size()] = '\0';
    }
    return static_cast<int64_t>(s.size());
}

// Parses "--key=value --key2=\"quoted value\" ..." (see llms_spm_train) into SentencePiece kwargs.
bool parse_train_args(std::string_view args, std::unordered_map<std::string, std::string>& kwargs,
                      std::string& error) {
    size_t i = 0;
    while (i < args.size()) {
        if (args[i] == ' ') { ++i; continue; }
        if (args.compare(i, 2, "--") == 0) i += 2;
        std::string key;
        while (i < args.size() && args[i] != '=' && args[i] != ' ') key += args[i++];
        if (key.empty()) { error = "empty flag name at byte " + std::to_string(i); return false; }
        std::string value;
        if (i < args.size() && args[i] == '=') {
            ++i;
            if (i < args.size() && args[i] == '"') {
                ++i;
                bool closed = false;
                while (i < args.size()) {
                    const char c = args[i++];
                    if (c == '"') { closed = true; break; }
                    if (c == '\\' && i < args.size()) value += args[i++];
                    else value += c;
                }
                if (!closed) { error = "unterminated quote in the value of --" + key; return false; }
            } else {
                while (i < args.size() && args[i] != ' ') value += args[i++];
            }
        }
        if (!kwargs.emplace(key, value).second) { error = "flag --" + key + " given twice"; return false; }
    }
    return true;
}

}  // namespace

extern "C" {

int32_t llms_spm_abi_version(void) { return LLMS_SPM_ABI_VERSION; }

llms_spm_model* llms_spm_load(const char* path, char* err, size_t err_cap) {
    try {
        if (path == nullptr) { set_error(err, err_cap, "no model path given"); return nullptr; }
        auto model = std::make_unique<llms_spm_model>();   // freed if Load throws too
        const auto status = model->sp.Load(path);
        if (!status.ok()) {
            set_error(err, err_cap, status.ToString());
            return nullptr;
        }
        return model.release();
    } catch (const std::exception& e) {
        set_error(err, err_cap, e.what());
    } catch (...) {
        set_error(err, err_cap, "unknown exception while loading the SentencePiece model");
    }
    return nullptr;
}

void llms_spm_free(llms_spm_model* model) { delete model; }

int64_t llms_spm_encode(const llms_spm_model* model, const char* text, size_t len, int32_t* ids,
                        size_t cap, char* err, size_t err_cap) {
    try {
        if (model == nullptr) { set_error(err, err_cap, "no model"); return -1; }
        std::vector<int> out;
        const auto status = model->sp.Encode(std::string_view(text == nullptr ? "" : text, len), &out);
        if (!status.ok()) { set_error(err, err_cap, status.ToString()); return -1; }
        if (ids != nullptr && out.size() <= cap) std::copy(out.begin(), out.end(), ids);
        return static_cast<int64_t>(out.size());
    } catch (const std::exception& e) {
        set_error(err, err_cap, e.what());
    } catch (...) {
        set_error(err, err_cap, "unknown exception in SentencePiece encode");
    }
    return -1;
}

int64_t llms_spm_decode(const llms_spm_model* model, const int32_t* ids, size_t n, char* out,
                        size_t cap, char* err, size_t err_cap) {
    try {
        if (model == nullptr) { set_error(err, err_cap, "no model"); return -1; }
        std::vector<int> in(n);
        for (size_t i = 0; i < n; ++i) {
            if (!valid_id(model, ids[i])) {
                set_error(err, err_cap, "token id " + std::to_string(ids[i]) + " at position " +
                                            std::to_string(i) + " is outside the vocabulary [0, " +
                                            std::to_string(model->sp.GetPieceSize()) + ")");
                return -1;
            }
            in[i] = ids[i];
        }
        std::string text;
        const auto status = model->sp.Decode(in, &text);
        if (!status.ok()) { set_error(err, err_cap, status.ToString()); return -1; }
        return copy_out(text, out, cap);
    } catch (const std::exception& e) {
        set_error(err, err_cap, e.what());
    } catch (...) {
        set_error(err, err_cap, "unknown exception in SentencePiece decode");
    }
    return -1;
}

int64_t llms_spm_piece(const llms_spm_model* model, int32_t id, char* out, size_t cap) {
    if (!valid_id(model, id)) return -1;
    try {
        return copy_out(model->sp.IdToPiece(id), out, cap);
    } catch (...) {
        return -1;
    }
}

int32_t llms_spm_piece_count(const llms_spm_model* model) { return model ? model->sp.GetPieceSize() : 0; }
int32_t llms_spm_bos_id(const llms_spm_model* model) { return model ? model->sp.bos_id() : -1; }
int32_t llms_spm_eos_id(const llms_spm_model* model) { return model ? model->sp.eos_id() : -1; }
int32_t llms_spm_unk_id(const llms_spm_model* model) { return model ? model->sp.unk_id() : -1; }
int32_t llms_spm_pad_id(const llms_spm_model* model) { return model ? model->sp.pad_id() : -1; }

int32_t llms_spm_is_byte(const llms_spm_model* model, int32_t id) {
    return valid_id(model, id) && model->sp.IsByte(id) ? 1 : 0;
}

int32_t llms_spm_is_control(const llms_spm_model* model, int32_t id) {
    return valid_id(model, id) && model->sp.IsControl(id) ? 1 : 0;
}

int32_t llms_spm_train(const char* args, uint32_t seed, char* err, size_t err_cap) {
    static std::mutex train_mutex;   // the trainer reads process-wide flags (seed, minloglevel)
    try {
        std::unordered_map<std::string, std::string> kwargs;
        std::string parse_error;
        if (!parse_train_args(args == nullptr ? "" : args, kwargs, parse_error)) {
            set_error(err, err_cap, "bad trainer arguments: " + parse_error);
            return -1;
        }
        std::lock_guard<std::mutex> lock(train_mutex);
        sentencepiece::SetRandomGeneratorSeed(seed);
        const auto status = sentencepiece::SentencePieceTrainer::Train(kwargs);
        if (!status.ok()) { set_error(err, err_cap, status.ToString()); return -1; }
        return 0;
    } catch (const std::exception& e) {
        set_error(err, err_cap, e.what());
    } catch (...) {
        set_error(err, err_cap, "unknown exception in SentencePiece training");
    }
    return -1;
}

}  // extern "C"
