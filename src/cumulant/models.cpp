// The cumulant module's entries in the model registry (see include/hdflow/registry.hpp):
// cumulant.exponent, cumulant.psgd, cumulant.escape, cumulant.samples (brief mixed-cumulant.md; equations/cumulant.md).
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "hdflow/core/status.hpp"
#include "hdflow/cumulant/params.hpp"
#include "hdflow/cumulant/sim.hpp"
#include "hdflow/cumulant/theory.hpp"
#include "hdflow/registry.hpp"
#include "hdflow/sim/mixture.hpp"

namespace hdflow {

namespace {

using namespace cumulant;
using K = ParamSpec::Kind;

constexpr double kInf = std::numeric_limits<double>::infinity();

Json num_or_null(double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); }

std::vector<std::string> model_errors(const Json& p) {
  try {
    (void)model_from_json(p);
    return {};
  } catch (const InputError& e) {
    return e.violations;
  }
}

std::vector<ParamSpec> with(std::vector<ParamSpec> base, const std::vector<ParamSpec>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

ParamSpec delta_spec() {
  return {"delta", K::real, 0.5, 0, 1e3, true, false,
          "learning-rate constant: gamma = delta/d (linear scale) or delta/d^2 (cubic scale) (E1.11)", {}, ""};
}

// ---------------------------------------------------------------------------------------------------------
// cumulant.exponent: Hermite coefficients (E3.2), information exponents (E3.6), constants of §4.3–§4.4.

std::string complexity(int k) {  // BGJ rule (brief §3.2)
  if (k == 0) return "never (no non-zero term)";
  if (k == 1) return "d";
  if (k == 2) return "d log d";
  return "d^" + std::to_string(k - 1);
}

PointResult solve_exponent(const Json& p, const Json&, const Eigen::VectorXd*) {
  const Model M = model_from_json(p);
  const int kmax = p.at("kmax").get<int>(), n_outer = p.at("n_outer").get<int>();
  const double delta = p.at("delta").get<double>();
  const std::vector<double> c = hermite_coefficients(M, std::max(kmax, 4), n_outer);
  const Exponents E = information_exponents(M, std::vector<double>(c.begin(), c.begin() + kmax + 1));
  const LossPoint L0 = loss_point(M, 0, 0);
  Json row = model_columns(M);
  for (int k = 0; k <= kmax; ++k) row["c_" + std::to_string(k)] = c[static_cast<std::size_t>(k)];
  auto dir = [](int k, double coef) { return k == 0 ? "blind" : coef < 0 ? "attractive" : "repelled"; };
  row["k_u"] = E.k_u > 0 ? Json(E.k_u) : Json(nullptr);
  row["k_v"] = E.k_v > 0 ? Json(E.k_v) : Json(nullptr);
  row["coef_u"] = E.coef_u;
  row["coef_v"] = E.coef_v;
  row["u_direction"] = dir(E.k_u, E.coef_u);
  row["v_direction"] = dir(E.k_v, E.coef_v);
  row["mixed_uv"] = E.mixed_uv;
  row["samples_u"] = E.k_u > 0 && E.coef_u < 0 ? complexity(E.k_u) : "not learned";
  row["samples_v"] = M.latent == Latent::sign && E.mixed_uv < 0 && M.q > 0
                         ? "d log d (mixed term c_2 c_uv alpha_u alpha_v)"
                         : (E.k_v > 0 && E.coef_v < 0 ? complexity(E.k_v) : "not learned");
  row["Gamma0"] = L0.Gamma;
  row["E_A"] = L0.E_A;
  row["E_B"] = L0.E_B;
  const double c2 = c[2], G0 = L0.Gamma;
  row["delta_c"] = c2 * M.beta_u < 0 ? Json(-2 * c2 * M.beta_u / G0) : Json(nullptr);
  row["delta_star"] = c2 * M.beta_u < 0 ? Json(-c2 * M.beta_u / G0) : Json(nullptr);
  const EscapeLinear esc = escape_linear(M, delta, n_outer);
  row["r"] = esc.r;
  row["s_Y2"] = esc.r > 0 ? Json(esc.sY2) : Json(nullptr);
  const double A = -c[4] * M.kappa4() * M.theta() * M.theta() / 6;  // (E4.6)
  row["A_prime"] = A;
  row["kappa_over_delta"] = A > 0 ? Json(G0 / A) : Json(nullptr);
  row["status"] = "converged";
  return {row, {}, {}};
}

// ---------------------------------------------------------------------------------------------------------
// cumulant.psgd: the overlap ODEs (E4.1) and finite-d pSGD from the same start.

std::vector<ParamSpec> psgd_specs() {
  return with(model_specs(),
              {delta_spec(),
               {"alpha_u0", K::real, 0.1, -1, 1, true, true, "initial overlap w.u", {}, ""},
               {"alpha_v0", K::real, 0.1, -1, 1, true, true, "initial overlap w.v", {}, ""},
               {"t", K::real, 1.0, 0, 1e6, false, false, "training time t = n/d (n = samples seen), linear scale", {}, ""}});
}

std::vector<std::string> validate_psgd(const Json& p) {
  auto v = model_errors(p);
  const double au = p.at("alpha_u0").get<double>(), av = p.at("alpha_v0").get<double>();
  if (!(au * au + av * av < 1))
    v.push_back("alpha_u0: " + format_number(au) + ": allowed alpha_u0^2 + alpha_v0^2 < 1 (here alpha_v0 = " + format_number(av) + ")");
  return v;
}

PointResult solve_psgd(const Json& p, const Json& solver, const Eigen::VectorXd* warm) {
  const Model M = model_from_json(p);
  const double delta = p.at("delta").get<double>(), t = p.at("t").get<double>();
  Eigen::Vector2d a0(p.at("alpha_u0").get<double>(), p.at("alpha_v0").get<double>());
  double t0 = 0;
  if (warm && warm->size() == 3 && (*warm)[0] <= t) {  // continue along the same trajectory
    t0 = (*warm)[0];
    a0 = Eigen::Vector2d((*warm)[1], (*warm)[2]);
  }
  const Trajectory T = integrate_overlaps(M, delta, a0, t0, {t}, solver.at("rel_tol").get<double>(),
                                          solver.at("abs_tol").get<double>());
  Json row = model_columns(M);
  row["t"] = t;
  if (!T.ok || T.alpha.empty()) {
    row["status"] = "non_finite";
    row["error"] = T.message;
    return {row, {}, {}};
  }
  const Eigen::Vector2d al = T.alpha[0];
  const LossPoint L = loss_point(M, al[0], al[1]);
  const Eigen::Vector2d rhs = ode_rhs(M, delta, al);
  row["alpha_u"] = al[0];
  row["alpha_v"] = al[1];
  row["F"] = L.F;
  row["F_u"] = L.F_u;
  row["F_v"] = L.F_v;
  row["Gamma"] = L.Gamma;
  row["dalpha_u_dt"] = rhs[0];
  row["dalpha_v_dt"] = rhs[1];
  row["continued_from_t"] = t0;
  row["status"] = "converged";
  Eigen::VectorXd state(3);
  state << t, al[0], al[1];
  return {row, state, {}};
}

double sim_cost(const SimOptions& o, double steps) { return steps * o.seeds * (o.method == "full" ? 2.0 * o.d : 1.0); }

std::vector<std::string> validate_psgd_sim(const Json& p, const Json& simulation) {
  std::vector<std::string> v;
  const SimOptions o = SimOptions::from_json(simulation);
  const double steps = p.at("t").get<double>() * o.d;
  if (sim_cost(o, steps) > 1e12)
    v.push_back("t: " + format_number(p["t"].get<double>()) + ": allowed t d seeds (x 2d for method full) <= 1e12 operations (here " +
                format_number(sim_cost(o, steps)) + ")");
  return v;
}

struct MeanSe {
  double mean, se;
};
MeanSe mean_se(const std::vector<double>& x) {
  double s = 0, ss = 0;
  for (double v : x) s += v;
  const double n = static_cast<double>(x.size()), m = s / n;
  for (double v : x) ss += (v - m) * (v - m);
  return {m, n > 1 ? std::sqrt(ss / (n - 1) / n) : 0.0};
}

std::vector<Json> simulate_psgd(const Json& p, const Json& simulation) {
  const Model M = model_from_json(p);
  const SimOptions o = SimOptions::from_json(simulation);
  const double delta = p.at("delta").get<double>(), t = p.at("t").get<double>();
  RunSpec R;
  R.gamma = delta / o.d;
  R.random_start = false;
  R.alpha_u0 = p.at("alpha_u0").get<double>();
  R.alpha_v0 = p.at("alpha_v0").get<double>();
  R.max_steps = std::lround(t * o.d);
  R.record = {R.max_steps};
  const auto runs = run_replicas(M, R, o);
  std::vector<double> au, av;
  for (const auto& r : runs) {
    au.push_back(r.alpha_u.at(0));
    av.push_back(r.alpha_v.at(0));
  }
  const MeanSe su = mean_se(au), sv = mean_se(av);
  Json row = {{"t", t}, {"alpha_u", su.mean}, {"alpha_u_stderr", su.se}, {"alpha_v", sv.mean}, {"alpha_v_stderr", sv.se},
              {"n_samples", R.max_steps}, {"seeds", o.seeds}, {"method", o.method}};
  row["status"] = std::isfinite(su.mean) && std::isfinite(sv.mean) ? "converged" : "non_finite";
  return {row};
}

// ---------------------------------------------------------------------------------------------------------
// cumulant.escape: first passage from a uniform random start, theory (E4.4) / (E4.7) and simulation.

std::vector<ParamSpec> escape_extra() {
  return {delta_spec(),
          {"scale", K::string, "linear", 0, 0, false, false,
           "learning-rate scaling: linear (gamma = delta/d, n ~ d log d) or cubic (gamma = delta/d^2, n ~ d^3; E4.6)",
           {"linear", "cubic"}, ""},
          {"target", K::string, "u", 0, 0, false, false, "direction whose overlap must reach eps", {"u", "v"}, ""},
          {"eps", K::real, 0.5, 0, 1, true, true, "first-passage threshold on |alpha_target| (below the fixed point)", {}, ""},
          {"t_max", K::real, 1000, 0, 1e7, true, false, "horizon of the ODE first passage, in t = n/d (linear scale)", {}, ""},
          {"cap", K::real, 1000, 0, 1e9, true, false,
           "simulation budget: cap d samples (linear scale) or cap d^3 (cubic); runs not there by then are censored", {}, ""}};
}

std::vector<ParamSpec> escape_specs() {
  auto s = with(model_specs(), escape_extra());
  s.push_back({"d", K::integer, 1000, 4, 1e9, false, false, "dimension (theory quantiles scale with it; simulation.d)", {}, ""});
  return s;
}

std::vector<std::string> validate_escape(const Json& p) {
  auto v = model_errors(p);
  if (p.at("scale").get<std::string>() == "cubic") {
    if (p.at("target").get<std::string>() != "v")
      v.push_back("target: " + p["target"].get<std::string>() + ": allowed v with scale = cubic (E4.6 is the law of alpha_v)");
    if (p.at("beta_u").get<double>() != 0)
      v.push_back("beta_u: " + format_number(p["beta_u"].get<double>()) + ": allowed 0 with scale = cubic (E4.6; with beta_u > 0 the neuron learns u)");
    if (p.at("latent").get<std::string>() != "indep")
      v.push_back("latent: " + p["latent"].get<std::string>() + ": allowed indep with scale = cubic (E4.6)");
  }
  return v;
}

int target_of(const Json& p) { return p.at("target").get<std::string>() == "v" ? 1 : 0; }
bool cubic_of(const Json& p) { return p.at("scale").get<std::string>() == "cubic"; }

// Theory of the first-passage quantiles at dimension d: (E4.4) on the linear scale, (E4.7) on the cubic scale.
Json escape_theory_row(const Json& p, double d, bool quartiles = true) {
  const Model M = model_from_json(p);
  const double delta = p.at("delta").get<double>(), eps = p.at("eps").get<double>();
  const int target = target_of(p);
  Json row = model_columns(M);
  row["d"] = d;
  if (cubic_of(p)) {
    const std::vector<double> c = hermite_coefficients(M, 4, 300);
    const double A = -c[4] * M.kappa4() * M.theta() * M.theta() / 6, G0 = loss_point(M, 0, 0).Gamma;
    row["A_prime"] = A;
    if (!(A > 0)) {
      row["status"] = "repelled";  // c_4 κ_4 ≥ 0: the cubic drift pushes alpha_v back
      return row;
    }
    const double kappa = delta * G0 / A, m = canonical_median(kappa), lq = canonical_lower_quartile(kappa);
    row["kappa"] = kappa;
    if (m < 0) {
      row["status"] = "out_of_table";  // κ beyond the brief's table of m(κ) (§4.4)
      return row;
    }
    const double D3 = d * d * d;
    row["n_median"] = D3 * m / (delta * A);
    row["n_q1"] = D3 * lq / (delta * A);
    row["n_over_d3"] = m / (delta * A);
    row["status"] = "converged";
    return row;
  }
  const EscapeLinear E = escape_linear(M, delta);
  row["r"] = E.r;
  row["e1_u"] = E.e1[0];
  row["e1_v"] = E.e1[1];
  row["s_Y2"] = E.sY2;
  if (!(E.r > 0)) {
    row["status"] = "no_growth";  // δ ≥ δ_c: the origin is stable (§4.3)
    return row;
  }
  const double t_max = p.at("t_max").get<double>();
  bool reached = true, ok = true;
  const double ps[] = {0.25, 0.5, 0.75};
  const char* names[] = {"n_q1", "n_median", "n_q3"};
  for (int i = 0; i < 3; ++i) {
    if (!quartiles && i != 1) continue;
    const Passage P = escape_quantile_linear(M, E, delta, d, target, eps, ps[i], t_max);
    reached = reached && P.reached;
    ok = ok && P.ok;
    row[names[i]] = P.reached ? Json(P.t) : Json(nullptr);
  }
  if (reached) row["n_over_dlogd"] = row["n_median"].get<double>() / (d * std::log(d));
  row["status"] = !ok ? "non_finite" : reached ? "converged" : "not_reached";
  return row;
}

PointResult solve_escape(const Json& p, const Json&, const Eigen::VectorXd*) {
  return {escape_theory_row(p, p.at("d").get<double>()), {}, {}};
}

double cap_steps(const Json& p, double d) {
  return p.at("cap").get<double>() * (cubic_of(p) ? d * d * d : d);
}

std::vector<std::string> validate_escape_sim(const Json& p, const Json& simulation) {
  std::vector<std::string> v;
  const SimOptions o = SimOptions::from_json(simulation);
  const double cost = sim_cost(o, cap_steps(p, o.d));
  if (cost > 1e13)
    v.push_back("cap: " + format_number(p["cap"].get<double>()) + ": allowed cap steps x seeds (x 2d for method full) <= 1e13 operations (here " +
                format_number(cost) + ")");
  if (cap_steps(p, o.d) > 9e18) v.push_back("cap: " + format_number(p["cap"].get<double>()) + ": allowed at most 9e18 samples");
  return v;
}

// First-passage sample counts of o.seeds replicas from a uniform start (−1: censored at the cap).
std::vector<double> passages(const Model& M, const Json& p, const SimOptions& o) {
  const double d = o.d, delta = p.at("delta").get<double>(), eps = p.at("eps").get<double>();
  const int target = target_of(p);
  RunSpec R;
  R.gamma = cubic_of(p) ? delta / (d * d) : delta / d;
  R.max_steps = static_cast<long>(std::llround(cap_steps(p, d)));
  R.random_start = true;
  (target == 0 ? R.eps_u : R.eps_v) = eps;
  R.stop_on = target;
  std::vector<double> n;
  for (const auto& r : run_replicas(M, R, o)) n.push_back(static_cast<double>(target == 0 ? r.n_u : r.n_v));
  return n;
}

// Median and quartiles with their 68 % order-statistic intervals; X_stderr = half the interval width.
Json passage_row(const std::vector<double>& n, double d, bool cubic) {
  Json row;
  double censored = 0;
  for (double x : n) censored += x < 0 ? 1 : 0;
  const QuantileCI med = quantile_ci(n, 0.5), q1 = quantile_ci(n, 0.25), q3 = quantile_ci(n, 0.75);
  row["n_median"] = num_or_null(med.value);
  row["n_median_stderr"] = num_or_null(0.5 * (med.hi - med.lo));
  row["n_median_lo"] = num_or_null(med.lo);
  row["n_median_hi"] = num_or_null(med.hi);
  row["n_q1"] = num_or_null(q1.value);
  row["n_q1_stderr"] = num_or_null(0.5 * (q1.hi - q1.lo));
  row["n_q3"] = num_or_null(q3.value);
  row["n_q3_stderr"] = num_or_null(0.5 * (q3.hi - q3.lo));
  row["censored"] = censored / static_cast<double>(n.size());
  if (std::isfinite(med.value)) {
    if (cubic)
      row["n_over_d3"] = med.value / (d * d * d);
    else
      row["n_over_dlogd"] = med.value / (d * std::log(d));
  }
  row["status"] = std::isfinite(med.value) ? "converged" : "censored";
  return row;
}

std::vector<Json> simulate_escape(const Json& p, const Json& simulation) {
  const Model M = model_from_json(p);
  const SimOptions o = SimOptions::from_json(simulation);
  Json row = passage_row(passages(M, p, o), o.d, cubic_of(p));
  row["seeds"] = o.seeds;
  row["cap_samples"] = cap_steps(p, o.d);
  row["method"] = o.method;
  return {row};
}

// ---------------------------------------------------------------------------------------------------------
// cumulant.samples: the sample-complexity experiment (brief §5.3 P1–P3): first-passage medians vs d and the
// fitted exponent of n_median ∝ d^k with a bootstrap interval over replicas.

std::vector<ParamSpec> samples_specs() {
  auto s = with(model_specs(), escape_extra());
  s.push_back({"experiment", K::string, "pairwise", 0, 0, false, false,
               "pairwise (P1: indep, beta_u = 2, linear, delta 0.5, |alpha_u| >= 0.5), cumulant (P2: indep, beta_u = 0, "
               "cubic, delta 0.25, |alpha_v| >= 0.5, cap 60 d^3), correlated (P3: sign, q = 1, beta_u = 2, linear, "
               "delta 0.5, |alpha_v| >= 0.2), or custom (the parameters as given); presets override those parameters",
               {"pairwise", "cumulant", "correlated", "custom"}, ""});
  s.push_back({"d_values", K::array, nullptr, 0, 0, false, false,
               "dimensions of the scaling experiment (integers >= 4); null: the preset's (P1, P3: 250 ... 16000; P2: 32, 48, 64)",
               {}, ""});
  s.push_back({"bootstrap", K::integer, 1000, 0, 1e5, false, false,
               "bootstrap resamples over replicas for the 95 % interval of the fitted exponent (0: none)", {}, ""});
  return s;
}

// The effective parameters of an experiment (preset applied) and its dimensions.
Json experiment_params(const Json& p) {
  Json e = p;
  const std::string ex = p.at("experiment").get<std::string>();
  const Json linear_d = Json::array({250, 500, 1000, 2000, 4000, 8000, 16000});
  if (ex == "pairwise")
    e.update(Json{{"latent", "indep"}, {"beta_u", 2.0}, {"scale", "linear"}, {"delta", 0.5}, {"target", "u"}, {"eps", 0.5}, {"cap", 1000.0}});
  else if (ex == "cumulant")
    e.update(Json{{"latent", "indep"}, {"beta_u", 0.0}, {"scale", "cubic"}, {"delta", 0.25}, {"target", "v"}, {"eps", 0.5}, {"cap", 60.0}});
  else if (ex == "correlated")
    e.update(Json{{"latent", "sign"}, {"q", 1.0}, {"beta_u", 2.0}, {"scale", "linear"}, {"delta", 0.5}, {"target", "v"}, {"eps", 0.2}, {"cap", 1000.0}});
  if (e["d_values"].is_null())
    e["d_values"] = ex == "cumulant" ? Json::array({32, 48, 64}) : ex == "custom" ? Json(nullptr) : linear_d;
  return e;
}

std::vector<std::string> validate_samples(const Json& p) {
  const Json e = experiment_params(p);
  auto v = validate_escape(e);
  const Json& ds = e["d_values"];
  if (!ds.is_array() || ds.size() < 2) {
    v.push_back("d_values: " + ds.dump() + ": allowed a list of at least 2 integers >= 4 (required for experiment = custom)");
    return v;
  }
  for (const auto& x : ds)
    if (!x.is_number() || x.get<double>() < 4 || x.get<double>() != std::floor(x.get<double>()) || x.get<double>() > 1e8)
      v.push_back("d_values: " + x.dump() + ": allowed integers in [4, 1e8]");
  return v;
}

Json experiment_columns(const Json& e) {
  Json c;
  for (const char* k : {"experiment", "latent", "beta_u", "scale", "delta", "target", "eps", "cap"}) c[k] = e[k];
  return c;
}

PointResult solve_samples(const Json& p, const Json&, const Eigen::VectorXd*) {
  const Json e = experiment_params(p);
  std::vector<Json> rows;
  std::vector<double> ds, meds;
  bool all = true;
  for (const auto& x : e["d_values"]) {
    const double d = x.get<double>();
    Json row = experiment_columns(e);
    row.update(escape_theory_row(e, d, false));
    if (row["status"] == "converged") {
      ds.push_back(d);
      meds.push_back(row["n_median"].get<double>());
    } else {
      all = false;
    }
    rows.push_back(row);
  }
  const double k = ds.size() >= 2 ? loglog_slope(ds, meds) : kInf;
  for (auto& r : rows) r["exponent"] = num_or_null(k);
  if (!all && rows.front()["status"] == "converged") rows.front()["status"] = "not_reached";
  PointResult out{rows.front(), {}, {}};
  out.more_rows.assign(rows.begin() + 1, rows.end());
  return out;
}

std::vector<std::string> validate_samples_sim(const Json& p, const Json& simulation) {
  const Json e = experiment_params(p);
  std::vector<std::string> v;
  if (!e["d_values"].is_array()) return v;
  const SimOptions o = SimOptions::from_json(simulation);
  double cost = 0;
  for (const auto& x : e["d_values"]) {
    SimOptions od = o;
    od.d = static_cast<int>(x.get<double>());
    cost += sim_cost(od, cap_steps(e, od.d));
  }
  if (cost > 1e13)
    v.push_back("cap: " + format_number(e["cap"].get<double>()) + ": allowed sum over d_values of cap steps x seeds (x 2d for full) <= 1e13 (here " +
                format_number(cost) + ")");
  return v;
}

std::vector<Json> simulate_samples(const Json& p, const Json& simulation) {
  const Json e = experiment_params(p);
  const Model M = model_from_json(e);
  const SimOptions o = SimOptions::from_json(simulation);
  const bool cubic = cubic_of(e);
  std::vector<Json> rows;
  std::vector<std::vector<double>> all;
  std::vector<double> ds, meds, th_meds;
  std::size_t j = 0;
  for (const auto& x : e["d_values"]) {
    SimOptions od = o;
    od.d = static_cast<int>(x.get<double>());
    od.seed = o.seed + 7919ULL * j++;  // independent replicas at each d (the bootstrap resamples each d separately)
    const std::vector<double> n = passages(M, e, od);
    Json row = experiment_columns(e);
    row["d"] = od.d;
    row.update(passage_row(n, od.d, cubic));
    const Json th = escape_theory_row(e, od.d, false);
    row["n_median_theory"] = th.contains("n_median") ? th["n_median"] : Json(nullptr);
    if (row["n_median"].is_number() && row["n_median_theory"].is_number())
      row["ratio_to_theory"] = row["n_median"].get<double>() / row["n_median_theory"].get<double>();
    row["seeds"] = od.seeds;
    row["seed"] = od.seed;
    row["cap_samples"] = cap_steps(e, od.d);
    row["method"] = o.method;
    if (row["n_median"].is_number()) {
      ds.push_back(od.d);
      meds.push_back(row["n_median"].get<double>());
    }
    if (row["n_median_theory"].is_number()) th_meds.push_back(row["n_median_theory"].get<double>());
    all.push_back(n);
    rows.push_back(row);
  }
  // Fit log n_median = k log d + const over every d; 95 % bootstrap interval over replicas (each d resampled).
  const bool complete = ds.size() == all.size() && ds.size() >= 2;
  const double k = complete ? loglog_slope(ds, meds) : kInf;
  const int B = p.at("bootstrap").get<int>();
  std::vector<double> ks;
  int failed = 0;
  if (complete && B > 0) {
    auto rng = sim::stream(o.seed, 8);
    std::vector<double> bm(all.size()), sample;
    for (int bi = 0; bi < B; ++bi) {
      bool ok = true;
      for (std::size_t i = 0; i < all.size(); ++i) {
        std::uniform_int_distribution<std::size_t> pick(0, all[i].size() - 1);
        sample.resize(all[i].size());
        for (auto& s : sample) s = all[i][pick(rng)];
        bm[i] = quantile_ci(sample, 0.5).value;
        ok = ok && std::isfinite(bm[i]);
      }
      if (ok)
        ks.push_back(loglog_slope(ds, bm));
      else
        ++failed;
    }
    std::sort(ks.begin(), ks.end());
  }
  const bool ci = !ks.empty() && failed <= B / 40;  // at most 2.5 % of resamples without a finite median
  auto pct = [&](double q) { return ks[static_cast<std::size_t>(std::clamp(q * static_cast<double>(ks.size() - 1), 0.0, static_cast<double>(ks.size() - 1)))]; };
  std::vector<double> all_d;
  for (const auto& x : e["d_values"]) all_d.push_back(x.get<double>());
  const double k_theory = th_meds.size() == all_d.size() ? loglog_slope(all_d, th_meds) : kInf;
  for (auto& r : rows) {
    r["exponent"] = num_or_null(k);
    r["exponent_ci_lo"] = ci ? Json(pct(0.025)) : Json(nullptr);
    r["exponent_ci_hi"] = ci ? Json(pct(0.975)) : Json(nullptr);
    r["exponent_theory"] = num_or_null(k_theory);
    r["bootstrap"] = B;
    if (!complete && r["status"] == "converged") r["status"] = "censored";
  }
  return rows;
}

Json escape_units() {
  return {{"d", "dimension"},
          {"n_median", "median number of samples (= pSGD steps) until |alpha_target| >= eps, from a uniform random start"},
          {"n_q1", "lower quartile of that number"},
          {"n_q3", "upper quartile of that number"},
          {"n_median_stderr", "simulation: half width of the distribution-free 68 % interval of the median (order statistics)"},
          {"n_median_lo", "simulation: lower end of the 68 % interval of the median"},
          {"n_median_hi", "simulation: upper end of the 68 % interval of the median"},
          {"censored", "fraction of replicas that did not reach eps within the cap (counted as +inf)"},
          {"n_over_dlogd", "n_median/(d ln d) (linear scale)"},
          {"n_over_d3", "n_median/d^3 (cubic scale)"},
          {"r", "top eigenvalue of the linearisation J at alpha = 0 (E4.2)"},
          {"e1_u", "u component of its eigenvector e_1"},
          {"e1_v", "v component of e_1"},
          {"s_Y2", "variance of the escape amplitude Y (E4.3)"},
          {"A_prime", "-c_4 kappa_4(nu) theta^2/6 (E4.6)"},
          {"kappa", "delta Gamma_0/A' of the canonical cubic SDE (E4.7)"},
          {"exponent", "least-squares slope of log n_median on log d over the table's d values"},
          {"exponent_ci_lo", "2.5 % bootstrap quantile of the slope (replicas resampled at each d)"},
          {"exponent_ci_hi", "97.5 % bootstrap quantile of the slope"},
          {"exponent_theory", "slope of the theory medians (E4.4 / E4.7) over the same d values"},
          {"n_median_theory", "theory median (E4.4 linear scale, E4.7 cubic scale)"},
          {"ratio_to_theory", "simulated median / theory median"}};
}

std::vector<ParamSpec> ode_solver_specs() {
  return {{"rel_tol", K::real, 1e-11, 1e-14, 1e-3, false, false, "relative tolerance of the adaptive rk8pd integrator", {}, ""},
          {"abs_tol", K::real, 1e-13, 1e-16, 1e-3, false, false, "absolute tolerance of the adaptive rk8pd integrator", {}, ""}};
}

}  // namespace

void register_cumulant_models(std::vector<ModelInfo>& models) {
  {
    ModelInfo m;
    m.name = "cumulant.exponent";
    m.summary = "Mixed cumulant model, tied single neuron f(x) = c x + w sigma(w.x): Hermite coefficients c_k of the "
                "population loss, diffusion information exponents k_u, k_v with their sign, the mixed term of correlated "
                "latents, Gamma_0 and the escape constants (sweep b for tables over the noise level)";
    m.reference = "seed 002 (Bardone, Merger, Goldt); brief mixed-cumulant.md §3 (E3.1-E3.6), §4.3-4.4; equations/cumulant.md";
    m.params = with(model_specs(), {{"kmax", K::integer, 8, 2, 30, false, false, "highest Hermite order reported", {}, ""},
                                    {"n_outer", K::integer, 300, 20, 400, false, false,
                                     "Gauss-Hermite nodes of the outer average in g (E3.2; brief §7: 300)", {}, ""},
                                    delta_spec()});
    m.units = {{"c_k", "Hermite coefficient E[Phi(g) He_k(g)] of Phi(s) = Psi(s, 0) (E3.2)"},
               {"k_u", "information exponent of u: order of the first non-zero term of F in alpha_u (E3.6); null = none"},
               {"k_v", "information exponent of v (E3.6); null = none up to kmax"},
               {"coef_u", "coefficient c_k/k! [alpha_u^k] E He_k(s) of that term (negative = attractive)"},
               {"coef_v", "coefficient of the first term in alpha_v (negative = attractive)"},
               {"mixed_uv", "coefficient c_2 c_uv of alpha_u alpha_v (correlated latents)"},
               {"Gamma0", "E|g|^2/d at alpha = 0 (E2.5)"},
               {"delta_c", "largest delta with growth of alpha_u from 0 (independent latents, E4.3)"},
               {"delta_star", "fastest-growth delta"},
               {"r", "top eigenvalue of J at this delta (E4.2)"},
               {"A_prime", "-c_4 kappa_4 theta^2/6, cubic drift constant (E4.6)"},
               {"kappa_over_delta", "Gamma_0/A' (E4.7)"}};
    m.validate_point = model_errors;
    m.solve_point = solve_exponent;
    models.push_back(std::move(m));
  }
  {
    ModelInfo m;
    m.name = "cumulant.psgd";
    m.summary = "Online projected SGD of the single-neuron denoiser on the mixed cumulant model: the d -> inf ODEs of the "
                "overlaps alpha_u = w.u, alpha_v = w.v in t = n/d (gamma = delta/d), with F, its gradient and Gamma along "
                "the way; simulate/compare: finite-d pSGD from the same start (reduced chain or full d-dimensional)";
    m.reference = "seed 002; brief mixed-cumulant.md §2 (E2.1-E2.5), §4.2 (E4.1), §5.1-5.2; equations/cumulant.md";
    m.params = psgd_specs();
    m.solver = ode_solver_specs();
    m.units = {{"t", "n/d (n = samples seen)"},
               {"alpha_u", "w.u"},
               {"alpha_v", "w.v"},
               {"F", "population loss without its O(d) constant (E2.3)"},
               {"F_u", "dF/dalpha_u (E2.4)"},
               {"F_v", "dF/dalpha_v (E2.4)"},
               {"Gamma", "lim E|g|^2/d (E2.5)"},
               {"dalpha_u_dt", "right-hand side of (E4.1)"},
               {"dalpha_v_dt", "right-hand side of (E4.1)"},
               {"n_samples", "simulation: samples seen, round(t d)"}};
    m.validate_point = validate_psgd;
    m.solve_point = solve_psgd;
    m.simulation = SimOptions::specs();
    m.validate_simulation = validate_psgd_sim;
    m.simulate_point = simulate_psgd;
    models.push_back(std::move(m));
  }
  {
    ModelInfo m;
    m.name = "cumulant.escape";
    m.summary = "Samples needed for |alpha_u| or |alpha_v| to reach eps from a uniform random start (overlap ~ d^-1/2): "
                "quartiles from the escape law (E4.4, linear scale) or the cubic-scale law (E4.7); simulate/compare: "
                "first passages of finite-d pSGD with order-statistic intervals";
    m.reference = "seed 002; brief mixed-cumulant.md §4.3-4.5 (E4.2-E4.7), §5.3; equations/cumulant.md";
    m.params = escape_specs();
    m.units = escape_units();
    m.validate_point = validate_escape;
    m.solve_point = solve_escape;
    m.simulation = SimOptions::specs();
    m.validate_simulation = [](const Json& p, const Json& s) {
      auto v = validate_escape(p);
      auto w = validate_escape_sim(p, s);
      v.insert(v.end(), w.begin(), w.end());
      return v;
    };
    m.simulate_point = simulate_escape;
    models.push_back(std::move(m));
  }
  {
    ModelInfo m;
    m.name = "cumulant.samples";
    m.summary = "Sample-complexity experiment: median samples to reach the threshold vs d over a list of dimensions, with "
                "the fitted exponent of n ~ d^k (bootstrap 95 % interval); presets P1 pairwise (u), P2 fourth cumulant "
                "(v, cubic scale), P3 correlated latents (v, linear scale); theory medians alongside";
    m.reference = "seed 002; brief mixed-cumulant.md §4.5, §5.3-5.4; equations/cumulant.md";
    m.params = samples_specs();
    m.units = escape_units();
    m.validate_point = validate_samples;
    m.solve_point = solve_samples;
    std::vector<ParamSpec> sim;
    for (const auto& s : SimOptions::specs())
      if (s.name != "d") sim.push_back(s);
    m.simulation = sim;
    m.validate_simulation = [](const Json& p, const Json& s) {
      auto v = validate_samples(p);
      auto w = validate_samples_sim(p, s);
      v.insert(v.end(), w.begin(), w.end());
      return v;
    };
    m.simulate_point = simulate_samples;
    models.push_back(std::move(m));
  }
}

}  // namespace hdflow
