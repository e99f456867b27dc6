// The second core, inside a kernel: large GEMMs, Adam updates, the convolutions and max pooling
// cut their output into chunks that the calling thread and a helper thread claim one at a time
// (work-sharing): the caller from the front, the helper from the back, until they meet. Each output
// value is computed by the same operations in the same order whichever thread runs its chunk and
// wherever the cuts fall, so results are bit for bit the same on one thread and two. The caller
// never waits for a helper that has not started: it takes every chunk left, and waits only for the
// one the helper is in; a helper that starts late still takes what is left. Claiming from the two
// ends keeps each thread on the same part of a tensor from one step to the next (bench/PROFILE.md,
// "The helper thread inside a fit": lines the other core wrote cost ~10–15 ns each to fetch on our
// VMs, and one shared counter, handing chunks out in turn, made a fit slower). One helper per
// process, shared by the threads that call in: whoever finds it busy runs all the chunks itself.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>

namespace elegy {

/** 1: every kernel stays on its calling thread; 2: the big ones share their chunks with the helper. */
extern std::atomic<int> g_threads;

struct Helper {
  std::mutex owner;  // held by the caller whose job the helper may join
  std::mutex lock;   // guards the sleep
  std::condition_variable wake;
  // Tickets: `posted` is the caller's latest job, `joined` the latest one whose chunks the helper may
  // claim (or that the caller closed to it, once it had claimed every chunk itself), `done` the latest
  // the helper left. `left` holds the job's unclaimed chunks [first, end) as first << 32 | end: the caller
  // claims from the front, the helper from the back. `ran` counts the chunks the helper computed.
  std::atomic<uint64_t> posted{0}, joined{0}, done{0}, ran{0}, left{0};
  void (*job)(void*, int64_t) = nullptr;
  void* context = nullptr;

  void loop();
  /** The caller's next chunk (the front of what is left), or −1 when none is left. */
  int64_t claim_front() {
    uint64_t now = left.load(std::memory_order_relaxed);
    while ((now >> 32) < (now & 0xffffffffu)) {
      if (left.compare_exchange_weak(now, now + (uint64_t{1} << 32), std::memory_order_relaxed)) return static_cast<int64_t>(now >> 32);
    }
    return -1;
  }
  /** The helper's next chunk (the back of what is left), or −1 when none is left. */
  int64_t claim_back() {
    uint64_t now = left.load(std::memory_order_relaxed);
    while ((now >> 32) < (now & 0xffffffffu)) {
      if (left.compare_exchange_weak(now, now - 1, std::memory_order_relaxed)) return static_cast<int64_t>((now & 0xffffffffu) - 1);
    }
    return -1;
  }
};

/** The process's helper, started on first use. */
Helper& helper();
/** Chunks the helper has computed (0 before it started). */
uint64_t helper_jobs();
/** The thread count at load: ELEGY_NATIVE_THREADS, else 2 where there are two cores or more. */
void threads_from_env();

/**
 * Runs chunk(0) … chunk(chunks − 1), each exactly once, on this thread (from chunk 0 up) and the
 * helper (from the last down). When one thread is set, or the helper is busy with another caller's
 * job, runs alone() here instead. Returns when every chunk is done.
 */
template <class Chunk, class Alone>
void in_chunks(int64_t chunks, Chunk&& chunk, Alone&& alone) {
  if (chunks <= 1 || g_threads.load(std::memory_order_relaxed) < 2) return alone();
  Helper& h = helper();
  if (!h.owner.try_lock()) return alone();
  using Body = std::remove_reference_t<Chunk>;
  h.job = [](void* context, int64_t i) { (*static_cast<Body*>(context))(i); };
  h.context = &chunk;
  h.left.store(static_cast<uint64_t>(chunks), std::memory_order_relaxed);
  const uint64_t ticket = h.posted.load(std::memory_order_relaxed) + 1;
  {
    std::lock_guard<std::mutex> held(h.lock);  // so the helper cannot miss the wake-up between its check and its wait
    h.posted.store(ticket, std::memory_order_release);
  }
  h.wake.notify_one();
  for (int64_t i = h.claim_front(); i >= 0; i = h.claim_front()) chunk(i);
  // Every chunk is claimed. A helper that has not joined yet never will (it would find nothing left);
  // one that has may be inside its last chunk: wait for that one only.
  uint64_t expected = ticket - 1;
  if (!h.joined.compare_exchange_strong(expected, ticket, std::memory_order_acq_rel)) {
    while (h.done.load(std::memory_order_acquire) != ticket) std::this_thread::yield();
  }
  h.owner.unlock();
}

/** Runs part(0) and part(1), on this thread and the helper when two threads are set (either may run either). */
template <class Part>
void in_two(Part&& part) {
  in_chunks(2, part, [&] {
    part(0);
    part(1);
  });
}

/** Where to cut [0, n) in two, at a multiple of `unit`; 0 when it is too short to cut. */
inline int64_t cut(int64_t n, int64_t unit) {
  if (n < 2 * unit) return 0;
  return (n / 2 + unit - 1) / unit * unit;
}

/**
 * How many chunks in_split cuts a big job into at most (ELEGY_NATIVE_CHUNKS, for tests; default 16):
 * enough that the two threads finish within a small chunk of each other (a GEMM with 300 columns
 * gets its 10 panels one by one; 5 chunks of 2 left one thread a whole chunk behind) and that a late
 * helper still takes its share; each chunk costs one compare-and-swap.
 */
extern int64_t g_split_chunks;

/** The length of each of (at most) `chunks` chunks of [0, n) cut at multiples of `unit` (the last may be shorter). */
inline int64_t chunk_length(int64_t n, int64_t unit, int64_t chunks) {
  const int64_t units = (n + unit - 1) / unit;
  return (units + chunks - 1) / chunks * unit;
}

/**
 * body(begin, end) over [0, n): when `big` and two threads are set, in chunks (at most `chunks`, cut
 * at multiples of `unit`) shared by this thread and the helper; else body(0, n) at once. Each output
 * value body computes must not depend on where [0, n) was cut (so one thread and two agree).
 */
template <class Body>
void in_split(int64_t n, int64_t unit, bool big, Body&& body, int64_t chunks = g_split_chunks) {
  const auto alone = [&] { body(int64_t{0}, n); };
  if (!big || n < 2 * unit) return alone();
  const int64_t length = chunk_length(n, unit, chunks < 2 ? 2 : chunks);
  in_chunks((n + length - 1) / length, [&](int64_t i) { body(i * length, (i + 1) * length < n ? (i + 1) * length : n); }, alone);
}

}  // namespace elegy
