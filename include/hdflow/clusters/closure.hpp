#pragma once
// Retraining on synthetic data: the closure for one generation step of the clusters model
// (brief online-sgd-ae-diffusion.md §7.2; equations/clusters-closure.md).
//
// Generation g's output is exactly (brief §5.2) x = W_gᵀQ_g⁻¹Z/√d + A_g P⊥⁽ᵍ⁾ξ, Z = Φ_g(Z₀), Z₀ ~ N(0, Q_g),
// ξ ~ N(0, I_d): an r-dimensional non-Gaussian signal plus an isotropic bulk of variance v_g = A_g² in the
// complement of the parent's row space. A child trained on it by online SGD has the order parameters
// R = WW_gᵀ/d, Q = WWᵀ/d, M = μWᵀ/√d and b, with local fields
//   λ¹ | Z ~ N(RQ_g⁻¹Z, Q̃),  Q̃ = v_g(Q − RQ_g⁻¹Rᵀ),   λ⁰ ~ N(0, Q),
// and the ODEs (probe operator D of §3.2, ⟨·⟩ = E_Z E[· | Z])
//   dR_·γ'/dτ = E_Z D[θ = Z_γ', c⁰ = R_·γ', c¹ = 0] − (λ_wd/2)R_·γ',
//   dM_k·/dτ  = E_Z D[θ = (M_gQ_g⁻¹Z)_k, c⁰ = M_k·, c¹ = v_g(M − M_gQ_g⁻¹Rᵀ)_k·] − (λ_wd/2)M_k·,
//   dQ/dτ     = L + Lᵀ + 2ηS − λ_wd Q  (§3.3 with λ̄ → v_g),   db/dτ = β(1 − bβ)v_g − bα².
// With a fraction ρ of real target data every expectation is the ρ : 1 − ρ mixture of the target's
// (clusters.sgd, R's probe: θ = M_g,cγ', c¹ = λ̄R_·γ') and the parent's expressions; S keeps each source's
// squared-norm constants; b sees ρλ̄ + (1 − ρ)v_g.
//
// Quadrature: the outer law of Z is a tensor product over units (Q_g diagonal), each unit's pushforward law
// computed on a dense trapezoid rule in the whitened start and compressed to `outer` Gauss nodes
// (gauss::compress); the inner averages are those of clusters/averages.hpp with one component per outer node.
#include <Eigen/Dense>
#include <vector>

#include "hdflow/clusters/generate.hpp"
#include "hdflow/clusters/sgd.hpp"

namespace hdflow::clusters {

struct ClosureOptions {
  int outer = 30;              ///< Gauss nodes per unit for the parent's latent law (compressed)
  int inner = 16;              ///< Gauss–Hermite nodes per dimension when Ω is not diagonal
  double rho = 0;              ///< fraction of real target data in every training set
  bool warm_start = false;     ///< start from the parent (R = Q = Q_g, M = M_g, b = b_g) instead of cold informed
  double rel_tol = 1e-8;       ///< rk8pd tolerance (1e-7 already gives 1e-9 on the §7.5 states)
  GenerateOptions sampler;     ///< the parent's sampler (T, exact_flow, grid); the SDE variant is not closed here
};

/// Generation g's output as a training law (brief §7.2).
struct ParentLaw {
  Eigen::MatrixXd Mg, Qg;              ///< parent's M (K × r) and Q (r × r, diagonal)
  double bg = 0, vg = 0;               ///< parent's skip and bulk variance A(b_g)²
  std::vector<Eigen::VectorXd> Z;      ///< outer nodes of the law of Z = Φ_g(Z₀)
  std::vector<double> w;               ///< their weights (sum 1)
};

/// The parent's law from its statistics (N = 1 spectral block). Throws std::domain_error if Q_g is not
/// diagonal (the tensor-product outer rule needs independent units; every symmetric setting keeps Q diagonal)
/// or if the sampler is the stochastic one.
ParentLaw parent_law(const SgdParams& P, const SgdState& parent, const ClosureOptions& o);

/// Child's order parameters: R = WW_gᵀ/d (r × r, row γ = child unit), Q = WWᵀ/d, M = μWᵀ/√d (K × r), b.
struct ChildState {
  Eigen::MatrixXd R, Q, M;
  double b = 0;
  SgdState sgd() const;  ///< (M, Q, b) as a clusters.sgd state (one block): the next parent, its generated law
};

/// Cold informed start (R_γγ' = 0.1 (M_g)_γγ' for γ ≤ min(r, K), Q = 0.01 T_{1:r,1:r}, M = 0.1 T_{·,1:r}, b = 0)
/// or warm start (R = Q = Q_g, M = M_g, b = b_g).
ChildState child_start(const SgdParams& P, const ParentLaw& L, bool warm);

struct ChildDrift {
  Eigen::MatrixXd dR, dQ, dM;
  double db = 0;
};
/// Right-hand side of the closure (brief §7.2, with the real-data fraction o.rho).
ChildDrift child_drift(const SgdParams& P, const ParentLaw& L, const ChildState& s, const ClosureOptions& o);

/// The parent source's L_γδ in the direct form −⟨σ_γA_δ + σ'_γA_γω_δ⟩ and in the probe form
/// E_Z D_γ[θ = (RQ_g⁻¹Z)_δ, c⁰ = Q_δ·, c¹ = Q̃_δ·]: equal up to quadrature error (a self-test of D on this law).
std::pair<Eigen::MatrixXd, Eigen::MatrixXd> child_L_forms(const SgdParams& P, const ParentLaw& L, const ChildState& s,
                                                          const ClosureOptions& o);

/// Child states at the increasing training times `taus` (rk8pd from τ = 0). A failed integration leaves NaN.
std::vector<ChildState> integrate_child(const SgdParams& P, const ParentLaw& L, const ChildState& s0,
                                        const std::vector<double>& taus, const ClosureOptions& o);

}  // namespace hdflow::clusters
