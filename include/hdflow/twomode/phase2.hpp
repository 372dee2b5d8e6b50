#pragma once
// Two-mode mixture, phase-aware schedule, second phase t ∈ [1, 2]: Result 2 of the phase-aware paper
// (seed 003) with the corrected closed form for c (brief §3.2–3.3: three misprints in c, the sign of
// q_ξ, the σ² counted twice in q), Corollary 3 (n → ∞, corrected: c = c* of eq. (9)) and
// Corollary 4 (train and test MSE). k noise samples per datum (k = ∞: the noise averaged exactly;
// Result 2 as printed is k = 1). At finite d the interpolation weight is τ_d(t) (brief §1.2), not t − 1.
// Equations as implemented: equations/twomode-phase2.md.
#include "hdflow/core/sweep.hpp"
#include "hdflow/io/params.hpp"

namespace hdflow::twomode {

struct Phase2Params {
  double sigma = 1.0, lambda = 0.1, t = 1.5;
  int n = 128;
  int k = 0;         ///< noise samples per datum; 0 means k = ∞
  double d = 0;      ///< 0: d = ∞ (τ = t − 1); otherwise finite d with τ_d(t) = κ/√d + (1 − κ/√d)(t − 1)
  double kappa = 4;  ///< only enters τ_d at finite d

  static const std::vector<ParamSpec>& specs();
  static Phase2Params from_json(const Json& j);
  std::vector<std::string> validate() const;
  double tau() const;  ///< the interpolation weight τ (brief §1.2)
};

struct Phase2Solution {
  double tau, K, rho_k;                    ///< K = [λ(1+σ²) + (n−1)σ²]/(n+λ), ρ_k = 1 − 1/(k(n+λ))
  double c, m, q_eta, q_xi, q;             ///< boxed Result 2 (corrected); q_eta, q_xi are the signed overlaps
  double mse_train, mse_test;              ///< Corollary 4 (corrected)
  double c_n_inf, m_n_inf, q_n_inf, mse_n_inf;  ///< Corollary 3 (corrected) and Corollary 4's n → ∞ limit
};

/// Closed form of brief §3.2 at interpolation weight τ ∈ [0, 1].
Phase2Solution solve_phase2_tau(double tau, double sigma, double lambda, double n, int k);
Phase2Solution solve_phase2(const Phase2Params& P);
Json phase2_row(const Phase2Solution& s);

}  // namespace hdflow::twomode
