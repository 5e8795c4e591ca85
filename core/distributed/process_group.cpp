// c10d set-up in one place: torchrun's environment -> TCPStore -> ProcessGroupGloo; the collectives the training
// loops use; the `--nproc` launcher.
#ifndef USE_C10D_GLOO   // ProcessGroupGloo.hpp declares the class only with it (TORCH_CXX_FLAGS usually define it)
#define USE_C10D_GLOO
#endif
#include "core/distributed/process_group.h"

#include "core/common/error.h"

#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace llms::dist {

namespace {

// A whole number in [lo, hi] from an environment variable; Error naming it otherwise.
int env_int(const char* name, const char* text, long lo, long hi) {
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(text, &end, 10);
    if (!*text || *end || errno || v < lo || v > hi)
        throw Error(std::string("the environment variable ") + name + "=\"" + text + "\" is not a whole number in " +
                    std::to_string(lo) + ".." + std::to_string(hi) + " (torchrun sets it; so does --nproc)");
    return (int)v;
}

// c10::Error's message carries a C++ backtrace; the user needs its first line only.
std::string message_of(const std::exception& e) {
    std::string m = e.what();
    if (auto* c = dynamic_cast<const c10::Error*>(&e)) m = c->what_without_backtrace();
    if (auto nl = m.find('\n'); nl != std::string::npos) m.resize(nl);
    return m;
}

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

LaunchEnv launch_env(const std::function<const char*(const char*)>& getenv) {
    LaunchEnv env;
    const char* rank = getenv("RANK");
    const char* world = getenv("WORLD_SIZE");
    if (!rank && !world) return env;   // not launched by torchrun: the single process
    if (!rank || !world)
        throw Error(std::string("the environment sets ") + (rank ? "RANK" : "WORLD_SIZE") + " but not " +
                    (rank ? "WORLD_SIZE" : "RANK") + ": launch the ranks with torchrun or --nproc N, or unset it");
    env.world = env_int("WORLD_SIZE", world, 1, 1 << 16);
    env.rank = env_int("RANK", rank, 0, env.world - 1);
    if (const char* local = getenv("LOCAL_RANK")) env.local_rank = env_int("LOCAL_RANK", local, 0, env.world - 1);
    if (const char* agent = getenv("TORCHELASTIC_USE_AGENT_STORE")) env.agent_store = std::string(agent) == "True";
    if (!env.distributed()) return env;
    const char* addr = getenv("MASTER_ADDR");
    const char* port = getenv("MASTER_PORT");
    if (!addr || !*addr) throw Error("WORLD_SIZE is " + std::to_string(env.world) + " but MASTER_ADDR is not set: "
                                     "it names the host of rank 0 (torchrun sets it)");
    if (!port) throw Error("WORLD_SIZE is " + std::to_string(env.world) + " but MASTER_PORT is not set (torchrun sets it)");
    env.master_addr = addr;
    env.master_port = env_int("MASTER_PORT", port, 1, 65535);
    return env;
}

LaunchEnv launch_env() {
    return launch_env([](const char* name) -> const char* { return std::getenv(name); });
}

std::chrono::milliseconds collective_timeout() {
    if (const char* t = std::getenv("LLMS_DIST_TIMEOUT_S"))
        return std::chrono::seconds(env_int("LLMS_DIST_TIMEOUT_S", t, 1, 7 * 24 * 3600));
    return std::chrono::seconds(300);
}

// ---- the group ------------------------------------------------------------------------------------------------

struct Group::Impl {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
};

Group::Group() = default;
Group::~Group() = default;

Group::Group(const LaunchEnv& env, std::chrono::milliseconds timeout) : rank_(env.rank), size_(env.world) {
    if (!env.distributed()) return;
    impl_ = std::make_unique<Impl>();
    try {
        // The rendezvous: rank 0 (or the launcher's agent) hosts the store, every rank connects; the server waits
        // until all WORLD_SIZE ranks have.
        c10d::TCPStoreOptions o;
        o.port = (std::uint16_t)env.master_port;
        o.isServer = env.rank == 0 && !env.agent_store;
        o.numWorkers = env.world;
        o.timeout = timeout;
        impl_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, o);
        // Gloo's transport: the interface GLOO_SOCKET_IFNAME names, the loopback when the store is there (one
        // machine), else the address this host's name resolves to (Gloo's default).
        auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
        if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"))
            opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
        else if (is_loopback(env.master_addr))
            opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
        else
            opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        impl_->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, env.rank, env.world, opts);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(name() + ": could not join the other ranks at " + env.master_addr + ":" +
                    std::to_string(env.master_port) + " within " + std::to_string(timeout.count() / 1000) + " s (" +
                    message_of(e) + "): check that every rank was started with the same MASTER_ADDR, MASTER_PORT "
                    "and WORLD_SIZE, and that the port is free on rank 0's host");
    }
}

