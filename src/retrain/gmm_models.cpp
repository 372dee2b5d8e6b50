// retrain.gmm in the model registry: the Gaussian-mixture experiment of seed 001 (brief model-collapse-recursion.md
// §9): the population closure (Tier A) with its divergences, the exact-score limit law (§7.6, CV-11), and the
// finite-N pipeline (Tier B) as its simulation.
#include <cmath>
#include <limits>

#include "hdflow/core/status.hpp"
#include "hdflow/retrain/gmm.hpp"
#include "hdflow/retrain/models_detail.hpp"

namespace hdflow {

namespace {

using K = ParamSpec::Kind;
using namespace retrain;

// +∞ (an infinite χ²) and NaN (undefined) are written as null; the status columns say why.
Json num(double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); }

std::vector<ParamSpec> gmm_specs() {
  return {
      {"data", K::string, "mixture", 0, 0, false, false,
       "mixture: the 10-D five-mode protocol of brief §9.1 (or the means/weights given); gaussian1d: N(mu0, var0) in d = 1 "
       "(with h = 0 the exact-score pipeline of brief §7.6, CV-11)",
       {"mixture", "gaussian1d"}, ""},
      {"alpha", K::real, 0.5, 0, 1, false, false, "fresh fraction of each training set (refresh rate)", {}, ""},
      {"G", K::integer, 20, 1, 1e5, false, false, "generations (generation 0 is the data: p_hat^0 = p)", {}, ""},
      {"d", K::integer, 10, 1, 1e4, false, false, "dimension (1 with data = gaussian1d)", {}, ""},
      {"means", K::array, nullptr, 0, 0, false, false,
       "K x d list of component means; null: 0 and (+-4, +-4, 0, ..., 0) (brief §9.1, the audit's geometry)", {}, ""},
      {"weights", K::array, nullptr, 0, 0, false, false, "K component weights summing to 1; null: equal", {}, ""},
      {"scale", K::real, 1.0, 0, 1e6, false, false, "multiplies the means", {}, ""},
      {"sigma", K::real, 0.6, 0, 1e3, true, false, "component standard deviation (covariance sigma^2 I_d)", {}, ""},
      {"mu0", K::real, 1.0, -1e6, 1e6, false, false, "data mean (data = gaussian1d)", {}, ""},
      {"var0", K::real, 0.5, 0, 1e6, true, false, "data variance (data = gaussian1d)", {}, ""},
      {"h", K::real, 0.6, 0, 1e3, false, false, "KDE bandwidth (h = 0: exact score)", {}, ""},
      {"t0", K::real, 0.02, 0, 1e3, false, false, "early-stopping time of the exact sampler S_t0 (0: no OU smoothing)", {}, ""},
      {"chi2_box", K::real, 13.0, 0, 1e4, true, false,
       "data = gaussian1d: half-width L of the interval [mu0 - L, mu0 + L] of the restricted chi2 of the limit law", {}, ""},
      {"divergences", K::boolean, true, 0, 0, false, false,
       "KL and chi2 per generation by the (k+1)-dimensional quadrature of brief §3.6 (cost ~ G^2)", {}, ""},
      {"nodes", K::integer, 24, 2, 200, false, false, "Gauss-Hermite nodes per plane coordinate", {}, ""},
      {"rho_nodes", K::integer, 20, 2, 200, false, false, "Gauss-Laguerre nodes for the orthogonal radius", {}, ""},
      {"trajectory", K::boolean, true, 0, 0, false, false, "rows for g = 0..G (true) or only g = G (for compare)", {}, ""},
  };
}

std::vector<ParamSpec> gmm_sim_specs() {
  return {
      {"d", K::integer, 10, 1, 1e4, false, false, "dimension (the same as params.d)", {}, ""},
      {"N", K::integer, 100000, 1, 1e8, false, false, "training points per generation (fresh round(alpha N) + synthetic)", {}, ""},
      {"seeds", K::integer, 10, 1, 1e6, false, false, "independent runs", {}, ""},
      {"seed", K::integer, 1, 0, 9e15, false, false, "base seed; run r uses stream (seed, r)", {}, ""},
      {"threads", K::integer, 0, 0, 1024, false, false, "runs on threads; 0 = all cores", {}, ""},
  };
}

Json gmm_units() {
  return {{"g", "generation; g = 0 is the data (p_hat^0 = p, q_0 = p, D_0 = 0)"},
          {"plane_dimension", "k = dimension of the span of the means (the divergences use a (k+1)-dimensional rule)"},
          {"v_bar", "within-mode variance per coordinate about each mode's mean, pooled over modes (brief §9.4, CV-13)"},
          {"v_age", "sum_k w_k v_k: mean component variance of the age mixture (= v_bar at t0 = 0)"},
          {"shrink", "mean shrink factor sum_k w_k e^{-k t0/2}: each mode's mean is shrink * mu_j"},
          {"second_moment", "E|x|^2 of p_hat^g"},
          {"drift", "E|x|^2 / E_p|x|^2 - 1 (relative, not %; brief §9.4)"},
          {"D_kl", "KL(p_hat^g | p), nats, by quadrature (brief §3.6)"},
          {"D_chi2", "chi2(p_hat^g | p); null when infinite (chi2_status)"},
          {"chi2_status", "finite, or chi2_infinite: some component of p_hat^g is at least twice as wide as p's widest (brief §4.4)"},
          {"I_kl", "KL(p_hat^{g+1} | q_g), q_g = alpha p + (1-alpha) p_hat^g: the next generation's step"},
          {"I_chi2", "chi2(p_hat^{g+1} | q_g); null when infinite (I_chi2_status)"},
          {"I_chi2_status", "finite or chi2_infinite"},
          {"v_bar_limit", "g -> inf limit of v_bar (geometric series; null at alpha = 0)"},
          {"shrink_limit", "g -> inf limit of shrink"},
          {"drift_limit", "g -> inf limit of drift"},
          {"limit_mean", "data = gaussian1d: mean of p_hat^inf = sum_k alpha(1-alpha)^{k-1} S^k p (brief §7.6, CV-11)"},
          {"limit_var", "data = gaussian1d: variance of p_hat^inf"},
          {"limit_kl", "data = gaussian1d: KL(p_hat^inf | p) by the trapezoid rule"},
          {"limit_chi2", "data = gaussian1d: chi2(p_hat^inf | p), pairwise closed form (brief §4.4); null when infinite (limit_chi2_status)"},
          {"limit_chi2_box", "data = gaussian1d: int_{|x - mu0| <= chi2_box} p_hat_inf^2/p - 1, the restricted chi2 (brief §2.5; CV-11's number)"},
          {"limit_chi2_status", "finite or chi2_infinite (the age variances approach 2 var0 and the series diverges)"},
          {"seeds", "simulation: independent runs (mean and stderr over runs)"}};
}

// The data law of a resolved parameter object; bad shapes are reported by validate_gmm_point.
GmmData data_of(const Json& p) {
  if (p["data"] == "gaussian1d") return GmmData::gaussian1d(p["mu0"].get<double>(), p["var0"].get<double>());
  const int d = p["d"].get<int>();
  const double scale = p["scale"].get<double>(), sigma = p["sigma"].get<double>();
  GmmData D;
  if (p["means"].is_null()) {
    D = GmmData::paper(d, scale, sigma);
  } else {
    const Json& M = p["means"];
    D.d = d;
    D.sigma2 = sigma * sigma;
    D.means.resize(static_cast<Eigen::Index>(M.size()), d);
    for (std::size_t j = 0; j < M.size(); ++j)
      for (int i = 0; i < d; ++i) D.means(static_cast<Eigen::Index>(j), i) = scale * M[j][static_cast<std::size_t>(i)].get<double>();
    D.pi.assign(M.size(), 1.0 / static_cast<double>(M.size()));
  }
  if (!p["weights"].is_null())
    for (std::size_t j = 0; j < D.pi.size(); ++j) D.pi[j] = p["weights"][j].get<double>();
  return D;
}

std::vector<std::string> validate_gmm_point(const Json& p) {
  std::vector<std::string> v;
  const int d = p["d"].get<int>();
  const bool g1 = p["data"] == "gaussian1d";
  if (g1 && d != 1) v.push_back("d: " + std::to_string(d) + ": allowed 1 with data = gaussian1d");
  if (g1 && (!p["means"].is_null() || !p["weights"].is_null()))
    v.push_back("means: " + p["means"].dump() + ": allowed null with data = gaussian1d (use mu0, var0)");
  std::size_t n_modes = 5;
  if (!g1 && p["means"].is_null() && d < 2)
    v.push_back("d: " + std::to_string(d) + ": allowed d >= 2 for the default geometry (means (+-4, +-4, 0, ...)), or give means");
  if (!g1 && !p["means"].is_null()) {
    const Json& M = p["means"];
    n_modes = M.size();
    bool ok = M.is_array() && !M.empty();
    for (const auto& row : M) {
      ok = ok && row.is_array() && row.size() == static_cast<std::size_t>(d);
      if (ok)
        for (const auto& x : row) ok = ok && x.is_number() && std::isfinite(x.get<double>());
    }
    if (!ok) v.push_back("means: " + M.dump() + ": allowed a non-empty K x d list of finite numbers (d = " + std::to_string(d) + ")");
  }
  if (!g1 && !p["weights"].is_null()) {
    const Json& w = p["weights"];
    bool ok = w.is_array() && w.size() == n_modes;
    double s = 0;
    if (ok)
      for (const auto& x : w) {
        ok = ok && x.is_number() && x.get<double>() >= 0;
        if (ok) s += x.get<double>();
      }
    if (!ok || std::abs(s - 1) > 1e-9)
      v.push_back("weights: " + w.dump() + ": allowed " + std::to_string(n_modes) + " non-negative numbers summing to 1");
  }
  if (v.empty() && p["divergences"].get<bool>() && d > 1) {
    const int k = gmm_plane_dimension(data_of(p)), G = p["G"].get<int>();
    if (k > 3)
      v.push_back("means: plane dimension " + std::to_string(k) +
                  ": allowed means spanning at most 3 dimensions with divergences = true (set divergences = false)");
    if (G > 400) v.push_back("G: " + std::to_string(G) + ": allowed G <= 400 with divergences = true (cost ~ G^2; set divergences = false)");
  }
  return v;
}

GmmClosure closure_of(const Json& p) {
  GmmClosure c;
  c.alpha = p["alpha"].get<double>();
  c.h = p["h"].get<double>();
  c.t0 = p["t0"].get<double>();
  c.G = p["G"].get<int>();
  c.divergences = p["divergences"].get<bool>();
  c.quadrature.nodes = p["nodes"].get<int>();
  c.quadrature.rho_nodes = p["rho_nodes"].get<int>();
  return c;
}

// Theory rows (brief §9.3 Tier A, §9.4; §7.6 for data = gaussian1d).
std::vector<Json> gmm_theory_rows(const Json& p) {
  const GmmData data = data_of(p);
  const GmmClosure c = closure_of(p);
  const bool trajectory = p["trajectory"].get<bool>();
  const auto rows = gmm_closure(data, c, trajectory ? 0 : c.G);
  const GmmMoments lim = gmm_limit_moments(data, c.alpha, c.h, c.t0);
  const int k = gmm_plane_dimension(data);
  Json limit1d = Json::object();
  if (p["data"] == "gaussian1d") {
    const LimitLaw1D L = exact_score_limit_1d(data.means(0, 0), data.sigma2, c.alpha, c.t0, c.h, p["chi2_box"].get<double>());
    limit1d = {{"limit_mean", num(L.mean)}, {"limit_var", num(L.var)},           {"limit_kl", num(L.kl)},
               {"limit_chi2", num(L.chi2)}, {"limit_chi2_box", num(L.chi2_box)}, {"limit_chi2_status", std::isinf(L.chi2) ? "chi2_infinite" : "finite"}};
  }
  std::vector<Json> out;
  for (const GmmRow& r : rows) {
    Json row = {{"g", r.g},
                {"plane_dimension", k},
                {"v_bar", r.m.v_bar},
                {"v_age", r.m.v_age},
                {"shrink", r.m.shrink},
                {"second_moment", r.m.second_moment},
                {"drift", r.m.drift}};
    if (r.divergences) {
      row["D_kl"] = r.D.kl;
      row["D_chi2"] = num(r.D.chi2);
      row["chi2_status"] = std::isfinite(r.D.chi2) ? "finite" : "chi2_infinite";
      row["I_kl"] = r.I.kl;
      row["I_chi2"] = num(r.I.chi2);
      row["I_chi2_status"] = std::isfinite(r.I.chi2) ? "finite" : "chi2_infinite";
    }
    row["v_bar_limit"] = num(lim.v_bar);
    row["shrink_limit"] = num(lim.shrink);
    row["drift_limit"] = num(lim.drift);
    for (auto it = limit1d.begin(); it != limit1d.end(); ++it) row[it.key()] = it.value();
    row["status"] = "converged";
    out.push_back(std::move(row));
  }
  return out;
}

// Simulation rows (brief §9.3 Tier B): mean and stderr over runs of v_bar, drift, shrink, second_moment.
std::vector<Json> gmm_sim_rows(const Json& p, const Json& simulation) {
  const GmmData data = data_of(p);
  const GmmClosure c = closure_of(p);
  GmmSimOptions o;
  o.N = simulation["N"].get<int>();
  o.seeds = simulation["seeds"].get<int>();
  o.seed = simulation["seed"].get<std::uint64_t>();
  o.threads = simulation["threads"].get<int>();
  const auto runs = simulate_gmm_runs(data, c.alpha, c.h, c.t0, c.G, o);
  static const char* names[] = {"v_bar", "drift", "shrink", "second_moment"};
  std::vector<Json> rows;
  const double R = o.seeds;
  for (int g = p["trajectory"].get<bool>() ? 0 : c.G; g <= c.G; ++g) {
    Json row = {{"g", g}, {"seeds", o.seeds}, {"N", o.N}};
    for (std::size_t col = 0; col < 4; ++col) {
      double mean = 0, sq = 0;
      for (const auto& run : runs) mean += run[static_cast<std::size_t>(g)][col];
      mean /= R;
      for (const auto& run : runs) sq += std::pow(run[static_cast<std::size_t>(g)][col] - mean, 2);
      if (!std::isfinite(mean)) {  // shrink with every mean at 0
        row[names[col]] = nullptr;
        continue;
      }
      row[names[col]] = mean;
      row[std::string(names[col]) + "_stderr"] = R > 1 ? std::sqrt(sq / (R - 1) / R) : 0.0;
    }
    row["status"] = "converged";
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

void register_retrain_gmm(std::vector<ModelInfo>& models) {
  ModelInfo m;
  m.name = "retrain.gmm";
  m.summary = "The Gaussian-mixture experiment of seed 001 (10-D, five modes, KDE score with bandwidth h, exact sampler): "
              "population closure as an age mixture per generation (within-mode variance, second-moment drift, mean "
              "shrink, KL and chi2 to p and to q_g by (k+1)-dimensional quadrature), the exact-score limit law "
              "(data = gaussian1d), and the finite-N pipeline at N = 1e5 as its simulation";
  m.reference = "seed 001 (Khelifa, Turner, Venkataramanan); brief model-collapse-recursion.md §9, §3.6, §4.4, §7.6, CV-11, "
                "CV-13; equations/retrain-gmm.md";
  m.params = gmm_specs();
  m.units = gmm_units();
  m.validate_point = validate_gmm_point;
  m.solve_point = [](const Json& params, const Json&, const Eigen::VectorXd*) { return rows_to_point(gmm_theory_rows(params)); };
  m.simulation = gmm_sim_specs();
  m.validate_simulation = [](const Json& p, const Json& simulation) {
    std::vector<std::string> v = validate_gmm_point(p);
    const double work = simulation["N"].get<double>() * p["d"].get<double>() * p["G"].get<double>() * simulation["seeds"].get<double>();
    if (work > 1e12)
      v.push_back("simulation.seeds: " + simulation["seeds"].dump() + ": allowed N d G seeds <= 1e12 (here " + format_number(work) + ")");
    return v;
  };
  m.simulate_point = gmm_sim_rows;
  models.push_back(std::move(m));
}

}  // namespace hdflow
