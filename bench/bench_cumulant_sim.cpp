// Benchmark (issue #8, finite-d pSGD on the mixed cumulant model): the cost of one pSGD step of the exact reduced
// chain (brief §5.2) against the full d-dimensional step (§5.1) at the same d, the ziggurat normal against
// std::normal_distribution, and the theory's escape median (E4.4) against the simulation of the same quantity
// (1000 replicas). Prints ratios measured in this run. Usage: bench_cumulant_sim [d=1000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "hdflow/cumulant/rng.hpp"
#include "hdflow/cumulant/sim.hpp"
#include "hdflow/cumulant/theory.hpp"
#include "hdflow/sim/mixture.hpp"

using namespace hdflow;
using namespace hdflow::cumulant;

namespace {
template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  const int d = argc > 1 ? std::atoi(argv[1]) : 1000;
  if (d < 4) {
    std::fprintf(stderr, "bench_cumulant_sim: d = %d: allowed d >= 4\n", d);
    return 2;
  }
  const Model M;  // reference model: tanh, (a, b) = (0.8, 0.6), beta_u = 2, beta_v = 10
  RunSpec R;
  R.gamma = 0.5 / d;
  R.random_start = false;
  R.alpha_u0 = R.alpha_v0 = 0.1;
  R.eps_u = 2;  // never: run every step
  R.stop_on = 0;
  R.max_steps = 4L * d;
  double sink = 0;
  const double t_full = seconds([&] { sink += static_cast<double>(run_full(M, R, d, 1).steps); });
  R.max_steps = 400L * d;
  const double t_red = seconds([&] { sink += static_cast<double>(run_reduced(M, R, d, 1).steps); });
  const double ns_full = t_full / (4.0 * d) * 1e9, ns_red = t_red / (400.0 * d) * 1e9;
  std::printf("pSGD step at d = %d: full %.0f ns, reduced chain %.0f ns, ratio full/reduced %.1f\n", d, ns_full, ns_red,
              ns_full / ns_red);

  auto rng = sim::stream(3, 1);
  std::normal_distribution<double> N01;
  const FastNormal& Z = fast_normal();
  const int n = 20000000;
  const double t_std = seconds([&] {
    for (int i = 0; i < n; ++i) sink += N01(rng);
  });
  const double t_zig = seconds([&] {
    for (int i = 0; i < n; ++i) sink += Z(rng);
  });
  std::printf("N(0,1) variate: std::normal_distribution %.1f ns, ziggurat %.1f ns, ratio %.2f\n", t_std / n * 1e9,
              t_zig / n * 1e9, t_std / t_zig);

  double med_th = 0;
  const double t_th = seconds([&] {
    const EscapeLinear E = escape_linear(M, 0.5);
    med_th = escape_quantile_linear(M, E, 0.5, d, 0, 0.5, 0.5, 100).t;
  });
  RunSpec S;
  S.gamma = 0.5 / d;
  S.max_steps = 1000L * d;
  S.eps_u = 0.5;
  S.stop_on = 0;
  SimOptions o;
  o.d = d;
  o.seeds = 1000;
  o.threads = 1;
  std::vector<double> ns;
  const double t_sim = seconds([&] {
    for (const auto& r : run_replicas(M, S, o)) ns.push_back(static_cast<double>(r.n_u));
  });
  const double med_sim = quantile_ci(ns, 0.5).value;
  std::printf("median samples to |alpha_u| = 0.5 at d = %d: theory (E4.4) %.1f in %.3f s; 1000 reduced-chain replicas %.1f "
              "(ratio %.3f) in %.2f s; time ratio sim/theory %.0f\n",
              d, med_th, t_th, med_sim, med_sim / med_th, t_sim, t_sim / t_th);
  return sink == 0.123456789 ? 1 : 0;  // keeps the loops
}
