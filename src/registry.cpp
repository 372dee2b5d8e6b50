#include "hdflow/registry.hpp"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <thread>

#include "hdflow/clusters/generate.hpp"
#include "hdflow/clusters/params.hpp"
#include "hdflow/clusters/sim.hpp"
#include "hdflow/core/gsl_errors.hpp"
#include "hdflow/core/status.hpp"
#include "hdflow/version.hpp"
#include "hdflow/twomode/phase1.hpp"
#include "hdflow/twomode/curve.hpp"
#include "hdflow/twomode/generate.hpp"
#include "hdflow/twomode/phase1_limit.hpp"
#include "hdflow/twomode/phase2.hpp"
#include "hdflow/twomode/sim.hpp"

namespace hdflow {

namespace {

using K = ParamSpec::Kind;

Json twomode_units() {
  return {{"t", "dilated time; phase 1 is t in (0, 1], tau = kappa t / sqrt(d)"},
          {"omega", "mu.w/d"},
          {"r", "|w|^2/d"},
          {"eps_plus", "z_i.w/d for class +1 (p_eta of eq. (12))"},
          {"eps_minus", "z_i.w/d for class -1"},
          {"m", "mu.u/d"},
          {"q", "|u|^2/d"},
          {"q_eta_plus", "z_i.u/d for class +1"},
          {"q_eta_minus", "z_i.u/d for class -1"},
          {"q_xi", "x0.u/d: 0 in phase 1 (fresh noise); signed s_i x0.u/d in phase 2"},
          {"q_eta", "signed s_i z_i.u/d (phase 2)"},
          {"c", "skip-connection weight (0 as d -> inf in phase 1)"},
          {"c_sqrt_d", "lim c sqrt(d), the leading finite-d skip coefficient"},
          {"r_hat", "conjugate of r: twice dF/dr"},
          {"mse_train", "training error per dimension (Corollary 2 in phase 1, k = inf; Corollary 4 in phase 2)"},
          {"mse_test", "test error per dimension on fresh data (Corollary 2 / 4)"},
          {"F", "reduced objective per dimension (brief section 2.2)"},
          {"F_triv", "objective of the trivial branch omega = 0, |b| = inf"},
          {"b", "bias; null when |b| = inf (trivial branch), sign in b_sign"}};
}

std::vector<ParamSpec> phase1_solver_specs() {
  auto s = fixed_point_specs();
  const twomode::Phase1Options d;
  s.push_back({"quadrature_accuracy", K::real, d.quadrature_accuracy, 1e-16, 1e-3, false, false,
               "target accuracy of the Gaussian averages (trapezoid rule, core/gauss.hpp)", {}, ""});
  s.push_back({"newton_polish", K::boolean, d.newton_polish, 0, 0, false, false,
               "Newton steps on the gradient after the fixed point", {}, ""});
  return s;
}

twomode::Phase1Options phase1_options(const Json& solver) {
  twomode::Phase1Options o;
  o.fixed_point = fixed_point_from_json(solver);
  o.quadrature_accuracy = solver.value("quadrature_accuracy", o.quadrature_accuracy);
  o.newton_polish = solver.value("newton_polish", o.newton_polish);
  return o;
}

// Cross-field validation of a model's parameter struct, as "field: value: allowed range" messages.
template <class Params>
std::function<std::vector<std::string>(const Json&)> errors_of() {
  return [](const Json& p) {
    try {
      (void)Params::from_json(p);
      return std::vector<std::string>{};
    } catch (const InputError& e) {
      return e.violations;
    }
  };
}

// Simulation of the two-mode models: map a model's parameters onto the simulated setting.
twomode::SimPointParams sim_params(const Json& p) {
  twomode::SimPointParams P;
  P.p = p.value("p", 0.8);
  P.sigma = p.value("sigma", 1.0);
  P.kappa = p.value("kappa", 4.0);
  P.lambda = p.value("lambda", 0.1);
  P.ell = p.value("ell", 0.1);
  P.t = p.value("t", 0.5);
  P.n = p.value("n", 128);
  P.n_plus = p.contains("n_plus") && !p["n_plus"].is_null() ? p["n_plus"].get<double>() : -1.0;
  P.k = p.value("k", 0);
  P.dilated = p.value("schedule", std::string("dilated")) == "dilated";
  return P;
}

std::vector<std::string> validate_twomode_sim(const Json& p, const Json& simulation) {
  std::vector<std::string> v;
  const twomode::SimOptions o = twomode::SimOptions::from_json(simulation);
  const twomode::SimPointParams P = sim_params(p);
  if (P.dilated && !(P.kappa < std::sqrt(static_cast<double>(o.d))))
    v.push_back("simulation.d: " + std::to_string(o.d) + ": allowed d > kappa^2 = " + format_number(P.kappa * P.kappa) +
                " (tau(1) = kappa/sqrt(d) < 1)");
  if (P.n_plus >= 0 && P.n_plus != std::floor(P.n_plus))
    v.push_back("n_plus: " + format_number(P.n_plus) + ": allowed integers for a simulation (a dataset has whole classes)");
  // Memory: per replica in flight the data X₁ and the noise vectors Z (2 n d doubles) and, for k ≥ 1, the k
  // noise samples held twice (the loss and its copy in the trainer); plus particles (and the Euler update's
  // temporary) for Fig. 1.
  const double particles = p.value("particles", 0);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = std::max(1, std::min(o.seeds, o.threads > 0 ? o.threads : cores));
  const double bytes = 8.0 * o.d * (P.n * (2.0 + 2.0 * P.k + (o.fresh_noise ? 2.0 : 0.0)) * threads + 2.0 * particles);
  const double limit = 8.0 * 1024 * 1024 * 1024;
  if (bytes > limit)
    v.push_back("n: " + std::to_string(P.n) + ": allowed n d (2 + 2k) threads + 2 particles d doubles <= 8 GiB (here " +
                format_number(bytes / (1024.0 * 1024 * 1024)) + " GiB at d = " + std::to_string(o.d) + ")");
  return v;
}

std::vector<Json> simulate_twomode(const Json& p, const Json& simulation) {
  return {twomode::simulate_point(sim_params(p), twomode::SimOptions::from_json(simulation))};
}

// The finite-d side shared by the two-mode theory models (phase 1, phase 2, the curve).
void attach_twomode_simulation(ModelInfo& m) {
  m.simulation = twomode::SimOptions::specs();
  m.validate_simulation = validate_twomode_sim;
  m.simulate_point = simulate_twomode;
}

// clusters: the trained statistics at the requested τ, continued from the previous point of a τ sweep (the
// state vector holds a fingerprint of every other parameter, τ, b, m⁽ˢ⁾, q⁽ˢ⁾), integrated with the solver's
// scheme and step.
clusters::SgdState sgd_state_at(const clusters::SgdProblem& pr, const Json& params, const Json& solver,
                                const Eigen::VectorXd* warm, Eigen::VectorXd& state, double& tau0) {
  Json other = params;
  for (const char* k : {"tau", "T", "sampler", "project_on", "grid", "half_width", "points", "sde_eps", "sde_power", "sde_particles",
                        "sde_seed"})
    other.erase(k);
  const double fp = static_cast<double>(static_cast<std::uint32_t>(std::hash<std::string>{}(other.dump() + solver.dump())));
  clusters::SgdState s = pr.start;
  tau0 = 0;
  const auto nm = static_cast<Eigen::Index>(pr.P.K() * pr.P.r), nq = static_cast<Eigen::Index>(pr.P.r * pr.P.r);
  const Eigen::Index size = 3 + pr.P.N() * (nm + nq);
  if (warm && warm->size() == size && (*warm)[0] == fp && (*warm)[1] <= pr.tau) {
    tau0 = (*warm)[1];
    s.b = (*warm)[2];
    for (int b = 0; b < pr.P.N(); ++b) {
      const Eigen::Index off = 3 + b * (nm + nq);
      s.m[static_cast<std::size_t>(b)] = Eigen::Map<const Eigen::MatrixXd>(warm->data() + off, pr.P.K(), pr.P.r);
      s.q[static_cast<std::size_t>(b)] = Eigen::Map<const Eigen::MatrixXd>(warm->data() + off + nm, pr.P.r, pr.P.r);
    }
  }
  const std::string sc = solver.value("scheme", std::string("rk8pd"));
  const auto scheme = sc == "euler" ? clusters::Scheme::euler : sc == "rk4" ? clusters::Scheme::rk4 : clusters::Scheme::rk8pd;
  s = clusters::integrate_sgd(pr.P, s, tau0, pr.tau, solver.value("dt", 0.01), scheme, solver.value("rtol", 1e-10));
  state.resize(size);
  state[0] = fp;
  state[1] = pr.tau;
  state[2] = s.b;
  for (int b = 0; b < pr.P.N(); ++b) {
    const Eigen::Index off = 3 + b * (nm + nq);
    Eigen::Map<Eigen::MatrixXd>(state.data() + off, pr.P.K(), pr.P.r) = s.m[static_cast<std::size_t>(b)];
    Eigen::Map<Eigen::MatrixXd>(state.data() + off + nm, pr.P.r, pr.P.r) = s.q[static_cast<std::size_t>(b)];
  }
  return s;
}

std::vector<ParamSpec> sgd_solver_specs() {
  return {{"quadrature", K::string, "auto", 0, 0, false, false,
           "auto: exact one-dimensional rules when Omega is diagonal (symmetric settings), the tensor rule otherwise; "
           "tensor: always the r-dimensional rule", {"auto", "tensor"}, ""},
          {"nodes", K::integer, 100, 2, 400, false, false, "Gauss-Hermite nodes per dimension of the tensor rule", {}, ""},
          {"scheme", K::string, "rk8pd", 0, 0, false, false,
           "rk8pd (adaptive, rtol), rk4 (fixed dt), or euler to reproduce the notebooks' discretisation", {"rk8pd", "rk4", "euler"}, ""},
          {"rtol", K::real, 1e-10, 1e-14, 1e-2, false, false, "relative (and absolute) tolerance of rk8pd", {}, ""},
          {"dt", K::real, 0.01, 0, 1, true, false, "step in tau of rk4 / euler (RK4 0.01 matches 0.005 to 1e-8)", {}, ""}};
}

std::vector<ParamSpec> generate_specs(bool density) {
  std::vector<ParamSpec> s = clusters::sgd_specs();
  s.push_back({"T", K::integer, 100, 2, 1e7, false, false, "sampler cutoff: generation stops at t = 1 - 1/T", {}, ""});
  s.push_back({"sampler", K::string, "euler", 0, 0, false, false,
               "euler: the notebooks' 99-step grid t_k = k/T; exact: the continuous flow to 1 - 1/T", {"euler", "exact"}, ""});
  s.push_back({"project_on", K::array, Json::array({1, 2}), 0, 0, false, false,
               "clusters k (1-based) whose normalised means are the projection directions", {}, ""});
  s.push_back({"grid", K::integer, 80000, 100, 1e8, false, false, "trapezoid points of the whitened latent start (diagonal case)", {}, ""});
  s.push_back({"sde_eps", K::real, 0.0, 0, 1e3, false, false,
               "stochastic sampler (brief 5.7): eps_t = sde_eps (1 - t)^sde_power; 0 is the probability flow", {}, ""});
  s.push_back({"sde_power", K::real, 2.0, 0, 4, false, false, "exponent of (1 - t) in eps_t (2 keeps the score term bounded)", {}, ""});
  s.push_back({"sde_particles", K::integer, 40000, 100, 1e7, false, false, "latent particles of the stochastic sampler", {}, ""});
  s.push_back({"sde_seed", K::integer, 1, 0, 9.007e15, false, false, "seed of the stochastic sampler's latent particles", {}, ""});
  if (density) {
    s.push_back({"half_width", K::real, 8.0, 0, 1e6, true, false, "the density grid covers [-w, w]^2", {}, ""});
    s.push_back({"points", K::integer, 81, 3, 2001, false, false, "grid points per axis of the density", {}, ""});
  }
  return s;
}

clusters::GenerateOptions generate_options(const Json& p, int clusters_count) {
  clusters::GenerateOptions o;
  o.T = p.value("T", 100);
  o.exact_flow = p.value("sampler", std::string("euler")) == "exact";
  o.project_on.clear();
  for (const auto& k : p.value("project_on", Json::array({1, 2}))) {
    const double x = k.get<double>();
    if (x != std::floor(x) || x < 1 || x > clusters_count)
      throw InputError({"project_on: " + k.dump() + ": allowed cluster indices in [1, " + std::to_string(clusters_count) + "]"});
    o.project_on.push_back(static_cast<int>(x));
  }
  o.grid = p.value("grid", 80000);
  o.sde.eps = p.value("sde_eps", 0.0);
  o.sde.power = p.value("sde_power", 2.0);
  o.sde.particles = p.value("sde_particles", 40000);
  o.sde.seed = p.value("sde_seed", std::uint64_t{1});
  return o;
}

std::vector<std::string> validate_generate_point(const Json& p) {
  auto v = clusters::validate_sgd_point(p);
  if (v.empty()) {
    try {
      (void)generate_options(p, static_cast<int>(p["pi"].size()));
    } catch (const InputError& e) {
      v = e.violations;
    }
  }
  return v;
}

std::vector<ModelInfo> make_models() {
  std::vector<ModelInfo> v;
  {
    ModelInfo m;
    m.name = "twomode.phase1";
    m.summary = "Two-mode mixture, phase-aware schedule, phase 1 (t in (0,1]): overlaps of the learned denoiser, "
                "train/test MSE (Result 1 corrected, Corollary 2)";
    m.reference = "seed 003 Result 1, Cor. 2; brief phase-aware-gmm.md §2; equations/twomode-phase1.md";
    m.params = twomode::Phase1Params::specs();
    m.solver = phase1_solver_specs();
    m.units = twomode_units();
    m.validate_point = errors_of<twomode::Phase1Params>();
    attach_twomode_simulation(m);
    m.solve_point = [](const Json& params, const Json& solver, const Eigen::VectorXd* warm) {
      const auto P = twomode::Phase1Params::from_json(params);
      const auto sol = twomode::solve_phase1(P, phase1_options(solver), warm);
      Json row = {{"kappa_t", P.kappa_t()}, {"n_plus", P.n_plus_resolved()}, {"n_minus", P.n_minus_resolved()}};
      row.update(twomode::phase1_row(sol));
      Eigen::VectorXd state(4);
      state << sol.state.omega, sol.state.b, sol.state.eps_plus, sol.state.eps_minus;
      if (sol.branch != "learned") state.resize(0);
      return PointResult{row, state, {}};
    };
    v.push_back(std::move(m));
  }
  {
    ModelInfo m;
    m.name = "twomode.phase1_limit";
    m.summary = "Two-mode mixture, phase 1, n -> inf closed form (Corollary 1 completed, Corollary 2 limit)";
    m.reference = "seed 003 Cor. 1, Cor. 2; brief phase-aware-gmm.md §2.5-2.6; equations/twomode-phase1.md";
    m.params = twomode::Phase1LimitParams::specs();
    m.solver = {{"quadrature_accuracy", K::real, 1e-14, 1e-16, 1e-3, false, false,
                 "target accuracy of the Gaussian average", {}, ""}};
    m.units = twomode_units();
    m.units["E_s_phi"] = "E[s tanh(kappa t (zeta + kappa t s) + h)]";
    m.units["E_phi2"] = "E[tanh^2(...)], equal to E_s_phi (posterior-mean identity)";
    m.validate_point = errors_of<twomode::Phase1LimitParams>();
    m.solve_point = [](const Json& params, const Json& solver, const Eigen::VectorXd*) {
      const auto P = twomode::Phase1LimitParams::from_json(params);
      const auto s = twomode::solve_phase1_limit(P, solver.value("quadrature_accuracy", 1e-14));
      Json row = {{"kappa_t", P.kappa * P.t}};
      row.update(twomode::phase1_limit_row(s));
      return PointResult{row, Eigen::VectorXd(), {}};
    };
    v.push_back(std::move(m));
  }
  {
    ModelInfo m;
    m.name = "twomode.phase2";
    m.summary = "Two-mode mixture, phase 2 (t in [1,2]): c, m, signed q_eta, q_xi, q, train/test MSE in closed form "
                "(Result 2 corrected, k noise samples per datum), with Corollary 3-4 (n -> inf) columns";
    m.reference = "seed 003 Result 2, Cor. 3-4; brief phase-aware-gmm.md §3; equations/twomode-phase2.md";
    m.params = twomode::Phase2Params::specs();
    m.units = twomode_units();
    m.units["tau"] = "interpolation weight: t - 1 (d = inf) or tau_d(t) (finite d)";
    m.units["q_eta"] = "s_i z_i.u/d (signed, phase 2)";
    m.units["q_xi"] = "s_i x0.u/d (signed, phase 2; 0 for k = inf)";
    m.units["K"] = "[lambda(1+sigma^2) + (n-1)sigma^2]/(n+lambda)";
    m.units["c_n_inf"] = "Corollary 3 corrected: c* of eq. (9)";
    m.validate_point = errors_of<twomode::Phase2Params>();
    attach_twomode_simulation(m);
    m.solve_point = [](const Json& params, const Json&, const Eigen::VectorXd*) {
      return PointResult{twomode::phase2_row(twomode::solve_phase2(twomode::Phase2Params::from_json(params))), {}, {}};
    };
    v.push_back(std::move(m));
  }
  {
    ModelInfo m;
    m.name = "twomode.curve";
    m.summary = "Two-mode mixture over the whole dilated time t in [0,2] (phase 1 then phase 2, column phase), "
                "or the undilated schedule tau = t at finite d for contrast";
    m.reference = "seed 003 Results 1-2; brief phase-aware-gmm.md §2-3, §4.5; equations/twomode-curve.md";
    m.params = twomode::CurveParams::specs();
    m.solver = phase1_solver_specs();
    m.units = twomode_units();
    m.units["phase"] = "1 (t <= 1, or t sqrt(d) <= kappa undilated) or 2";
    m.units["tau"] = "interpolation weight tau(t) (0 in phase 1 at d = inf)";
    m.validate_point = errors_of<twomode::CurveParams>();
    attach_twomode_simulation(m);
    m.solve_point = [](const Json& params, const Json& solver, const Eigen::VectorXd* warm) {
      Eigen::VectorXd state;
      Json row = twomode::curve_row(twomode::CurveParams::from_json(params), phase1_options(solver), warm, state);
      return PointResult{row, state, {}};
    };
    v.push_back(std::move(m));
  }
  {
    ModelInfo m;
    m.name = "twomode.generate";
    m.summary = "Two-mode mixture, law of generated samples: mode weight p_hat and variance sigma2_hat with the "
                "learned denoiser (Results 1-3, Cor. 5 corrected) or the exact one (Prop. 1, finite or infinite d)";
    m.reference = "seed 003 Prop. 1, Result 3, Cor. 5; brief phase-aware-gmm.md §4; equations/twomode-generate.md";
    m.params = twomode::GenerateParams::specs();
    m.units = {{"p_hat", "generated weight of the +mu mode, P(mu.X > 0) at the end of generation"},
               {"p_hat_t1", "P(mu.X > 0) at t = 1 (end of phase 1)"},
               {"sigma2_hat", "orthogonal variance |X_perp|^2/d of generated samples"},
               {"R1", "generated mode mean along mu: s mu.X/d at t = 2"},
               {"A_eta", "generated mode mean along e_eta = eta_s/|eta_s| (times sqrt(d))"},
               {"A_xi", "generated mode mean along e_xi (k finite)"},
               {"mean_dist2", "|mean - mu|^2/d = (1 - R1)^2 + A_eta^2 + A_xi^2"},
               {"p_kappa_frozen", "p Phi(kappa) + (1-p) Phi(-kappa): frozen-sign p^kappa of Prop. 1"},
               {"p_kappa_euler", "Euler node at t = 1, d -> inf"}};
    m.validate_point = errors_of<twomode::GenerateParams>();
    m.solve_point = [](const Json& params, const Json&, const Eigen::VectorXd*) {
      return PointResult{twomode::generate_row(twomode::generate(twomode::GenerateParams::from_json(params))), {}, {}};
    };
    v.push_back(std::move(m));
  }
  {
    ModelInfo m;
    m.name = "clusters.sgd";
    m.summary = "K-cluster Gaussian mixture, tied two-layer autoencoder trained by online SGD at one noise level: "
                "the d -> inf ODEs for M = mu W^T/sqrt(d), Q = W W^T/d and b in tau = 2 eta k/d (any K, r <= 4, "
                "spectral blocks, tanh/erf/linear), expectations by r-dimensional Gauss-Hermite quadrature";
    m.reference = "seed 000 (Cui, Pehlevan, Lu); brief online-sgd-ae-diffusion.md §3-4; equations/clusters-sgd.md";
    m.params = clusters::sgd_specs();
    m.solver = sgd_solver_specs();
    m.units = {{"tau", "training time 2 eta k/d (k = online samples seen)"},
               {"n_samples", "samples seen, tau d/(2 eta) at the parameter d"},
               {"b", "skip connection"},
               {"b_closed_form", "b* + (b0 - b*) exp(-kappa tau), kappa = alpha^2 + beta^2 lambda_bar"},
               {"M_k_g", "mu_k.w_g/sqrt(d)"},
               {"Q_g_e", "w_g.w_e/d"},
               {"Qt_g_e", "w_g Sigma w_e/d (spectral blocks)"}};
    m.validate_point = clusters::validate_sgd_point;
    m.solve_point = [](const Json& params, const Json& solver, const Eigen::VectorXd* warm) {
      const clusters::SgdProblem pr = clusters::sgd_problem_from_json(params, solver);
      Eigen::VectorXd state;
      double tau0 = 0;
      const clusters::SgdState s = sgd_state_at(pr, params, solver, warm, state, tau0);
      Json row = clusters::sgd_row(pr, s, pr.tau);
      row["continued_from_tau"] = tau0;
      return PointResult{row, state, {}};
    };
    m.simulation = clusters::SgdSimOptions::specs();
    m.validate_simulation = [](const Json& p, const Json& simulation) {
      std::vector<std::string> errs;
      const clusters::SgdSimOptions o = clusters::SgdSimOptions::from_json(simulation);
      if (!p["M0"].is_null() || !p["Q0"].is_null())
        errs.push_back("M0: " + p["M0"].dump() + ": allowed null for a simulation (the informed start w = 0.1 sqrt(d) mu)");
      if (static_cast<int>(p["pi"].size()) > o.d)
        errs.push_back("simulation.d: " + std::to_string(o.d) + ": allowed d >= K = " + std::to_string(p["pi"].size()));
      const double steps = p["tau"].get<double>() * o.d / (2 * p["eta"].get<double>());
      if (steps * o.d * o.seeds > 1e13)
        errs.push_back("tau: " + p["tau"].dump() + ": allowed tau d^2 seeds/(2 eta) <= 1e13 operations (here " + format_number(steps * o.d * o.seeds) + ")");
      return errs;
    };
    m.simulate_point = [](const Json& p, const Json& simulation) {
      const clusters::SgdProblem pr = clusters::sgd_problem_from_json(p, Json::object());
      return std::vector<Json>{clusters::simulate_sgd_point(pr.P, pr.tau, clusters::SgdSimOptions::from_json(simulation), pr.start.b)};
    };
    v.push_back(std::move(m));
  }
  {
    ModelInfo m;
    m.name = "clusters.generate";
    m.summary = "Law of generated samples from the online-SGD statistics at training time tau (n = tau d/(2 eta) samples): "
                "projections on normalised cluster means, E y, E|y|, Var y, E y^4, bulk amplitude, active latent units";
    m.reference = "seed 000; brief online-sgd-ae-diffusion.md §5-6; equations/clusters-generate.md";
    m.params = generate_specs(false);
    m.solver = sgd_solver_specs();
    m.units = {{"amplitude", "bulk amplitude a = T^(b-1) (exact) or A_T(b) (Euler sampler)"},
               {"active_units", "latent units whose origin is unstable, Q_gg sigma'(0) + b > 1 (tanh: two fixed points each as t -> 1)"},
               {"y1_abs", "E|y_1|, y_p = mu_{k_p}.X/|mu_{k_p}|"},
               {"y1_var", "Var y_1"},
               {"y1_m4", "E y_1^4"},
               {"v_perp", "stochastic sampler: bulk variance per coordinate orthogonal to W (replaces amplitude^2)"},
               {"y1_abs_sampling_err", "stochastic sampler: standard error of E|y_1| over the latent particles"}};
    m.validate_point = validate_generate_point;
    m.simulation = clusters::SgdSimOptions::specs();
    m.simulation.push_back({"particles", K::integer, 2000, 1, 1e7, false, false, "generated d-dimensional particles per seed", {}, ""});
    m.validate_simulation = [](const Json& p, const Json& simulation) {
      std::vector<std::string> errs;
      Json so = simulation;
      so.erase("particles");
      const clusters::SgdSimOptions o = clusters::SgdSimOptions::from_json(so);
      const double bytes = 8.0 * o.d * simulation.value("particles", 2000) * 5;
      if (bytes > 8.0 * 1024 * 1024 * 1024)
        errs.push_back("simulation.particles: " + simulation["particles"].dump() + ": allowed 40 particles d bytes <= 8 GiB");
      if (!p["M0"].is_null() || !p["Q0"].is_null()) errs.push_back("M0: " + p["M0"].dump() + ": allowed null for a simulation");
      return errs;
    };
    m.simulate_point = [](const Json& p, const Json& simulation) {
      const clusters::SgdProblem pr = clusters::sgd_problem_from_json(p, Json::object());
      Json so = simulation;
      so.erase("particles");
      const clusters::GenerateOptions go = generate_options(p, pr.P.K());
      return std::vector<Json>{clusters::simulate_generate_point(pr.P, pr.tau, clusters::SgdSimOptions::from_json(so),
                                                                 simulation.value("particles", 2000), go.T, go.exact_flow, go.project_on,
                                                                 pr.start.b, go.sde)};
    };
    m.solve_point = [](const Json& params, const Json& solver, const Eigen::VectorXd* warm) {
      const clusters::SgdProblem pr = clusters::sgd_problem_from_json(params, solver);
      Eigen::VectorXd state;
      double tau0 = 0;
      const clusters::SgdState s = sgd_state_at(pr, params, solver, warm, state, tau0);
      Json row = clusters::sgd_row(pr, s, pr.tau);
      const clusters::ProjectedLaw L = clusters::projected_law(pr.P, s, generate_options(params, pr.P.K()));
      row["amplitude"] = L.amplitude;
      row["active_units"] = L.active_units;
      row["diagonal"] = L.diagonal;
      if (!L.mean_err.empty()) row["v_perp"] = L.v_perp;
      bool finite = std::isfinite(L.amplitude);
      for (std::size_t p = 0; p < L.mean.size(); ++p)
        finite = finite && std::isfinite(L.mean[p]) && std::isfinite(L.abs_mean[p]) && std::isfinite(L.var[p]) && std::isfinite(L.m4[p]);
      if (!finite && row["status"] == "converged") {  // e.g. an explicit sampler step unstable for a stiff eps_t
        row["status"] = "non_finite";
        row["error"] = "generated law not finite (sampler unstable: lower sde_eps, raise sde_power or T)";
      }
      for (std::size_t p = 0; p < L.mean.size(); ++p) {
        const std::string y = "y" + std::to_string(p + 1) + "_";
        row[y + "mean"] = L.mean[p];
        row[y + "abs"] = L.abs_mean[p];
        row[y + "var"] = L.var[p];
        row[y + "m4"] = L.m4[p];
        if (!L.mean_err.empty()) {  // stochastic sampler: standard errors over the latent particles
          row[y + "mean_sampling_err"] = L.mean_err[p];
          row[y + "abs_sampling_err"] = L.abs_err[p];
          row[y + "var_sampling_err"] = L.var_err[p];
          row[y + "m4_sampling_err"] = L.m4_err[p];
        }
      }
      return PointResult{row, state, {}};
    };
    v.push_back(std::move(m));
  }
  {
    ModelInfo m;
    m.name = "clusters.density";
    m.summary = "2-D density of the generated samples projected on two normalised cluster means, on a grid (for contour plots)";
    m.reference = "seed 000; brief online-sgd-ae-diffusion.md §5.3, §5.6; equations/clusters-generate.md";
    m.params = generate_specs(true);
    m.solver = sgd_solver_specs();
    m.units = {{"y1", "mu_{k_1}.X/|mu_{k_1}|"}, {"y2", "mu_{k_2}.X/|mu_{k_2}|"}, {"density", "probability density of (y1, y2)"}};
    m.validate_point = validate_generate_point;
    m.solve_point = [](const Json& params, const Json& solver, const Eigen::VectorXd* warm) {
      const clusters::SgdProblem pr = clusters::sgd_problem_from_json(params, solver);
      Eigen::VectorXd state;
      double tau0 = 0;
      const clusters::SgdState s = sgd_state_at(pr, params, solver, warm, state, tau0);
      const auto grid = clusters::projected_density(pr.P, s, generate_options(params, pr.P.K()), params.value("half_width", 8.0),
                                                    params.value("points", 81));
      PointResult out{{}, state, {}};
      for (std::size_t i = 0; i < grid.size(); ++i) {
        const bool finite = std::isfinite(grid[i][2]) && std::isfinite(s.b);
        Json row = {{"y1", grid[i][0]}, {"y2", grid[i][1]}, {"density", grid[i][2]}, {"b", s.b},
                    {"status", finite ? "converged" : "non_finite"}};
        (i == 0 ? out.row : out.more_rows.emplace_back()) = std::move(row);
      }
      return out;
    };
    v.push_back(std::move(m));
  }
  {
    ModelInfo m;
    m.name = "twomode.fig1";
    m.summary = "Fig. 1 of the phase-aware paper at finite d: one network per grid time trained by L-BFGS on the exact "
                "k = inf loss, particles moved by the learned probability flow (Euler), p_t = P(mu.X_t > 0); with the "
                "exact denoiser's p_t on the same grid (population p and empirical p_bar) as references";
    m.reference = "seed 003 Fig. 1; brief phase-aware-gmm.md §4.6; equations/twomode-sim.md";
    m.params = {
        {"p", K::real, 0.8, 0, 1, true, true, "population weight of the +mu mode", {}, ""},
        {"sigma", K::real, 1.0, 0, 1e3, true, false, "within-mode standard deviation", {}, ""},
        {"kappa", K::real, 4.0, 0, 1e3, true, false, "dilation constant of eq. (11)", {}, ""},
        {"lambda", K::real, 1e-3, 0, 1e6, false, false, "ridge on u", {}, ""},
        {"ell", K::real, 1e-3, 0, 1e6, false, false, "ridge on w", {}, ""},
        {"n", K::integer, 128, 1, 1e9, false, false, "training samples", {}, ""},
        {"n_plus", K::real, nullptr, 0, 1e9, false, false, "positive labels (with simulation.labels = fixed); null: round(p n)", {}, ""},
        {"schedule", K::string, "dilated", 0, 0, false, false, "dilated (eq. (11), t in [0,2]) or undilated (tau = t)", {"dilated", "undilated"}, ""},
        {"points", K::integer, 100, 2, 1e5, false, false, "time-grid points = networks = Euler steps", {}, ""},
        {"particles", K::integer, 2000, 1, 1e8, false, false, "generated particles", {}, ""},
    };
    m.simulation = twomode::SimOptions::specs();
    m.units = {{"t", "grid time after the Euler step (t_{j+1})"},
               {"p_t", "fraction of particles with mu.X > 0"},
               {"p_exact", "exact denoiser of the population mixture, same grid and d (no sampling error)"},
               {"p_exact_bar", "exact denoiser of the empirical mixture (p -> n_plus/n), same grid"},
               {"m_abs", "mean |mu.X/d| over particles"},
               {"var_perp", "mean orthogonal variance |X_perp|^2/d"},
               {"tau_train", "interpolation weight at which the step's network was trained"}};
    m.validate_simulation = validate_twomode_sim;
    m.simulate_point = [](const Json& p, const Json& simulation) {
      twomode::Fig1Params F;
      F.base = sim_params(p);
      F.points = p.value("points", 100);
      F.particles = p.value("particles", 2000);
      return twomode::fig1_trajectory(F, twomode::SimOptions::from_json(simulation));
    };
    v.push_back(std::move(m));
  }
  register_retrain_models(v);
  register_cumulant_models(v);
  return v;
}

}  // namespace

const std::vector<ModelInfo>& models() {
  static const std::vector<ModelInfo> all = make_models();
  return all;
}

const ModelInfo& find_model(const std::string& name) {
  for (const auto& m : models())
    if (m.name == name) return m;
  std::string names;
  for (const auto& m : models()) names += (names.empty() ? "" : ", ") + m.name;
  throw InputError({"model: " + name + ": allowed one of " + names});
}

namespace {

bool has_param(const ModelInfo& m, const std::string& name) {
  for (const auto& s : m.params)
    if (s.name == name) return true;
  return false;
}

// The parameters of one sweep point, and its simulation options (the axis "d" is the simulation's
// dimension; a model with its own parameter d, such as the finite-d schedule, gets the same value).
struct PointInput {
  Json params, simulation;
};

PointInput point_input(const ModelInfo& m, const Json& base, const Json& simulation, const SweepPoint& point) {
  PointInput pi{base, simulation};
  for (const auto& [k, x] : point) {
    if (has_param(m, k)) pi.params[k] = x;
    if (k == "d" && !simulation.is_null()) pi.simulation["d"] = x;
  }
  if (!simulation.is_null() && has_param(m, "d")) pi.params["d"] = pi.simulation["d"];
  return pi;
}

}  // namespace

Json resolve_input(const Json& config_in, const std::string& kind_in) {
  if (!config_in.is_object()) throw InputError({"config: " + config_in.dump() + ": allowed a JSON object"});
  // A table regenerates from its input alone.
  const Json config = config_in.contains("schema") && config_in.contains("input") ? config_in["input"] : config_in;
  for (auto it = config.begin(); it != config.end(); ++it) {
    const auto& k = it.key();
    if (k != "model" && k != "params" && k != "sweep" && k != "solver" && k != "simulation" && k != "kind" &&
        k != "plot" && k != "command" && k != "description" && k != "output")
      throw InputError({k + ": unknown configuration key: allowed model, kind, params, sweep, solver, simulation (and in "
                            "scenarios command, description, output, plot)"});
  }
  const std::string kind = kind_in.empty() ? config.value("kind", std::string("theory")) : kind_in;
  if (kind != "theory" && kind != "simulation" && kind != "comparison")
    throw InputError({"kind: " + kind + ": allowed one of theory, simulation, comparison"});
  if (!config.contains("model") || !config["model"].is_string())
    throw InputError({"model: " + (config.contains("model") ? config["model"].dump() : std::string("missing")) +
                      ": allowed a model name (hdflow list)"});
  const ModelInfo& m = find_model(config["model"].get<std::string>());
  const bool sim = kind != "theory";
  if (kind != "simulation" && !m.solve_point)
    throw InputError({"model: " + m.name + ": has no theory side: allowed with hdflow simulate"});
  if (sim && !m.simulate_point)
    throw InputError({"model: " + m.name + ": has no simulation: allowed with hdflow solve"});
  const Json given = config.value("params", Json::object());
  const SweepSpec sweep = SweepSpec::from_json(config.contains("sweep") ? config["sweep"] : Json());
  // Swept names must be parameters of the model (or the simulation's dimension d).
  std::vector<std::string> v;
  for (const auto& ax : sweep.axes) {
    if (has_param(m, ax.name) || (sim && ax.name == "d")) continue;
    std::string names;
    for (const auto& s : m.params) names += (names.empty() ? "" : ", ") + s.name;
    if (sim) names += ", d (simulation)";
    v.push_back("sweep " + ax.name + ": not a parameter of " + m.name + ": allowed " + names);
  }
  throw_if_invalid(v);
  Json params = resolve_params(m.params, given);
  const Json solver = resolve_params(m.solver, config.value("solver", Json::object()), "solver.");
  const Json simulation =
      sim ? resolve_params(m.simulation, config.value("simulation", Json::object()), "simulation.") : Json();
  if (sim && has_param(m, "d") && given.contains("d") && config.contains("simulation") &&
      config["simulation"].contains("d") && given["d"] != config["simulation"]["d"])
    throw InputError({"params.d: " + given["d"].dump() + ": allowed equal to simulation.d = " +
                      config["simulation"]["d"].dump() + " (theory and simulation share the dimension)"});
  // Validate every point of the sweep before anything runs (no partial output on bad input).
  for (std::size_t i = 0; i < sweep.size(); ++i) {
    const PointInput pi = point_input(m, params, simulation, sweep.point(i));
    auto tag = [&](std::vector<std::string> e) {
      if (sweep.size() > 1)
        for (auto& msg : e) msg += " (sweep point " + std::to_string(i) + ")";
      return e;
    };
    for (const auto& s : m.params) {
      auto e = s.check(pi.params[s.name]);
      if (!e.empty()) throw InputError(tag(e));
    }
    if (sim) {
      for (const auto& s : m.simulation) {
        auto e = s.check(pi.simulation[s.name], "simulation.");
        if (!e.empty()) throw InputError(tag(e));
      }
      auto e = m.validate_simulation(pi.params, pi.simulation);
      if (!e.empty()) throw InputError(tag(e));
    }
    if (kind != "simulation") {
      auto e = m.validate_point(pi.params);
      if (!e.empty()) throw InputError(tag(e));
    }
  }
  Json input = {{"model", m.name}, {"kind", kind}, {"params", params}, {"sweep", sweep.to_json()}, {"solver", solver}};
  if (sim) input["simulation"] = simulation;
  return input;
}

Table solve(const Json& input, const ProgressCallback& progress, const SweepRun& run) {
  gsl_errors_off();  // before any thread starts: GSL failures are statuses, never an abort
  const auto t0 = std::chrono::steady_clock::now();
  const ModelInfo& m = find_model(input.at("model").get<std::string>());
  const SweepSpec sweep = SweepSpec::from_json(input.at("sweep"));
  const std::string kind = input.value("kind", std::string("theory"));
  const Json& base = input.at("params");
  const Json& solver = input.at("solver");
  const Json simulation = input.value("simulation", Json());
  Table t;
  t.model = m.name;
  t.kind = kind;
  t.input = input;
  t.units = m.units;
  SweepRun cached_run = run;
  // A build from a modified tree has no trustworthy version: no cache (stale rows would look current).
  const bool dirty = std::string(kGitDescribe).ends_with("-dirty");
  if (dirty && !cached_run.cache_dir.empty()) {
    t.extra["cache"] = "off: built from a modified tree (tool.git ends in -dirty)";
    cached_run.cache_dir.clear();
  }
  if (!cached_run.cache_dir.empty()) {
    Json key = input;
    key.erase("sweep");
    cached_run.cache_key = key.dump() + "\n" + kVersion + " " + kGitDescribe;
  }
  SweepStats stats;
  t.rows = run_sweep(
      sweep,
      [&](const SweepPoint& point, const Eigen::VectorXd* warm) {
        const PointInput pi = point_input(m, base, simulation, point);
        // Every scalar parameter in every row (a figure can be drawn from the rows alone); arrays (mixture
        // Grams, weights) stay in the input, rows are flat.
        Json head = Json::object();
        for (auto it = pi.params.begin(); it != pi.params.end(); ++it)
          if (!it.value().is_structured()) head[it.key()] = it.value();
        PointResult out;
        if (kind == "theory") {
          try {
            out = m.solve_point(pi.params, solver, warm);
          } catch (const std::exception& e) {  // a numerical breakdown is a row status, never an abort
            out = PointResult{Json{{"status", "non_finite"}, {"error", e.what()}}, {}, {}};
          }
          head.update(out.row);
          out.row = std::move(head);
          return out;
        }
        std::vector<Json> sim_rows;
        try {
          sim_rows = m.simulate_point(pi.params, pi.simulation);
        } catch (const std::exception& e) {  // a numerical breakdown is a row status, never an abort
          sim_rows = {Json{{"status", "non_finite"}, {"error", e.what()}}};
        }
        if (kind == "simulation") {
          for (std::size_t r = 0; r < sim_rows.size(); ++r) {
            Json row = head;
            row["d"] = pi.simulation["d"];
            row.update(sim_rows[r]);
            (r == 0 ? out.row : out.more_rows.emplace_back()) = std::move(row);
          }
          return out;
        }
        // Comparison: X_theory, X_sim, X_sim_stderr, X_dev = sim − theory, X_z = dev/stderr for every
        // observable that both sides report.
        PointResult th;
        try {
          th = m.solve_point(pi.params, solver, warm);
        } catch (const std::exception& e) {
          th = PointResult{Json{{"status", "non_finite"}, {"error", e.what()}}, {}, {}};
        }
        out.state = th.state;
        const Json& sr = sim_rows.at(0);
        Json row = head;
        row["d"] = pi.simulation["d"];
        row["seeds"] = sr.value("seeds", 1);
        for (auto it = sr.begin(); it != sr.end(); ++it) {
          const std::string& k = it.key();
          if (!it.value().is_number() || !sr.contains(k + "_stderr") || !th.row.contains(k) ||
              !th.row[k].is_number())
            continue;
          const double x_th = th.row[k].get<double>(), x_sim = it.value().get<double>();
          const double se = sr[k + "_stderr"].get<double>();
          row[k + "_theory"] = x_th;
          row[k + "_sim"] = x_sim;
          row[k + "_sim_stderr"] = se;
          row[k + "_dev"] = x_sim - x_th;
          row[k + "_z"] = se > 0 ? Json((x_sim - x_th) / se) : Json(nullptr);
        }
        const std::string st = th.row.value("status", "converged"), ss = sr.value("status", "converged");
        row["theory_status"] = st;
        row["sim_status"] = ss;
        row["status"] = st != "converged" ? st : ss;
        row["iterations"] = sr.value("iterations", 0);
        row["residual"] = std::max(th.row.value("residual", 0.0), sr.value("residual", 0.0));
        out.row = std::move(row);
        return out;
      },
      progress, cached_run, &stats);
  if (!cached_run.cache_dir.empty()) t.extra["cache"] = {{"lines", stats.lines}, {"lines_reused", stats.lines_from_cache}};
  if (run.shard_count > 1) t.extra["shard"] = {{"index", run.shard_index}, {"count", run.shard_count}};
  t.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return t;
}

}  // namespace hdflow
