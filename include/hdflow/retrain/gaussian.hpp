#pragma once
// The exactly solvable retraining pipeline: a linear (affine) denoiser ⇒ a Gaussian refit every generation
// (seed 001, Khelifa–Turner–Venkataramanan, arXiv:2602.16601; brief model-collapse-recursion.md, "the brief"
// below). Everything here is closed form or 1-D deterministic quadrature, never Monte Carlo:
//  * Gaussian divergences KL, χ² (with the finiteness rule), W₂² in d dimensions (brief §4.1–4.4);
//  * χ² and KL between 1-D Gaussian mixtures by a dense trapezoid rule (brief §3.6, §4.4, CV-2);
//  * the expected moment recursion of the refit with n samples and fresh fraction α, MLE and unbiased
//    covariance, fixed and Bernoulli composition, its fixed points and mean-square stability (brief §7.2);
//  * Shumailov-type closed forms at α = 0 (brief §10.1);
//  * the sampler maps of an affine score: exact (t₀), continuous (finite T), Euler–Maruyama (brief §3.4);
//  * the population (n = ∞) map with a biased sampler and its divergences per generation (brief §7.5);
//  * the leading-order finite-n drift k_d/n · (1 − (1−α)^{2g})/(α(2−α)) (brief §7.4).
// Generation 0 is the data itself: p̂⁰ = p, q₀ = p, D₀ = 0 (brief §2.3 [S]).
// Equations as implemented: equations/retrain-gaussian.md.
#include <Eigen/Dense>
#include <string>
#include <vector>

