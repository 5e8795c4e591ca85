// The C API of libllms_spm.so, the one binary that links libsentencepiece.
// libsentencepiece.so.0 (Debian 0.1.97) carries protobuf 3.14, libtorch needs 3.21: linked into one
// process image they crash at load. The core therefore opens this plugin with
// dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND) and talks to it only through the plain C functions below:
// no C++ types, no exceptions and no allocations cross the boundary.
//
// Conventions
//   - Errors: functions that can fail take (char* err, size_t err_cap) and write a NUL-terminated,
//     possibly truncated, message there (err may be NULL when err_cap is 0).
//   - Capacity protocol: functions that produce a variable-length result take (out, cap) and return
//     the full length needed (ids, or bytes without the NUL). If it is > cap, nothing useful was
//     written: call again with a buffer of at least that size. A negative return means an error.
//   - Thread safety: a loaded model is read-only; encode/decode/piece may run concurrently.
//     llms_spm_train serializes itself (SentencePiece's trainer uses process-wide flags).
#pragma once
#include <stddef.h>
#include <stdint.h>

#define LLMS_SPM_ABI_VERSION 1

#if defined(__GNUC__)
#define LLMS_SPM_EXPORT __attribute__((visibility("default")))
#else
#define LLMS_SPM_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llms_spm_model llms_spm_model;   // opaque: a loaded SentencePieceProcessor

// LLMS_SPM_ABI_VERSION the plugin was built with; the loader refuses a plugin whose number differs.
LLMS_SPM_EXPORT int32_t llms_spm_abi_version(void);

// Loads a SentencePiece model file (tokenizer.model). NULL + err on failure.
LLMS_SPM_EXPORT llms_spm_model* llms_spm_load(const char* path, char* err, size_t err_cap);
LLMS_SPM_EXPORT void llms_spm_free(llms_spm_model* model);

// text (len bytes, not NUL-terminated) -> ids, as sp.Encode (the model's normalizer applies; no BOS).
// Capacity protocol over ids.
LLMS_SPM_EXPORT int64_t llms_spm_encode(const llms_spm_model* model, const char* text, size_t len,
                                        int32_t* ids, size_t cap, char* err, size_t err_cap);
// ids -> UTF-8 text, as sp.Decode (control ids such as BOS/EOS give no text). An id outside
// [0, piece count) is an error. Capacity protocol over bytes of out; a NUL is added when it fits.
LLMS_SPM_EXPORT int64_t llms_spm_decode(const llms_spm_model* model, const int32_t* ids, size_t n,
                                        char* out, size_t cap, char* err, size_t err_cap);
// The raw piece of id ("▁Paris", "<0x0A>"). Capacity protocol; -1 when id is out of range.
LLMS_SPM_EXPORT int64_t llms_spm_piece(const llms_spm_model* model, int32_t id, char* out, size_t cap);

LLMS_SPM_EXPORT int32_t llms_spm_piece_count(const llms_spm_model* model);
LLMS_SPM_EXPORT int32_t llms_spm_bos_id(const llms_spm_model* model);   // -1 when the model has none
LLMS_SPM_EXPORT int32_t llms_spm_eos_id(const llms_spm_model* model);
LLMS_SPM_EXPORT int32_t llms_spm_unk_id(const llms_spm_model* model);
LLMS_SPM_EXPORT int32_t llms_spm_pad_id(const llms_spm_model* model);
// 1 / 0; 0 for an id out of range.
LLMS_SPM_EXPORT int32_t llms_spm_is_byte(const llms_spm_model* model, int32_t id);
LLMS_SPM_EXPORT int32_t llms_spm_is_control(const llms_spm_model* model, int32_t id);

// Trains a model: args are SentencePieceTrainer flags "--key=value --key2=value2 ...", separated by
// spaces. A value may be double-quoted ("--model_prefix=\"/tmp/my dir/tok\"") and then holds any
// byte; inside quotes \" and \\ stand for " and \. (SentencePiece's own string parser splits at every
// space and cannot carry such paths.) seed fixes SentencePiece's random generator (used when
// --input_sentence_size samples lines). Returns 0 on success, -1 + err on failure.
LLMS_SPM_EXPORT int32_t llms_spm_train(const char* args, uint32_t seed, char* err, size_t err_cap);

#ifdef __cplusplus
}
#endif
