// Parameters of the mixed cumulant model (brief mixed-cumulant.md §7a).
#include "hdflow/cumulant/params.hpp"

#include <cmath>
#include <numbers>

#include "hdflow/core/status.hpp"

namespace hdflow::cumulant {

double Model::theta() const { return beta_v / (1 + beta_v); }  // (E1.3)

double Model::c_uv() const {  // (E1.5)
  return latent == Latent::sign ? q * std::sqrt(beta_u * theta()) * std::sqrt(2 / std::numbers::pi) : 0.0;
}

double Model::kappa4() const {
  switch (nu) {
    case NuLaw::rademacher: return -2.0;
    case NuLaw::uniform: return -6.0 / 5.0;
    case NuLaw::laplace: return 3.0;
  }
  return 0;
}

double Model::kappa6() const {  // κ6 = m6 − 15 m4 + 30 for a symmetric unit-variance law
  switch (nu) {
    case NuLaw::rademacher: return 16.0;
    case NuLaw::uniform: return 48.0 / 7.0;
    case NuLaw::laplace: return 30.0;
  }
  return 0;
}

std::vector<std::string> Model::validate() const {
  std::vector<std::string> v;
  if (latent == Latent::sign && nu != NuLaw::rademacher)
    v.push_back("latent: sign: allowed only with nu = rademacher (E1.4: nu = sign(lambda) keeps nu Rademacher)");
  if (!(a > 0) || !std::isfinite(a)) v.push_back("a: " + format_number(a) + ": allowed a > 0 (after the schedule rule)");
  if (!(b >= 0) || !std::isfinite(b)) v.push_back("b: " + format_number(b) + ": allowed b >= 0");
  if (!std::isfinite(c)) v.push_back("c: " + format_number(c) + ": allowed a finite number");
  return v;
}

std::vector<ParamSpec> model_specs() {
  using K = ParamSpec::Kind;
  return {
      {"beta_u", K::real, 2.0, 0, 1e6, false, false, "covariance spike beta_u along u (E1.1)", {}, ""},
      {"beta_v", K::real, 10.0, 0, 1e6, false, false, "non-Gaussian strength beta_v along v (E1.1); theta = beta_v/(1+beta_v)", {}, ""},
      {"nu", K::string, "rademacher", 0, 0, false, false, "law of the non-Gaussian latent nu (unit variance)",
       {"rademacher", "uniform", "laplace"}, ""},
      {"latent", K::string, "indep", 0, 0, false, false,
       "latent coupling: indep, or sign (nu = sign(lambda) with probability q, E1.4; Rademacher only)", {"indep", "sign"}, ""},
      {"q", K::real, 1.0, 0, 1, false, false, "probability of nu = sign(lambda) for latent = sign (E1.4)", {}, ""},
      {"schedule", K::string, "fixed", 0, 0, false, false,
       "fixed: a and b as given; vp: variance preserving, a = sqrt(1 - b^2) (the parameter a is ignored)", {"fixed", "vp"}, ""},
      {"a", K::real, 0.8, 0, 1e3, true, false, "signal coefficient of x_t = a x_0 + b xi (E1.7)", {}, ""},
      {"b", K::real, 0.6, 0, 1e3, false, false, "noise coefficient of x_t = a x_0 + b xi (E1.7)", {}, ""},
      {"skip", K::string, "fixed", 0, 0, false, false, "fixed: c as given; optimal: c = a/(a^2 + b^2) (isotropic optimum)",
       {"fixed", "optimal"}, ""},
      {"c", K::real, 0.0, -1e3, 1e3, false, false, "skip coefficient of f(x) = c x + w sigma(w.x) (E1.8)", {}, ""},
      {"activation", K::string, "tanh", 0, 0, false, false, "sigma of the neuron", {"tanh", "erf", "linear", "relu"}, ""},
      {"n_gh", K::integer, 200, 20, 400, false, false,
       "Gauss-Hermite nodes of the Gaussian averages (brief §7: 200 for tanh gives 1e-12, erf converges with 60)", {}, ""},
      {"n_half", K::integer, 96, 20, 1000, false, false,
       "Gauss-Legendre nodes per half line of the correlated latent average, and of the uniform/Laplace latent laws", {}, ""},
  };
}

Model model_from_json(const Json& p) {
  Model M;
  M.beta_u = p.at("beta_u").get<double>();
  M.beta_v = p.at("beta_v").get<double>();
  const std::string nu = p.at("nu").get<std::string>();
  M.nu = nu == "uniform" ? NuLaw::uniform : nu == "laplace" ? NuLaw::laplace : NuLaw::rademacher;
  M.latent = p.at("latent").get<std::string>() == "sign" ? Latent::sign : Latent::indep;
  M.q = p.at("q").get<double>();
  M.b = p.at("b").get<double>();
  std::vector<std::string> v;
  if (p.at("schedule").get<std::string>() == "vp") {
    if (!(M.b < 1)) v.push_back("b: " + format_number(M.b) + ": allowed [0, 1) with schedule = vp (a = sqrt(1 - b^2) > 0)");
    M.a = std::sqrt(std::max(0.0, 1 - M.b * M.b));
  } else {
    M.a = p.at("a").get<double>();
  }
  M.c = p.at("skip").get<std::string>() == "optimal" ? M.a / (M.a * M.a + M.b * M.b) : p.at("c").get<double>();
  const std::string act = p.at("activation").get<std::string>();
  M.activation = act == "erf" ? Activation::erf : act == "linear" ? Activation::linear
                 : act == "relu" ? Activation::relu : Activation::tanh;
  M.n_gh = p.at("n_gh").get<int>();
  M.n_half = p.at("n_half").get<int>();
  if (v.empty()) v = M.validate();
  throw_if_invalid(v);
  return M;
}

Json model_columns(const Model& M) {
  return {{"a", M.a}, {"b", M.b}, {"c", M.c}, {"theta", M.theta()}, {"c_uv", M.c_uv()}};
}

const char* to_string(Activation a) {
  switch (a) {
    case Activation::tanh: return "tanh";
    case Activation::erf: return "erf";
    case Activation::linear: return "linear";
    case Activation::relu: return "relu";
  }
  return "?";
}

}  // namespace hdflow::cumulant
