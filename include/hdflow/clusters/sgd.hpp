#pragma once
// Online SGD of a tied two-layer autoencoder f(x) = b x + Wᵀσ(Wx/√d)/√d on a K-cluster Gaussian mixture
// (Cui, Pehlevan, Lu, arXiv:2501.03937; seed 000): the closed d → ∞ ODEs for the summary statistics
// M = μWᵀ/√d (K × r), Q = WWᵀ/d (r × r) and b in the training time τ = 2ηk/d, in the compact form of
// shared/reference/online-sgd-ae-diffusion.md §3 (the brief), with the spectral-block variant (§3.4) and
// every Gaussian expectation reduced to r dimensions (§4.1) and done by a tensor Gauss–Hermite rule —
// never Monte Carlo. The notebook's coefficient bugs B1, B2 are not reproduced. Equations as implemented:
// equations/clusters-sgd.md.
#include <Eigen/Dense>
#include <random>
#include <string>
#include <vector>

namespace hdflow::clusters {

enum class Activation { tanh, erf, linear, relu };

/// automatic: factorised one-dimensional rules whenever Ω is diagonal (symmetric settings), the tensor rule
/// otherwise; tensor: always the r-dimensional rule (cross-checks). See clusters/averages.hpp.
enum class Quadrature { automatic, tensor };

/// σ(x), σ'(x), σ''(x) of the hidden units (ReLU: σ'' = 0 here; its δ at 0 is handled by the averages).
void activation_eval(Activation kind, double x, double& f, double& f1, double& f2);

struct SgdParams {
  std::vector<double> pi;               ///< cluster weights π_c (K)
  std::vector<Eigen::MatrixXd> T;       ///< per spectral block s: Gram t⁽ˢ⁾_kc = μ_k⁽ˢ⁾·μ_c⁽ˢ⁾ (K × K)
  std::vector<double> lambda_s;         ///< block eigenvalues λ_s of Σ
  std::vector<double> p_s;              ///< block fractions p_s (sum 1)
  int r = 2;                            ///< hidden units
  double t = 0.7;                       ///< training noise level: α = 1 − t (noise), β = t (data)
  double eta = 0.1;                     ///< learning rate of W (b has η/d²)
  double weight_decay = 0.1;            ///< λ_wd (W decays by ηλ_wd/d per step)
  Activation activation = Activation::tanh;
  int nodes = 100;                      ///< Gauss–Hermite nodes per dimension of the r-dimensional rule
  Quadrature quadrature = Quadrature::automatic;

  int K() const { return static_cast<int>(pi.size()); }
  int N() const { return static_cast<int>(T.size()); }
  double lambda_bar() const;            ///< λ̄ = Σ_s p_s λ_s
  std::vector<std::string> validate() const;
};

/// The Fig. 1 setting of the paper and of the brief's check values (§10): K = 3, r = 2, π = 1/3 each,
/// μ₁ = 3e₁, μ₂ = −3e₂, μ₃ = −3e₁, Σ = I, t = 0.7, η = 0.1, λ_wd = 0.1, tanh.
SgdParams fig1_setting(int nodes = 100);

/// Block-unnormalised overlaps (brief §2): m⁽ˢ⁾ (K × r), q⁽ˢ⁾ (r × r) per block, and b.
struct SgdState {
  std::vector<Eigen::MatrixXd> m, q;
  double b = 0;
  Eigen::MatrixXd M() const;       ///< Σ_s m⁽ˢ⁾
  Eigen::MatrixXd Q() const;       ///< Σ_s q⁽ˢ⁾
  Eigen::MatrixXd Qt(const SgdParams& P) const;  ///< Q̃ = Σ_s λ_s q⁽ˢ⁾ = WΣWᵀ/d
};

/// The informed initialisation of brief §1.5: w_γ(0) = 0.1√d μ_γ (γ ≤ min(r, K)), b(0) = 0:
/// m⁽ˢ⁾(0)_kγ = 0.1 t⁽ˢ⁾_kγ, q⁽ˢ⁾(0)_γδ = 0.01 t⁽ˢ⁾_γδ.
SgdState informed_start(const SgdParams& P);

struct SgdDrift {
  std::vector<Eigen::MatrixXd> dm, dq;
  double db = 0;
};

/// Right-hand side of the ODEs (brief §3.3 for N = 1, §3.4 for blocks):
///   dm⁽ˢ⁾/dτ = Σ_c π_c D[t⁽ˢ⁾_kc, m⁽ˢ⁾_k·, λ_s m⁽ˢ⁾_k·]_c − (λ_wd/2) m⁽ˢ⁾,
///   dq⁽ˢ⁾/dτ = L⁽ˢ⁾ + L⁽ˢ⁾ᵀ + 2η p_s S⁽ˢ⁾ − λ_wd q⁽ˢ⁾,   L⁽ˢ⁾_γδ = Σ_c π_c D_γ[m⁽ˢ⁾_cδ, q⁽ˢ⁾_δ·, λ_s q⁽ˢ⁾_δ·]_c,
///   db/dτ = β(1 − bβ)λ̄ − bα².
SgdDrift sgd_drift(const SgdParams& P, const SgdState& s);

/// The direct form L_γδ = −⟨σ_γ A_δ + σ'_γ A_γ ω_δ⟩ (N = 1) and the probe form Σ_c π_c D_γ[M_cδ, Q_δ·, λQ_δ·]_c:
/// equal up to quadrature error, a self-test of the probe operator D (brief §3.3).
Eigen::MatrixXd sgd_L_direct(const SgdParams& P, const SgdState& s);
Eigen::MatrixXd sgd_L_probe(const SgdParams& P, const SgdState& s);

/// b(τ) = b* + (b(0) − b*) e^{−κτ}, κ = α² + β²λ̄, b* = βλ̄/κ (brief §3.3).
double b_closed_form(const SgdParams& P, double b0, double tau);

/// rk8pd: adaptive (GSL, relative tolerance rel_tol); rk4: fixed steps dt; euler: the notebooks' scheme.
enum class Scheme { rk8pd, rk4, euler };

/// Integrates from (tau0, s) to tau1: equal steps of at most dt (rk4, euler) or adaptive steps (rk8pd,
/// relative and absolute tolerance rel_tol). A failure of the adaptive driver leaves NaN in the state.
SgdState integrate_sgd(const SgdParams& P, SgdState s, double tau0, double tau1, double dt, Scheme scheme,
                       double rel_tol = 1e-10);

/// One adaptive rk8pd run from (tau0, s) through the increasing times `taus` (the whole training curve in
/// one pass); a failure of the driver leaves NaN in the remaining states.
std::vector<SgdState> integrate_sgd_path(const SgdParams& P, const SgdState& s, double tau0, const std::vector<double>& taus,
                                         double rel_tol = 1e-10);

/// The peers' method, for the benchmark only: every expectation a Monte-Carlo average of `samples` fresh
/// draws per cluster (the notebooks use 2000 per step). The theory never calls these.
/// `joint`: draw (λ¹, λ⁰) in 2r dimensions (the notebooks' sampling) rather than ω in r dimensions.
SgdDrift sgd_drift_sampled(const SgdParams& P, const SgdState& s, std::mt19937_64* rng, int samples, bool joint = false);
SgdState integrate_sgd_sampled(const SgdParams& P, SgdState s, double tau0, double tau1, double dt, Scheme scheme,
                               std::mt19937_64* rng, int samples, bool joint = false);

}  // namespace hdflow::clusters
