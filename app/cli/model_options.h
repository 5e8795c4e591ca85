// Options shared by the subcommands that load a model: --device and --dtype.
#pragma once
#include "app/cli/command.h"
#include "core/common/error.h"
#include "core/model/model_loader.h"

namespace llms::cli {

inline const std::set<std::string> kModelOptions = {"device", "dtype", "threads"};
inline constexpr const char* kModelOptionsHelp =
    "  --device D     cpu (default), cuda or cuda:N\n"
    "  --dtype T      auto (default: float32 on CPU, bfloat16 on CUDA), float32, bfloat16, float16\n"
    "  --threads N    CPU threads (default: all cores)\n";

// default_dtype: the --dtype when none is given ("auto" for inference; surgery trains fp32 master weights).
LoadedModel load_for_cli(const Args& a, const std::filesystem::path& dir, bool need_tokenizer,
                         const std::string& default_dtype = "auto");

}  // namespace llms::cli
