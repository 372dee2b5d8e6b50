#pragma once
// Finite-d online SGD of the tied autoencoder f(x) = b x + Wᵀσ(Wx/√d)/√d on the K-cluster mixture, with the
// conventions of brief online-sgd-ae-diffusion.md §1.4 and §4.4: one fresh (x₀, x₁) per step, loss
// ‖f(xₜ) − x₁‖² (no ½), W ← W − η∇_W ℓ − η(λ_wd/d)W, b ← b − (η/d²)∂_b ℓ, informed start
// w_γ(0) = 0.1√d μ_γ; step k ↔ τ = 2ηk/d. Records M = μWᵀ/√d, Q = WWᵀ/d and b.
#include <cstdint>

#include "hdflow/clusters/generate.hpp"
#include "hdflow/clusters/sgd.hpp"
#include "hdflow/io/params.hpp"

namespace hdflow::clusters {

struct SgdSimOptions {
  int d = 2000;
  int seeds = 1;
  std::uint64_t seed = 1;
  int threads = 0;

  static const std::vector<ParamSpec>& specs();
  static SgdSimOptions from_json(const Json& j);
};

/// Mean vectors in d dimensions realising the Gram matrices: block s holds round(p_s d) coordinates with
/// covariance λ_s I; μ_k⁽ˢ⁾ = the rows of a square root of t⁽ˢ⁾, in the block's first coordinates.
Eigen::MatrixXd embed_means(const SgdParams& P, int d, std::vector<int>& block_start);

/// One run to training time τ returning the trained weights W (r × d), b and the embedded means μ (K × d).
void simulate_sgd_weights(const SgdParams& P, double tau, const SgdSimOptions& o, std::uint64_t seed, Eigen::MatrixXd& W,
                          double& b, Eigen::MatrixXd& mu, double b0 = 0);

/// The statistics of trained weights: m⁽ˢ⁾ = μ⁽ˢ⁾W⁽ˢ⁾ᵀ/√d, q⁽ˢ⁾ = W⁽ˢ⁾W⁽ˢ⁾ᵀ/d per block, and b.
SgdState statistics_of(const SgdParams& P, const Eigen::MatrixXd& W, double b, const Eigen::MatrixXd& mu);

/// One run to training time τ; returns the statistics as an SgdState (m, q aggregated in block 0 when N = 1,
/// per block otherwise) and b.
SgdState simulate_sgd_run(const SgdParams& P, double tau, const SgdSimOptions& o, std::uint64_t seed, double b0 = 0);

/// Mean and standard error over o.seeds runs, flat: M_k_g, Q_g_e, b (and _stderr), d, seeds, steps, status.
Json simulate_sgd_point(const SgdParams& P, double tau, const SgdSimOptions& o, double b0 = 0);

/// Generation at finite d: a network trained by online SGD to τ (per seed), `particles` samples X₀ ~ N(0, I_d)
/// moved by the d-dimensional sampler (the notebooks' Euler grid t_k = k/T, k = 0..T−2, or the exact flow to
/// 1 − 1/T by RK4 in s = ln 1/(1 − t)), projected on the normalised cluster means `project_on`:
/// y_p: mean, E|y|, Var y, E y⁴ (mean and standard error over seeds), flat as clusters.generate's columns.
/// With `sde` active, the d-dimensional stochastic sampler of brief §5.7 (Euler–Maruyama on the grid, or
/// stochastic Heun in s for the continuous sampler).
Json simulate_generate_point(const SgdParams& P, double tau, const SgdSimOptions& o, int particles, int T, bool exact_flow,
                             const std::vector<int>& project_on, double b0 = 0, const SdeSampler& sde = {});

}  // namespace hdflow::clusters
