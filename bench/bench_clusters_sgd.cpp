// Benchmark (issue: clusters): the τ ∈ [0, 4] training curve of the Fig. 1 setting by quadrature (hdflow)
// against the same curve with Monte-Carlo expectations at 2000 samples per cluster per step (the published
// notebooks' method), both timed in this run and both compared with a high-accuracy reference
// (140 Gauss–Hermite nodes per dimension, RK4 dτ = 0.005). Prints ratios; no pass/fail on time.
#include <chrono>
#include <cstdio>
#include <random>

#include "hdflow/clusters/sgd.hpp"

using namespace hdflow::clusters;

namespace {
SgdParams fig1(int nodes) { return fig1_setting(nodes); }
// Max abs deviation of (M, Q, b) over the τ grid 0.5, 1, ..., 4.
double max_dev(const std::vector<SgdState>& a, const std::vector<SgdState>& ref) {
  double e = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    e = std::max(e, (a[i].M() - ref[i].M()).cwiseAbs().maxCoeff());
    e = std::max(e, (a[i].Q() - ref[i].Q()).cwiseAbs().maxCoeff());
    e = std::max(e, std::abs(a[i].b - ref[i].b));
  }
  return e;
}
template <class Step>
std::vector<SgdState> curve(const SgdParams& P, Step step, double& seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<SgdState> out;
  SgdState s = informed_start(P);
  double tau = 0;
  for (int k = 1; k <= 8; ++k) {
    s = step(s, tau, 0.5 * k);
    tau = 0.5 * k;
    out.push_back(s);
  }
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}
}  // namespace

int main() {
  double t_ref = 0, t_q = 0, t_q60 = 0, t_mc = 0;
  const SgdParams Pref = fig1(140), P100 = fig1(100), P60 = fig1(60);
  const auto ref = curve(Pref, [&](const SgdState& s, double a, double b) { return integrate_sgd(Pref, s, a, b, 0.005, Scheme::rk4); }, t_ref);
  const auto q = curve(P100, [&](const SgdState& s, double a, double b) { return integrate_sgd(P100, s, a, b, 0.01, Scheme::rk4); }, t_q);
  const auto q60 = curve(P60, [&](const SgdState& s, double a, double b) { return integrate_sgd(P60, s, a, b, 0.01, Scheme::rk4); }, t_q60);
  // The notebooks: forward Euler dτ = 0.01 with 2000 fresh Monte-Carlo samples per cluster per step.
  std::mt19937_64 rng(20261123);
  const auto mc = curve(P60, [&](const SgdState& s, double a, double b) {
    return integrate_sgd_sampled(P60, s, a, b, 0.01, Scheme::euler, &rng, 2000);
  }, t_mc);
  // The same Monte-Carlo expectations with RK4 (isolates the sampling error from the Euler bias).
  double t_mc4 = 0;
  const auto mc4 = curve(P60, [&](const SgdState& s, double a, double b) {
    return integrate_sgd_sampled(P60, s, a, b, 0.01, Scheme::rk4, &rng, 2000);
  }, t_mc4);
  const double e_q = max_dev(q, ref), e_q60 = max_dev(q60, ref), e_mc = max_dev(mc, ref), e_mc4 = max_dev(mc4, ref);
  std::printf("clusters.sgd, Fig. 1 setting, tau in [0, 4]; error = max |M, Q, b - reference| at tau = 0.5, 1, ..., 4\n");
  std::printf("%-46s %10s %14s\n", "method", "time [s]", "max |error|");
  std::printf("%-46s %10.2f %14s\n", "reference: GH 140 nodes/dim, RK4 dtau = 0.005", t_ref, "-");
  std::printf("%-46s %10.2f %14.3e\n", "hdflow: GH 100 nodes/dim, RK4 dtau = 0.01", t_q, e_q);
  std::printf("%-46s %10.2f %14.3e\n", "hdflow: GH 60 nodes/dim, RK4 dtau = 0.01", t_q60, e_q60);
  std::printf("%-46s %10.2f %14.3e\n", "notebooks: MC 2000/cluster/step, Euler 0.01", t_mc, e_mc);
  std::printf("%-46s %10.2f %14.3e\n", "MC 2000/cluster/step with RK4 0.01", t_mc4, e_mc4);
  std::printf("speed-up vs the notebooks' method: %.1fx (60 nodes), %.1fx (100 nodes)   (target >= 100x)\n", t_mc / t_q60, t_mc / t_q);
  std::printf("error ratio: %.3e (60 nodes), %.3e (100 nodes)   (target >= 1e4)\n", e_mc / e_q60, e_mc / e_q);
  // Monte-Carlo error falls like samples^(-1/2): the sample count (and time, at best linear) the notebooks'
  // method would need to reach the quadrature's error, sampling error only (the Euler bias comes on top).
  const double need = (e_mc4 / e_q60) * (e_mc4 / e_q60);
  std::printf("equal accuracy: MC would need %.1e x more samples per step to reach %.1e (60 nodes): speed-up %.1e x\n",
              need, e_q60, need * t_mc4 / t_q60);
  return 0;
}