namespace hdflow::retrain {

// ---------------------------------------------------------------- divergences (brief §4)

/// KL(N(m1,S1) ‖ N(m0,S0)) (brief §4.1).
double kl_gauss(const Eigen::VectorXd& m1, const Eigen::MatrixXd& S1, const Eigen::VectorXd& m0, const Eigen::MatrixXd& S0);
/// χ²(N(m1,S1) ‖ N(m0,S0)) (brief §4.2); +∞ when M = 2S1⁻¹ − S0⁻¹ is not positive definite.
double chi2_gauss(const Eigen::VectorXd& m1, const Eigen::MatrixXd& S1, const Eigen::VectorXd& m0, const Eigen::MatrixXd& S0);
/// W₂²(N(m1,S1), N(m0,S0)) (brief §4.3).
double w2sq_gauss(const Eigen::VectorXd& m1, const Eigen::MatrixXd& S1, const Eigen::VectorXd& m0, const Eigen::MatrixXd& S0);

/// 1-D versions (v = variance).
double kl_gauss_1d(double m1, double v1, double m0, double v0);
double chi2_gauss_1d(double m1, double v1, double m0, double v0);
double w2sq_gauss_1d(double m1, double v1, double m0, double v0);

/// A 1-D Gaussian mixture Σ_k w_k N(m_k, v_k).
struct Mixture1D {
  std::vector<double> w, m, v;
  double density(double x) const;
  double mean() const;
  double variance() const;
};

/// χ²(a ‖ b) between 1-D mixtures by the trapezoid rule on a range wide enough for the slowest tail
/// (brief §4.4); +∞ when some component of a has 2/v_k − 1/v_j ≤ 0 for every component j of b (the
/// sufficient finiteness rule, exact when b is one Gaussian). `points` trapezoid nodes (error ~1e−12 at 4001).
double chi2_mixture_1d(const Mixture1D& a, const Mixture1D& b, int points = 4001);
/// KL(a ‖ b) between 1-D mixtures, same rule (always finite for Gaussian mixtures).
double kl_mixture_1d(const Mixture1D& a, const Mixture1D& b, int points = 4001);
/// ∫ (a − b)² / c dx (the κ-free innovation term of the triangle envelope, brief §5.5); +∞ when a tail of
/// a or b is at least twice as wide as every component of c.
double l2_over_1d(const Mixture1D& a, const Mixture1D& b, const Mixture1D& c, int points = 4001);

// ---------------------------------------------------------------- refit recursion (brief §7.2)

enum class Estimator { mle, unbiased };
enum class Composition { fixed, bernoulli };

/// Whitened expected errors: e = E‖m̂ − μ₀‖²_{Σ₀⁻¹}/d, s = E tr(Σ₀⁻¹Σ̂)/d (σ₀² = 1 units).
struct Moments {
  double e = 0, s = 1;
};

/// Fresh fraction actually used with fixed composition: round(α n)/n (brief §7.2).
double realised_alpha(double alpha, int n, Composition c);

/// One generation of the expected-moment recursion (brief §7.2), α already realised.
Moments moment_step(const Moments& x, double alpha, int n, Estimator est, Composition comp);
/// e_g, s_g for g = 0..G (e₀ = 0, s₀ = 1).
std::vector<Moments> moment_recursion(int G, double alpha, int n, Estimator est, Composition comp);
/// Fixed point (brief §7.2 closed forms); e = +∞ when the recursion is mean-square unstable (unbiased,
/// n α(2−α) ≤ 1, or α = 0 for either estimator... MLE at α = 0 tends to (1, 0)).
Moments moment_fixed_point(double alpha, int n, Estimator est, Composition comp);
/// Spectral radius of the linear (e, s) recursion (brief §7.2, CV-3): < 1 ⇔ mean-square stable.
double moment_spectral_radius(double alpha, int n, Estimator est, Composition comp);
/// Critical sample size of the unbiased refit n_c = 1/(α(2−α)) and the α-threshold 1 − √(1 − 1/n) (brief §7.2).
double unbiased_critical_n(double alpha);
double unbiased_alpha_threshold(int n);

/// c(n) = √(2/n) Γ(n/2)/Γ((n−1)/2): E σ_g = σ₀ c(n)^g for the MLE at α = 0 (brief §10.1, CV-4).
double shumailov_c(int n);
/// Mean step of log σ_g²: ψ((n−1)/2) + ln(2/n) (MLE) or ψ((n−1)/2) + ln(2/(n−1)) (unbiased) (brief §10.1).
double log_variance_step(int n, Estimator est);

// ---------------------------------------------------------------- sampler maps (brief §3.4, §7.3)

enum class SamplerKind { exact, continuous, em };

struct Sampler {
  SamplerKind kind = SamplerKind::exact;
  double T = 4;       ///< reverse horizon (continuous, em)
  double t0 = 0;      ///< early-stopping time
  int steps = 500;    ///< Euler–Maruyama steps (em)
};

/// Output (mean, variance) along one eigen-direction for the affine score of N(μ, λ), start N(0,1):
/// exact: (e^{−t₀/2}μ, e^{−t₀}λ + 1 − e^{−t₀}); continuous: brief §3.4 Φ formula; em: the moment recursion
/// c_j = 1 + h(½ − 1/v_j), M ← c_j M + h a_j μ/v_j, P ← c_j² P + h on t_j = T − j h (brief §3.4).
void sampler_map_1d(double mu, double lambda, const Sampler& s, double& mean_out, double& var_out);
/// d-dimensional version: diagonalise Σ̂ and apply sampler_map_1d per eigen-direction.
void sampler_map(const Eigen::VectorXd& m, const Eigen::MatrixXd& S, const Sampler& s, Eigen::VectorXd& m_out,
                 Eigen::MatrixXd& S_out);

// ---------------------------------------------------------------- population pipeline (brief §7.5)

/// One generation of the population (n = ∞) pipeline in 1-D.
struct PopulationRow {
  int g = 0;
  double mean = 0, var = 1;     ///< p̂^g = N(mean, var)
  double D_chi2 = 0;            ///< χ²(p̂^g ‖ p), +∞ when var ≥ 2 var₀
  double D_kl = 0;              ///< KL(p̂^g ‖ p)
  double W2sq = 0;              ///< W₂²(p̂^g, p)
};

/// m_q = αμ₀ + (1−α)m, v_q = αv₀ + (1−α)v + α(1−α)(m − μ₀)², then the sampler map (brief §7.5); g = 0..G.
std::vector<PopulationRow> population_pipeline(double mu0, double var0, double alpha, int G, const Sampler& s);

// ---------------------------------------------------------------- leading-order drift (brief §7.4)

enum class Fit { full, diagonal, isotropic };
/// k_d = d + d(d+1)/2 (full), 2d (diagonal), d + 1 (isotropic) (brief §7.4).
double k_d(int d, Fit fit);
/// E D_g ≈ (k_d/n)(1 − (1−α)^{2g})/(α(2−α)), and k_d g/n at α = 0 (brief §7.4).
double lo_drift(double kd, int n, double alpha, int g);
/// n_crit = k_d/(α(2−α) D_target) (brief §7.4).
double drift_critical_n(double kd, double alpha, double D_target);

// ---------------------------------------------------------------- related regression models (brief §10.3–10.4)

/// Gerstgrasser et al. (2024), isotropic design, T samples per iteration, label noise σ²: "replace" (data discarded)
/// E‖ŵ_n − w*‖² = σ²d n/(T − d − 1) (T ≥ d + 2) (brief §10.3, CV-12).
double regression_replace_error(double sigma2, int d, int T, int n);
/// "accumulate" (all data kept): the envelope σ²d/(T − d − 1) Σ_{k≤n} k⁻² (< σ²d/(T − d − 1) π²/6), an upper bound; the
/// true values are lower (brief §10.3, CV-12).
double regression_accumulate_envelope(double sigma2, int d, int T, int n);
/// Dohmatob, Feng, Kempe (2024): n fake generations of OLS on T₀ samples (noise σ₀²), then a fit on T samples (noise σ²):
/// E_test = σ²d/(T − d − 1) + n σ₀²d/(T₀ − d − 1) (brief §10.4, CV-12).
double regression_chain_test_error(double sigma2, int d, int T, double sigma02, int T0, int n);

}  // namespace hdflow::retrain
