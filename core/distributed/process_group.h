// Data parallel on torch.distributed's c10d: the one place that knows the launcher's environment (torchrun's
// variables), the rendezvous store (TCPStore) and the process group (ProcessGroupGloo on the CPU). The training
// loops see only a Group: "which rank am I, how many are we", "sum these gradients", "sum these numbers".
//
// A Group of one (no launcher, or WORLD_SIZE=1) is the single process: its sums are no-ops, so a loop written
// for N ranks runs unchanged, and bit for bit as before, in one.
// Torch types: core/ only (the trainer's public header forward-declares Group).
#pragma once
#include <ATen/Tensor.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace llms::dist {

// torchrun's environment for one process.
struct LaunchEnv {
    int rank = 0;                 // RANK: this process among all
    int world = 1;                // WORLD_SIZE
    int local_rank = 0;           // LOCAL_RANK: this process on its machine
    std::string master_addr;      // MASTER_ADDR: the host of the rendezvous store
    int master_port = 0;          // MASTER_PORT
    // TORCHELASTIC_USE_AGENT_STORE=True: the launcher (torchrun's agent, or `--nproc`) hosts the store, so no rank
    // does; otherwise rank 0 hosts it.
    bool agent_store = false;
    bool distributed() const { return world > 1; }
};

// Reads the environment through `getenv`. No RANK and no WORLD_SIZE: the single process. Throws Error naming the
// variable on a partial or malformed set (RANK without WORLD_SIZE, a rank outside [0, WORLD_SIZE), a port outside
// 1-65535, MASTER_ADDR missing when WORLD_SIZE > 1).
LaunchEnv launch_env(const std::function<const char*(const char*)>& getenv);
LaunchEnv launch_env();   // the process's environment

// How long a collective (and the rendezvous) waits for the other ranks before it fails: LLMS_DIST_TIMEOUT_S
// seconds, default 300. A rank that dies is noticed at once (its sockets close); the timeout bounds a rank that
// hangs, or one still busy elsewhere (rank 0 measures the model before the run while the others wait).
std::chrono::milliseconds collective_timeout();

class Group {
public:
    // The single process.
    Group();
    // Joins the ranks of `env` (blocks until all have joined, or throws Error after `timeout`).
    Group(const LaunchEnv& env, std::chrono::milliseconds timeout);
    ~Group();
    Group(const Group&) = delete;
    Group& operator=(const Group&) = delete;

    int rank() const { return rank_; }
    int size() const { return size_; }
    bool is_root() const { return rank_ == 0; }
    // "rank 1 of 2", for messages.
    std::string name() const;

    // Sums each tensor across the ranks, in place; every rank gets the same result. Contiguous float tensors of
    // one device. Bucketed: the tensors are flattened into buckets of about `bucket_bytes` and every bucket's
    // all-reduce is in flight at once (Gloo runs them on its own threads), then they are copied back.
    void sum(std::vector<at::Tensor>& tensors, int64_t bucket_bytes = 25 << 20);
    // Sums small numbers across the ranks (in float64), in place.
    void sum(std::vector<double>& values);
    // True on every rank when it is true on any.
    bool any(bool flag);
    // Sums the gradients (.grad) of `weights` across the ranks (sum(tensors) above). A weight that has no gradient
    // on any rank keeps none (AdamW then leaves it alone, as in one process); one that has it on some ranks only
    // counts zeros for the others.
    void sum_gradients(const std::vector<at::Tensor>& weights);
    // Every rank must work on the same data: throws Error on every rank that passed a `hash` other than the mean,
    // saying "the ranks have different <what>: <advice>". A no-op in one process.
    void check_same(uint64_t hash, const std::string& what, const std::string& advice);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    int rank_ = 0, size_ = 1;
    [[noreturn]] void fail(const std::string& what, const std::exception& e) const;
};

// `--nproc N`: runs `argv` (the program's own command line, with the option removed) as N ranks on this machine
// and waits for them. It hosts the rendezvous store itself on a free loopback port (no fixed port to collide), and
// gives each child torchrun's variables plus OMP_NUM_THREADS = cores / N (one thread each on 2 cores; a value the
// user set is kept). A rank that fails makes the others fail at their next collective (their sockets close); any
// still running `timeout` later are ended. Returns the first non-zero exit status (a rank killed by a signal
// counts 128 + the signal), else 0. The children share this process's stdout and stderr; each runs in a process group
// of its own, and SIGINT / SIGTERM sent to this process are passed on to all of them.
int run_ranks(int nproc, const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace llms::dist
