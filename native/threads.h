// The second core, inside a kernel: large GEMMs, Adam updates, the convolutions
// and max pooling split their output in two; the calling thread computes one half and a helper
// thread the other (as XNNPACK's or MKL's thread pools do). Every output value is computed by the
// same operations in the same order as on one thread, so results are bit for bit the same. One
// helper per process, shared by the threads that call in: whoever finds it busy with another
// caller's job runs both halves itself.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>

namespace elegy {

/** 1: every kernel stays on its calling thread; 2: the big ones hand half to the helper. */
extern std::atomic<int> g_threads;

struct Helper {
  std::mutex owner;  // held by the caller whose job the helper runs
  std::mutex lock;   // guards the sleep
  std::condition_variable wake;
  // Tickets: `posted` is the caller's latest job, `claimed` the latest one someone took the second half of
  // (the helper, or the caller itself when the helper had not started by the time its own half was done),
  // `done` the latest the helper finished. `ran` counts the halves the helper computed.
  std::atomic<uint64_t> posted{0}, claimed{0}, done{0}, ran{0};
  void (*job)(void*, int) = nullptr;
  void* context = nullptr;

  void loop();
};

/** The process's helper, started on first use. */
Helper& helper();
/** Halves the helper has computed (0 before it started). */
uint64_t helper_jobs();
/** The thread count at load: ELEGY_NATIVE_THREADS, else 2 where there are two cores or more. */
void threads_from_env();

/**
 * Runs part(0) here and part(1) on the helper, or both here when one thread is set, the helper is busy
 * with another caller's job, or it has not started on this one by the time part(0) is done.
 */
template <class Part>
void in_two(Part&& part) {
  if (g_threads.load(std::memory_order_relaxed) < 2) {
    part(0);
    part(1);
    return;
  }
  Helper& h = helper();
  if (!h.owner.try_lock()) {
    part(0);
    part(1);
    return;
  }
  using Body = std::remove_reference_t<Part>;
  h.job = [](void* context, int which) { (*static_cast<Body*>(context))(which); };
  h.context = &part;
  const uint64_t ticket = h.posted.load(std::memory_order_relaxed) + 1;
  {
    std::lock_guard<std::mutex> held(h.lock);  // so the helper cannot miss the wake-up between its check and its wait
    h.posted.store(ticket, std::memory_order_release);
  }
  h.wake.notify_one();
  part(0);
  // A helper that has not started yet (asleep, or its core given to another thread) would make this
  // thread wait longer than computing the half itself: take it back.
  uint64_t expected = ticket - 1;
  if (h.claimed.compare_exchange_strong(expected, ticket, std::memory_order_acq_rel)) {
    part(1);
  } else {
    while (h.done.load(std::memory_order_acquire) != ticket) std::this_thread::yield();
  }
  h.owner.unlock();
}

/** Where to cut [0, n) in two, at a multiple of `unit`; 0 when it is too short to cut. */
inline int64_t cut(int64_t n, int64_t unit) {
  if (n < 2 * unit) return 0;
  return (n / 2 + unit - 1) / unit * unit;
}

/** body(begin, end) over [0, n): in two halves cut at a multiple of `unit`, on two threads, when `big`; else at once. */
template <class Body>
void in_halves(int64_t n, int64_t unit, bool big, Body&& body) {
  const int64_t half = big ? cut(n, unit) : 0;
  if (half == 0) return body(int64_t{0}, n);
  in_two([&](int part) { part == 0 ? body(int64_t{0}, half) : body(half, n); });
}

}  // namespace elegy
