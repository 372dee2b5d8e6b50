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
#include <vector>

#include "hdflow/clusters/sgd.hpp"

namespace hdflow::clusters {

struct GenerateOptions {
  int T = 100;               ///< sampler cutoff: stop at t = 1 − 1/T
  bool exact_flow = false;   ///< false: the notebooks' Euler grid t_k = k/T, k = 0..T−2 (99 steps)
  std::vector<int> project_on = {1, 2};  ///< clusters k_p (1-based) whose normalised means are the rows of E
  int grid = 20000;          ///< trapezoid points per whitened latent coordinate on [−12, 12]
  int grid2d = 600;          ///< per axis, when Q is not diagonal (r ≤ 2)
  Activation activation = Activation::tanh;  ///< σ of the network (set from the model by projected_law)
};

struct ProjectedLaw {
  double amplitude = 0;                  ///< a (exact) or A_T(b) = Π_{j=2}^{T}(1 + (b − 1)/j) (Euler)
  std::vector<double> mean, abs_mean, var, m4;  ///< per projection p: E y, E|y|, Var y, E y⁴
  int active_units = 0;                  ///< units whose latent origin is unstable, Q_γγσ'(0) + b > 1 (tanh: two fixed points each as t → 1)
  bool diagonal = true;                  ///< Q and G diagonal: the projections factorise
};

/// A_T(b) of brief §5.4 (the Euler sampler's bulk amplitude).
double euler_amplitude(double b, int T);

/// The latent sampler map Z(0) → Z(t_end) for given (Q, b).
Eigen::VectorXd latent_map(const Eigen::MatrixXd& Q, double b, const Eigen::VectorXd& z0, const GenerateOptions& o);

/// Positive latent fixed point z* of a decoupled tanh unit as t → 1 (brief §5.5): (1 − b) z* = Q_γγ tanh z*,
/// when b < 1 and Q_γγ + b > 1; 0 when the origin is stable (Q_γγ + b ≤ 1); +∞ when b ≥ 1 (no fixed point).
double latent_fixed_point(double q, double b);

/// Moments of the projected law at the statistics s.
ProjectedLaw projected_law(const SgdParams& P, const SgdState& s, const GenerateOptions& o);

/// Density of y = (y₁, y₂) on a regular grid (2 projections, diagonal case): rows of (y1, y2, density).
std::vector<std::array<double, 3>> projected_density(const SgdParams& P, const SgdState& s, const GenerateOptions& o,
                                                     double half_width, int points);

}  // namespace hdflow::clusters
