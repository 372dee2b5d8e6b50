#pragma once
// d → ∞ theory of a tied single-neuron denoiser trained by online projected SGD on the mixed cumulant
// model (brief mixed-cumulant.md §2–§4; equations/cumulant.md):
//  * the population loss F(α_u, α_v) through the kernel Ψ(m, τ²) (E2.1–E2.3), its gradient (E2.4) and the
//    second moment Γ of the gradient (E2.5);
//  * the Hermite coefficients c_k of Φ(s) = Ψ(s, 0) (E3.2), the Hermite moments of the projection (E3.4) and
//    the diffusion information exponents k_u, k_v (E3.6);
//  * the overlap ODEs on the linear scale (E4.1), their first-passage times, the escape law from a random
//    start (E4.2–E4.4) and the cubic-scale constants (E4.6–E4.7).
// All Gaussian and latent averages are deterministic quadrature (never Monte Carlo).
#include <Eigen/Dense>
#include <string>
#include <vector>

#include "hdflow/cumulant/params.hpp"

namespace hdflow::cumulant {

/// σ and its first three derivatives at h (brief §7, "Derivatives").
struct ActivationValues {
  double s, s1, s2, s3;
};
ActivationValues activation_values(Activation a, double h);

/// Gaussian averages over h ~ N(μ, V) (§2.1): ⟨σ⟩, ⟨σ'⟩, ⟨σ''⟩, ⟨σ'''⟩, ⟨σ²⟩, ⟨(σ²)'⟩, ⟨(σ²)''⟩.
/// Gauss–Hermite with M.n_gh nodes for tanh and erf, exact for linear, closed forms for ReLU (§7).
struct Averages {
  double s0, s1, s2, s3, q0, q1, q2;
};
Averages averages(const Model& M, double mu, double V);

/// The kernel Ψ(m, τ²) of (E2.2) and its partial derivatives Ψ_m, Ψ_τ² of (E2.4).
struct Kernel {
  double psi, psi_m, psi_tau2;
};
Kernel kernel(const Model& M, double m, double tau2);

/// The two parts of the gradient's bulk second moment given the latents (E2.5): E[A²], E[B²].
struct GammaParts {
  double E_A, E_B;
};
GammaParts gamma_conditional(const Model& M, double m, double tau2);

/// One node of the latent average (§2.1): weight, conditional mean m and variance τ² of s = w·x_0, and
/// their derivatives in α_u, α_v. Independent latents use the merged form (λ folded into the Gaussian part),
/// correlated latents the unmerged form on the two half lines of λ (jump at 0) plus (1 − q) × merged.
struct LatentNode {
  double w, m, tau2, dm_u, dm_v, dt_u, dt_v;
};
std::vector<LatentNode> latent_nodes(const Model& M, double alpha_u, double alpha_v);

/// F (E2.3, without the O(d) constant), its gradient F_u, F_v (E2.4), Γ = E_A + E_B (E2.5).
struct LossPoint {
  double F, F_u, F_v, Gamma, E_A, E_B;
};
LossPoint loss_point(const Model& M, double alpha_u, double alpha_v, bool with_gamma = true);

/// Right-hand side of the overlap ODEs on the linear scale γ = δ/d, t = n/d (E4.1).
Eigen::Vector2d ode_rhs(const Model& M, double delta, const Eigen::Vector2d& alpha);

/// Probabilists' Hermite polynomial He_k(x).
double hermite_he(int k, double x);

/// c_k = E_g[Φ(g) He_k(g)], k = 0..kmax, Φ(s) = Ψ(s, 0) (E3.1–E3.2), by n_outer-node Gauss–Hermite in g.
std::vector<double> hermite_coefficients(const Model& M, int kmax, int n_outer);

/// E He_k(s) averaged over the latents at the overlaps (α_u, α_v) (E3.4, closed form (E3.5) as a test).
double hermite_moment(const Model& M, int k, double alpha_u, double alpha_v);

/// F from its Hermite series truncated at kmax (E3.3).
double hermite_series(const Model& M, const std::vector<double>& c, double alpha_u, double alpha_v);

/// E He_k(ν) for the latent law of ν (= κ_4 for k = 4, κ_6 for k = 6).
double nu_hermite_moment(const Model& M, int k);

/// Diffusion information exponents (E3.6): the order k_x of the first non-vanishing term c_k/k! ·
/// [α_x^k] E He_k(s) of F in α_x alone (0 if none up to kmax), its coefficient (negative = attractive), and the
/// mixed second-order coefficient c_2 c_uv of α_u α_v (correlated latents).
struct Exponents {
  int k_u = 0, k_v = 0;
  double coef_u = 0, coef_v = 0, mixed_uv = 0;
};
Exponents information_exponents(const Model& M, const std::vector<double>& c, double rel_tol = 1e-9);

/// Trajectory of (E4.1) from α(0) through the increasing times; ok = false on an integrator failure.
struct Trajectory {
  std::vector<double> t;
  std::vector<Eigen::Vector2d> alpha;
  bool ok = true;
  std::string message;
};
Trajectory integrate_overlaps(const Model& M, double delta, const Eigen::Vector2d& alpha0, double t0,
                              const std::vector<double>& times, double rel_tol = 1e-11, double abs_tol = 1e-13);

/// First time |α_target| ≥ eps along (E4.1) (target 0 = u, 1 = v), located to ~1e−10 relative; reached = false
/// if not within t_max.
struct Passage {
  double t = 0;
  bool reached = false;
  bool ok = true;
};
Passage hitting_time(const Model& M, double delta, const Eigen::Vector2d& alpha0, int target, double eps, double t_max);

/// Linearisation at α = 0 (E4.2–E4.3): H = c_2 [[β_u, c_uv], [c_uv, 0]], J = −δH − δ²Γ_0/2 I, Σ_g, the top
/// eigenvalue r of J and its unit eigenvector e_1 (non-negative components), s_Y² = 1 + δ² e_1ᵀΣ_g e_1/(2r).
struct EscapeLinear {
  Eigen::Matrix2d H, J, Sigma_g;
  double r = 0;
  Eigen::Vector2d e1;
  double sY2 = 0, Gamma0 = 0, E_A = 0, E_B = 0, c2 = 0;
};
EscapeLinear escape_linear(const Model& M, double delta, int n_outer = 300);

/// Quantile p of the number of samples for |α_target| to reach eps from a uniform random start at dimension d
/// on the linear scale (E4.4): n_p = d T_ODE(α(0) = e_1 s_Y Φ⁻¹(1 − p/2)/√d → |α_target| = eps).
Passage escape_quantile_linear(const Model& M, const EscapeLinear& E, double delta, double d, int target, double eps,
                               double p, double t_max);

/// Median and lower quartile of the blow-up time of the canonical SDE dy = (y³ − κy/2)dτ' + √κ dW (E4.7),
/// interpolated (linearly in κ on log m) in the brief's table (§4.4; SDE Monte Carlo, ±0.005; κ = 0 exact).
/// Returns a negative number outside κ ∈ [0, 40].
double canonical_median(double kappa);
double canonical_lower_quartile(double kappa);

}  // namespace hdflow::cumulant
