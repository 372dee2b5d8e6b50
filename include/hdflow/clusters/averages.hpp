#pragma once
// The Gaussian averages of the clusters ODEs (brief online-sgd-ae-diffusion.md §3.2–3.3), every one
// reduced to r dimensions by conditioning on ω (§4.1): A is replaced by its conditional mean a(ω) and
// covariance S_A, and ω | c ~ N(βM_c·, Ω), Ω = β²Q̃ + α²Q. Three deterministic routes, chosen per state:
//
//  * factorised (Quadrature::automatic when Ω is diagonal to rounding, |Ω_γδ| ≤ 1e−13 √(Ω_γγΩ_δδ); every
//    symmetric setting, e.g. the Fig. 1 one, stays there for all τ): the units ω_γ are independent given
//    c, a_γ is a sum of one-unit terms, so every average is a sum of products of one-dimensional moments
//    E[σ^a σ'^b σ''^c Δ^e] (a+b+c+e ≤ 4) per unit — r one-dimensional rules instead of an r-dimensional
//    tensor rule. The 1-D rules: trapezoid for tanh (error ≤ 1e−13, gauss::TanhLineQuadrature),
//    Gauss–Hermite with `nodes` for erf and linear, piecewise Gauss–Legendre split at the kink for ReLU.
//  * tensor: the r-dimensional tensor Gauss–Hermite rule with `nodes` per axis on the symmetric root of Ω
//    (smooth activations), or for ReLU the nested piecewise Gauss–Legendre rule in Cholesky coordinates,
//    split at every kink ω_γ = 0.
//  * ReLU's σ'' = δ: E[δ(ω_γ) a_γ] = p_{ω_γ}(0) E[a_γ | ω_γ = 0], the conditional expectation over the
//    other r − 1 units by the same kinked rule (equations/clusters-sgd.md §4).
// The Monte-Carlo route (`mc` non-null) exists only for the benchmark (the notebooks' method).
#include <Eigen/Dense>
#include <random>
#include <vector>

#include "hdflow/clusters/sgd.hpp"

namespace hdflow::clusters {

/// Per-cluster averages needed by the probe operator D (brief §3.2).
struct ClusterAverages {
  Eigen::VectorXd s, d1, d1a, d2a;  ///< E σ_γ, E σ'_γ, E σ'_γ a_γ, E σ''_γ a_γ
  Eigen::MatrixXd ss, d1d1;         ///< E σ_γσ_δ, E σ'_γσ'_δ
};
/// Cluster-averaged ones of L (direct form) and S (§3.3).
struct Averages {
  std::vector<ClusterAverages> c;
  Eigen::MatrixXd sa, d1aw;  ///< ⟨σ_γ a_δ⟩, ⟨σ'_γ a_γ ω_δ⟩
  Eigen::MatrixXd E1, E2, E3;  ///< ⟨σσ⟩, ⟨σ_γσ'_δa_δ + σ'_γa_γσ_δ⟩, ⟨σ'_γa_γσ'_δa_δ⟩ + ⟨σ'σ'⟩∘S_A
  bool factorised = false;     ///< which route was taken
};

/// The Gaussian law of the local fields that every average is taken over (brief §3.1): components c with weights
/// π_c, λ¹ | c ~ N(M_c·, Q̃) and λ⁰ ~ N(0, Q) independent, ω = αλ⁰ + βλ¹ (α = 1 − t, β = t), and the network's
/// (Q, b) in A = bαλ⁰ − (1 − bβ)λ¹ + Qσ(ω). For clusters.sgd the components are the K clusters (field_law);
/// the retraining closure (brief §7.2, clusters/closure.hpp) has one component per outer node Z of the parent's
/// latent law, M_c· = (RQ_g⁻¹Z)ᵀ and Q̃ = v_g(Q − RQ_g⁻¹Rᵀ).
struct FieldLaw {
  std::vector<double> pi;
  Eigen::MatrixXd M, Q, Qt;
  double b = 0;
  double t = 0.7;
  Activation activation = Activation::tanh;
  int nodes = 100;
  Quadrature quadrature = Quadrature::automatic;
};

/// The field law of the K-cluster target at state `st` (M = Σ_s m⁽ˢ⁾, Q̃ = Σ_s λ_s q⁽ˢ⁾).
FieldLaw field_law(const SgdParams& P, const SgdState& st);

/// All averages over the law F (same routes, same meaning as sgd_averages).
Averages field_averages(const FieldLaw& F, std::mt19937_64* mc = nullptr, int mc_samples = 0, bool joint = false);

/// The probe drift operator of brief §3.2 for unit γ on component c (averages C of field_averages(F)):
/// D_γ[θ, c⁰, c¹] = (1 − bβ)θ Eσ_γ + 2[(1 − bβ)βc¹_γ − bα²c⁰_γ] Eσ'_γ − Σ_δ c⁰_δ Eσ_γσ_δ − βθ Eσ'_γA_γ
///                 − (α²c⁰_γ + β²c¹_γ) Eσ''_γA_γ − Σ_δ (α²c⁰_δ + β²c¹_δ) Q_γδ Eσ'_γσ'_δ.
double probe_D(const FieldLaw& F, const ClusterAverages& C, int g, double theta, const Eigen::VectorXd& c0,
               const Eigen::VectorXd& c1);

/// All averages at state `st`. `mc`: the benchmark's Monte-Carlo route with `mc_samples` fresh draws per
/// cluster (smooth activations only); the theory never uses it. `joint`: draw (λ¹, λ⁰) in 2r dimensions as the
/// notebooks do, instead of ω in r dimensions after the conditioning of §4.1.
Averages sgd_averages(const SgdParams& P, const SgdState& st, std::mt19937_64* mc = nullptr, int mc_samples = 0,
                      bool joint = false);

}  // namespace hdflow::clusters
