#include "hdflow/registry.hpp"

#include <chrono>

#include "hdflow/core/status.hpp"
#include "hdflow/twomode/phase1.hpp"
#include "hdflow/twomode/curve.hpp"
#include "hdflow/twomode/generate.hpp"
#include "hdflow/twomode/phase1_limit.hpp"
#include "hdflow/twomode/phase2.hpp"

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
    m.solve_point = [](const Json& params, const Json& solver, const Eigen::VectorXd* warm) {
      const auto P = twomode::Phase1Params::from_json(params);
      const auto sol = twomode::solve_phase1(P, phase1_options(solver), warm);
      Json row = {{"kappa_t", P.kappa_t()}, {"n_plus", P.n_plus_resolved()}, {"n_minus", P.n_minus_resolved()}};
      row.update(twomode::phase1_row(sol));
      Eigen::VectorXd state(4);
      state << sol.state.omega, sol.state.b, sol.state.eps_plus, sol.state.eps_minus;
      if (sol.branch != "learned") state.resize(0);
      return PointResult{row, state};
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
      return PointResult{row, Eigen::VectorXd()};
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
    m.solve_point = [](const Json& params, const Json&, const Eigen::VectorXd*) {
      return PointResult{twomode::phase2_row(twomode::solve_phase2(twomode::Phase2Params::from_json(params))), {}};
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
    m.solve_point = [](const Json& params, const Json& solver, const Eigen::VectorXd* warm) {
      Eigen::VectorXd state;
      Json row = twomode::curve_row(twomode::CurveParams::from_json(params), phase1_options(solver), warm, state);
      return PointResult{row, state};
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
      return PointResult{twomode::generate_row(twomode::generate(twomode::GenerateParams::from_json(params))), {}};
    };
    v.push_back(std::move(m));
  }
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

Json resolve_input(const Json& config_in) {
  if (!config_in.is_object()) throw InputError({"config: " + config_in.dump() + ": allowed a JSON object"});
  // A table regenerates from its input alone.
  const Json config = config_in.contains("schema") && config_in.contains("input") ? config_in["input"] : config_in;
  for (auto it = config.begin(); it != config.end(); ++it) {
    const auto& k = it.key();
    if (k != "model" && k != "params" && k != "sweep" && k != "solver" && k != "plot" && k != "command" &&
        k != "description" && k != "output")
      throw InputError({k + ": unknown configuration key: allowed model, params, sweep, solver (and in scenarios "
                            "command, description, output, plot)"});
  }
  if (!config.contains("model") || !config["model"].is_string())
    throw InputError({"model: " + (config.contains("model") ? config["model"].dump() : std::string("missing")) +
                      ": allowed a model name (hdflow list)"});
  const ModelInfo& m = find_model(config["model"].get<std::string>());
  const Json given = config.value("params", Json::object());
  const SweepSpec sweep = SweepSpec::from_json(config.contains("sweep") ? config["sweep"] : Json());
  // Swept names must be parameters of the model (their values are checked point by point below).
  std::vector<std::string> v;
  for (const auto& ax : sweep.axes) {
    bool ok = false;
    for (const auto& s : m.params) ok = ok || s.name == ax.name;
    if (!ok) {
      std::string names;
      for (const auto& s : m.params) names += (names.empty() ? "" : ", ") + s.name;
      v.push_back("sweep " + ax.name + ": not a parameter of " + m.name + ": allowed " + names);
    }
  }
  throw_if_invalid(v);
  Json params = resolve_params(m.params, given);
  const Json solver = resolve_params(m.solver, config.value("solver", Json::object()), "solver.");
  // Validate every point of the sweep before anything runs (no partial output on bad input).
  for (std::size_t i = 0; i < sweep.size(); ++i) {
    Json pt = params;
    for (const auto& [k, x] : sweep.point(i)) pt[k] = x;
    for (const auto& s : m.params) {
      auto e = s.check(pt[s.name]);
      if (!e.empty()) {
        for (auto& msg : e) msg += " (sweep point " + std::to_string(i) + ")";
        throw InputError(e);
      }
    }
    auto e = m.validate_point(pt);
    if (!e.empty()) {
      if (sweep.size() > 1)
        for (auto& msg : e) msg += " (sweep point " + std::to_string(i) + ")";
      throw InputError(e);
    }
  }
  return Json{{"model", m.name}, {"params", params}, {"sweep", sweep.to_json()}, {"solver", solver}};
}

Table solve(const Json& input, const ProgressCallback& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  const ModelInfo& m = find_model(input.at("model").get<std::string>());
  const SweepSpec sweep = SweepSpec::from_json(input.at("sweep"));
  const Json& base = input.at("params");
  const Json& solver = input.at("solver");
  Table t;
  t.model = m.name;
  t.kind = "theory";
  t.input = input;
  t.units = m.units;
  t.rows = run_sweep(
      sweep,
      [&](const SweepPoint& point, const Eigen::VectorXd* warm) {
        Json p = base;
        for (const auto& [k, x] : point) p[k] = x;
        PointResult r = m.solve_point(p, solver, warm);
        Json row = p;  // every parameter in every row: a figure can be drawn from the rows alone
        row.update(r.row);
        r.row = std::move(row);
        return r;
      },
      progress);
  t.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return t;
}

}  // namespace hdflow