std::string Group::name() const { return "rank " + std::to_string(rank_) + " of " + std::to_string(size_); }

void Group::fail(const std::string& what, const std::exception& e) const {
    throw Error(name() + ": " + what + " with the other ranks failed (" + message_of(e) +
                "): another rank stopped, died, or did not answer within LLMS_DIST_TIMEOUT_S; this rank stops too "
                "and writes nothing");
}

void Group::sum(std::vector<at::Tensor>& tensors, int64_t bucket_bytes) {
    if (!impl_) return;
    // Buckets of consecutive tensors up to bucket_bytes (one larger tensor is its own bucket).
    struct Bucket {
        std::vector<at::Tensor> parts;
        std::vector<at::Tensor> flat;      // the one tensor the all-reduce sees
        c10::intrusive_ptr<c10d::Work> work;
    };
    std::vector<Bucket> buckets;
    int64_t bytes = bucket_bytes;
    for (auto& t : tensors) {
        const int64_t b = t.numel() * (int64_t)t.element_size();
        if (buckets.empty() || bytes + b > bucket_bytes) buckets.emplace_back(), bytes = 0;
        buckets.back().parts.push_back(t);
        bytes += b;
    }
    try {
        for (auto& k : buckets) {
            std::vector<at::Tensor> flat;
            for (auto& p : k.parts) flat.push_back(p.reshape({-1}));
            k.flat = {k.parts.size() == 1 && k.parts[0].is_contiguous() ? k.parts[0] : at::cat(flat)};
            k.work = impl_->pg->allreduce(k.flat);
        }
        for (auto& k : buckets) {
            k.work->wait();
            if (k.flat[0].is_same(k.parts[0])) continue;
            int64_t at = 0;
            for (auto& p : k.parts) {
                p.copy_(k.flat[0].narrow(0, at, p.numel()).view(p.sizes()));
                at += p.numel();
            }
        }
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        fail("summing the gradients", e);
    }
}

void Group::sum(std::vector<double>& values) {
    if (!impl_ || values.empty()) return;
    try {
        std::vector<at::Tensor> t{at::from_blob(values.data(), {(int64_t)values.size()}, at::kDouble).clone()};
        impl_->pg->allreduce(t)->wait();
        std::copy_n(t[0].data_ptr<double>(), values.size(), values.begin());
    } catch (const std::exception& e) {
        fail("an all-reduce", e);
    }
}

void Group::sum_gradients(const std::vector<at::Tensor>& weights) {
    if (!impl_) return;
    std::vector<double> had;
    std::vector<at::Tensor> grads;
    for (at::Tensor w : weights) {
        had.push_back(w.grad().defined());
        if (!w.grad().defined()) w.mutable_grad() = at::zeros_like(w);
        grads.push_back(w.mutable_grad());
    }
    sum(grads);
    sum(had);
    for (size_t i = 0; i < weights.size(); ++i)
        if (had[i] < 0.5) at::Tensor(weights[i]).mutable_grad().reset();
}

void Group::check_same(uint64_t hash, const std::string& what, const std::string& advice) {
    if (!impl_) return;
    const double mine = (double)(hash >> 24);   // 40 bits: a sum over up to 2^13 ranks stays exact in a double
    std::vector<double> total{mine};
    sum(total);
    if (total[0] != mine * size_) throw Error(name() + ": the ranks have different " + what + ": " + advice);
}

bool Group::any(bool flag) {
    std::vector<double> v{flag ? 1.0 : 0.0};
    sum(v);
    return v[0] > 0.5;
}

// ---- the launcher ----------------------------------------------------------------------------------------------

namespace {
volatile std::sig_atomic_t g_forward = 0;   // a signal the launcher got, to pass on to the ranks
void on_launcher_signal(int signo) { g_forward = signo; }
}  // namespace

