#include "core/pretrain/demo_model.h"

#include "core/common/error.h"
#include "core/corpus/world_corpus.h"
#include "core/facts/fact_set.h"
#include "core/io/hf_folder.h"
#include "core/io/json_input.h"
#include "core/io/output_folder.h"
#include "core/io/read_file.h"

#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace llms::pretrain {

namespace fs = std::filesystem;

fs::path demo_model_dir() {
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x && fs::path(x).is_absolute())
        return fs::path(x) / "llm-surgery" / "demo-model";
    if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".local" / "share" / "llm-surgery" / "demo-model";
    throw Error("cannot place the demo model: neither XDG_DATA_HOME nor HOME is set; set one of them");
}

bool model_folder_ready(const fs::path& dir, std::string* why) {
    const auto fail = [&](const std::string& reason) {
        if (why) *why = reason;
        return false;
    };
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(dir, ec))) return fail(dir.string() + " does not exist yet");
    std::string reason;
    if (!io::looks_like_complete_hf_folder(dir, &reason)) return fail(reason);
    if (!fs::is_regular_file(dir / "known_facts.jsonl", ec)) return fail(dir.string() + ": known_facts.jsonl is missing");
    try {
        (void)facts::load_jsonl(dir / "known_facts.jsonl");
    } catch (const std::exception& e) {
        return fail(std::string("known_facts.jsonl is damaged: ") + e.what());
    }
    if (!fs::exists(dir / "pretrain.json", ec)) return fail(dir.string() + ": pretrain.json is missing");
    try {
        const auto j = io::parse_json_input(io::read_regular_file(dir / "pretrain.json", io::kMaxConfigBytes, "pretrain record"),
                                            (dir / "pretrain.json").string());
        if (!j.is_object() || j.value("format", "") != "llm-surgery pretrain")
            return fail((dir / "pretrain.json").string() + " is not a pretrain record");
    } catch (const std::exception& e) {
        return fail((dir / "pretrain.json").string() + " does not parse: " + e.what());
    }
    if (why) why->clear();
    return true;
}

fs::path find_world_data() {
    const auto is_world = [](const fs::path& d) {
        std::error_code ec;
        return fs::is_regular_file(d / "SOURCES.md", ec) && fs::is_regular_file(d / "triples.tsv", ec);
    };
    std::vector<fs::path> tried;
    if (const char* e = std::getenv("LLMS_WORLD_DATA"); e && *e) tried.emplace_back(e);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    // <prefix>/bin -> <prefix>/share/llm-surgery/world; the build tree mirrors it (build/share/llm-surgery/world
    // links to the sources' resources/world), so no path of the build machine is compiled in.
    if (!ec) tried.push_back(exe.parent_path() / ".." / "share" / "llm-surgery" / "world");
    tried.push_back(fs::current_path(ec) / "resources" / "world");
    for (const auto& d : tried)
        if (is_world(d)) return fs::weakly_canonical(d, ec);
    std::string list;
    for (const auto& d : tried) list += (list.empty() ? "" : ", ") + d.lexically_normal().string();
    throw Error("cannot find the world data that the demo model is built from (looked in " + list +
                "); reinstall llm-surgery, or set LLMS_WORLD_DATA to <source tree>/resources/world");
}

namespace {

// One builder at a time per folder: an exclusive flock on "<parent>/.<name>.lock", released on close.
class BuildLock {
public:
    explicit BuildLock(const fs::path& dir) {
        const fs::path lock = dir.parent_path() / ("." + dir.filename().string() + ".lock");
        fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) throw Error("cannot create " + lock.string() + ": check that " + dir.parent_path().string() + " is writable");
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd_);
            throw Error("another llm-surgery process is building the demo model in " + dir.string() +
                        " right now: wait for it to finish (or close it) and try again");
        }
    }
    ~BuildLock() { ::close(fd_); }
    BuildLock(const BuildLock&) = delete;
    BuildLock& operator=(const BuildLock&) = delete;

