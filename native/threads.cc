// The helper thread behind in_chunks() (threads.h).
// After a job the helper spins for a while before it sleeps: a training step's kernels come
// every few hundred µs, and waking a sleeping thread took 30–150 µs on the VMs we measured.
// A helper that has not joined a job by the time the caller has claimed every chunk (asleep, or
// its core given to another thread: yielding puts it behind every other runnable thread, V8's
// compiler and GC workers included) leaves them all to the caller, as on one thread; one that
// joins late takes the chunks still left. Both waits yield the core on each turn rather than
// pause: with more busy threads than cores (two training processes, each with its helper), a
// pausing spinner held a core the other process's main thread needed, and steps took ~10× longer;
// yielding, ~1.3×. Measured in a fit (bench/PROFILE.md, "The helper thread inside a fit"), the
// helper joins within ~1 µs on ~80 % of the large kernels: what it loses is mostly the cost of
// reading what the other core wrote, not its start.
#include "threads.h"

#include <chrono>
#ifdef __linux__
#include <pthread.h>
#endif
#include <cstdlib>
#include <thread>

namespace elegy {

std::atomic<int> g_threads{1};
int64_t g_split_chunks = 16;

namespace {
constexpr auto HELPER_SPIN = std::chrono::milliseconds(2);
std::atomic<bool> g_helper_started{false};
}  // namespace

void Helper::loop() {
  uint64_t seen = 0;
  for (;;) {
    const auto since = std::chrono::steady_clock::now();
    while (posted.load(std::memory_order_acquire) == seen) {
      if (std::chrono::steady_clock::now() - since < HELPER_SPIN) {
        std::this_thread::yield();
        continue;
      }
      std::unique_lock<std::mutex> held(lock);
      wake.wait(held, [&] { return posted.load(std::memory_order_acquire) != seen; });
    }
    seen = posted.load(std::memory_order_acquire);
    uint64_t expected = seen - 1;
    if (!joined.compare_exchange_strong(expected, seen, std::memory_order_acq_rel)) continue;  // the caller has claimed every chunk
    uint64_t count = 0;
    for (int64_t i = claim_back(); i >= 0; i = claim_back(), count++) job(context, i);
    ran.fetch_add(count, std::memory_order_relaxed);
    done.store(seen, std::memory_order_release);
  }
}

Helper& helper() {
  // Never destroyed: the detached thread may still run while the process exits.
  static Helper* h = [] {
    g_helper_started = true;
    Helper* made = new Helper();
    std::thread([made] {
#ifdef __linux__
      pthread_setname_np(pthread_self(), "elegy-helper");  // so profilers and `top -H` tell it from V8's threads
#endif
      made->loop();
    }).detach();
    return made;
  }();
  return *h;
}

uint64_t helper_jobs() { return g_helper_started ? helper().ran.load() : 0; }

void threads_from_env() {
  // Once per process (each worker thread that loads the addon runs the module init again).
  static std::once_flag once;
  std::call_once(once, [] {
    const char* wanted = std::getenv("ELEGY_NATIVE_THREADS");
    const char* chunks = std::getenv("ELEGY_NATIVE_CHUNKS");
    if (chunks != nullptr && std::atoi(chunks) >= 2) g_split_chunks = std::atoi(chunks);
    g_threads.store(wanted != nullptr ? (std::atoi(wanted) >= 2 ? 2 : 1) : (std::thread::hardware_concurrency() >= 2 ? 2 : 1));
  });
}

}  // namespace elegy
