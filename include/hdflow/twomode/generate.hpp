#pragma once
// Two-mode mixture: the law of generated samples (phase-aware paper, seed 003, §4 of the brief).
//
//  * exact denoiser (Proposition 1): d = ∞ — the law of ν₁, the frozen-sign weight p^κ (the library's
//    definition, brief §4.2 item 1), the Euler-node variant, p^κ → p as κ → ∞, orthogonal variance σ²;
//    finite d — the exact one-dimensional M-dynamics (autonomous at every d) on an explicit Euler grid
//    or in continuous time, P(M_t > 0) by bisection on the threshold M₀*, for the dilated schedule (11)
//    or the undilated one (τ = t), and the orthogonal variance of the same grid.
//  * learned denoiser (Result 3, Corollary 5, corrected; brief §4.3–4.4): phase 1 by the ODEs of
//    (ν, Y₊, Y₋) with the phase-1 solution at every RK4 stage time, p̂ = P(ν₁ > 0) by a 2-D
//    Gauss–Hermite rule over (Y₊, Y₋)(0) and bisection in ν₀; phase 2 in closed form: the generated mode
//    is N(ŝ(μ̂ − √(K/ρ_k) ξ̂), K/ρ_k I), i.e. R₁, A_η(1), A_ξ(1) and σ̂² = P₁ = K/ρ_k.
// Equations as implemented: equations/twomode-generate.md.
#include "hdflow/core/sweep.hpp"
#include "hdflow/io/params.hpp"

namespace hdflow::twomode {

struct GenerateParams {
  double p = 0.8, sigma = 1.0, kappa = 4.0, lambda = 0.1, ell = 0.1;
  int n = 128;
  double n_plus = -1;  ///< < 0: round(p n)
  int k = 0;           ///< noise samples per datum in phase 2 (0 = ∞)
  bool paper_ansatz = false;
  bool exact = false;     ///< denoiser: exact (Prop. 1) or learned (Results 1–3)
  bool dilated = true;    ///< schedule (11) on [0, 2], or undilated τ = t on [0, 1] (exact denoiser only)
  double d = 0;           ///< 0: d = ∞; otherwise the finite-d M-dynamics (exact denoiser)
  int euler_steps = 0;    ///< exact, finite d: explicit Euler steps over the whole schedule (0: continuous time, adaptive rk8pd)
  int steps = 200;        ///< RK4 steps on [0, 1] of the learned phase-1 flow (learned phase 1; exact continuous time)
  int nodes = 12;         ///< Gauss–Hermite nodes per axis over (Y₊, Y₋)(0)

  static const std::vector<ParamSpec>& specs();
  static GenerateParams from_json(const Json& j);
  std::vector<std::string> validate() const;
};

struct GenerateResult {
  double p_hat = 0;        ///< generated weight of the +μ mode at the end of generation
  double p_hat_t1 = 0;     ///< P(μ·X > 0) at the end of phase 1 (t = 1 dilated)
  double sigma2_hat = 0;   ///< orthogonal variance ‖X⊥‖²/d of the generated samples
  double R1 = 0, A_eta = 0, A_xi = 0;  ///< generated mode mean along μ, e_η, e_ξ (learned); R1 = 1, A = 0 exact
  double mean_dist2 = 0;   ///< ‖mean − μ‖²/d = (1 − R₁)² + A_η² + A_ξ²
  double p_kappa_frozen = 0, p_kappa_euler = 0;  ///< brief §4.2 items 1 and 3 (population p)
  int phase1_solves = 0;   ///< phase-1 points solved (learned)
  int phase1_not_converged = 0;
};

/// Frozen-sign p^κ = pΦ(κ) + (1 − p)Φ(−κ) (brief §4.2 item 1).
double p_kappa_frozen(double p, double kappa);
/// Euler node at t = 1, d → ∞: pΦ(κ + h/κ) + (1 − p)Φ(h/κ − κ) (brief §4.2 item 3).
double p_kappa_euler(double p, double kappa);

GenerateResult generate(const GenerateParams& P);

/// Phase-2 learned flow integrated numerically (brief §4.4 ODEs for R, A_η, A_ξ, P from τ = 0 to 1):
/// returns (R, A_η, A_ξ, P) at τ = 1, to check the closed form.
Eigen::Vector4d phase2_flow_numeric(double sigma, double lambda, double n, int k);

Json generate_row(const GenerateResult& r);

/// Exact denoiser at finite d on an explicit Euler grid of `steps` steps (dilated on [0, 2] or undilated on
/// [0, 1]): P(μ·X > 0) after each step j = 1..steps, by bisection on the threshold (no sampling error).
std::vector<double> exact_euler_trajectory(double p, double sigma, double kappa, double d, int steps, bool dilated);

}  // namespace hdflow::twomode