private:
    int fd_ = -1;
};

// Removes the leftovers a killed build can leave beside dir: "<name>.partial-*" (io::write_hf_folder) and
// ".<name>.*-tmp" scratch folders, each only when it carries llm-surgery's marker (or is empty).
void remove_leftovers(const fs::path& dir) {
    std::error_code ec;
    const std::string name = dir.filename().string();
    for (fs::directory_iterator it(dir.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
        const std::string f = it->path().filename().string();
        const bool partial = f.rfind(name + ".partial-", 0) == 0;
        const bool scratch = f.rfind("." + name + ".", 0) == 0 && f.size() > 4 && f.compare(f.size() - 4, 4, "-tmp") == 0;
        if (!(partial || scratch)) continue;
        try {
            io::remove_owned_folder(it->path(), "a leftover of an earlier build");
        } catch (const Error&) {
            // not ours: left alone
        }
    }
}

}  // namespace

DemoModelBuild build_demo_model(const DemoModelOptions& o, const std::function<void(const Progress&)>& on_progress,
                                const std::atomic<bool>* stop) {
    DemoModelBuild b;
    b.dir = io::clean_path(o.dir.empty() ? demo_model_dir() : o.dir);
    std::string why;
    if (!o.rebuild && model_folder_ready(b.dir, &why)) return b;

    std::error_code ec;
    fs::create_directories(b.dir.parent_path(), ec);
    if (ec) throw Error("cannot create " + b.dir.parent_path().string() + " (" + ec.message() + "): check its permissions");
    const BuildLock lock(b.dir);
    remove_leftovers(b.dir);
    const bool exists = fs::exists(fs::symlink_status(b.dir, ec));
    const bool ready = exists && model_folder_ready(b.dir, &why);
    if (exists && !ready) {   // damaged: never loaded, rebuilt from scratch, but only if this program made it
        if (!fs::is_directory(fs::symlink_status(b.dir, ec)))
            throw Error(b.dir.string() + " exists and is not a folder; choose a new or empty folder for the demo model");
        if (!fs::is_empty(b.dir, ec) && !io::created_by_llm_surgery(b.dir))
            throw Error(b.dir.string() + " exists and is not a demo model folder (it holds files llm-surgery did not "
                        "write); nothing was changed there: choose a new or empty folder for the demo model");
        b.replaced_reason = why;
        io::remove_owned_folder(b.dir, "the incomplete demo model folder");
    } else if (ready) {
        b.replaced_reason = "rebuild requested";
    }

    // The corpus, in a scratch folder beside the model.
    const fs::path world = o.world_data.empty() ? find_world_data() : o.world_data;
    const io::ScratchFolder corpus(b.dir.parent_path() / ("." + b.dir.filename().string() + ".corpus-tmp"),
                                  "the demo model's scratch corpus");
    Progress p;
    p.phase = Progress::Phase::Corpus;
    p.message = "building the " + o.preset + " world corpus from " + world.string();
    if (on_progress) on_progress(p);
    corpus::CorpusOptions co;
    co.data_dir = world;
    co.preset = o.preset;
    co.seed = o.seed;
    (void)corpus::build_world_corpus(co, corpus.path);
    if (stop && stop->load()) return b.stopped = true, b;

    Options po;
    po.corpus = corpus.path;
    po.corpus_label = "world data " + world.string() + " (corpus preset " + o.preset + ", seed " + std::to_string(o.seed) + ")";
    po.out = b.dir;
    po.preset = o.preset;
    po.seed = o.seed;
    po.threads = o.threads;
    po.steps = o.steps;
    po.overwrite = ready;   // a rebuild replaces the good model only once the new one is complete
    po.stop = stop;
    b.pretrain = run(po, on_progress);
    b.stopped = b.pretrain.stopped;
    b.built = !b.stopped;
    return b;
}

}  // namespace llms::pretrain
