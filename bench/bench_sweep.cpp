// Benchmark (issue: scale and reach): a 2-D sweep of 2000 points (twomode.phase1, n × t = 8 × 250), run
// (a) serially, (b) with its independent lines on 2 threads, (c) as 2 shards run side by side (as two jobs of a
// Slurm array would) and merged. Prints wall times, speed-up ratios and whether the three tables are identical.
#include <chrono>
#include <cstdio>
#include <thread>

#include "hdflow/io/table.hpp"
#include "hdflow/registry.hpp"

using namespace hdflow;

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main() {
  const Json config = {{"model", "twomode.phase1"},
                       {"sweep", Json::array({{{"name", "n"}, {"values", {4, 8, 16, 32, 64, 128, 256, 512}}},
                                              {{"name", "t"}, {"from", 0.004}, {"to", 1.0}, {"points", 250}}})}};
  const Json input = resolve_input(config);
  auto t0 = std::chrono::steady_clock::now();
  const Json serial = to_json(solve(input, {}, SweepRun::on(1, 0, 1)));
  const double t_serial = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  const Json threaded = to_json(solve(input, {}, SweepRun::on(2, 0, 1)));
  const double t_threads = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  Json shard[2];
  std::thread other([&] { shard[1] = to_json(solve(input, {}, SweepRun::on(1, 1, 2))); });
  shard[0] = to_json(solve(input, {}, SweepRun::on(1, 0, 2)));
  other.join();
  const Json merged = merge_shards({shard[0], shard[1]}, {"shard 0", "shard 1"});
  const double t_shards = seconds_since(t0);
  const std::size_t points = serial["rows"].size();
  std::printf("2-D sweep of twomode.phase1: %zu points (8 n x 250 t), %u hardware threads\n", points,
              std::thread::hardware_concurrency());
  std::printf("%-34s %10s %10s %s\n", "run", "wall [s]", "speed-up", "rows identical to serial");
  std::printf("%-34s %10.2f %10s %s\n", "serial (1 thread)", t_serial, "1.00", "-");
  std::printf("%-34s %10.2f %10.2f %s\n", "2 threads", t_threads, t_serial / t_threads,
              threaded["rows"] == serial["rows"] ? "yes (bit for bit)" : "NO");
  std::printf("%-34s %10.2f %10.2f %s\n", "2 shards side by side + merge", t_shards, t_serial / t_shards,
              merged["rows"] == serial["rows"] ? "yes (bit for bit)" : "NO");
  return merged["rows"] == serial["rows"] && threaded["rows"] == serial["rows"] ? 0 : 1;
}
