// retrain.clusters in the model registry: the autoencoder retraining chain of seed 000 (bulk-variance map,
// critical sample size; brief online-sgd-ae-diffusion.md §7) and its finite-d simulation.
#include <cmath>
#include <limits>

#include "hdflow/clusters/closure.hpp"
#include "hdflow/clusters/generate.hpp"
#include "hdflow/retrain/clusters.hpp"
#include "hdflow/retrain/clusters_sim.hpp"
#include "hdflow/retrain/models_detail.hpp"

namespace hdflow {

namespace {

using K = ParamSpec::Kind;
using namespace retrain;

Json num(double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); }

std::vector<ParamSpec> clusters_chain_specs() {
  return {
      {"n", K::integer, 30000, 2, 1e9, false, false, "training samples per generation (online SGD, one pass)", {}, ""},
      {"d", K::integer, 2000, 2, 1e9, false, false, "dimension: tau = 2 eta n/d (the simulation's d when simulating)", {}, ""},
      {"alpha", K::real, 0.0, 0, 1, false, false, "fresh fraction of every training set (the brief's rho)", {}, ""},
      {"G", K::integer, 5, 1, 1e6, false, false, "generations (generation 0 is the target); with the closure each costs 2-4 s", {}, ""},
      {"t", K::real, 0.7, 0, 1, true, true, "training noise level: interpolant x_t = (1-t) x0 + t x1", {}, ""},
      {"eta", K::real, 0.1, 0, 1e3, true, false, "learning rate of W (b has eta/d^2)", {}, ""},
      {"weight_decay", K::real, 0.1, 0, 1e3, false, false, "lambda_wd (does not enter b; used by the simulation)", {}, ""},
      {"lambda_bar", K::real, 1.0, 0, 1e6, true, false, "target bulk variance (the simulation's target has 1)", {}, ""},
      {"T", K::integer, 100, 2, 1e7, false, false, "sampler cutoff: generation stops at t = 1 - 1/T", {}, ""},
      {"sampler", K::string, "euler", 0, 0, false, false, "euler (the notebooks' grid, A_T(b)) or exact (T^(b-1))", {"euler", "exact"}, ""},
      {"trajectory", K::boolean, true, 0, 0, false, false, "rows for g = 0..G (true) or only g = G (for compare)", {}, ""},
      {"n_first", K::integer, 0, 0, 1e9, false, false, "samples of generation 1 (the one trained on the target); 0: n", {}, ""},
      {"closure", K::boolean, true, 0, 0, false, false,
       "also solve the generation-to-generation closure (brief 7.2) for M, Q, R = W W_parent^T/d, b and the generated "
       "law of every generation (about 1-3 s per generation); false: the bulk-variance map only", {}, ""},
      {"warm_start", K::boolean, false, 0, 0, false, false,
       "closure: each child starts from its parent's weights (false: cold informed start, as the bulk map assumes)", {}, ""},
      {"outer", K::integer, 0, 0, 400, false, false,
       "closure: Gauss nodes per unit for the parent's latent law; 0: automatic (32, 48, 64 for b_parent < 0.7, < 0.9, "
       "otherwise)", {}, ""},
  };
}

Json clusters_units() {
  return {{"g", "generation; g = 0 is the target (v = lambda_bar)"},
          {"tau", "training time 2 eta n/d per generation"},
          {"v", "bulk variance of generation g's output (orthogonal to its W rows): A(b_g)^2"},
          {"b", "skip connection of the network trained in generation g (cold start)"},
          {"amplitude", "A_T(b) (euler) or T^(b-1) (exact)"},
          {"v_train", "bulk variance of generation g's training set: alpha lambda_bar + (1-alpha) v_{g-1}"},
          {"n_c", "critical sample size d tau_c/(2 eta): F(lambda_bar) = lambda_bar (independent of alpha)"},
          {"tau_c", "critical training time"},
          {"slope_at_critical", "F'(lambda_bar) at tau_c: (1-alpha) 3.881 in the Fig. 1 setting (unstable)"},
          {"v_limit", "lim v_g (the stable fixed point reached from lambda_bar)"},
          {"log10_v_limit", "log10(v_limit/lambda_bar): < 0 collapse, > 0 inflation"},
          {"regime", "collapse (n < n_c: v_g decreases), inflation (n > n_c), critical"},
          {"fixed_points", "number of fixed points of F in [1e-12, 1e6]"},
          {"log_v", "simulation: mean over seeds of ln v_g"},
          {"w1", "fraction of generated samples nearest to mu_1 in the (e1, e2) plane (closure: by quadrature; simulation: counted)"},
          {"w_err", "closure: quadrature error estimate of w1..w3 (64- vs 128-node rules)"},
          {"M_k_g", "closure (and simulation): mu_k . w_g/sqrt(d) of generation g's network"},
          {"Q_g_h", "closure (and simulation): w_g . w_h/d"},
          {"R_g_h", "closure: w_g . w_parent,h/d, overlap with the parent's weights (g >= 2)"},
          {"y1_abs", "E|y_1| of generation g's samples, y_p = x . mu_p/|mu_p| (brief 5.6)"},
          {"y1_var", "Var y_1 (y2_*: the same along mu_2)"},
          {"y1_m4", "E y_1^4"},
          {"active_units", "units whose latent origin is unstable, Q_gg + b > 1: up to 2^active_units modes as t -> 1 (b < 1)"},
          {"outer_nodes", "closure: outer Gauss nodes per unit used for the parent's law"}};
}

ClustersChain chain_of(const Json& p) {
  ClustersChain c;
  c.t = p["t"].get<double>();
  c.eta = p["eta"].get<double>();
  c.d = p["d"].get<int>();
  c.lambda_bar = p["lambda_bar"].get<double>();
  c.rho = p["alpha"].get<double>();
  c.T = p["T"].get<int>();
  c.exact_flow = p["sampler"] == "exact";
  return c;
}

// The full closure (brief §7.2) along the chain: generation 1 by clusters.sgd on the target (Fig. 1 mixture with
// Σ = λ̄I), generation g ≥ 2 by the closure on generation g − 1's output. Rows g = 1..G get M, Q, R, b, v and the
// projected law; a failure marks that row and the later ones non_finite.
void add_closure(const Json& p, const ClustersChain& c, double tau1, double tau, std::vector<Json>& rows) {
  using namespace hdflow::clusters;
  SgdParams P = fig1_setting();
  P.t = c.t;
  P.eta = c.eta;
  P.weight_decay = p["weight_decay"].get<double>();
  P.lambda_s = {c.lambda_bar};
  ClosureOptions o;
  o.rho = c.rho;
  o.warm_start = p["warm_start"].get<bool>();
  o.sampler.T = c.T;
  o.sampler.exact_flow = c.exact_flow;
  const int G = p["G"].get<int>(), outer = p["outer"].get<int>();
  GenerateOptions gen = o.sampler;
  gen.project_on = {1, 2};
  gen.mode_weights = true;
  SgdState st = integrate_sgd_path(P, informed_start(P), 0.0, {tau1}, 1e-10).back();
  std::string failure;
  for (int g = 1; g <= G; ++g) {
    Json extra;
    if (g >= 2 && failure.empty()) {
      try {
        o.outer = outer > 0 ? outer : st.b < 0.7 ? 32 : st.b < 0.9 ? 48 : 64;
        const ParentLaw L = parent_law(P, st, o);
        const ChildState ch = integrate_child(P, L, child_start(P, L, o.warm_start), {tau}, o).back();
        st = ch.sgd();
        for (int a = 0; a < P.r; ++a)
          for (int e = 0; e < P.r; ++e) extra["R_" + std::to_string(a + 1) + "_" + std::to_string(e + 1)] = ch.R(a, e);
        extra["outer_nodes"] = o.outer;
        if (!std::isfinite(ch.b) || !ch.Q.allFinite() || !ch.M.allFinite() || !ch.R.allFinite())
          failure = "closure: the integration of generation " + std::to_string(g) + " failed (non-finite state)";
      } catch (const std::exception& e) {
        failure = e.what();
      }
    }
    Json* row = nullptr;
    for (Json& r : rows)
      if (r["g"] == g) row = &r;
    if (!failure.empty()) {
      if (row) {
        (*row)["status"] = "non_finite";
        (*row)["error"] = failure;
      }
      continue;
    }
    if (!row) continue;  // trajectory = false: only g = G is reported, but every generation is solved
    const Eigen::MatrixXd M = st.M(), Q = st.Q();
    for (int k = 0; k < P.K(); ++k)
      for (int a = 0; a < P.r; ++a) (*row)["M_" + std::to_string(k + 1) + "_" + std::to_string(a + 1)] = M(k, a);
    (*row)["Q_1_1"] = Q(0, 0);
    (*row)["Q_1_2"] = Q(0, 1);
    (*row)["Q_2_2"] = Q(1, 1);
    for (auto it = extra.begin(); it != extra.end(); ++it) (*row)[it.key()] = it.value();
    // b, v, amplitude of the closure (with a cold start they equal the bulk map's; a warm start changes b)
    const ProjectedLaw law = projected_law(P, st, gen);
    (*row)["b"] = st.b;
    (*row)["amplitude"] = law.amplitude;
    (*row)["v"] = law.amplitude * law.amplitude;
    (*row)["log_v"] = std::log(law.amplitude * law.amplitude);
    (*row)["y1_abs"] = law.abs_mean[0];
    (*row)["y1_var"] = law.var[0];
    (*row)["y1_m4"] = law.m4[0];
    (*row)["y2_abs"] = law.abs_mean[1];
    (*row)["y2_var"] = law.var[1];
    (*row)["y2_m4"] = law.m4[1];
    (*row)["active_units"] = law.active_units;
    for (std::size_t k = 0; k < law.mode_weight.size(); ++k) (*row)["w" + std::to_string(k + 1)] = law.mode_weight[k];
    if (!law.mode_weight.empty()) (*row)["w_err"] = law.mode_weight_err;
  }
}

std::vector<Json> chain_rows(const Json& p) {
  const ClustersChain c = chain_of(p);
  const int G = p["G"].get<int>();
  const double n = p["n"].get<double>(), tau = c.tau(n);
  const double n1 = p["n_first"].get<double>() > 0 ? p["n_first"].get<double>() : n, tau1 = c.tau(n1);
  // v₀ = λ̄, v₁ = F_{τ₁}(v₀), v_g = F_τ(v_{g−1})
  std::vector<double> v = {c.lambda_bar};
  for (int g = 1; g <= G; ++g) v.push_back(bulk_map(c, g == 1 ? tau1 : tau, v.back()));
  const double tc = critical_tau(c), vl = bulk_limit(c, tau);
  const auto fps = bulk_fixed_points(c, tau);
  const std::string regime = bulk_regime(c, tau);
  std::vector<Json> rows;
  for (int g = p["trajectory"].get<bool>() ? 0 : G; g <= G; ++g) {
    const double tg = g == 1 ? tau1 : tau;
    Json row = {{"g", g}, {"tau", g == 0 ? 0.0 : tg}, {"v", v[static_cast<std::size_t>(g)]}};
    if (g > 0) {
      const double vt = c.rho * c.lambda_bar + (1 - c.rho) * v[static_cast<std::size_t>(g - 1)];
      const double b = skip_after(c.t, vt, tg);
      row["b"] = b;
      row["amplitude"] = bulk_amplitude(b, c.T, c.exact_flow);
      row["v_train"] = vt;
    }
    row["n_c"] = num(c.n_of_tau(tc));
    row["tau_c"] = num(tc);
    row["slope_at_critical"] = std::isfinite(tc) ? Json(bulk_map_slope(c, tc, c.lambda_bar)) : Json(nullptr);
    row["v_limit"] = num(vl);
    row["log10_v_limit"] = num(std::log10(vl / c.lambda_bar));
    row["regime"] = regime;
    row["fixed_points"] = fps.size();
    row["log_v"] = std::log(v[static_cast<std::size_t>(g)]);
    row["status"] = "converged";
    rows.push_back(std::move(row));
  }
  if (p["closure"].get<bool>()) add_closure(p, c, tau1, tau, rows);
  return rows;
}

}  // namespace

