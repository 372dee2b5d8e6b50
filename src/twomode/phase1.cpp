// Phase 1 of the two-mode mixture: Result 1 (corrected), Corollary 2 of the phase-aware paper.
// Every formula cites shared/reference/phase-aware-gmm.md ("brief") and equations/twomode-phase1.md.
#include "hdflow/twomode/phase1.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/tools/roots.hpp>

#include "hdflow/core/minimise.hpp"
#include "hdflow/io/params.hpp"

namespace hdflow::twomode {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kBMax = 40.0;  // beyond |b| = 40, tanh saturates to 1 − 2e−35: the trivial branch

}  // namespace

const std::vector<ParamSpec>& Phase1Params::specs() {
  using K = ParamSpec::Kind;
  static const std::vector<ParamSpec> specs = {
      {"p", K::real, 0.8, 0, 1, true, true, "population weight of the +mu mode, eq. (1)", {}, ""},
      {"sigma", K::real, 1.0, 0, 1e3, true, false, "within-mode standard deviation, eq. (1)", {}, ""},
      {"kappa", K::real, 4.0, 0, 1e3, true, false, "dilation constant kappa of eq. (11)", {}, ""},
      {"lambda", K::real, 0.1, 0, 1e6, false, false, "ridge on u in the loss (10), boxed form of the brief §1.5", {}, ""},
      {"ell", K::real, 0.1, 0, 1e6, false, false, "ridge on w in the loss (10)", {}, ""},
      {"t", K::real, 0.5, 0, 1, true, false, "dilated time of phase 1", {}, ""},
      {"n", K::integer, 128, 1, 1e9, false, false, "number of training samples", {}, ""},
      {"n_plus", K::real, nullptr, 0, 1e9, false, false, "class count n+ (may be real); null: round(p n)", {}, ""},
      {"ansatz", K::string, "full", 0, 0, false, false,
       "full: per-class alignments eps+- (correct at finite n); paper: eps+- = 0 as printed", {"full", "paper"}, ""},
  };
  return specs;
}

// ---------------------------------------------------------------- parameters

double Phase1Params::n_plus_resolved() const { return n_plus >= 0 ? n_plus : std::round(p * n); }
double Phase1Params::n_minus_resolved() const { return static_cast<double>(n) - n_plus_resolved(); }

Phase1Params Phase1Params::from_json(const Json& given) {
  const Json j = resolve_params(specs(), given);
  Phase1Params P;
  P.p = j["p"].get<double>();
  P.sigma = j["sigma"].get<double>();
  P.kappa = j["kappa"].get<double>();
  P.lambda = j["lambda"].get<double>();
  P.ell = j["ell"].get<double>();
  P.t = j["t"].get<double>();
  P.n = j["n"].get<int>();
  P.n_plus = j["n_plus"].is_null() ? -1.0 : j["n_plus"].get<double>();
  P.paper_ansatz = j["ansatz"].get<std::string>() == "paper";
  throw_if_invalid(P.validate());
  return P;
}

Json Phase1Params::to_json() const {
  return Json{{"p", p},           {"sigma", sigma},   {"kappa", kappa},
              {"lambda", lambda}, {"ell", ell},       {"t", t},
              {"n", n},           {"n_plus", n_plus_resolved()}, {"ansatz", paper_ansatz ? "paper" : "full"}};
}

std::vector<std::string> Phase1Params::validate() const {
  std::vector<std::string> v;
  const Json j = {{"p", p}, {"sigma", sigma}, {"kappa", kappa}, {"lambda", lambda}, {"ell", ell}, {"t", t}, {"n", n}};
  for (const auto& s : specs())
    if (j.contains(s.name)) {
      auto e = s.check(j[s.name]);
      v.insert(v.end(), e.begin(), e.end());
    }
  if (n_plus > static_cast<double>(n))
    v.push_back("n_plus: " + format_number(n_plus) + ": allowed range [0, n] = [0, " + std::to_string(n) + "]");
  if (lambda == 0.0 && n_plus_resolved() == 0.0 && n_minus_resolved() == 0.0)
    v.push_back("lambda: 0: allowed (0, inf) when there are no samples");
  return v;
}

