// retrain.clusters in the model registry: the autoencoder retraining chain of seed 000 (bulk-variance map,
// critical sample size; brief online-sgd-ae-diffusion.md §7) and its finite-d simulation.
#include <cmath>
#include <limits>

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
      {"G", K::integer, 10, 1, 1e6, false, false, "generations (generation 0 is the target)", {}, ""},
      {"t", K::real, 0.7, 0, 1, true, true, "training noise level: interpolant x_t = (1-t) x0 + t x1", {}, ""},
      {"eta", K::real, 0.1, 0, 1e3, true, false, "learning rate of W (b has eta/d^2)", {}, ""},
      {"weight_decay", K::real, 0.1, 0, 1e3, false, false, "lambda_wd (does not enter b; used by the simulation)", {}, ""},
      {"lambda_bar", K::real, 1.0, 0, 1e6, true, false, "target bulk variance (the simulation's target has 1)", {}, ""},
      {"T", K::integer, 100, 2, 1e7, false, false, "sampler cutoff: generation stops at t = 1 - 1/T", {}, ""},
      {"sampler", K::string, "euler", 0, 0, false, false, "euler (the notebooks' grid, A_T(b)) or exact (T^(b-1))", {"euler", "exact"}, ""},
      {"trajectory", K::boolean, true, 0, 0, false, false, "rows for g = 0..G (true) or only g = G (for compare)", {}, ""},
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
          {"w1", "simulation: fraction of generated samples nearest to mu_1 in the (e1, e2) plane"}};
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

std::vector<Json> chain_rows(const Json& p) {
  const ClustersChain c = chain_of(p);
  const int G = p["G"].get<int>();
  const double n = p["n"].get<double>(), tau = c.tau(n);
  const auto v = bulk_sequence(c, tau, G);
  const double tc = critical_tau(c), vl = bulk_limit(c, tau);
  const auto fps = bulk_fixed_points(c, tau);
  const std::string regime = bulk_regime(c, tau);
  std::vector<Json> rows;
  for (int g = p["trajectory"].get<bool>() ? 0 : G; g <= G; ++g) {
    Json row = {{"g", g}, {"tau", tau}, {"v", v[static_cast<std::size_t>(g)]}};
    if (g > 0) {
      const double vt = c.rho * c.lambda_bar + (1 - c.rho) * v[static_cast<std::size_t>(g - 1)];
      const double b = skip_after(c.t, vt, tau);
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
  return rows;
}

}  // namespace

void register_retrain_clusters(std::vector<ModelInfo>& models) {
  ModelInfo m;
  m.name = "retrain.clusters";
  m.summary = "Autoencoder (clusters module) retrained on its own generated law with n samples per generation and fresh "
              "fraction alpha: bulk variance and skip connection per generation, critical sample size n_c below which "
              "the bulk collapses (model collapse), regime per row";
  m.reference = "seed 000 (Cui, Pehlevan, Lu); brief online-sgd-ae-diffusion.md §6.2, §7.1-7.5; equations/retrain-clusters.md";
  m.params = clusters_chain_specs();
  m.units = clusters_units();
  m.validate_point = [](const Json&) { return std::vector<std::string>{}; };
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
