#pragma once
// The autoencoder retraining pipeline of seed 000 (Cui, Pehlevan, Lu, arXiv:2501.03937) in the d → ∞ theory:
// the bulk-variance map and the critical sample size of brief online-sgd-ae-diffusion.md §7.3–7.4 ("the brief").
//
// With a cold informed start (b(0) = 0) the skip connection obeys db/dτ = β(1 − bβ)v − bα² (brief §3.3, §7.2),
// which depends on the training data only through its bulk variance v = ‖x₁‖²/d, so
//   b(τ; v) = βv/κ(v) · (1 − e^{−κ(v)τ}),  κ(v) = α² + β²v   (α = 1 − t, β = t the interpolant coefficients),
// and the generated law's bulk (the complement of the row space of W) has variance A(b)², A = A_T(b) for the
// notebooks' Euler sampler or T^{b−1} for the exact flow to t = 1 − 1/T (brief §5.2, §5.4). A fraction ρ of fresh
// target data (the brief's ρ; the α) mixes the bulk variances (brief §7.2, real-data fraction):
//   v_{g+1} = F(v_g) = A(b(τ; ρλ̄ + (1 − ρ)v_g))²,   v₀ = λ̄,   τ = 2ηn/d.
// F(λ̄) = λ̄ iff b(τ; λ̄) solves A(b)² = λ̄, independently of ρ: the critical sample size n_c = d τ_c/(2η) does not
// depend on the fresh fraction, which only limits how deep the collapse goes (equations/retrain-clusters.md).
// Everything is closed form, bisection or monotone iteration; no quadrature is needed.
#include <string>
#include <vector>

namespace hdflow::retrain {

struct ClustersChain {
  double t = 0.7;             ///< training noise level of the clusters module (interpolant α = 1 − t, β = t)
  double eta = 0.1;           ///< learning rate (τ = 2ηn/d)
  int d = 2000;               ///< dimension (only to convert n ↔ τ)
  double lambda_bar = 1.0;    ///< target bulk variance λ̄
  double rho = 0.0;           ///< fresh fraction of every training set
  int T = 100;                ///< sampler cutoff t_end = 1 − 1/T
  bool exact_flow = false;    ///< false: the notebooks' Euler grid (A_T(b)); true: exact flow (T^{b−1})
  double tau(double n) const { return 2 * eta * n / d; }
  double n_of_tau(double tau) const { return tau * d / (2 * eta); }
};

/// b(τ; v) with b(0) = 0 (brief §6.2, §7.3).
double skip_after(double t, double v, double tau);
/// Bulk amplitude: A_T(b) = Π_{j=2}^T(1 + (b − 1)/j) (Euler) or T^{b−1} (exact flow) (brief §5.4).
double bulk_amplitude(double b, int T, bool exact_flow);
/// F(v) of the chain at training time τ (with the fresh fraction ρ).
double bulk_map(const ClustersChain& c, double tau, double v);
/// dF/dv (analytic).
double bulk_map_slope(const ClustersChain& c, double tau, double v);
/// v₀ = λ̄, v₁, …, v_G.
std::vector<double> bulk_sequence(const ClustersChain& c, double tau, int G);
/// Fixed points of F in [1e−12, 1e6] (sign changes on a log grid, refined by bisection to 1e−15 relative).
std::vector<double> bulk_fixed_points(const ClustersChain& c, double tau);
/// lim_g v_g from v₀ = λ̄ (monotone: the nearest fixed point in the direction of F(λ̄) − λ̄).
double bulk_limit(const ClustersChain& c, double tau);
/// τ_c with F(λ̄) = λ̄ (bisection on A(b(τ; λ̄))² = λ̄); +∞ when b(∞; λ̄) = b* is too small (always collapse).
/// For λ̄ = 1: τ_c = (1/κ) ln(b*/(b* − 1)), κ = α² + β², b* = β/κ (brief §6.2, §7.3), for either sampler.
double critical_tau(const ClustersChain& c);

/// Regime of a chain at training time τ: "collapse" (F(λ̄) < λ̄: v_g decreases), "inflation" or "critical".
std::string bulk_regime(const ClustersChain& c, double tau);

}  // namespace hdflow::retrain