// ---------------------------------------------------------------- Gaussian averages

TanhMoments tanh_moments(double sqrt_r, double a, const gauss::Rule1D& rule) {
  TanhMoments m;
  for (std::size_t i = 0; i < rule.size(); ++i) {
    const double w = rule.weights[i];
    const double f = std::tanh(sqrt_r * rule.nodes[i] + a);  // φ
    const double f1 = 1.0 - f * f;                           // φ' = 1 − φ²
    m.g += w * f;
    m.A += w * f * f;
    m.d1 += w * f1;
    m.pd1 += w * f * f1;
    m.d2 += w * (-2.0 * f * f1);              // φ'' = −2φφ'
    m.r2 += w * f1 * (1.0 - 3.0 * f * f);     // φ'² + φφ'' = φ'(1 − 3φ²)
  }
  return m;
}

// ---------------------------------------------------------------- the reduced problem, brief §2.2

Phase1Eval evaluate_phase1(const Phase1Params& P, const Phase1State& s, gauss::LineQuadrature& quad) {
  const double np = P.n_plus_resolved(), nm = P.n_minus_resolved();
  const double kt = P.kappa_t(), sg = P.sigma, s2 = sg * sg;
  Phase1Eval e;
  // r = ω² + n₊ε₊² + n₋ε₋²  (brief §2.2, boxed)
  e.r = s.omega * s.omega + np * s.eps_plus * s.eps_plus + nm * s.eps_minus * s.eps_minus;
  const double sr = std::sqrt(e.r);
  const gauss::Rule1D& rule = quad.rule(sr);
  // a± = κt(±ω + σε±) + b  (brief §2.2, Step 1)
  e.plus = tanh_moments(sr, kt * (s.omega + sg * s.eps_plus) + s.b, rule);
  e.minus = tanh_moments(sr, kt * (-s.omega + sg * s.eps_minus) + s.b, rule);
  const TanhMoments &mp = e.plus, &mm = e.minus;
  // Outputs of Step 3: S, V, D, N.
  e.S = np * mp.g - nm * mm.g;
  e.V = np * mp.g * mp.g + nm * mm.g * mm.g;
  e.D = P.lambda + np * mp.A + nm * mm.A;
  e.N = e.S * e.S + s2 * e.V;
  // Step 4: F = −N/(2D) + ℓr/2.
  e.F = -0.5 * e.N / e.D + 0.5 * P.ell * e.r;
  const double D2 = e.D * e.D;
  // Γ± = [D(±S + σ²g±)⟨φ'⟩± − N⟨φφ'⟩±] / D²   (brief §2.2, stationarity)
  e.Gamma_plus = (e.D * (e.S + s2 * mp.g) * mp.d1 - e.N * mp.pd1) / D2;
  e.Gamma_minus = (e.D * (-e.S + s2 * mm.g) * mm.d1 - e.N * mm.pd1) / D2;
  // r̂ = −Σ± n± [D(±S + σ²g±)⟨φ''⟩± − N⟨φ'² + φφ''⟩±] / D²
  e.r_hat = -(np * (e.D * (e.S + s2 * mp.g) * mp.d2 - e.N * mp.r2) +
              nm * (e.D * (-e.S + s2 * mm.g) * mm.d2 - e.N * mm.r2)) / D2;
  // ∇F (brief §7, route 1): ∂ω, ∂b, ∂ε₊, ∂ε₋
  const double lr = P.ell + e.r_hat;
  e.grad[0] = s.omega * lr - kt * (np * e.Gamma_plus - nm * e.Gamma_minus);
  e.grad[1] = -(np * e.Gamma_plus + nm * e.Gamma_minus);
  e.grad[2] = np * (s.eps_plus * lr - kt * sg * e.Gamma_plus);
  e.grad[3] = nm * (s.eps_minus * lr - kt * sg * e.Gamma_minus);
  return e;
}

