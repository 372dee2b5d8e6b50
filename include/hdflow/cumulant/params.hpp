#pragma once
// Parameters of the mixed cumulant model (brief mixed-cumulant.md §1, §7a): data (E1.1–E1.5), noising
// (E1.7), the tied single-neuron denoiser on the sphere (E1.8) and the quadrature options (§7).
#include <string>
#include <vector>

#include "hdflow/io/params.hpp"

namespace hdflow::cumulant {

enum class Activation { tanh, erf, linear, relu };
enum class NuLaw { rademacher, uniform, laplace };
enum class Latent { indep, sign };

/// One resolved model point: everything the population loss F(α_u, α_v) depends on.
struct Model {
  double beta_u = 2.0;   ///< covariance spike β_u (E1.1)
  double beta_v = 10.0;  ///< non-Gaussian strength β_v (E1.1)
  NuLaw nu = NuLaw::rademacher;
  Latent latent = Latent::indep;
  double q = 1.0;  ///< P(ν = sign λ) for correlated latents (E1.4)
  double a = 0.8, b = 0.6;  ///< x_t = a x_0 + b ξ (E1.7)
  double c = 0.0;           ///< skip coefficient of f(x) = c x + w σ(w·x) (E1.8)
  Activation activation = Activation::tanh;
  int n_gh = 200;   ///< Gauss–Hermite nodes of the Gaussian averages ⟨·⟩_{μ,V} (§7: 200 for tanh)
  int n_half = 96;  ///< Gauss–Legendre nodes per half line for the correlated latent average (§7)

  /// θ = β_v/(1 + β_v) (E1.3).
  double theta() const;
  /// c_uv = q √(β_u θ) √(2/π) for correlated latents, 0 otherwise (E1.5).
  double c_uv() const;
  /// Fourth and sixth cumulants of ν (§1.1): Rademacher −2, 16; uniform −6/5, 48/7; Laplace 3, 30.
  double kappa4() const;
  double kappa6() const;
  /// Every violation of the cross-field rules ("field: value: allowed range").
  std::vector<std::string> validate() const;
};

/// The model parameters shared by every cumulant.* model (names of §7a).
std::vector<ParamSpec> model_specs();

/// A Model from resolved parameters (schedule "vp" sets a = √(1 − b²); skip "optimal" sets c = a/(a² + b²)).
/// Throws InputError listing every violation.
Model model_from_json(const Json& resolved);

/// The resolved model as flat row columns (a, b, c after the schedule/skip rules, θ, c_uv).
Json model_columns(const Model& M);

const char* to_string(Activation a);

}  // namespace hdflow::cumulant
