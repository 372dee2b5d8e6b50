#pragma once
// Corollary 1 of the phase-aware paper (d → ∞, then n → ∞), completed as in brief §2.5, and the
// n → ∞ limit of Corollary 2 (brief §2.6): the learned network equals the d → ∞ exact denoiser of
// phase 1, f = μ tanh(κt μ·x/√d + h). Closed form; the only integral is one Gaussian average.
#include "hdflow/core/gauss.hpp"
#include "hdflow/core/sweep.hpp"
#include "hdflow/io/params.hpp"

namespace hdflow::twomode {

struct Phase1LimitParams {
  double p = 0.8, sigma = 1.0, kappa = 4.0, t = 0.5;
  static const std::vector<ParamSpec>& specs();
  static Phase1LimitParams from_json(const Json& j);
  Json to_json() const;
  std::vector<std::string> validate() const;
};

struct Phase1Limit {
  double omega, b, r, m, q, eps_plus, eps_minus, q_eta_plus, q_eta_minus, c, q_xi;
  double E_s_phi;    ///< E[s φ], φ = tanh(κt(ζ + κt s) + h)
  double E_phi2;     ///< E[φ²] (equal to E[sφ]: posterior-mean identity, a built-in check)
  double mse_train;  ///< = mse_test = 1 + σ² − E[sφ]
  double mse_test;
};

/// Corollary 1: ω = κt, b = h = artanh(2p − 1), m = q = 1, r = κ²t², ε± = q_η± = c = q_ξ = 0.
Phase1Limit solve_phase1_limit(const Phase1LimitParams& P, double quadrature_accuracy = 1e-14);

Json phase1_limit_row(const Phase1Limit& s);

}  // namespace hdflow::twomode