Phase1Overlaps overlaps_phase1(const Phase1Params& P, const Phase1State& s, gauss::LineQuadrature& quad) {
  const Phase1Eval e = evaluate_phase1(P, s, quad);
  const double np = P.n_plus_resolved(), nm = P.n_minus_resolved(), n = np + nm;
  const double s2 = P.sigma * P.sigma, kt = P.kappa_t();
  Phase1Overlaps o;
  o.omega = s.omega;
  o.b = s.b;
  o.eps_plus = s.eps_plus;
  o.eps_minus = s.eps_minus;
  o.r = e.r;
  // Outputs (brief §2.2): m = S/D, q_η± = σg±/D, q = N/D², c = q_ξ = 0.
  o.m = e.S / e.D;
  o.q_eta_plus = P.sigma * e.plus.g / e.D;
  o.q_eta_minus = P.sigma * e.minus.g / e.D;
  o.q = e.N / (e.D * e.D);
  o.r_hat = e.r_hat;
  o.F = e.F;
  // Corollary 2 corrected (brief §2.6): mse_train = 1 + σ² − N(D + λ)/(nD²).
  o.mse_train = 1.0 + s2 - e.N * (e.D + P.lambda) / (n * e.D * e.D);
  // Test error: fresh label with the population p, pre-activation √r ζ ± κtω + b (no ε).
  const double sr = std::sqrt(e.r);
  const gauss::Rule1D& rule = quad.rule(sr);
  const TanhMoments tp = tanh_moments(sr, kt * s.omega + s.b, rule);
  const TanhMoments tm = tanh_moments(sr, -kt * s.omega + s.b, rule);
  o.mse_test = 1.0 + s2 + o.q * (P.p * tp.A + (1 - P.p) * tm.A) - 2.0 * o.m * (P.p * tp.g - (1 - P.p) * tm.g);
  // Leading finite-d skip coefficient (brief §2.2, Step 2):
  // c√d → κt(1 + σ² − N/(nD)) − (u·w/d) ⟨φ'⟩‾,  u·w/d = ωm + n₊ε₊q_η⁺ + n₋ε₋q_η⁻.
  const double uw = s.omega * o.m + np * s.eps_plus * o.q_eta_plus + nm * s.eps_minus * o.q_eta_minus;
  const double d1bar = (np * e.plus.d1 + nm * e.minus.d1) / n;
  o.c_sqrt_d = kt * (1.0 + s2 - e.N / (n * e.D)) - uw * d1bar;
  o.F_triv = trivial_branch_phase1(P).F_triv;
  return o;
}

// Trivial branch ω = ε± = 0, φ ≡ s₀ = sign(n₊ − n₋) (brief §2.3, "Learning threshold").
Phase1Overlaps trivial_branch_phase1(const Phase1Params& P) {
  const double np = P.n_plus_resolved(), nm = P.n_minus_resolved(), n = np + nm;
  const double s2 = P.sigma * P.sigma, kt = P.kappa_t();
  const double s0 = np >= nm ? 1.0 : -1.0;
  Phase1Overlaps o;
  const double D = P.lambda + n;
  const double S = s0 * (np - nm);
  const double N = S * S + s2 * n;
  o.b = s0 * std::numeric_limits<double>::infinity();
  o.b_infinite = true;
  o.m = S / D;
  o.q_eta_plus = o.q_eta_minus = P.sigma * s0 / D;
  o.q = N / (D * D);
  o.F = o.F_triv = -0.5 * N / D;  // F_triv = −[(n₊ − n₋)² + σ²n] / (2(λ + n))
  o.mse_train = 1.0 + s2 - N * (D + P.lambda) / (n * D * D);
  o.mse_test = 1.0 + s2 + o.q - 2.0 * o.m * s0 * (2.0 * P.p - 1.0);
  o.c_sqrt_d = kt * (1.0 + s2 - N / (n * D));
  o.r_hat = 0.0;
  return o;
}

// ---------------------------------------------------------------- solver

