// The retrain module's entries in the model registry (see include/hdflow/registry.hpp): retrain.gaussian,
// retrain.bounds, retrain.clusters, with their finite-d simulations.
#include <cmath>
#include <limits>

#include "hdflow/core/status.hpp"
#include "hdflow/registry.hpp"
#include "hdflow/retrain/gaussian.hpp"
#include "hdflow/retrain/gaussian_sim.hpp"
#include "hdflow/retrain/models_detail.hpp"

namespace hdflow {

namespace {

using K = ParamSpec::Kind;
using namespace retrain;

// +∞ (an infinite χ², an unstable fixed point) is written as null; the row's status columns say why.
Json num(double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); }

// ---------------------------------------------------------------- retrain.gaussian

std::vector<ParamSpec> gaussian_specs() {
  return {
      {"alpha", K::real, 0.5, 0, 1, false, false, "fresh fraction of each training set (refresh rate)", {}, ""},
      {"n", K::integer, 1000, 2, 1e9, false, false, "training-set size per generation", {}, ""},
      {"G", K::integer, 20, 1, 1e6, false, false, "generations (generation 0 is the data: p_hat^0 = p)", {}, ""},
      {"estimator", K::string, "mle", 0, 0, false, false, "covariance of the refit: mle (1/n) or unbiased (1/(n-1))", {"mle", "unbiased"}, ""},
      {"composition", K::string, "fixed", 0, 0, false, false,
       "fixed: round(alpha n) fresh points; bernoulli: each point fresh with probability alpha", {"fixed", "bernoulli"}, ""},
      {"d", K::integer, 1, 1, 200, false, false, "dimension (enters k_d of the leading-order drift and the simulation)", {}, ""},
      {"fit", K::string, "full", 0, 0, false, false, "covariance model: full (k_d = d + d(d+1)/2), diagonal (2d), isotropic (d+1)",
       {"full", "diagonal", "isotropic"}, ""},
      {"mu0", K::real, 0.0, -1e6, 1e6, false, false, "data mean (every coordinate)", {}, ""},
      {"var0", K::real, 1.0, 0, 1e6, true, false, "data variance (every coordinate)", {}, ""},
      {"sampler", K::string, "exact", 0, 0, false, false,
       "exact (S_t0: infinite horizon), continuous (finite T, start N(0,I)), em (Euler-Maruyama, brief §3.4)",
       {"exact", "continuous", "em"}, ""},
      {"T", K::real, 4.0, 0, 1e3, true, false, "reverse horizon (continuous, em)", {}, ""},
      {"t0", K::real, 0.0, 0, 1e3, false, false, "early-stopping time", {}, ""},
      {"steps", K::integer, 500, 1, 1e7, false, false, "Euler-Maruyama steps (em)", {}, ""},
      {"trajectory", K::boolean, true, 0, 0, false, false, "rows for g = 0..G (true) or only g = G (for compare)", {}, ""},
  };
}

Json gaussian_units() {
  return {{"g", "generation; g = 0 is the data (p_hat^0 = p, q_0 = p, D_0 = 0)"},
          {"alpha_realised", "round(alpha n)/n (fixed composition) or alpha"},
          {"e", "E|m_hat - mu0|^2/(var0 d) of the refit (brief §7.2, exact sampler with t0 = 0)"},
          {"s", "E tr(Sigma_hat)/(var0 d) of the refit"},
          {"e_fixed_point", "g -> inf limit of e (null: mean-square unstable)"},
          {"s_fixed_point", "g -> inf limit of s"},
          {"spectral_radius", "of the (e, s) recursion: < 1 iff mean-square stable"},
          {"D_chi2_lo", "leading-order finite-n drift (k_d/n)(1-(1-alpha)^(2g))/(alpha(2-alpha)) (brief §7.4)"},
          {"pop_mean", "mean of p_hat^g in the population (n = inf) pipeline with the sampler (brief §7.5)"},
          {"pop_var", "variance of p_hat^g, population pipeline"},
          {"D_chi2_pop", "chi2(p_hat^g | p), population pipeline (bias floor)"},
          {"D_kl_pop", "KL(p_hat^g | p), population pipeline"},
          {"W2sq_pop", "W2^2(p_hat^g, p), population pipeline"},
          {"D_chi2", "D_chi2_pop + D_chi2_lo: leading-order expected chi2(p_hat^g | p) at finite n"},
          {"D_kl", "D_kl_pop + D_chi2_lo/2"},
          {"chi2_status", "finite, or chi2_infinite when the population model is twice as wide as p"},
          {"n_c_unbiased", "1/(alpha(2-alpha)): the unbiased refit is mean-square stable iff n > n_c"},
          {"alpha_c_unbiased", "1 - sqrt(1 - 1/n): stability threshold in alpha at this n"},
          {"E_sigma_ratio_alpha0", "c(n)^g = E sigma_g/sigma_0 of the MLE refit at alpha = 0 (brief §10.1)"},
          {"regression_replace", "Gerstgrasser et al. replace: var0 d g/(n - d - 1), OLS with n samples per iteration (brief §10.3)"},
          {"regression_accumulate_bound", "accumulate: var0 d/(n - d - 1) sum_{k<=g} k^-2, an upper envelope (brief §10.3)"}};
}

Estimator estimator_of(const Json& p) { return p.value("estimator", std::string("mle")) == "mle" ? Estimator::mle : Estimator::unbiased; }
Composition composition_of(const Json& p) {
  return p.value("composition", std::string("fixed")) == "fixed" ? Composition::fixed : Composition::bernoulli;
}

}  // namespace