void register_retrain_clusters(std::vector<ModelInfo>& models) {
  ModelInfo m;
  m.name = "retrain.clusters";
  m.summary = "Autoencoder (clusters module) retrained on its own generated law with n samples per generation and fresh "
              "fraction alpha: the generation-to-generation closure of M, Q, R, b with the generated law and mode weights per "
              "generation; bulk variance and skip connection, critical sample size n_c below which the bulk collapses "
              "(model collapse), regime per row";
  m.reference = "seed 000 (Cui, Pehlevan, Lu); brief online-sgd-ae-diffusion.md §6.2, §7.1-7.5; equations/retrain-clusters.md, "
                "equations/clusters-closure.md";
  m.params = clusters_chain_specs();
  m.units = clusters_units();
  m.validate_point = [](const Json& p) {
    std::vector<std::string> v;
    const auto nf = p["n_first"].get<long long>();
    if (nf == 1) v.push_back("n_first: 1: allowed 0 (= n) or integers in [2, 1e9]");
    return v;
  };
  m.solve_point = [](const Json& params, const Json&, const Eigen::VectorXd*) { return rows_to_point(chain_rows(params)); };
  m.simulation = ClustersSimOptions::specs();
  m.validate_simulation = [](const Json& p, const Json& simulation) {
    std::vector<std::string> v;
    const ClustersSimOptions o = ClustersSimOptions::from_json(simulation);
    if (p["lambda_bar"].get<double>() != 1.0)
      v.push_back("lambda_bar: " + p["lambda_bar"].dump() + ": allowed 1 for a simulation (the Fig. 1 target, Sigma = I)");
    if (p["sampler"] != "euler") v.push_back("sampler: " + p["sampler"].get<std::string>() + ": allowed euler for a simulation");
    const double work = p["n"].get<double>() * o.d * p["G"].get<double>() * o.seeds;
    if (work > 1e13)
      v.push_back("n: " + p["n"].dump() + ": allowed n d G seeds <= 1e13 (here " + format_number(work) + ")");
    return v;
  };
  m.simulate_point = [](const Json& p, const Json& simulation) {
    ClustersSimParams P;
    P.n = p["n"].get<int>();
    P.n_first = p["n_first"].get<int>() > 0 ? p["n_first"].get<int>() : P.n;
    P.G = p["G"].get<int>();
    P.rho = p["alpha"].get<double>();
    P.t = p["t"].get<double>();
    P.eta = p["eta"].get<double>();
    P.weight_decay = p["weight_decay"].get<double>();
    P.T = p["T"].get<int>();
    return simulate_clusters_rows(P, ClustersSimOptions::from_json(simulation), p["trajectory"].get<bool>());
  };
  models.push_back(std::move(m));
}

}  // namespace hdflow
