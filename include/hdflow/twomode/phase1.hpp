#pragma once
// Two-mode Gaussian mixture under the phase-aware (dilated) schedule, first phase t ∈ (0, 1]:
// Result 1 of the phase-aware paper (seed 003), as derived correctly in
// shared/reference/phase-aware-gmm.md §2.2 (not as misprinted), with Corollary 2's train and test MSE.
// Equations as implemented: equations/twomode-phase1.md.
//
// The d → ∞ minimiser of the k = ∞ loss (boxed eq. (10), brief §1.5) is the minimiser of the
// four-variable function F(ω, b, ε₊, ε₋) of brief §2.2. From the Corollary-1 start, BFGS on F brings the
// iterate into the basin (F is flat far from the minimum at κt ≳ 3); then the damped fixed point of the
// stationarity equations (b solved exactly at each evaluation), accelerated by Anderson mixing and
// polished by Newton, gives the solution and its status. A warm start (continuation) is solved too and
// the lower F wins. The result is compared with the trivial branch ω = ε = 0, |b| → ∞ (brief §2.3).
#include <Eigen/Dense>
#include <string>

#include "hdflow/core/fixed_point.hpp"
#include "hdflow/core/gauss.hpp"
#include "hdflow/core/sweep.hpp"
#include "hdflow/io/params.hpp"

namespace hdflow::twomode {

/// Model parameters (names as in the paper). n₊ may be real (a "typical" dataset n₊ = p n).
struct Phase1Params {
  double p = 0.8;        ///< population weight of the +μ mode, eq. (1)
  double sigma = 1.0;    ///< within-mode standard deviation σ, eq. (1)
  double kappa = 4.0;    ///< dilation constant κ, eq. (11)
  double lambda = 0.1;   ///< ridge on u, boxed eq. (10)
  double ell = 0.1;      ///< ridge on w, boxed eq. (10)
  double t = 0.5;        ///< dilated time in (0, 1]
  int n = 128;           ///< training-set size
  double n_plus = -1.0;  ///< class count n₊ in [0, n]; < 0 means round(p n)
  bool paper_ansatz = false;  ///< impose the paper's ε± = 0 (a constrained minimum; brief §2.3 R1.6)

  double n_plus_resolved() const;   ///< n₊ (default round(p n))
  double n_minus_resolved() const;  ///< n₋ = n − n₊
  double kappa_t() const { return kappa * t; }

  static const std::vector<ParamSpec>& specs();   ///< names, defaults, ranges (for validation and `hdflow list`)
  static Phase1Params from_json(const Json& j);  ///< resolves (defaults, ranges) and reads a parameter object
  Json to_json() const;
  std::vector<std::string> validate() const;      ///< "field: value: allowed range" messages
};

/// Solver options of the phase-1 module.
struct Phase1Options {
  FixedPointOptions fixed_point{};
  double quadrature_accuracy = 1e-13;  ///< target of the trapezoid rule (core/gauss.hpp)
  bool newton_polish = true;
  double trivial_margin = 1e-12;       ///< a solution must beat F_triv by this much to be "learned"
};

/// Per-class Gaussian averages ⟨F⟩ = E_ζ F(√r ζ + a) of φ = tanh and its derivatives (brief §2.2).
struct TanhMoments {
  double g = 0;    ///< ⟨φ⟩
  double A = 0;    ///< ⟨φ²⟩
  double d1 = 0;   ///< ⟨φ'⟩
  double pd1 = 0;  ///< ⟨φ φ'⟩
  double d2 = 0;   ///< ⟨φ''⟩
  double r2 = 0;   ///< ⟨φ'² + φ φ''⟩ = ½ ∂²_a ⟨φ²⟩
};

/// One quadrature pass: tanh evaluated once per node.
TanhMoments tanh_moments(double sqrt_r, double a, const gauss::Rule1D& rule);

/// The phase-1 variables of the reduced problem.
struct Phase1State {
  double omega = 0, b = 0, eps_plus = 0, eps_minus = 0;
};

/// Everything the boxed problem of brief §2.2 defines at a given state.
struct Phase1Eval {
  double r = 0;                      ///< ω² + n₊ε₊² + n₋ε₋²
  TanhMoments plus, minus;           ///< class moments at a± = κt(±ω + σε±) + b
  double S = 0, V = 0, D = 0, N = 0; ///< S = n₊g₊ − n₋g₋, V = n₊g₊² + n₋g₋², D = λ + n₊A₊ + n₋A₋, N = S² + σ²V
  double F = 0;                      ///< −N/(2D) + ℓr/2
  double Gamma_plus = 0, Gamma_minus = 0;  ///< per-sample forces Γ±
  double r_hat = 0;                  ///< conjugate of r
  Eigen::Vector4d grad;              ///< ∂F/∂(ω, b, ε₊, ε₋)
};

Phase1Eval evaluate_phase1(const Phase1Params& P, const Phase1State& s, gauss::LineQuadrature& quad);

/// Observables of eq. (12) and Corollary 2 at a solution.
struct Phase1Overlaps {
  double omega = 0, b = 0, eps_plus = 0, eps_minus = 0, r = 0, m = 0, q = 0, q_eta_plus = 0, q_eta_minus = 0;
  double c = 0, q_xi = 0, r_hat = 0, c_sqrt_d = 0, mse_train = 0, mse_test = 0, F = 0, F_triv = 0;
  bool b_infinite = false;  ///< trivial branch: |b| = ∞ with sign of b
};

Phase1Overlaps overlaps_phase1(const Phase1Params& P, const Phase1State& s, gauss::LineQuadrature& quad);
Phase1Overlaps trivial_branch_phase1(const Phase1Params& P);

struct Phase1Solution {
  Phase1State state;
  Phase1Overlaps overlaps;
  std::string branch;    ///< "learned" (ω > 0) or "trivial" (ω = 0, |b| = ∞)
  std::string start;     ///< "cold" or "warm"
  std::string learned_status;  ///< status of the learned-branch solve (or "no_learned_branch")
  SolveReport report;    ///< of the fixed-point solve of the chosen start
  double grad_norm = 0;  ///< ‖∇F‖∞ at the returned state (learned branch)
};

/// Solves phase 1 at the given parameters; `warm` (ω, b, ε₊, ε₋) is an optional continuation start.
Phase1Solution solve_phase1(const Phase1Params& P, const Phase1Options& opt, const Eigen::VectorXd* warm = nullptr,
                            gauss::LineQuadrature* quad = nullptr);

/// A flat table row of a solution (every overlap of eq. (12), b, c, r̂, both MSEs, status).
Json phase1_row(const Phase1Solution& s);

}  // namespace hdflow::twomode
