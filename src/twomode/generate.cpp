// Generation for the two-mode mixture: Proposition 1 (exact denoiser), Result 3 and Corollary 5
// (learned denoiser), corrected as in brief phase-aware-gmm.md §4; equations/twomode-generate.md.
#include "hdflow/twomode/generate.hpp"

#include <cmath>
#include <numbers>

#include "hdflow/core/gauss.hpp"
#include "hdflow/core/ode.hpp"
#include "hdflow/core/status.hpp"
#include "hdflow/twomode/phase1.hpp"
#include "hdflow/twomode/phase2.hpp"
#include "hdflow/twomode/schedule.hpp"

namespace hdflow::twomode {

namespace {
double Phi(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }
}  // namespace

const std::vector<ParamSpec>& GenerateParams::specs() {
  using K = ParamSpec::Kind;
  static const std::vector<ParamSpec> specs = [] {
    std::vector<ParamSpec> s;
    for (const auto& x : Phase1Params::specs())
      if (x.name != "t") s.push_back(x);
    s.push_back({"k", K::integer, 0, 0, 1e9, false, false, "noise samples per datum in phase 2; 0 means k = inf", {}, ""});
    s.push_back({"denoiser", K::string, "learned", 0, 0, false, false,
                 "learned (Results 1-3, finite n) or exact (Proposition 1)", {"learned", "exact"}, ""});
    s.push_back({"schedule", K::string, "dilated", 0, 0, false, false,
                 "dilated: eq. (11) on [0,2]; undilated: tau = t on [0,1] (exact denoiser, finite d)", {"dilated", "undilated"}, ""});
    s.push_back({"d", K::real, 0, 0, 1e12, false, false, "dimension of the exact M-dynamics; 0 means d = inf", {}, ""});
    s.push_back({"euler_steps", K::integer, 0, 0, 1e8, false, false,
                 "explicit Euler steps over the whole schedule (exact denoiser, finite d); 0: continuous time", {}, ""});
    s.push_back({"steps", K::integer, 200, 10, 1e6, false, false, "RK4 steps on [0,1] of the learned phase-1 flow", {}, ""});
    s.push_back({"nodes", K::integer, 12, 1, 60, false, false, "Gauss-Hermite nodes per axis over (Y+, Y-)(0)", {}, ""});
    return s;
  }();
  return specs;
}

GenerateParams GenerateParams::from_json(const Json& given) {
  const Json j = resolve_params(specs(), given);
  GenerateParams P;
  P.p = j["p"].get<double>();
  P.sigma = j["sigma"].get<double>();
  P.kappa = j["kappa"].get<double>();
  P.lambda = j["lambda"].get<double>();
  P.ell = j["ell"].get<double>();
  P.n = j["n"].get<int>();
  P.n_plus = j["n_plus"].is_null() ? -1.0 : j["n_plus"].get<double>();
  P.paper_ansatz = j["ansatz"] == "paper";
  P.k = j["k"].get<int>();
  P.exact = j["denoiser"] == "exact";
  P.dilated = j["schedule"] == "dilated";
  P.d = j["d"].get<double>();
  P.euler_steps = j["euler_steps"].get<int>();
  P.steps = j["steps"].get<int>();
  P.nodes = j["nodes"].get<int>();
  throw_if_invalid(P.validate());
  return P;
}

std::vector<std::string> GenerateParams::validate() const {
  std::vector<std::string> v;
  Phase1Params p1;
  p1.p = p; p1.sigma = sigma; p1.kappa = kappa; p1.lambda = lambda; p1.ell = ell; p1.n = n; p1.n_plus = n_plus;
  v = p1.validate();
  const std::string den = exact ? "exact" : "learned";
  if (!exact && d > 0)
    v.push_back("d: " + format_number(d) + ": allowed 0 (d = inf) with denoiser = learned (finite-d learned generation is simulated)");
  if (!exact && !dilated) v.push_back("schedule: undilated: allowed dilated with denoiser = learned");
  if (!dilated && d <= 0) v.push_back("d: 0: allowed d > 0 with schedule = undilated (the undilated d -> inf limit is degenerate)");
  if (dilated && d > 0 && !(kappa < std::sqrt(d)))
    v.push_back("d: " + format_number(d) + ": allowed d > kappa^2 = " + format_number(kappa * kappa) + " or 0");
  if (euler_steps > 0 && dilated && euler_steps % 2 == 1)
    v.push_back("euler_steps: " + std::to_string(euler_steps) + ": allowed even numbers with schedule = dilated (t = 1 is a grid node)");
  if (euler_steps > 0 && d <= 0)
    v.push_back("euler_steps: " + std::to_string(euler_steps) + ": allowed 0 when d = inf (Euler grids need a finite d)");
  return v;
}

double p_kappa_frozen(double p, double kappa) { return p * Phi(kappa) + (1 - p) * Phi(-kappa); }

double p_kappa_euler(double p, double kappa) {
  const double h = std::atanh(2 * p - 1);
  return p * Phi(kappa + h / kappa) + (1 - p) * Phi(h / kappa - kappa);
}

namespace {

// ---- exact denoiser at finite d: the 1-D M-dynamics of Proposition 1 (brief §4.2) ----

struct Schedule {
  bool dilated;
  double kappa, d;
  double T() const { return dilated ? 2.0 : 1.0; }
  // At an Euler node t = 1 the step uses τ'(1⁻), the convention of the published protocol, which
  // reproduces the brief's §4.2 table; RK4/adaptive stages of the phase-2 interval ask for τ'(1⁺).
  std::pair<double, double> tau(double t, bool phase2 = false) const { return schedule_tau(t, kappa, d, dilated, phase2); }
};

// (c* − 1)/(1 − τ) = (σ²τ − (1 − τ)) / ((1 − τ)² + σ²τ²), finite at τ = 1.
double g_exact(double tau, double s2) { return (s2 * tau - (1 - tau)) / ((1 - tau) * (1 - tau) + s2 * tau * tau); }

// dM/dt = τ'[(c* − 1)/(1 − τ) M + m*/(1 − τ) tanh(β d M/(α² + σ²β²) + h)], m*/(1 − τ) = (1 − τ)/(α² + σ²β²).
double vM(const Schedule& S, double s2, double h, double t, double M, bool phase2 = false) {
  const auto [tau, dtau] = S.tau(t, phase2);
  const double a = 1 - tau, v = a * a + s2 * tau * tau;
  return dtau * (g_exact(tau, s2) * M + (a / v) * std::tanh(tau * S.d * M / v + h));
}

struct ExactEnd {
  double M_t1, M_end, P_end;
};

ExactEnd exact_flow(const Schedule& S, double s2, double h, double M0, int euler_steps) {
  const double T = S.T();
  ExactEnd e{0, 0, 1.0};
  if (euler_steps > 0) {
    const double dt = T / euler_steps;
    const int half = S.dilated ? euler_steps / 2 : euler_steps;  // grid index of t = 1
    double M = M0, P = 1.0;
    for (int j = 0; j < euler_steps; ++j) {
      if (j == half) e.M_t1 = M;
      const double t = j * dt;
      const auto [tau, dtau] = S.tau(t);
      const double fac = 1 + dt * dtau * g_exact(tau, s2);
      P *= fac * fac;
      M += dt * vM(S, s2, h, t, M);
    }
    if (half == euler_steps) e.M_t1 = M;
    e.M_end = M;
    e.P_end = P;
    return e;
  }
  // Continuous time: adaptive rk8pd (the tanh front has width O(1/√d) in M, so fixed steps would need
  // h√d ≪ 1), phase by phase so that τ' is smooth on each interval.
  bool phase2 = false;
  const OdeRhs f = [&](double t, const Eigen::VectorXd& y, Eigen::VectorXd& dy) {
    const auto [tau, dtau] = S.tau(t, phase2);
    dy.resize(2);
    dy[0] = vM(S, s2, h, t, y[0], phase2);
    dy[1] = 2 * dtau * g_exact(tau, s2) * y[1];
  };
  Eigen::VectorXd y(2);
  y << M0, 1.0;
  const OdeOptions tight{1e-11, 1e-13 / std::sqrt(S.d), 1e-6};
  auto run = [&](double a, double b) {
    const OdeResult r = integrate_adaptive(f, a, y, {b}, tight);
    y = r.states.empty() ? Eigen::VectorXd::Constant(2, std::nan("")) : r.states.back();
  };
  run(0, 1);
  e.M_t1 = y[0];
  if (S.dilated) {
    phase2 = true;
    run(1, 2);
  }
  e.M_end = y[0];
  e.P_end = y[1];
  return e;
}

// P(flow(M₀) > 0) for M₀ ~ N(0, s0²) with a monotone increasing flow map: bisection on the threshold.
template <class Flow>
double prob_positive(const Flow& flow, double s0) {
  double lo = -12 * s0, hi = 12 * s0;
  if (flow(lo) > 0) return 1.0;
  if (flow(hi) < 0) return 0.0;
  for (int it = 0; it < 80; ++it) {
    const double mid = 0.5 * (lo + hi);
    (flow(mid) > 0 ? hi : lo) = mid;
  }
  return Phi(-0.5 * (lo + hi) / s0);
}

// ---- learned denoiser, phase 1 (brief §4.3) ----

struct FlowParams {
  double omega, b, ep, em, m, qp, qm;
};

FlowParams flow_params(const GenerateParams& G, double t, const Eigen::VectorXd*& warm, Eigen::VectorXd& warm_store,
                       GenerateResult& r) {
  Phase1Params P;
  P.p = G.p; P.sigma = G.sigma; P.kappa = G.kappa; P.lambda = G.lambda; P.ell = G.ell; P.n = G.n;
  P.n_plus = G.n_plus; P.paper_ansatz = G.paper_ansatz;
  if (t <= 0.0) {  // κt = 0: the trivial branch, φ ≡ s₀
    P.t = 1.0;     // (only the t-independent parts of the trivial branch are used)
    const Phase1Overlaps o = trivial_branch_phase1(P);
    return {0, o.b > 0 ? 50.0 : -50.0, 0, 0, o.m, o.q_eta_plus, o.q_eta_minus};
  }
  P.t = t;
  const Phase1Solution s = solve_phase1(P, Phase1Options{}, warm);
  ++r.phase1_solves;
  if (s.report.status != Status::converged) ++r.phase1_not_converged;
  const Phase1Overlaps& o = s.overlaps;
  if (s.branch == "learned") {
    warm_store.resize(4);
    warm_store << s.state.omega, s.state.b, s.state.eps_plus, s.state.eps_minus;
    warm = &warm_store;
    return {o.omega, o.b, o.eps_plus, o.eps_minus, o.m, o.q_eta_plus, o.q_eta_minus};
  }
  warm = nullptr;
  return {0, o.b > 0 ? 50.0 : -50.0, 0, 0, o.m, o.q_eta_plus, o.q_eta_minus};
}

double learned_p_hat(const GenerateParams& G, GenerateResult& r) {
  const int N = G.steps;
  const double h = 1.0 / N;
  const double np = G.n_plus >= 0 ? G.n_plus : std::round(G.p * G.n), nm = G.n - np;
  const double sp = std::sqrt(np), sm = std::sqrt(nm), kap = G.kappa;
  // Phase-1 solution at every RK4 stage time t = i h/2, i = 0..2N (no interpolation).
  std::vector<FlowParams> par(static_cast<std::size_t>(2 * N + 1));
  const Eigen::VectorXd* warm = nullptr;
  Eigen::VectorXd store;
  for (int i = 2 * N; i >= 0; --i)  // from t = 1 downwards: warm starts on the learned branch (brief §7)
    par[static_cast<std::size_t>(i)] = flow_params(G, 0.5 * h * i, warm, store, r);
  // dν/dt = κ m φ,  dY±/dt = κ√n± q_η± φ,  φ = tanh(ων + √n₊ε₊Y₊ + √n₋ε₋Y₋ + b)
  auto rhs = [&](const FlowParams& q, const double y[3], double dy[3]) {
    const double phi = std::tanh(q.omega * y[0] + sp * q.ep * y[1] + sm * q.em * y[2] + q.b);
    dy[0] = kap * q.m * phi;
    dy[1] = kap * sp * q.qp * phi;
    dy[2] = kap * sm * q.qm * phi;
  };
  auto nu1 = [&](double nu0, double yp, double ym) {
    double y[3] = {nu0, yp, ym}, k1[3], k2[3], k3[3], k4[3], tmp[3];
    for (int j = 0; j < N; ++j) {
      const auto& a = par[static_cast<std::size_t>(2 * j)];
      const auto& mid = par[static_cast<std::size_t>(2 * j + 1)];
      const auto& e = par[static_cast<std::size_t>(2 * j + 2)];
      rhs(a, y, k1);
      for (int c = 0; c < 3; ++c) tmp[c] = y[c] + 0.5 * h * k1[c];
      rhs(mid, tmp, k2);
      for (int c = 0; c < 3; ++c) tmp[c] = y[c] + 0.5 * h * k2[c];
      rhs(mid, tmp, k3);
      for (int c = 0; c < 3; ++c) tmp[c] = y[c] + h * k3[c];
      rhs(e, tmp, k4);
      for (int c = 0; c < 3; ++c) y[c] += h / 6.0 * (k1[c] + 2 * k2[c] + 2 * k3[c] + k4[c]);
    }
    return y[0];
  };
  // p̂ = Σ_jk w_j w_k P(ν₁ > 0 | Y₊ = y_j, Y₋ = y_k), ν₀ ~ N(0, 1).
  const gauss::Rule1D& gh = gauss::hermite(G.nodes);
  double p = 0;
  for (std::size_t a = 0; a < gh.size(); ++a)
    for (std::size_t b = 0; b < gh.size(); ++b)
      p += gh.weights[a] * gh.weights[b] *
           prob_positive([&](double nu0) { return nu1(nu0, gh.nodes[a], gh.nodes[b]); }, 1.0);
  return p;
}

}  // namespace

GenerateResult generate(const GenerateParams& G) {
  throw_if_invalid(G.validate());
  GenerateResult r;
  const double s2 = G.sigma * G.sigma;
  r.p_kappa_frozen = p_kappa_frozen(G.p, G.kappa);
  r.p_kappa_euler = p_kappa_euler(G.p, G.kappa);
  if (G.exact) {
    r.R1 = 1.0;  // exact phase-2 flow: R = τ → 1, A = 0 (brief §4.4)
    if (G.d <= 0) {
      // d = ∞ (Proposition 1): ν₁ ~ pN(κ, 1) + (1 − p)N(−κ, 1), sign frozen in phase 2, P₂ = σ².
      r.p_hat = r.p_hat_t1 = r.p_kappa_frozen;
      r.sigma2_hat = s2;
      return r;
    }
    const Schedule S{G.dilated, G.kappa, G.d};
    const double h = std::atanh(2 * G.p - 1), s0 = 1 / std::sqrt(G.d);
    r.p_hat = prob_positive([&](double M0) { return exact_flow(S, s2, h, M0, G.euler_steps).M_end; }, s0);
    r.p_hat_t1 = prob_positive([&](double M0) { return exact_flow(S, s2, h, M0, G.euler_steps).M_t1; }, s0);
    r.sigma2_hat = exact_flow(S, s2, h, 0.0, G.euler_steps).P_end;
    return r;
  }
  // Learned: phase 1 gives the mode weight, phase 2 the mode's law (closed form, brief §4.4).
  r.p_hat = r.p_hat_t1 = learned_p_hat(G, r);
  const double n = G.n;
  const Phase2Solution end = solve_phase2_tau(1.0, G.sigma, G.lambda, n, G.k);
  const double P1 = end.K / end.rho_k;
  r.R1 = n / (n + G.lambda);
  r.A_eta = G.sigma * std::sqrt(n) / (n + G.lambda);
  r.A_xi = G.k > 0 ? -std::sqrt(P1) * std::sqrt(n / G.k) / (n + G.lambda) : 0.0;
  r.sigma2_hat = P1;
  r.mean_dist2 = (1 - r.R1) * (1 - r.R1) + r.A_eta * r.A_eta + r.A_xi * r.A_xi;
  return r;
}

Eigen::Vector4d phase2_flow_numeric(double sigma, double lambda, double n, int k) {
  // R' = ((c − 1)R + m)/(1 − τ), A_η' = ((c − 1)A_η + √n q̃_η)/(1 − τ), A_ξ' = ((c − 1)A_ξ + √(nk) q̃_ξ)/(1 − τ),
  // P' = 2(c − 1)P/(1 − τ), from τ = 0 (R = A = 0, P = 1) to τ = 1 − 1e−9 (brief §4.4).
  const OdeRhs f = [&](double tau, const Eigen::VectorXd& y, Eigen::VectorXd& dy) {
    const Phase2Solution s = solve_phase2_tau(tau, sigma, lambda, n, k);
    const double inv = 1.0 / (1.0 - tau);
    dy.resize(4);
    dy[0] = ((s.c - 1) * y[0] + s.m) * inv;
    dy[1] = ((s.c - 1) * y[1] + std::sqrt(n) * s.q_eta) * inv;
    dy[2] = ((s.c - 1) * y[2] + (k > 0 ? std::sqrt(n * k) * s.q_xi : 0.0)) * inv;
    dy[3] = 2 * (s.c - 1) * y[3] * inv;
  };
  Eigen::VectorXd y0(4);
  y0 << 0, 0, 0, 1;
  const OdeResult r = integrate_adaptive(f, 0.0, y0, {1.0 - 1e-9}, {1e-12, 1e-14, 1e-6});
  return r.states.empty() ? Eigen::Vector4d::Constant(std::nan("")) : Eigen::Vector4d(r.states.back());
}

std::vector<double> exact_euler_trajectory(double p, double sigma, double kappa, double d, int steps, bool dilated) {
  const Schedule S{dilated, kappa, d};
  const double s2 = sigma * sigma, h = std::atanh(2 * p - 1), dt = S.T() / steps;
  std::vector<double> out(static_cast<std::size_t>(steps));
  for (int J = 1; J <= steps; ++J) {
    out[static_cast<std::size_t>(J - 1)] = prob_positive(
        [&](double M0) {
          double M = M0;
          for (int j = 0; j < J; ++j) M += dt * vM(S, s2, h, j * dt, M);
          return M;
        },
        1 / std::sqrt(d));
  }
  return out;
}

Json generate_row(const GenerateResult& r) {
  return Json{{"p_hat", r.p_hat},
              {"p_hat_t1", r.p_hat_t1},
              {"sigma2_hat", r.sigma2_hat},
              {"R1", r.R1},
              {"A_eta", r.A_eta},
              {"A_xi", r.A_xi},
              {"mean_dist2", r.mean_dist2},
              {"p_kappa_frozen", r.p_kappa_frozen},
              {"p_kappa_euler", r.p_kappa_euler},
              {"phase1_solves", r.phase1_solves},
              {"phase1_not_converged", r.phase1_not_converged},
              {"status", r.phase1_not_converged ? "max_iterations" : "converged"},
              {"iterations", r.phase1_solves},
              {"residual", 0.0}};
}

}  // namespace hdflow::twomode
