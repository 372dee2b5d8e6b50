// Benchmark (issue: finite-d simulation): the cost of one simulated (d, n, t) point — data, L-BFGS on the
// exact k = ∞ loss, measurement — against the theory's cost for the same point (solve_phase1), and the
// memory of the simulation against the n·k·d noise tensor that sampled noise would need.
// Prints ratios measured in this run. Usage: bench_twomode_sim [n=128] [t=0.5]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "hdflow/twomode/phase1.hpp"
#include "hdflow/twomode/sim.hpp"

using namespace hdflow;
using namespace hdflow::twomode;

namespace {
// Peak resident set (VmHWM) of this process in MiB, from /proc (Linux).
double peak_mib() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "VmHWM:") {
      double kb = 0;
      in >> kb;
      return kb / 1024.0;
    }
    std::getline(in, key);
  }
  return -1;
}
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 128;
  const double t = argc > 2 ? std::atof(argv[2]) : 0.5;
  // Theory cost of the same point (median-free: averaged over repetitions).
  Phase1Params P;
  P.n = n;
  P.t = t;
  const int reps = 50;
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) (void)solve_phase1(P, Phase1Options{});
  const double theory = seconds_since(t0) / reps;
  std::printf("twomode.phase1 at t = %.2f, n = %d (n+ = round(0.8 n)), exact k = inf loss, L-BFGS, 1 seed\n", t, n);
  std::printf("theory (solve_phase1): %.3e s per point\n\n", theory);
  std::printf("%7s %12s %10s %14s %12s %16s %12s\n", "d", "sim [s]", "sim/theory", "L-BFGS iters", "peak [MiB]",
              "n*d*8 [MiB]", "k=100 noise [MiB]");
  for (int d : {500, 1000, 2000, 4000, 8000, 16000}) {
    SimPointParams S;
    S.n = n;
    S.t = t;
    SimOptions o;
    o.d = d;
    o.seeds = 1;
    o.threads = 1;
    t0 = std::chrono::steady_clock::now();
    const Measured m = simulate_one(S, o, 1);
    const double sim = seconds_since(t0);
    const double data_mib = 8.0 * n * d / (1024.0 * 1024.0);
    std::printf("%7d %12.4f %10.0f %14d %12.1f %16.1f %12.1f\n", d, sim, sim / theory, m.iterations, peak_mib(),
                data_mib, 100 * data_mib);
  }
  std::printf("\nMemory: the exact k = inf loss holds the data (and the noise vectors z for measurement), 2 n d\n"
              "doubles, never an n k d noise tensor; the peak grows linearly with d at about 2-3x n*d*8.\n");
  return 0;
}