namespace {

// b minimising F at fixed (ω, ε): the root of ∂_b F = −(n₊Γ₊ + n₋Γ₋) where it crosses from negative
// to positive, bracketed by expanding from b0. NaN if the minimum is at |b| = ∞ (trivial direction).
double solve_b(const Phase1Params& P, Phase1State s, double b0, gauss::LineQuadrature& quad) {
  auto dFdb = [&](double b) {
    s.b = b;
    return evaluate_phase1(P, s, quad).grad[1];
  };
  b0 = std::clamp(std::isfinite(b0) ? b0 : 0.0, -kBMax, kBMax);
  const double g0 = dFdb(b0);
  if (g0 == 0.0) return b0;
  const double dir = g0 < 0.0 ? 1.0 : -1.0;  // walk downhill
  double lo = b0, step = 0.25;
  double hi = b0, ghi = g0;
  for (;;) {
    hi = lo + dir * step;
    if (std::abs(hi) > kBMax) return kNaN;
    ghi = dFdb(hi);
    if (!std::isfinite(ghi)) return kNaN;
    if ((ghi > 0.0) == (dir > 0.0) || ghi == 0.0) break;
    lo = hi;
    step *= 2.0;
  }
  if (ghi == 0.0) return hi;
  double a = std::min(lo, hi), c = std::max(lo, hi);
  std::uintmax_t it = 200;
  try {
    const auto r = boost::math::tools::toms748_solve(dFdb, a, c, boost::math::tools::eps_tolerance<double>(53), it);
    return 0.5 * (r.first + r.second);
  } catch (const std::exception&) {
    return kNaN;  // e.g. a noisy integrand (Monte-Carlo benchmark) that loses the bracket: map is non-finite
  }
}

struct Candidate {
  Phase1State state;
  SolveReport report;
  double grad_norm = std::numeric_limits<double>::infinity();
  double F = std::numeric_limits<double>::infinity();
  bool usable = false;
};

// Brings a start into the basin of the minimum by BFGS on F (brief §7, route 1); far from the solution
// the objective is flat (κt ≳ 3) and the fixed-point map alone can run onto the trivial branch.
Phase1State pre_minimise(const Phase1Params& P, Phase1State s, gauss::LineQuadrature& quad) {
  const bool full = !P.paper_ansatz;
  Eigen::VectorXd y(full ? 4 : 2);
  y << s.omega, s.b;
  if (full) y.tail<2>() << s.eps_plus, s.eps_minus;
  const Objective f = [&](const Eigen::VectorXd& v, Eigen::VectorXd& g) {
    const Phase1State z{v[0], v[1], full ? v[2] : 0.0, full ? v[3] : 0.0};
    const Phase1Eval e = evaluate_phase1(P, z, quad);
    g.resize(v.size());
    g[0] = e.grad[0];
    g[1] = e.grad[1];
    if (full) g.tail<2>() = e.grad.tail<2>();
    return e.F;
  };
  const MinimiseReport r = minimise_bfgs(f, y, 1e-9, 300, 0.1);
  if (!r.finite || !y.allFinite() || std::abs(y[1]) > kBMax) return s;
  return {y[0], y[1], full ? y[2] : 0.0, full ? y[3] : 0.0};
}

Candidate solve_from(const Phase1Params& P, const Phase1Options& opt, Phase1State start, gauss::LineQuadrature& quad) {
  const double kt = P.kappa_t(), sg = P.sigma;
  const bool full = !P.paper_ansatz;
  double b_cur = start.b;
  auto unpack = [&](const Eigen::VectorXd& x) {
    Phase1State s;
    s.omega = x[0];
    if (full) {
      s.eps_plus = x[1];
      s.eps_minus = x[2];
    }
    return s;
  };
  // The fixed-point map of brief §7, route 2: b from ∂_bF = 0, then
  // ω ← κt(n₊Γ₊ − n₋Γ₋)/(ℓ + r̂), ε± ← κtσΓ±/(ℓ + r̂).
  const FixedPointMap map = [&](const Eigen::VectorXd& x) -> Eigen::VectorXd {
    Phase1State s = unpack(x);
    const double b = solve_b(P, s, b_cur, quad);
    Eigen::VectorXd out = Eigen::VectorXd::Constant(x.size(), kNaN);
    if (!std::isfinite(b)) return out;
    b_cur = b;
    s.b = b;
    const Phase1Eval e = evaluate_phase1(P, s, quad);
    const double lr = P.ell + e.r_hat;
    if (!(lr > 0.0)) return out;
    out[0] = kt * (P.n_plus_resolved() * e.Gamma_plus - P.n_minus_resolved() * e.Gamma_minus) / lr;
    if (full) {
      out[1] = kt * sg * e.Gamma_plus / lr;
      out[2] = kt * sg * e.Gamma_minus / lr;
    }
    return out;
  };
  Eigen::VectorXd x(full ? 3 : 1);
  x[0] = start.omega;
  if (full) {
    x[1] = start.eps_plus;
    x[2] = start.eps_minus;
  }
  Candidate c;
  c.report = solve_fixed_point(map, x, opt.fixed_point);
  Phase1State s = unpack(x);
  s.b = solve_b(P, s, b_cur, quad);
  if (!std::isfinite(s.b)) return c;

  if (opt.newton_polish) {
    // Newton on the gradient of the free variables (ω, b[, ε₊, ε₋]) to reach the equations' accuracy.
    Eigen::VectorXd y(full ? 4 : 2);
    y << s.omega, s.b;
    if (full) y.tail<2>() << s.eps_plus, s.eps_minus;
    const FixedPointMap grad = [&](const Eigen::VectorXd& v) -> Eigen::VectorXd {
      Phase1State z;
      z.omega = v[0];
      z.b = v[1];
      if (full) {
        z.eps_plus = v[2];
        z.eps_minus = v[3];
      }
      const Eigen::Vector4d g = evaluate_phase1(P, z, quad).grad;
      Eigen::VectorXd out(v.size());
      out[0] = g[0];
      out[1] = g[1];
      if (full) out.tail<2>() = g.tail<2>();
      return out;
    };
    const double before = grad(y).lpNorm<Eigen::Infinity>();
    const double after = newton_polish(grad, y, 3, 1e-5);
    if (after <= before && std::abs(y[1]) < kBMax) {
      s.omega = y[0];
      s.b = y[1];
      if (full) {
        s.eps_plus = y[2];
        s.eps_minus = y[3];
      }
    }
  }
  // Report the undamped residual at the returned point (after polishing).
  Eigen::VectorXd xf(full ? 3 : 1);
  xf[0] = s.omega;
  if (full) {
    xf[1] = s.eps_plus;
    xf[2] = s.eps_minus;
  }
  b_cur = s.b;
  const Eigen::VectorXd Fx = map(xf);
  if (Fx.allFinite()) {
    // The status is judged at the returned point: converged iff its undamped residual is within
    // tolerance (a polish can only help; a residual above tolerance is never called converged).
    const double res = (Fx - xf).lpNorm<Eigen::Infinity>();
    c.report.residual = res;
    if (res <= opt.fixed_point.tolerance) c.report.status = Status::converged;
    else if (c.report.status == Status::converged) c.report.status = Status::stalled;
  }
  // Sign convention ω ≥ 0: (ω, b, ε) → −(ω, b, ε) leaves F invariant (brief §1.4).
  if (s.omega < 0) {
    s.omega = -s.omega;
    s.b = -s.b;
    s.eps_plus = -s.eps_plus;
    s.eps_minus = -s.eps_minus;
  }
  const Phase1Eval e = evaluate_phase1(P, s, quad);
  Eigen::Vector4d g = e.grad;
  if (!full) g[2] = g[3] = 0.0;
  c.state = s;
  c.F = e.F;
  c.grad_norm = g.lpNorm<Eigen::Infinity>();
  c.usable = std::isfinite(c.F) && c.grad_norm < 1e-6 && std::abs(s.b) < 10.0;
  return c;
}

}  // namespace

