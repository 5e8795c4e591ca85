#include "core/io/atomic_folder.h"

#include "core/common/error.h"
#include "core/io/atomic_write.h"
#include "core/io/output_folder.h"

#include <signal.h>
#include <fcntl.h>   // AT_FDCWD
#include <stdio.h>   // renameat2, RENAME_EXCHANGE (glibc 2.28+)
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace llms::io {

namespace fs = std::filesystem;

namespace {

std::string pid_suffix() { return std::to_string((long long)::getpid()); }

// Removes "<out>.partial-<pid>" folders a killed writer left (often gigabytes): only those llm-surgery marked and
// whose process is gone, so a write in progress in another process is never touched.
void remove_dead_partials(const fs::path& out) {
    std::error_code ec;
    const std::string prefix = out.filename().string() + ".partial-";
    for (fs::directory_iterator it(out.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        long long pid = 0;
        const auto [p, err] = std::from_chars(name.data() + prefix.size(), name.data() + name.size(), pid);
        if (err != std::errc() || p != name.data() + name.size() || pid <= 0) continue;
        if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;   // alive, or not ours to ask
        if (!created_by_llm_surgery(it->path())) continue;
        std::error_code rm;
        fs::remove_all(it->path(), rm);
    }
}

}  // namespace

void write_folder_atomic(const fs::path& out_dir, const std::string& what, const std::function<void(const fs::path&)>& fill) {
    const fs::path out = clean_path(out_dir);
    std::error_code ec;
    const bool out_exists = fs::exists(fs::symlink_status(out, ec));
    const fs::path parent = out.parent_path();
    fs::create_directories(parent, ec);
    if (ec) throw Error(parent.string() + ": cannot create the folder (" + ec.message() + ")");
    remove_dead_partials(out);
    const fs::path tmp = parent / (out.filename().string() + ".partial-" + pid_suffix());
    remove_owned_folder(tmp, "a leftover temporary folder");   // an earlier crash with the same pid
    if (!fs::create_directory(tmp, ec) || ec)
        throw Error(tmp.string() + ": cannot create the temporary folder (" + (ec ? ec.message() : "exists") +
                    "); check that " + parent.string() + " is writable");

    try {
        write_output_marker(tmp, what);   // first: only a marked folder is ever deleted
        fill(tmp);
        fsync_folder(tmp);

        // Into place. Over an existing folder: one atomic exchange (renameat2 RENAME_EXCHANGE), so at no moment is
        // there nothing at out; the previous folder, now at tmp, goes once the new one is in place. File systems
        // without the exchange (EINVAL) get two renames with the previous folder put back on failure.
        if (out_exists && ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, out.c_str(), RENAME_EXCHANGE) == 0) {
            fsync_folder(parent);
            fs::remove_all(tmp, ec);
        } else if (out_exists && errno != EINVAL) {
            throw fs::filesystem_error("exchange", tmp, out, std::error_code(errno, std::generic_category()));
        } else {
            fs::path old;
            if (out_exists) {
                old = parent / (out.filename().string() + ".old-" + pid_suffix());
                remove_owned_folder(old, "a leftover of an earlier overwrite");
                fs::rename(out, old);
            }
            try {
                fs::rename(tmp, out);
            } catch (...) {
                if (!old.empty()) fs::rename(old, out, ec);   // put the previous folder back
                throw;
            }
            fsync_folder(parent);
            if (!old.empty()) fs::remove_all(old, ec);
        }
    } catch (const fs::filesystem_error& e) {
        fs::remove_all(tmp, ec);
        throw Error(out.string() + ": writing " + what + " failed (" + e.code().message() + ": " + e.path1().string() +
                    "); nothing was changed there");
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
}

}  // namespace llms::io
