// Output folder policy: the marker, the "created by us" test, and the checks made before anything is written.
#include "core/io/output_folder.h"

#include "core/common/error.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace llms::io {

namespace fs = std::filesystem;

namespace {

bool regular_not_link(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(fs::symlink_status(p, ec));
}

// Reads at most `cap` bytes of a small regular file (no FIFO or device: the open does not block).
bool read_small(const fs::path& p, size_t cap, std::string* out) {
    if (!regular_not_link(p)) return false;
    const int fd = ::open(p.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return false;
    std::string s(cap, '\0');
    const ssize_t n = ::read(fd, s.data(), cap);
    ::close(fd);
    if (n < 0) return false;
    s.resize(static_cast<size_t>(n));
    *out = std::move(s);
    return true;
}

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

// Why dir must never be deleted whatever it holds, or "".
std::string protected_reason(const fs::path& dir) {
    std::error_code ec;
    const fs::path d = fs::weakly_canonical(dir, ec);
    if (d.empty() || d == d.root_path()) return "it is the file-system root";
    if (const char* h = std::getenv("HOME"); h && *h && same_file(d, h)) return "it is your home folder";
    const fs::path cwd = fs::current_path(ec);
    if (!ec) {
        if (same_file(d, cwd)) return "it is the current folder";
        for (fs::path a = cwd.parent_path(); !a.empty(); a = a.parent_path()) {
            if (same_file(d, a)) return "it holds the current folder";
            if (a == a.root_path()) break;
        }
    }
    return "";
}

}  // namespace

void write_output_marker(const fs::path& dir, const std::string& what) {
    const fs::path p = dir / kOutputMarker;
    const std::string text =
        nlohmann::json{{"format", "llm-surgery output"},
                       {"what", what},
                       {"note", "written by llm-surgery; it may replace or delete this folder when asked to"}}
            .dump(2) +
        "\n";
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(p.string() + ": cannot create (" + std::strerror(errno) + "); check that the folder is writable");
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const int err = errno;
    ::close(fd);
    if (!ok) throw Error(p.string() + ": write failed (" + std::strerror(err) + ")");
}

bool created_by_llm_surgery(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(fs::symlink_status(dir, ec))) return false;
    if (regular_not_link(dir / kOutputMarker)) return true;
    // Folders written before the marker existed.
    std::string text;
    if (read_small(dir / "pretrain.json", 1 << 20, &text)) {
        const auto j = nlohmann::json::parse(text, nullptr, false);
        if (j.is_object() && j.contains("format") && j["format"] == "llm-surgery pretrain") return true;
    }
    if (regular_not_link(dir / "llm_surgery_export.json")) return true;
    return regular_not_link(dir / "surgery_report.json") && regular_not_link(dir / "config.json");
}

fs::path clean_path(const fs::path& p) {
    fs::path a = fs::absolute(p).lexically_normal();
    if (!a.has_filename() && a.has_parent_path() && a != a.root_path()) a = a.parent_path();
    return a;
}

bool same_or_inside(const fs::path& inner, const fs::path& outer) {
    std::error_code ec;
    fs::path i = fs::weakly_canonical(inner, ec);
    if (ec || i.empty()) i = inner.lexically_normal();   // e.g. a folder we may not stat: compare as written
    fs::path o = fs::weakly_canonical(outer, ec);
    if (ec || o.empty()) o = outer.lexically_normal();
    if (o.empty()) return false;
    auto ii = i.begin();
    bool prefix = true;
    for (auto oi = o.begin(); oi != o.end(); ++oi, ++ii) {
        if (oi->empty()) continue;   // a trailing separator
        if (ii == i.end() || *ii != *oi) {
            prefix = false;
            break;
        }
    }
    if (prefix) return true;
    if (!fs::exists(outer, ec)) return false;
    for (fs::path a = i; !a.empty(); a = a.parent_path()) {
        if (fs::exists(a, ec) && fs::equivalent(a, outer, ec)) return true;
        if (a == a.root_path()) break;
    }
    return false;
}

