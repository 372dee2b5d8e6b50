#pragma once
// Independent work items on threads (simulation replicas, one network per time point). Each item writes
// only its own slot, so results do not depend on the number of threads.
#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace hdflow {

/// Calls body(i) for i = 0..count−1 on min(count, threads) threads (threads ≤ 0: all cores).
template <class Body>
void parallel_for(int count, int threads, Body&& body) {
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int T = std::max(1, std::min(count, threads > 0 ? threads : hw));
  if (T == 1) {
    for (int i = 0; i < count; ++i) body(i);
    return;
  }
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int w = 0; w < T; ++w)
    pool.emplace_back([&] {
      for (int i = next++; i < count; i = next++) body(i);
    });
  for (auto& th : pool) th.join();
}

}  // namespace hdflow
