#pragma once
// The stochastic sampler variant of brief online-sgd-ae-diffusion.md §5.7 (equations/clusters-generate.md §7):
// dX = [v + ε_t s] dt + √(2ε_t) dB with s(x, t) = (β_t f(x) − x)/α_t². The reduction of §5.2 still holds:
//   Z = WX/√d:  dZ = [Δ̂ Z + Γ̂ Q σ(Z)] dt + √(2ε_t) Q^{1/2} dB_r,
//   Δ̂ = Δ + ε_t (bβ_t − 1)/α_t²,  Γ̂ = Γ + ε_t β_t/α_t²   (Δ = (b − 1)/(1 − t), Γ = 1/(1 − t)),
//   the bulk P⊥X: per coordinate variance v⊥' = 2Δ̂ v⊥ + 2ε_t, v⊥(0) = 1, replacing a² in §5.3.
// The latent law of an SDE is not the image of Z(0) under a map, so it is sampled: `particles` r-dimensional
// paths (exact in distribution up to the time step; sampling errors reported), never d-dimensional ones.
// Time steps: the notebooks' grid t_k = k/T (k = 0..T−2) by Euler–Maruyama, where the bulk variance follows
// the same discrete recursion v ← (1 + hΔ̂)² v + 2ε_t h; or the continuous sampler to 1 − 1/T by the
// stochastic Heun scheme in s = ln 1/(1 − t) (weak order 2 for this additive noise), steps ≤ 1e−3 in s.
#include <Eigen/Dense>

#include "hdflow/clusters/generate.hpp"

namespace hdflow::clusters {

/// Δ̂(t), Γ̂(t) and ε_t of the sampler (b: the skip connection).
void sde_coefficients(double b, double t, const SdeSampler& S, double& Dhat, double& Ghat, double& eps);

/// Latent particles Z (r × particles) at the cutoff, from Z(0) ~ N(0, Q), and the bulk variance v⊥.
struct LatentSample {
  Eigen::MatrixXd Z;
  double v_perp = 1;
};
LatentSample latent_sde(const Eigen::MatrixXd& Q, double b, const GenerateOptions& o);

/// Moments of the projections y = GQ⁻¹Z + ξ, ξ ~ N(0, v⊥(I − GQ⁻¹Gᵀ)), with their sampling errors
/// (the ξ part exactly, per particle).
ProjectedLaw projected_law_sde(const Eigen::MatrixXd& Q, const Eigen::MatrixXd& G, double b, const GenerateOptions& o);

/// The 2-D density: the particles' Gaussian mixture Σ_i N(y; CZ_i, Ξ)/n (Ξ floored at the grid spacing²).
std::vector<std::array<double, 3>> projected_density_sde(const Eigen::MatrixXd& Q, const Eigen::MatrixXd& G, double b,
                                                         const GenerateOptions& o, double half_width, int points);

}  // namespace hdflow::clusters
