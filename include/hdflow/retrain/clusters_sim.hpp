#pragma once
// Finite-d simulation of the autoencoder retraining chain (brief online-sgd-ae-diffusion.md §7.1, §7.5, §9 item 5):
// the tied autoencoder f(x) = b x + Wᵀtanh(Wx/√d)/√d of the clusters module, trained by online SGD with the
// conventions of §1.4 (loss ‖f(x_t) − x₁‖², W ← W − η∇ − η(λ_wd/d)W, b ← b − (η/d²)∂_b, cold informed start
// w_γ(0) = 0.1√d μ_γ, b(0) = 0) on n samples per generation, one pass; each sample is fresh from the Fig. 1 target
// (K = 3, μ = 3e₁, −3e₂, −3e₁, Σ = I) with the fixed fraction ρ (evenly interleaved) or drawn from the previous
// generation's generator. The generator's samples use the exact d-dimensional representation of the notebooks'
// Euler sampler (brief §5.2, an identity at every finite d): x = WᵀQ⁻¹Z/√d + A_T(b) P⊥ξ with Z the latent Euler
// map of Z₀ ~ N(0, Q), ξ ~ N(0, I_d). Cost O(d r) per sample: no d-dimensional flow is integrated.
// The training loop is written here (not in clusters/sim.cpp) because the clusters trainer draws its own
// target data; the update is the same expression.
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "hdflow/io/params.hpp"

namespace hdflow::retrain {

struct ClustersSimParams {
  int n = 30000;          ///< samples per generation
  int n_first = 0;        ///< samples of generation 1 (trained on the target); 0: n
  int G = 3;
  double rho = 0;         ///< fresh fraction
  double t = 0.7, eta = 0.1, weight_decay = 0.1;
  int T = 100;            ///< Euler sampler cutoff
};

struct ClustersSimOptions {
  int d = 1000;
  int seeds = 2;
  std::uint64_t seed = 1;
  int threads = 0;
  int particles = 2000;  ///< generated samples per generation and seed for the projected observables

  static const std::vector<ParamSpec>& specs();
  static ClustersSimOptions from_json(const Json& j);
};

/// Per generation g = 1..G of one chain: b, v = A_T(b)², M₁₁, M₂₂, Q₁₁, Q₂₂, Q₁₂, E|y₁|, Var y₁, E|y₂|, Var y₂,
/// mode weights w₁..w₃ (nearest target mean in the (e₁, e₂) plane), bulk variance measured on particles along a
/// random direction orthogonal to W and μ.
struct ClustersGeneration {
  double b, v, M11, M22, Q11, Q22, Q12, y1_abs, y1_var, y2_abs, y2_var, w1, w2, w3, v_measured;
};
std::vector<ClustersGeneration> simulate_clusters_chain(const ClustersSimParams& P, const ClustersSimOptions& o,
                                                        std::uint64_t seed);

/// Parent weights with prescribed theory statistics (brief §7.5): w_γ = √d(M_γγ/3 ê_γ + √(Q_γγ − M_γγ²/9) u_γ),
/// ê_γ = μ_γ/3 (ê₁ = e₁, ê₂ = −e₂), u_γ random orthonormal and orthogonal to e₁, e₂. Then μWᵀ/√d and WWᵀ/d are
/// the given diagonal M (with M₃₁ = −M₁₁) and Q exactly.
Eigen::MatrixXd parent_weights(double M11, double M22, double Q11, double Q22, int d, std::uint64_t seed);

/// A child's overlaps at finite d: R = WW_gᵀ/d, Q = WWᵀ/d, M = μWᵀ/√d (3 × 2), b.
struct ChildRecord {
  Eigen::Matrix2d R, Q;
  Eigen::MatrixXd M;
  double b = 0;
};
/// One child trained by online SGD (§1.4 conventions, cold informed start) on exact samples of the parent
/// (W_g, b_g) with the notebooks' Euler sampler (cutoff P.T); its overlaps at the increasing training times
/// `taus` (τ = 2ηk/d). Only P.t, P.eta, P.weight_decay and P.T are used. This is the brief's §7.5 check of
/// the closure (clusters/closure.hpp).
std::vector<ChildRecord> simulate_child(const Eigen::MatrixXd& Wg, double bg, const ClustersSimParams& P,
                                        const std::vector<double>& taus, std::uint64_t seed);

/// Mean and standard error over o.seeds chains, rows g = 1..G (or only G).
std::vector<Json> simulate_clusters_rows(const ClustersSimParams& P, const ClustersSimOptions& o, bool trajectory);

}  // namespace hdflow::retrain
