// Benchmark (issue: foundations): a 100-point t-sweep of twomode.phase1 with deterministic quadrature at
// 1e-10 accuracy, against the same sweep with Monte-Carlo expectations (10⁴ fresh samples per
// expectation, the peers' notebook method). Both are timed in this run and their errors measured
// against a reference sweep at quadrature accuracy 1e-15. Prints ratios; no pass/fail on time.
//
// Usage: bench_twomode_phase1 [samples=10000] [points=100]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "hdflow/twomode/phase1.hpp"

using namespace hdflow;
using namespace hdflow::twomode;

namespace {

// The peers' method: every expectation is a fresh Monte-Carlo average over `samples` normal draws.
struct MonteCarloQuadrature final : gauss::LineQuadrature {
  MonteCarloQuadrature(std::size_t samples, std::uint64_t seed) : rng(seed) {
    rule_.nodes.resize(samples);
    rule_.weights.assign(samples, 1.0 / static_cast<double>(samples));
  }
  const gauss::Rule1D& rule(double) override {
    for (auto& z : rule_.nodes) z = normal(rng);
    return rule_;
  }
  std::mt19937_64 rng;
  std::normal_distribution<double> normal;
  gauss::Rule1D rule_;
};

struct Sweep {
  std::vector<Phase1Overlaps> rows;
  std::vector<std::string> status;
  double seconds = 0;
};

Sweep run(const std::vector<double>& ts, const Phase1Options& opt, gauss::LineQuadrature* quad) {
  Sweep s;
  const auto t0 = std::chrono::steady_clock::now();
  Phase1Params P;  // brief S2: (n₊, n₋) = (102, 26), p = 0.8, σ = 1, κ = 4, λ = ℓ = 0.1
  P.n = 128;
  P.n_plus = 102;
  Eigen::VectorXd warm;
  for (double t : ts) {
    P.t = t;
    const Phase1Solution sol = solve_phase1(P, opt, warm.size() ? &warm : nullptr, quad);
    s.rows.push_back(sol.overlaps);
    s.status.push_back(to_string(sol.report.status));
    warm.resize(4);
    warm << sol.state.omega, sol.state.b, sol.state.eps_plus, sol.state.eps_minus;
    if (!warm.allFinite()) warm.resize(0);
  }
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

// Max abs deviation over rows of the overlaps a researcher plots.
double max_error(const Sweep& a, const Sweep& ref) {
  double e = 0;
  for (std::size_t i = 0; i < ref.rows.size(); ++i) {
    const auto& x = a.rows[i];
    const auto& y = ref.rows[i];
    // b is ±∞ on the trivial branch; the other observables are finite on both branches.
    const double db = x.b_infinite || y.b_infinite ? 0.0 : x.b - y.b;
    for (double d : {x.omega - y.omega, db, x.m - y.m, x.q - y.q, x.r - y.r, x.eps_plus - y.eps_plus,
                     x.eps_minus - y.eps_minus, x.mse_train - y.mse_train, x.mse_test - y.mse_test})
      e = std::max(e, std::isfinite(d) ? std::abs(d) : INFINITY);
  }
  return e;
}

int wrong_branch(const Sweep& a, const Sweep& ref) {
  int n = 0;
  for (std::size_t i = 0; i < ref.rows.size(); ++i) n += a.rows[i].b_infinite != ref.rows[i].b_infinite;
  return n;
}

int count(const Sweep& s, const char* status) {
  int n = 0;
  for (const auto& x : s.status) n += x == status;
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t samples = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10000;
  const int points = argc > 2 ? std::atoi(argv[2]) : 100;
  std::vector<double> ts;
  for (int k = 0; k < points; ++k) ts.push_back(1.0 - 0.99 * k / std::max(1, points - 1));  // t = 1 → 0.01

  Phase1Options ref_opt;
  ref_opt.quadrature_accuracy = 1e-15;
  const Sweep ref = run(ts, ref_opt, nullptr);

  Phase1Options quad_opt;
  quad_opt.quadrature_accuracy = 1e-10;
  quad_opt.fixed_point.tolerance = 1e-12;
  const Sweep quad = run(ts, quad_opt, nullptr);

  // Monte Carlo cannot reach a residual below its noise: the peers stop at a loose tolerance or a fixed
  // iteration budget. Give it both, generously (tolerance 1e-3, at most 200 iterations per point).
  Phase1Options mc_opt;
  mc_opt.fixed_point.tolerance = 1e-3;
  mc_opt.fixed_point.max_iterations = 200;
  mc_opt.newton_polish = false;
  MonteCarloQuadrature mc(samples, 20261123);
  const Sweep mcs = run(ts, mc_opt, &mc);

  const double eq = max_error(quad, ref), em = max_error(mcs, ref);
  std::printf("twomode.phase1, %d-point t-sweep, (n+, n-) = (102, 26), kappa = 4, lambda = ell = 0.1\n", points);
  std::printf("error: max over rows of |omega, b, eps+-, r, m, q, mse_train, mse_test - reference|\n");
  std::printf("%-34s %10s %13s %10s %13s\n", "method", "time [s]", "max |error|", "converged", "wrong branch");
  std::printf("%-34s %10.4f %13s %6d/%d %13s\n", "reference: quadrature 1e-15", ref.seconds, "-", count(ref, "converged"),
              points, "-");
  std::printf("%-34s %10.4f %13.3e %6d/%d %13d\n", "hdflow: quadrature 1e-10", quad.seconds, eq,
              count(quad, "converged"), points, wrong_branch(quad, ref));
  std::printf("%-34s %10.4f %13.3e %6d/%d %13d\n", ("Monte Carlo, " + std::to_string(samples) + " samples").c_str(),
              mcs.seconds, em, count(mcs, "converged"), points, wrong_branch(mcs, ref));
  std::printf("speed-up (MC time / quadrature time): %.1fx   (target >= 100x)\n", mcs.seconds / quad.seconds);
  std::printf("error ratio (MC error / quadrature error): %.3e   (target >= 1e6)\n", em / std::max(eq, 1e-300));
  std::printf("(the Monte-Carlo sweep loses the learned branch where the noisy b-equation has no stable root)\n");

  // Same equations, only the expectations differ: evaluate the outputs of the reduced problem
  // (m, q, r̂, Γ±, both MSEs) at the 100 reference solutions, by quadrature and by Monte Carlo.
  gauss::TanhLineQuadrature q10({1e-10}), q15({1e-15});
  Phase1Params P;
  P.n = 128;
  P.n_plus = 102;
  double eq_eval = 0, em_eval = 0, tq = 0, tm = 0;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    if (ref.rows[i].b_infinite) continue;
    P.t = ts[i];
    const Phase1State st{ref.rows[i].omega, ref.rows[i].b, ref.rows[i].eps_plus, ref.rows[i].eps_minus};
    auto outputs = [&](gauss::LineQuadrature& qd, double& seconds) {
      const auto t0 = std::chrono::steady_clock::now();
      const Phase1Overlaps o = overlaps_phase1(P, st, qd);
      const Phase1Eval e = evaluate_phase1(P, st, qd);
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return std::vector<double>{o.m, o.q, o.mse_train, o.mse_test, e.r_hat, e.Gamma_plus, e.Gamma_minus};
    };
    double dummy = 0;
    const auto exact = outputs(q15, dummy);
    const auto a = outputs(q10, tq);
    const auto b = outputs(mc, tm);
    for (std::size_t k = 0; k < exact.size(); ++k) {
      eq_eval = std::max(eq_eval, std::abs(a[k] - exact[k]));
      em_eval = std::max(em_eval, std::abs(b[k] - exact[k]));
    }
  }
  std::printf("\nper evaluation of the equations at the %d reference solutions\n(max abs error of m, q, mse_train, mse_test, r_hat, Gamma+-; r_hat carries a factor n = 128):\n", points);
  std::printf("%-34s %10.4f %13.3e\n", "hdflow: quadrature 1e-10", tq, eq_eval);
  std::printf("%-34s %10.4f %13.3e\n", ("Monte Carlo, " + std::to_string(samples) + " samples").c_str(), tm, em_eval);
  std::printf("speed-up: %.1fx   error ratio: %.3e\n", tm / tq, em_eval / std::max(eq_eval, 1e-300));
  return 0;
}