int run_ranks(int nproc, const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    if (nproc < 1 || nproc > 256) throw Error("--nproc expects a number of processes from 1 to 256, got " + std::to_string(nproc));
    // The store on a port the kernel picks, hosted here for the ranks' whole life (torchrun's agent does the same).
    c10::intrusive_ptr<c10d::TCPStore> store;
    try {
        c10d::TCPStoreOptions o;
        o.port = 0;
        o.isServer = true;
        o.waitWorkers = false;
        o.timeout = timeout;
        store = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", o);
    } catch (const std::exception& e) {
        throw Error("--nproc: could not open the ranks' rendezvous store on 127.0.0.1 (" + message_of(e) + ")");
    }
    const int port = store->getPort();

    char exe[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) throw Error("--nproc: cannot find this program's own path in /proc/self/exe");
    exe[n] = 0;

    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const std::string threads = std::to_string(std::max(1u, cores / (unsigned)nproc));
    std::vector<std::string> args{exe};
    args.insert(args.end(), argv.begin(), argv.end());
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);

    std::fflush(nullptr);
    std::vector<pid_t> pids;
    for (int r = 0; r < nproc; ++r) {
        // Each child's environment, made before fork (only exec follows it there).
        std::vector<std::string> env;
        const std::vector<std::pair<std::string, std::string>> set = {
            {"RANK", std::to_string(r)}, {"LOCAL_RANK", std::to_string(r)}, {"WORLD_SIZE", std::to_string(nproc)},
            {"LOCAL_WORLD_SIZE", std::to_string(nproc)}, {"MASTER_ADDR", "127.0.0.1"},
            {"MASTER_PORT", std::to_string(port)}, {"TORCHELASTIC_USE_AGENT_STORE", "True"}};
        for (char** e = environ; *e; ++e) {
            const std::string kv = *e;
            const std::string key = kv.substr(0, kv.find('='));
            if (std::none_of(set.begin(), set.end(), [&](auto& s) { return s.first == key; })) env.push_back(kv);
        }
        for (auto& [k, v] : set) env.push_back(k + "=" + v);
        if (!std::getenv("OMP_NUM_THREADS")) env.push_back("OMP_NUM_THREADS=" + threads);
        std::vector<char*> cenv;
        for (auto& e : env) cenv.push_back(e.data());
        cenv.push_back(nullptr);
        const pid_t pid = fork();
        if (pid < 0) {
            for (pid_t p : pids) kill(p, SIGTERM);
            throw Error(std::string("--nproc: could not start rank ") + std::to_string(r) + ": " + std::strerror(errno));
        }
        if (pid == 0) {
            setpgid(0, 0);   // its own process group: a terminal's Ctrl-C reaches the launcher alone, which passes it on
            execve(exe, cargs.data(), cenv.data());
            _exit(127);
        }
        pids.push_back(pid);
    }
    // Ctrl-C and SIGTERM are passed on to every rank (each time: a second Ctrl-C quits at once, as in one process);
    // the ranks stop together at a step boundary, and this launcher waits for them.
    struct sigaction sa {};
    sa.sa_handler = on_launcher_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    using Clock = std::chrono::steady_clock;
    int status_out = 0;
    size_t running = pids.size();
    Clock::time_point deadline = Clock::time_point::max();
    bool terminated = false;
    std::vector<bool> done(pids.size(), false);
    while (running > 0) {
        if (const int sig = g_forward) {
            g_forward = 0;
            for (size_t i = 0; i < pids.size(); ++i)
                if (!done[i]) kill(pids[i], sig);
        }
        for (size_t i = 0; i < pids.size(); ++i) {
            if (done[i]) continue;
            int st = 0;
            const pid_t w = waitpid(pids[i], &st, WNOHANG);
            if (w == 0) continue;
            done[i] = true;
            --running;
            const int code = w < 0 ? 1 : WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
            if (code != 0) {
                if (WIFSIGNALED(st))
                    std::fprintf(stderr, "--nproc: rank %zu of %d was killed by signal %d\n", i, nproc, WTERMSIG(st));
                if (status_out == 0) status_out = code, deadline = Clock::now() + timeout;
            }
        }
        if (running == 0) break;
        if (Clock::now() > deadline) {
            for (size_t i = 0; i < pids.size(); ++i)
                if (!done[i]) kill(pids[i], terminated ? SIGKILL : SIGTERM);
            if (!terminated)
                std::fprintf(stderr, "--nproc: %zu rank(s) still running %lld s after another failed: ending them\n",
                             running, (long long)(timeout.count() / 1000));
            terminated = true;
            deadline = Clock::now() + std::chrono::seconds(5);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return status_out;
}

}  // namespace llms::dist