void check_replaceable(const fs::path& dir, const std::string& what) {
    const fs::path d = clean_path(dir);
    if (const std::string why = protected_reason(d); !why.empty())
        throw Error(d.string() + ": " + what + " cannot be replaced or deleted because " + why +
                    "; choose a new folder");
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(d, ec)))
        throw Error(d.string() + ": " + what + " is a symbolic link, and llm-surgery replaces only folders it "
                                               "created; choose a new folder");
    if (!created_by_llm_surgery(d))
        throw Error(d.string() + ": " + what + " exists and holds files llm-surgery did not write (it has no " +
                    kOutputMarker + " marker), so it is never replaced or deleted; choose a new or empty folder, "
                                    "or move its contents away yourself");
}

void remove_owned_folder(const fs::path& dir, const std::string& what) {
    std::error_code ec;
    const auto st = fs::symlink_status(dir, ec);
    if (!fs::exists(st)) return;
    if (fs::is_directory(st) && fs::is_empty(dir, ec)) {
        if (const std::string why = protected_reason(clean_path(dir)); !why.empty())
            throw Error(clean_path(dir).string() + ": " + what + " cannot be deleted because " + why +
                        "; choose a new folder");
    } else {
        check_replaceable(dir, what);
    }
    fs::remove_all(dir, ec);
    if (ec) throw Error(dir.string() + ": cannot remove " + what + " (" + ec.message() + "); delete it by hand");
}

ScratchFolder::ScratchFolder(fs::path dir, const std::string& what) : path(std::move(dir)) {
    remove_owned_folder(path, "a scratch folder left by an earlier run");
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) throw Error("cannot create the work folder " + path.string() + ": " + ec.message() +
                        " (is its parent folder writable?)");
    write_output_marker(path, what);
}

ScratchFolder::~ScratchFolder() {
    std::error_code ec;
    if (created_by_llm_surgery(path)) fs::remove_all(path, ec);
}

void check_output_folder(const fs::path& out_dir, const fs::path& source_dir, bool overwrite) {
    if (out_dir.empty()) throw Error("no output folder given: choose a folder for the edited model");
    const fs::path out = clean_path(out_dir);
    if (!out.has_filename() || out == out.root_path())
        throw Error(out.string() + ": cannot write a model folder at the file-system root; choose a subfolder");
    std::error_code ec;
    if (!source_dir.empty()) {
        const fs::path src = clean_path(source_dir);
        if (same_or_inside(out, src))
            throw Error(out.string() + ": this is the input model folder " + src.string() +
                        " or a folder inside it, and an edited model is never written over the input model; "
                        "choose another output folder");
        if (same_or_inside(src, out))
            throw Error(out.string() + ": this folder contains the input model folder " + src.string() +
                        ", and an edited model is never written over the input model; choose another output folder");
    }
    const auto st = fs::symlink_status(out, ec);
    if (!fs::exists(st)) return;
    if (!fs::is_directory(out, ec))
        throw Error(out.string() + ": exists and is not a folder; choose another output folder");
    if (fs::is_empty(out, ec)) return;
    if (!overwrite)
        throw Error(out.string() + ": exists and is not empty; choose a new folder, or allow overwriting it "
                                   "(--overwrite-out yes) if llm-surgery wrote it");
    check_replaceable(out, "the output folder");
}

void check_new_file_place(const fs::path& file, const fs::path& source_dir) {
    const fs::path f = clean_path(file);
    if (!source_dir.empty() && same_or_inside(f, clean_path(source_dir)))
        throw Error(f.string() + ": this is inside the input model folder, which is never modified; write it elsewhere");
    std::error_code ec;
    const fs::path parent = f.parent_path();
    if (!fs::is_directory(parent, ec))
        throw Error(f.string() + ": the folder " + parent.string() + " does not exist; create it or choose another");
    if (::access(parent.c_str(), W_OK) != 0)
        throw Error(f.string() + ": the folder " + parent.string() + " is not writable; choose another");
}

void check_report_path(const fs::path& report, const fs::path& source_dir) {
    if (report.empty()) throw Error("no report file given: name a .json file");
    const fs::path r = clean_path(report);
    if (r.extension() != ".json")
        throw Error(r.string() + ": a report file must end in .json (its Markdown twin is written beside it as .md)");
    check_new_file_place(r, source_dir);
    std::error_code ec;
    for (const fs::path& p : {r, fs::path(r).replace_extension(".md")})
        if (fs::is_directory(p, ec)) throw Error(p.string() + ": is a folder; name a report file");
}

}  // namespace llms::io