Phase1Solution solve_phase1(const Phase1Params& P, const Phase1Options& opt, const Eigen::VectorXd* warm,
                            gauss::LineQuadrature* quad_in) {
  throw_if_invalid(P.validate());
  gauss::TanhLineQuadrature own({opt.quadrature_accuracy});
  gauss::LineQuadrature& quad = quad_in ? *quad_in : own;

  // Cold start: the n → ∞ solution (Corollary 1), ω₀ = max(κt, 0.3), b₀ = artanh(2p̄ − 1), ε = 0.
  const double pbar = P.n_plus_resolved() / static_cast<double>(P.n);
  Phase1State cold;
  cold.omega = std::max(P.kappa_t(), 0.3);
  cold.b = std::atanh(std::clamp(2.0 * pbar - 1.0, -0.999, 0.999));
  std::vector<std::pair<Candidate, std::string>> cands;
  cands.emplace_back(solve_from(P, opt, pre_minimise(P, cold, quad), quad), "cold");
  if (warm && warm->size() == 4 && warm->allFinite() && (*warm)[0] > 0) {
    Phase1State w{(*warm)[0], (*warm)[1], P.paper_ansatz ? 0.0 : (*warm)[2], P.paper_ansatz ? 0.0 : (*warm)[3]};
    cands.emplace_back(solve_from(P, opt, w, quad), "warm");
  }
  // Keep the converged candidate with the lowest F (then the lowest residual).
  const auto better = [](const std::pair<Candidate, std::string>& a, const std::pair<Candidate, std::string>& b) {
    const bool ca = a.first.report.status == Status::converged && a.first.usable;
    const bool cb = b.first.report.status == Status::converged && b.first.usable;
    if (ca != cb) return ca;
    if (a.first.usable != b.first.usable) return a.first.usable;
    if (ca) return a.first.F < b.first.F - 1e-13;
    return a.first.report.residual < b.first.report.residual;
  };
  std::size_t best = 0;
  for (std::size_t i = 1; i < cands.size(); ++i)
    if (better(cands[i], cands[best])) best = i;
  const Candidate& c = cands[best].first;

  Phase1Solution sol;
  sol.start = cands[best].second;
  sol.report = c.report;
  sol.learned_status = c.usable ? to_string(c.report.status) : "no_learned_branch";
  const Phase1Overlaps triv = trivial_branch_phase1(P);
  if (c.usable && c.F < triv.F_triv - opt.trivial_margin) {
    sol.state = c.state;
    sol.overlaps = overlaps_phase1(P, c.state, quad);
    sol.branch = "learned";
    sol.grad_norm = c.grad_norm;
  } else {
    // No stationary point with ω > 0 beats F_triv (or none was found: the iteration ran to |b| = ∞):
    // the trivial branch, exact in closed form, is the minimum reported. learned_status says why.
    sol.overlaps = triv;
    sol.state = {0.0, triv.b, 0.0, 0.0};
    sol.branch = "trivial";
    sol.report.status = Status::converged;
    sol.report.residual = 0.0;
    sol.grad_norm = 0.0;
  }
  return sol;
}

