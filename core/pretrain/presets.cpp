// Pretraining presets, chosen by measurement on a 2-core x86-64 VM (numbers in docs/benchmarks.md).
#include "core/common/error.h"
#include "core/pretrain/pretrain.h"

namespace llms::pretrain {

Preset preset(const std::string& name) {
    Preset p;
    p.name = name;
    if (name == "demo") {   // the desktop demo model: ~1,700 facts + prose, ~4M parameters, ~1.8M tokens
        p.vocab_size = 2048;
        p.hidden_size = 256;
        p.intermediate_size = 688;
        p.num_layers = 4;
        p.num_heads = 8;
        p.num_kv_heads = 4;
        p.context = 128;
        p.batch_size = 16;
        p.steps = 900;
        p.warmup_steps = 50;
        p.lr = 2e-3;
        p.bf16_autocast = true;
        return p;
    }
    if (name == "tiny") {   // tests: ~50 facts, under a minute
        p.vocab_size = 512;
        p.hidden_size = 96;
        p.intermediate_size = 256;
        p.num_layers = 2;
        p.num_heads = 4;
        p.num_kv_heads = 2;
        p.context = 64;
        p.batch_size = 16;
        p.steps = 300;
        p.warmup_steps = 20;
        p.lr = 3e-3;
        p.weight_decay = 0.0;
        return p;
    }
    throw Error("unknown pretrain preset \"" + name + "\": use demo or tiny");
}

}  // namespace llms::pretrain
