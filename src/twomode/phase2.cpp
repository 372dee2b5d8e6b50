// Phase 2 of the two-mode mixture: Result 2, Corollaries 3–4 of the phase-aware paper, corrected
// (brief phase-aware-gmm.md §3.2–3.3; equations/twomode-phase2.md).
#include "hdflow/twomode/phase2.hpp"

#include <cmath>

#include "hdflow/core/status.hpp"
#include "hdflow/twomode/schedule.hpp"

namespace hdflow::twomode {

const std::vector<ParamSpec>& Phase2Params::specs() {
  using K = ParamSpec::Kind;
  static const std::vector<ParamSpec> specs = {
      {"sigma", K::real, 1.0, 0, 1e3, true, false, "within-mode standard deviation, eq. (1)", {}, ""},
      {"lambda", K::real, 0.1, 0, 1e6, false, false, "ridge on u, loss (10) in the brief's boxed form", {}, ""},
      {"t", K::real, 1.5, 1, 2, false, false, "dilated time of phase 2", {}, ""},
      {"n", K::integer, 128, 1, 1e9, false, false, "number of training samples", {}, ""},
      {"k", K::integer, 0, 0, 1e9, false, false, "noise samples per datum; 0 means k = inf (exact noise average)", {}, ""},
      {"d", K::real, 0, 0, 1e12, false, false, "dimension for the schedule offset tau_d(t); 0 means d = inf (tau = t - 1)", {}, ""},
      {"kappa", K::real, 4.0, 0, 1e3, true, false, "dilation constant of eq. (11); enters only tau_d at finite d", {}, ""},
  };
  return specs;
}

Phase2Params Phase2Params::from_json(const Json& given) {
  const Json j = resolve_params(specs(), given);
  Phase2Params P;
  P.sigma = j["sigma"].get<double>();
  P.lambda = j["lambda"].get<double>();
  P.t = j["t"].get<double>();
  P.n = j["n"].get<int>();
  P.k = j["k"].get<int>();
  P.d = j["d"].get<double>();
  P.kappa = j["kappa"].get<double>();
  throw_if_invalid(P.validate());
  return P;
}

std::vector<std::string> Phase2Params::validate() const {
  std::vector<std::string> v;
  const Json j = {{"sigma", sigma}, {"lambda", lambda}, {"t", t}, {"n", n}, {"k", k}, {"d", d}, {"kappa", kappa}};
  for (const auto& s : specs()) {
    auto e = s.check(j[s.name]);
    v.insert(v.end(), e.begin(), e.end());
  }
  if (d > 0 && !(kappa < std::sqrt(d)))
    v.push_back("d: " + format_number(d) + ": allowed d > kappa^2 = " + format_number(kappa * kappa) +
                " (so that tau_d(1) = kappa/sqrt(d) < 1), or 0 for d = inf");
  return v;
}

// Eq. (11), phase 2: τ_d(t) = κ/√d + (1 − κ/√d)(t − 1); its d → ∞ limit is t − 1.
double Phase2Params::tau() const { return schedule_tau(t, kappa, d, true, true).first; }

Phase2Solution solve_phase2_tau(double tau, double sigma, double lambda, double n, int k) {
  const double s2 = sigma * sigma;
  Phase2Solution s{};
  s.tau = tau;
  // K = [λ(1 + σ²) + (n − 1)σ²]/(n + λ),  ρ_k = 1 − 1/(k(n + λ)) (ρ_∞ = 1)      (brief §3.2)
  s.K = (lambda * (1.0 + s2) + (n - 1.0) * s2) / (n + lambda);
  s.rho_k = k > 0 ? 1.0 - 1.0 / (k * (n + lambda)) : 1.0;
  const double om = 1.0 - tau;
  // c = τK / [(1 − τ)²ρ_k + τ²K]   (Result 2 corrected: misprints R2.1, R2.2)
  s.c = tau * s.K / (om * om * s.rho_k + tau * tau * s.K);
  const double a = 1.0 - s.c * tau;
  s.m = n * a / (n + lambda);                                 // m = n(1 − cτ)/(n + λ)
  s.q_eta = sigma * a / (n + lambda);                         // q̃_η = σ(1 − cτ)/(n + λ)
  s.q_xi = k > 0 ? -s.c * om / (k * (n + lambda)) : 0.0;      // q̃_ξ = −c(1 − τ)/(k(n + λ))  (R2.3: sign)
  s.q = s.m * s.m + n * s.q_eta * s.q_eta + (k > 0 ? n * k * s.q_xi * s.q_xi : 0.0);  // (R2.4)
  // Corollary 4 (corrected): test on fresh (s, z, x0); train averages over the nk training pairs.
  s.mse_test = (1.0 + s2) * a * a + s.c * s.c * om * om + s.q - 2.0 * a * s.m;
  s.mse_train = s.mse_test - 2.0 * a * sigma * s.q_eta + 2.0 * s.c * om * s.q_xi;
  // Corollary 3 (corrected, R2.5): c = τσ²/[(1 − τ)² + σ²τ²] = c* of eq. (9); m = 1 − cτ; q = m².
  const double den = om * om + s2 * tau * tau;
  s.c_n_inf = tau * s2 / den;
  s.m_n_inf = om * om / den;
  s.q_n_inf = s.m_n_inf * s.m_n_inf;
  s.mse_n_inf = s2 * om * om / den;  // Corollary 4, n → ∞ (R2.6): the Bayes MMSE given the label
  return s;
}

Phase2Solution solve_phase2(const Phase2Params& P) {
  throw_if_invalid(P.validate());
  return solve_phase2_tau(P.tau(), P.sigma, P.lambda, static_cast<double>(P.n), P.k);
}

Json phase2_row(const Phase2Solution& s) {
  return Json{{"tau", s.tau},       {"c", s.c},           {"m", s.m},
              {"q_eta", s.q_eta},   {"q_xi", s.q_xi},     {"q", s.q},
              {"mse_train", s.mse_train}, {"mse_test", s.mse_test}, {"K", s.K},
              {"rho_k", s.rho_k},   {"c_n_inf", s.c_n_inf}, {"m_n_inf", s.m_n_inf},
              {"q_n_inf", s.q_n_inf}, {"mse_n_inf", s.mse_n_inf},
              {"status", "converged"}, {"iterations", 0}, {"residual", 0.0}};
}

}  // namespace hdflow::twomode
