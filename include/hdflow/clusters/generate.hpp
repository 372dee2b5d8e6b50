#pragma once
// The law of samples generated with the trained statistics of clusters.sgd (brief online-sgd-ae-diffusion.md
// §5): the exact r-dimensional reduction of the probability flow dX/dt = ΔX + Γ Wᵀσ(WX/√d)/√d,
//   Z = WX/√d:  dZ/dt = Δ(t)Z + Γ(t)Qσ(Z), Z(0) ~ N(0, Q);   P⊥X(t) = a(t) P⊥X(0),
// for the linear schedule Γ = 1/(1 − t), Δ = (b − 1)/(1 − t); fixed projections y = EX = GQ⁻¹Z + ξ,
// ξ ~ N(0, a²(I − GQ⁻¹Gᵀ)), G = EWᵀ/√d, with E the normalised cluster means (G_p = M_{k_p·}/‖μ_{k_p}‖).
// Samplers: the notebooks' 99-step Euler grid (T = 100) or the exact flow to t = 1 − 1/T.
// The latent map is nearly a step function when b < 1, so its averages use a dense trapezoid rule in the
// whitened start (§5.6), not Gauss–Hermite.
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "hdflow/clusters/sgd.hpp"

namespace hdflow::clusters {

/// The stochastic sampler of brief §5.7: dX = [v + ε_t s] dt + √(2ε_t) dB with the score
/// s = (β_t f(x) − x)/α_t², α_t = 1 − t, β_t = t, and ε_t = ε₀ α_t^power (the paper's choice is unknown;
/// power 2 keeps every coefficient bounded as t → 1, power 0 is a constant ε). ε₀ = 0 is the probability flow.
struct SdeSampler {
  double eps = 0;            ///< ε₀
  double power = 2;          ///< ε_t = ε₀ (1 − t)^power
  int particles = 40000;     ///< latent particles (the law of an SDE has no deterministic map to integrate)
  std::uint64_t seed = 1;
  bool active() const { return eps > 0; }
};

struct GenerateOptions {
  int T = 100;               ///< sampler cutoff: stop at t = 1 − 1/T
  bool exact_flow = false;   ///< false: the notebooks' Euler grid t_k = k/T, k = 0..T−2 (99 steps)
  std::vector<int> project_on = {1, 2};  ///< clusters k_p (1-based) whose normalised means are the rows of E
  int grid = 20000;          ///< trapezoid points per whitened latent coordinate on [−12, 12]
  int grid2d = 600;          ///< per axis, when Q is not diagonal (r ≤ 2)
  Activation activation = Activation::tanh;  ///< σ of the network (set from the model by projected_law)
  SdeSampler sde;            ///< eps > 0: the stochastic sampler (clusters/sde.hpp)
  bool mode_weights = false; ///< also the nearest-mean fractions (ProjectedLaw::mode_weight; ~0.5 s)
};

struct ProjectedLaw {
  double amplitude = 0;                  ///< a (exact) or A_T(b) = Π_{j=2}^{T}(1 + (b − 1)/j) (Euler)
  std::vector<double> mean, abs_mean, var, m4;  ///< per projection p: E y, E|y|, Var y, E y⁴
  int active_units = 0;                  ///< units whose latent origin is unstable, Q_γγσ'(0) + b > 1 (tanh: two fixed points each as t → 1)
  bool diagonal = true;                  ///< Q and G diagonal: the projections factorise
  /// Fraction of samples whose projection y is nearest to each target mean Eμ_c (K entries; diagonal case with two
  /// orthonormal projections spanning the means, else empty), and its quadrature error estimate (64 vs 128 nodes).
  std::vector<double> mode_weight;
  double mode_weight_err = 0;
  /// Stochastic sampler only: the bulk variance v⊥ (replaces a²) and the sampling errors of the moments
  /// (standard errors over the latent particles); empty for the deterministic flow.
  double v_perp = 0;
  std::vector<double> mean_err, abs_err, var_err, m4_err;
};

/// E|m + sd ξ| for ξ ~ N(0, 1) (brief §5.6).
double abs_gauss(double m, double sd);

/// A_T(b) of brief §5.4 (the Euler sampler's bulk amplitude).
double euler_amplitude(double b, int T);

/// The latent sampler map Z(0) → Z(t_end) for given (Q, b).
Eigen::VectorXd latent_map(const Eigen::MatrixXd& Q, double b, const Eigen::VectorXd& z0, const GenerateOptions& o);

/// latent_map for one decoupled unit (diagonal Q): the same steps, without vector temporaries.
double latent_map_unit(double q, double b, double z0, const GenerateOptions& o);

/// Positive latent fixed point z* of a decoupled tanh unit as t → 1 (brief §5.5): (1 − b) z* = Q_γγ tanh z*,
/// when b < 1 and Q_γγ + b > 1; 0 when the origin is stable (Q_γγ + b ≤ 1); +∞ when b ≥ 1 (no fixed point).
double latent_fixed_point(double q, double b);

/// Moments of the projected law at the statistics s.
ProjectedLaw projected_law(const SgdParams& P, const SgdState& s, const GenerateOptions& o);

/// Density of y = (y₁, y₂) on a regular grid (2 projections, diagonal case): rows of (y1, y2, density).
std::vector<std::array<double, 3>> projected_density(const SgdParams& P, const SgdState& s, const GenerateOptions& o,
                                                     double half_width, int points);

}  // namespace hdflow::clusters
