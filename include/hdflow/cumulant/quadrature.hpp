#pragma once
// Quadrature rules of the cumulant module that core/gauss.hpp does not provide (brief mixed-cumulant.md §7):
// Gauss–Legendre for half-line normal averages with a jump at λ = 0 (correlated latents) and for the uniform
// latent law; Gauss–Laguerre for the Laplace latent law. Golub–Welsch with Newton refinement; cached.
#include "hdflow/core/gauss.hpp"

namespace hdflow::cumulant {

/// Gauss–Legendre rule with n nodes on [−1, 1] (weights sum to 2). Cached, thread-safe.
const gauss::Rule1D& legendre_rule(int n);

/// Gauss–Laguerre rule with n nodes for ∫_0^∞ e^{−t} f(t) dt (weights sum to 1). Cached, thread-safe.
const gauss::Rule1D& laguerre_rule(int n);

/// E[f(λ) 1{λ > 0}], λ ~ N(0,1), as Σ w_i f(λ_i): Gauss–Legendre with n nodes on [0, L], φ folded into the
/// weights (§7: n = 96, L = 12 gives 1e−12 for the smooth integrands here). Cached.
const gauss::Rule1D& half_normal_rule(int n, double L = 12.0);

}  // namespace hdflow::cumulant