Json phase1_row(const Phase1Solution& s) {
  const Phase1Overlaps& o = s.overlaps;
  Json row;
  row["omega"] = o.omega;
  row["b"] = o.b_infinite ? Json(nullptr) : Json(o.b);
  row["b_sign"] = o.b > 0 ? 1 : (o.b < 0 ? -1 : 0);
  row["eps_plus"] = o.eps_plus;
  row["eps_minus"] = o.eps_minus;
  row["r"] = o.r;
  row["m"] = o.m;
  row["q"] = o.q;
  row["q_eta_plus"] = o.q_eta_plus;
  row["q_eta_minus"] = o.q_eta_minus;
  row["c"] = o.c;
  row["q_xi"] = o.q_xi;
  row["r_hat"] = o.r_hat;
  row["c_sqrt_d"] = o.c_sqrt_d;
  row["mse_train"] = o.mse_train;
  row["mse_test"] = o.mse_test;
  row["F"] = o.F;
  row["F_triv"] = o.F_triv;
  row["branch"] = s.branch;
  row["start"] = s.start;
  row["learned_status"] = s.learned_status;
  row["status"] = to_string(s.report.status);
  row["iterations"] = s.report.iterations;
  row["residual"] = s.report.residual;
  row["grad_norm"] = s.grad_norm;
  return row;
}

}  // namespace hdflow::twomode