namespace retrain {

Sampler sampler_of(const Json& p) {
  Sampler s;
  const std::string k = p.value("sampler", std::string("exact"));
  s.kind = k == "exact" ? SamplerKind::exact : k == "continuous" ? SamplerKind::continuous : SamplerKind::em;
  s.T = p.value("T", 4.0);
  s.t0 = p.value("t0", 0.0);
  s.steps = p.value("steps", 500);
  return s;
}

std::vector<std::string> validate_gaussian_point(const Json& p) {
  std::vector<std::string> v;
  const Sampler s = sampler_of(p);
  if (s.kind != SamplerKind::exact && !(s.t0 < s.T))
    v.push_back("t0: " + format_number(s.t0) + ": allowed [0, T) = [0, " + format_number(s.T) + ") with sampler " +
                p.value("sampler", std::string()));
  return v;
}

GaussianPipeline gaussian_pipeline_of(const Json& p) {
  GaussianPipeline P;
  P.d = p.value("d", 1);
  P.mu0 = p.value("mu0", 0.0);
  P.var0 = p.value("var0", 1.0);
  P.alpha = p.value("alpha", 0.5);
  P.n = p.value("n", 1000);
  P.G = p.value("G", 20);
  P.estimator = estimator_of(p);
  P.composition = composition_of(p);
  P.sampler = sampler_of(p);
  return P;
}

// Theory rows of retrain.gaussian (brief §7.2, §7.4, §7.5, §10.1).
std::vector<Json> gaussian_theory_rows(const Json& p) {
  const GaussianPipeline P = gaussian_pipeline_of(p);
  const std::string fit_name = p.value("fit", std::string("full"));
  const Fit fit = fit_name == "full" ? Fit::full : fit_name == "diagonal" ? Fit::diagonal : Fit::isotropic;
  const bool trajectory = p.value("trajectory", true);
  const double a = realised_alpha(P.alpha, P.n, P.composition);
  const auto rec = moment_recursion(P.G, a, P.n, P.estimator, P.composition);
  const Moments fp = moment_fixed_point(a, P.n, P.estimator, P.composition);
  const double rho = moment_spectral_radius(a, P.n, P.estimator, P.composition);
  const auto pop = population_pipeline(P.mu0, P.var0, P.alpha, P.G, P.sampler);
  const double kd = k_d(P.d, fit), c = shumailov_c(P.n);
  std::vector<Json> rows;
  for (int g = trajectory ? 0 : P.G; g <= P.G; ++g) {
    const auto& x = rec[static_cast<std::size_t>(g)];
    const auto& q = pop[static_cast<std::size_t>(g)];
    const double lo = lo_drift(kd, P.n, a, g);
    Json row = {{"g", g},
                {"alpha_realised", a},
                {"e", x.e},
                {"s", x.s},
                {"e_fixed_point", num(fp.e)},
                {"s_fixed_point", num(fp.s)},
                {"spectral_radius", rho},
                {"k_d", kd},
                {"D_chi2_lo", lo},
                {"pop_mean", q.mean},
                {"pop_var", q.var},
                {"D_chi2_pop", num(q.D_chi2)},
                {"D_kl_pop", q.D_kl},
                {"W2sq_pop", q.W2sq},
                {"D_chi2", num(q.D_chi2 + lo)},
                {"D_kl", q.D_kl + 0.5 * lo},
                {"chi2_status", std::isfinite(q.D_chi2) ? "finite" : "chi2_infinite"},
                {"n_c_unbiased", num(unbiased_critical_n(a))},
                {"alpha_c_unbiased", unbiased_alpha_threshold(P.n)},
                {"E_sigma_ratio_alpha0", std::pow(c, g)},
                {"regression_replace", P.n >= P.d + 2 ? Json(regression_replace_error(P.var0, P.d, P.n, g)) : Json(nullptr)},
                {"regression_accumulate_bound", P.n >= P.d + 2 ? Json(regression_accumulate_envelope(P.var0, P.d, P.n, g)) : Json(nullptr)},
                {"status", "converged"}};
    rows.push_back(std::move(row));
  }
  return rows;
}

PointResult rows_to_point(std::vector<Json> rows) {
  PointResult out;
  out.row = std::move(rows.front());
  for (std::size_t i = 1; i < rows.size(); ++i) out.more_rows.push_back(std::move(rows[i]));
  return out;
}

}  // namespace retrain

