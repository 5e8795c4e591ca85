// Tokenizer: one of the tokenizer kinds (tokenizer_backend.h), chosen by the file it is loaded from.
#include "core/tokenizer/tokenizer.h"

#include "core/common/error.h"
#include "core/tokenizer/tokenizer_backend.h"

#include <system_error>

namespace llms {

namespace fs = std::filesystem;

Tokenizer::Tokenizer(std::shared_ptr<const tokenizer::Backend> backend) : impl_(std::move(backend)) {}

Tokenizer Tokenizer::load(const fs::path& file) {
    if (file.extension() == ".json") return Tokenizer(tokenizer::load_tokenizer_json(file));
    return Tokenizer(tokenizer::load_sentencepiece(file));
}

Tokenizer Tokenizer::load_folder(const fs::path& dir, std::string* note) {
    std::error_code ec;
    const bool json = fs::exists(dir / "tokenizer.json", ec), spm = fs::exists(dir / "tokenizer.model", ec);
    if (note) note->clear();
    if (json) {
        if (note && spm) *note = "tokenizer.json used; the folder's tokenizer.model is not read (tokenizer.json is preferred)";
        return load(dir / "tokenizer.json");
    }
    if (spm) return load(dir / "tokenizer.model");
    throw Error(dir.string() + ": no tokenizer.json or tokenizer.model in the model folder (text in/out needs one; "
                               "ids work): copy the model's tokenizer files into the folder");
}

bool Tokenizer::folder_has_tokenizer(const fs::path& dir) {
    std::error_code ec;
    return fs::exists(dir / "tokenizer.json", ec) || fs::exists(dir / "tokenizer.model", ec);
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_bos) const { return impl_->encode(text, add_bos); }
std::vector<int32_t> Tokenizer::encode_with_special_tokens(std::string_view text) const {
    std::vector<int32_t> ids = impl_->encode(text, true);
    const auto suffix = impl_->special_suffix();
    ids.insert(ids.end(), suffix.begin(), suffix.end());
    return ids;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const { return impl_->decode(ids); }
std::string Tokenizer::piece(int32_t id) const { return impl_->piece(id); }
int Tokenizer::vocab_size() const { return impl_->vocab_size(); }
int Tokenizer::bos_id() const { return impl_->bos_id(); }
int Tokenizer::eos_id() const { return impl_->eos_id(); }
int Tokenizer::unk_id() const { return impl_->unk_id(); }
int Tokenizer::pad_id() const { return impl_->pad_id(); }
int Tokenizer::byte_value(int32_t id) const { return impl_->byte_value(id); }
std::vector<int32_t> Tokenizer::eos_ids() const { return impl_->eos_ids(); }
std::string Tokenizer::kind() const { return impl_->kind(); }
const fs::path& Tokenizer::model_file() const { return impl_->model_file(); }

}  // namespace llms
