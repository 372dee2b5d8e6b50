// Corollary 1 and the n → ∞ limit of Corollary 2 (phase-aware paper; brief §2.5, §2.6, §6.3).
#include "hdflow/twomode/phase1_limit.hpp"

#include <cmath>

#include "hdflow/io/params.hpp"
#include "hdflow/twomode/phase1.hpp"

namespace hdflow::twomode {

// The same parameters as phase 1 without the finite-n ones (n, n₊, λ, ℓ, ansatz).
const std::vector<ParamSpec>& Phase1LimitParams::specs() {
  static const std::vector<ParamSpec> specs = [] {
    std::vector<ParamSpec> out;
    for (const auto& s : Phase1Params::specs())
      if (s.name == "p" || s.name == "sigma" || s.name == "kappa" || s.name == "t") out.push_back(s);
    return out;
  }();
  return specs;
}

Phase1LimitParams Phase1LimitParams::from_json(const Json& given) {
  const Json j = resolve_params(specs(), given);
  Phase1LimitParams P{j["p"].get<double>(), j["sigma"].get<double>(), j["kappa"].get<double>(), j["t"].get<double>()};
  throw_if_invalid(P.validate());
  return P;
}

Json Phase1LimitParams::to_json() const { return Json{{"p", p}, {"sigma", sigma}, {"kappa", kappa}, {"t", t}}; }

std::vector<std::string> Phase1LimitParams::validate() const {
  std::vector<std::string> v;
  const Json j = to_json();
  for (const auto& s : specs()) {
    auto e = s.check(j[s.name]);
    v.insert(v.end(), e.begin(), e.end());
  }
  return v;
}

Phase1Limit solve_phase1_limit(const Phase1LimitParams& P, double accuracy) {
  throw_if_invalid(P.validate());
  const double kt = P.kappa * P.t;
  const double h = std::atanh(2.0 * P.p - 1.0);  // e^h/(e^h + e^{−h}) = p
  Phase1Limit o{};
  o.omega = kt;
  o.b = h;
  o.r = kt * kt;
  o.m = o.q = 1.0;
  // φ = tanh(κt(ζ + κt s) + h): field width κt, offsets ±κ²t² + h.
  gauss::TanhLineQuadrature quad({accuracy});
  const gauss::Rule1D& rule = quad.rule(kt);
  const TanhMoments plus = tanh_moments(kt, kt * kt + h, rule);
  const TanhMoments minus = tanh_moments(kt, -kt * kt + h, rule);
  o.E_s_phi = P.p * plus.g - (1.0 - P.p) * minus.g;
  o.E_phi2 = P.p * plus.A + (1.0 - P.p) * minus.A;
  // Corollary 2, n → ∞ (brief §2.6): mse_train = mse_test = 1 + σ² − E[sφ].
  o.mse_train = o.mse_test = 1.0 + P.sigma * P.sigma - o.E_s_phi;
  return o;
}

Json phase1_limit_row(const Phase1Limit& s) {
  return Json{{"omega", s.omega},       {"b", s.b},         {"eps_plus", s.eps_plus}, {"eps_minus", s.eps_minus},
              {"r", s.r},               {"m", s.m},         {"q", s.q},               {"q_eta_plus", s.q_eta_plus},
              {"q_eta_minus", s.q_eta_minus}, {"c", s.c},   {"q_xi", s.q_xi},         {"E_s_phi", s.E_s_phi},
              {"E_phi2", s.E_phi2},     {"mse_train", s.mse_train}, {"mse_test", s.mse_test},
              {"status", "converged"},  {"iterations", 0},  {"residual", 0.0}};
}

}  // namespace hdflow::twomode