void register_retrain_models(std::vector<ModelInfo>& models) {
  {
    ModelInfo m;
    m.name = "retrain.gaussian";
    m.summary = "Recursive retraining with a linear denoiser (Gaussian refit): expected mean/covariance errors per "
                "generation with n samples and fresh fraction alpha (MLE and unbiased, fixed and Bernoulli composition), "
                "fixed points and stability, population pipeline with a biased sampler, KL/chi2/W2 to the target";
    m.reference = "seed 001 (Khelifa, Turner, Venkataramanan); brief model-collapse-recursion.md §4, §7, §10.1; "
                  "equations/retrain-gaussian.md";
    m.params = gaussian_specs();
    m.units = gaussian_units();
    m.validate_point = validate_gaussian_point;
    m.solve_point = [](const Json& params, const Json&, const Eigen::VectorXd*) {
      return rows_to_point(gaussian_theory_rows(params));
    };
    m.simulation = GaussianSimOptions::specs();
    m.validate_simulation = [](const Json& p, const Json& simulation) {
      std::vector<std::string> v = validate_gaussian_point(p);
      const GaussianSimOptions o = GaussianSimOptions::from_json(simulation);
      const int n = p.value("n", 1000);
      if (n < o.d + 2)
        v.push_back("n: " + std::to_string(n) + ": allowed n >= d + 2 = " + std::to_string(o.d + 2) +
                    " for a simulation (a non-singular covariance fit)");
      if (o.score == ScoreModel::affine_dsm) {
        // S2 is implemented in 1-D with the EM sampler (its fit is per sampler time) and the 1/n moments it regresses
        if (p.value("sampler", std::string("exact")) != "em")
          v.push_back("sampler: " + p.value("sampler", std::string("exact")) + ": allowed em with simulation.score = affine_dsm");
        if (o.d != 1) v.push_back("simulation.d: " + std::to_string(o.d) + ": allowed 1 with simulation.score = affine_dsm");
        if (p.value("estimator", std::string("mle")) != "mle")
          v.push_back("estimator: " + p.value("estimator", std::string("mle")) + ": allowed mle with simulation.score = affine_dsm");
      }
      const double work = static_cast<double>(n) * o.d * o.d * p.value("G", 20) * o.seeds;
      if (work > 1e12)
        v.push_back("simulation.seeds: " + std::to_string(o.seeds) + ": allowed n d^2 G seeds <= 1e12 (here " + format_number(work) + ")");
      return v;
    };
    m.simulate_point = [](const Json& p, const Json& simulation) {
      GaussianPipeline P = gaussian_pipeline_of(p);
      const GaussianSimOptions o = GaussianSimOptions::from_json(simulation);
      P.d = o.d;
      return simulate_gaussian_rows(P, o, p.value("trajectory", true));
    };
    models.push_back(std::move(m));
  }
  register_retrain_bounds(models);
  register_retrain_clusters(models);
  register_retrain_gmm(models);
}

}  // namespace hdflow
