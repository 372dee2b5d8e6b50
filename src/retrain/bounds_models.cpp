// retrain.bounds in the model registry: seed 001's bounds from user sequences, or evaluated on the Gaussian
// population pipeline where the exact divergences are known (brief model-collapse-recursion.md §5, §7.5).
#include <cmath>
#include <limits>

#include "hdflow/retrain/bounds.hpp"
#include "hdflow/retrain/models_detail.hpp"

namespace hdflow {

namespace {

using K = ParamSpec::Kind;
using namespace retrain;

Json num(double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); }
std::optional<double> opt(const Json& p, const char* k) {
  return p.contains(k) && !p[k].is_null() ? std::optional<double>(p[k].get<double>()) : std::nullopt;
}

std::vector<ParamSpec> bounds_specs() {
  return {
      {"source", K::string, "gaussian", 0, 0, false, false,
       "gaussian: the population Gaussian pipeline with exact D, I, J (brief §7.5); sequence: eps2 and eta given",
       {"gaussian", "sequence"}, ""},
      {"alpha", K::real, 0.1, 0, 1, false, false, "fresh fraction (refresh rate)", {}, ""},
      {"G", K::integer, 30, 1, 1e6, false, false, "generations", {}, ""},
      {"eps2", K::real, 0.01, 0, 1e6, false, false, "sequence: eps_star^2 of generation 0 (ideal-path score-error energy)", {}, ""},
      {"eps2_ratio", K::real, 1.0, 0, 1e3, false, false, "sequence: eps_g^2 = eps2 * eps2_ratio^g (1: constant error)", {}, ""},
      {"eta", K::real, 1.0, 0, 1, false, false, "observability eta_g (sequence), or the eta assumed in the Girsanov band (gaussian)", {}, ""},
      {"D0", K::real, 0.0, 0, 1e300, false, false, "sequence: D at generation 0", {}, ""},
      {"kappa", K::real, nullptr, 1, 1e300, false, false, "sequence: kappa_g >= |q_g/p|_inf for the envelope (null: infinite)", {}, ""},
      {"C", K::real, 0.0, 0, 1e300, false, false, "lower-band remainder constant of Prop. 3.3 (0: leading term)", {}, ""},
      {"c", K::real, 0.0, 0, 1e300, false, false, "upper-band remainder constant of Thm 3.4 (0: leading term)", {}, ""},
      {"c1", K::real, nullptr, 0, 1e300, false, false, "Thm 4.2 lower constant (null: not reported)", {}, ""},
      {"c2", K::real, nullptr, 0, 1e300, false, false, "Thm 4.2 upper constant (null: not reported)", {}, ""},
      {"c_prime", K::real, nullptr, 0, 1e300, false, false, "Thm 4.2 c' (null: 0)", {}, ""},
      {"C_bias", K::real, nullptr, 0, 1e300, false, false, "Thm 4.2 additive C_bias (null: 0)", {}, ""},
      {"eta_floor", K::real, nullptr, 0, 1, false, false, "Prop. 4.1(ii) eta floor (null: eta)", {}, ""},
      {"eps_floor", K::real, nullptr, 0, 1e6, false, false, "Prop. 4.1(ii) eps^2 floor (null: eps2)", {}, ""},
      {"mu0", K::real, 1.0, -1e6, 1e6, false, false, "gaussian: data mean", {}, ""},
      {"var0", K::real, 0.5, 0, 1e6, true, false, "gaussian: data variance", {}, ""},
      {"sampler", K::string, "em", 0, 0, false, false, "gaussian: exact, continuous or em (brief §3.4)", {"exact", "continuous", "em"}, ""},
      {"T", K::real, 4.0, 0, 1e3, true, false, "gaussian: reverse horizon", {}, ""},
      {"t0", K::real, 0.02, 0, 1e3, false, false, "gaussian: early stopping", {}, ""},
      {"steps", K::integer, 500, 1, 1e7, false, false, "gaussian: Euler-Maruyama steps", {}, ""},
  };
}

Json bounds_units() {
  return {{"g", "generation; g = 0 is the data"},
          {"D", "exact D_g = chi2(p_hat^g | p) (gaussian source)"},
          {"I", "exact I_{g-1} = chi2(p_hat^g | q_{g-1}) (1-D quadrature)"},
          {"J", "int (p_hat^g - q_{g-1})^2/p, the kappa-free innovation"},
          {"kappa", "|q_{g-1}/p|_inf (null: infinite)"},
          {"innovation_lower", "alpha I/2 - (1-alpha)^2 D_{g-1} (brief §5.5)"},
          {"triangle_upper", "((1-alpha) sqrt(D_{g-1}) + sqrt(J))^2"},
          {"chain_upper", "triangle envelope chained from D_0 using only J"},
          {"D_incoherent", "the paper's law sum (1-alpha)^(2(g-1-i)) I_i (an approximation, not a bound)"},
          {"D_coherent", "(sum (1-alpha)^(g-1-i) sqrt(I_i))^2"},
          {"bracketed", "every rigorous lower bound <= D <= every rigorous upper bound"},
          {"eps_hat2", "learned-path energy 2 KL(p_hat^g | q_{g-1,t0}) (exact sampler: de Bruijn)"},
          {"eps_star2", "ideal-path energy 2 KL(q_{g-1,t0} | p_hat^g)"},
          {"I_star", "chi2(p_hat^g | q_{g-1,t0}): the endpoint of the Girsanov comparison"},
          {"eta_implied", "I_star/eps_star2 (= eta at leading order, brief §5.4)"},
          {"I_lo", "max(0, eta eps^2/4 - C eps^4) (Prop. 3.3)"},
          {"I_hi", "4 eps^2 + c eps^4 (Thm 3.4)"},
          {"D_lower", "rigorous lower chain (brief §5.9 item 3)"},
          {"D_envelope", "coherent envelope with kappa (item 4; null: infinite)"},
          {"disc_sum", "sum (1-alpha)^(2(g-1-i)) eps_i^2 + (1-alpha)^(2g) D0 (Thm 4.2 right side)"},
          {"eq23_min_c2", "C_bias/disc_sum: the c2 eq. (23) as displayed would need (grows without bound)"}};
}

std::vector<Json> bounds_rows(const Json& p) {
  const double a = p["alpha"].get<double>();
  const int G = p["G"].get<int>();
  const double eta = p["eta"].get<double>();
  std::vector<Json> rows;
  if (p["source"] == "gaussian") {
    const auto gr = gaussian_bound_rows(p["mu0"].get<double>(), p["var0"].get<double>(), a, G, sampler_of(p));
    for (const auto& r : gr) {
      Json row = {{"g", r.g}, {"D", num(r.D)}};
      if (r.g > 0) {
        const double tol = 1e-10 * (1 + r.D);
        const bool ok = r.innovation_lower <= r.D + tol && r.alpha_lower <= r.D + tol && r.triangle_lower <= r.D + tol &&
                        r.chain_lower <= r.D + tol && r.D <= r.triangle_upper + tol && r.D <= r.kappa_upper + tol &&
                        r.D <= r.chain_upper + tol;
        row.update(Json{{"I", num(r.I)},
                        {"KL_intra", r.KL_intra},
                        {"J", num(r.J)},
                        {"kappa", num(r.kappa)},
                        {"innovation_lower", num(r.innovation_lower)},
                        {"alpha_lower", num(r.alpha_lower)},
                        {"triangle_lower", num(r.triangle_lower)},
                        {"triangle_upper", num(r.triangle_upper)},
                        {"kappa_upper", num(r.kappa_upper)},
                        {"chain_lower", num(r.chain_lower)},
                        {"chain_upper", num(r.chain_upper)},
                        {"D_incoherent", num(r.D_incoherent)},
                        {"D_coherent", num(r.D_coherent)},
                        {"bracketed", ok},
                        {"tightness_chain_upper", num(r.D > 0 ? r.chain_upper / r.D : 1.0)},
                        {"incoherent_over_exact", num(r.D > 0 ? r.D_incoherent / r.D : 1.0)}});
        if (r.girsanov) {
          row.update(Json{{"eps_hat2", r.eps_hat2},
                          {"eps_star2", r.eps_star2},
                          {"I_star", num(r.I_star)},
                          {"KL_star", r.KL_star},
                          {"eta_implied", num(r.eps_star2 > 0 ? r.I_star / r.eps_star2 : 0.0)},
                          {"girsanov_I_lo", 0.25 * eta * r.eps_star2},
                          {"girsanov_I_hi", 4 * r.eps_star2}});
        }
      }
      row["chi2_status"] = std::isfinite(r.D) ? "finite" : "chi2_infinite";
      row["status"] = "converged";
      rows.push_back(std::move(row));
    }
    return rows;
  }
  BoundInput in;
  in.alpha = a;
  const double e0 = p["eps2"].get<double>(), ratio = p["eps2_ratio"].get<double>();
  for (int g = 0; g < G; ++g) {
    in.eps2.push_back(e0 * std::pow(ratio, g));
    in.eta.push_back(eta);
    if (const auto k = opt(p, "kappa")) in.kappa.push_back(*k);
  }
  in.D0 = p["D0"].get<double>();
  in.k.C = p["C"].get<double>();
  in.k.c = p["c"].get<double>();
  in.k.c1 = opt(p, "c1");
  in.k.c2 = opt(p, "c2");
  in.k.c_prime = opt(p, "c_prime");
  in.k.C_bias = opt(p, "C_bias");
  const double floor = persistence_floor(a, opt(p, "eta_floor").value_or(eta), opt(p, "eps_floor").value_or(std::min(e0, e0 * std::pow(ratio, G - 1))));
  for (const auto& r : evaluate_bounds(in)) {
    Json row = {{"g", r.g}};
    if (r.g > 0)
      row.update(Json{{"eps2", in.eps2[static_cast<std::size_t>(r.g - 1)]},
                      {"I_lo", r.I_lo},
                      {"I_lo_clean", r.I_lo_clean},
                      {"clean", r.clean},
                      {"perturbative", r.perturbative},
                      {"I_hi", r.I_hi},
                      {"I_LO", r.I_LO}});
    row.update(Json{{"D_incoherent", num(r.D_incoherent)},
                    {"disc_sum", num(r.disc_sum)},
                    {"D_lower", num(r.D_lower)},
                    {"D_envelope", num(r.D_envelope)},
                    {"persistence_floor", floor}});
    if (r.D_thm_hi) row["D_thm_hi"] = num(*r.D_thm_hi);
    if (r.D_thm_lo) row["D_thm_lo"] = num(*r.D_thm_lo);
    if (in.k.C_bias && r.g > 0) row["eq23_min_c2"] = num(*in.k.C_bias / r.disc_sum);
    row["status"] = "converged";
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

void register_retrain_bounds(std::vector<ModelInfo>& models) {
  ModelInfo m;
  m.name = "retrain.bounds";
  m.summary = "Seed 001's bounds as functions of per-generation score-error energy and alpha (Prop. 3.1, 3.3, Thm 3.4, "
              "innovation bound, Prop. 4.1, additive Thm 4.2, incoherent/coherent accumulation), and on the Gaussian "
              "pipeline with its exact D, I, J: how tight each bound is";
  m.reference = "seed 001 (Khelifa, Turner, Venkataramanan) Prop. 3.1-4.1, Thm 3.4, 4.2; brief model-collapse-recursion.md "
                "§5, §6, §7.5; equations/retrain-bounds.md";
  m.params = bounds_specs();
  m.units = bounds_units();
  m.validate_point = [](const Json& p) {
    std::vector<std::string> v;
    const Sampler s = sampler_of(p);
    if (p["source"] == "gaussian" && s.kind != SamplerKind::exact && !(s.t0 < s.T))
      v.push_back("t0: " + format_number(s.t0) + ": allowed [0, T) = [0, " + format_number(s.T) + ")");
    return v;
  };
  m.solve_point = [](const Json& params, const Json&, const Eigen::VectorXd*) { return rows_to_point(bounds_rows(params)); };
  models.push_back(std::move(m));
}

}  // namespace hdflow
