#pragma once
// The Gaussian-mixture experiment of seed 001 (Khelifa–Turner–Venkataramanan, arXiv:2602.16601; brief
// model-collapse-recursion.md, "the brief" below, §9): data p = Σ_j π_j N(μ_j, σ² I_d), a Gaussian KDE of
// bandwidth h as the score model, the exact sampler S_{t₀}, fresh fraction α.
//
// Tier A (brief §9.3, deterministic): the population closure p̂^{i+1} = S_{t₀}(q_i * N(0, h² I)),
// q_i = α p + (1−α) p̂^i, p̂⁰ = p. Its exact solution is an age mixture: p̂^g = Σ_{k=1}^{g} w_k A_k p with
// w_k = α(1−α)^{k−1} (k < g), w_g = (1−α)^{g−1}, and A_k p = p with every mean multiplied by e^{−k t₀/2} and
// every variance replaced by v_k = e^{−k t₀}σ² + (1 − e^{−k t₀}) v*, v* = 1 + e^{−t₀}h²/(1 − e^{−t₀})
// (t₀ = 0: v_k = σ² + k h²). Moments are closed forms; KL and χ² between such mixtures use the §3.6 reduction
// (plane coordinates of the means + χ-distributed radius of the orthogonal part: a (k+1)-dimensional tensor rule),
// with the exact infinite-χ² rule of §4.4 for isotropic components.
// The exact-score limit law of brief §7.6 (CV-11) is the same closure with h = 0 and g → ∞.
// Generation 0 is the data itself: p̂⁰ = p, q₀ = p (brief §2.3 [S]).
// Equations as implemented: equations/retrain-gmm.md.
#include <Eigen/Dense>
#include <array>
#include <cstdint>
#include <vector>

namespace hdflow::retrain {

/// Data law p = Σ_j π_j N(μ_j, σ² I_d) (brief §9.1).
struct GmmData {
  int d = 10;
  std::vector<double> pi;  ///< weights π_j (sum 1)
  Eigen::MatrixXd means;   ///< K × d, row j = μ_j
  double sigma2 = 0.36;    ///< within-component variance σ²

  /// The default geometry of brief §9.1 [S, the audit's]: equal weights, means 0 and scale·(±4, ±4, 0, …, 0),
  /// σ = sigma; needs d ≥ 2 (E‖μ‖² = 25.6 scale²).
  static GmmData paper(int d, double scale = 1.0, double sigma = 0.6);
  /// One Gaussian N(μ₀, v₀) in d = 1 (the exact-score limit law of brief §7.6, CV-11).
  static GmmData gaussian1d(double mu0, double var0);

  int K() const { return static_cast<int>(pi.size()); }
  /// M₂ = Σ_j π_j ‖μ_j‖².
  double mean_norm2() const;
  /// E_p ‖x‖² = M₂ + d σ² (the reference of the drift, 29.2 in the default geometry).
  double second_moment() const;
};

/// A law Σ_a W_a A_a p: age a carries weight W_a, mean factor c_a (means c_a μ_j) and variance v_a.
/// Ages with W_a = 0 are never stored.
struct AgeMixture {
  std::vector<double> W, c, v;
  std::size_t size() const { return W.size(); }
};

/// v* = 1 + e^{−t₀}h²/(1 − e^{−t₀}) (brief §9.3); +∞ at t₀ = 0.
double gmm_v_star(double h, double t0);
/// v_k = e^{−k t₀}σ² + (1 − e^{−k t₀}) v*, and σ² + k h² at t₀ = 0 (brief §9.3).
double gmm_age_variance(int k, double sigma2, double h, double t0);
/// p̂^g of the population closure: ages 1..g with w_k = α(1−α)^{k−1} (k < g), w_g = (1−α)^{g−1}; p̂⁰ = p (age 0)
/// (brief §9.3).
AgeMixture gmm_generation(int g, double sigma2, double alpha, double h, double t0);
/// q = α p + (1−α) r (brief §2.3): age 0 (the data) gets weight α.
AgeMixture gmm_refresh(const AgeMixture& r, double sigma2, double alpha);
/// The exact-score limit law p̂^∞ = Σ_{k≥1} α(1−α)^{k−1} A_k p (brief §7.6), truncated where (1−α)^k < 1e−17;
/// empty when α = 0 (no limit mixture: p̂^g = A_g p).
AgeMixture gmm_limit(double sigma2, double alpha, double h, double t0);

/// Moments of an age mixture (brief §9.4).
struct GmmMoments {
  double v_bar = 0;          ///< within-mode variance per coordinate about each mode's mean, pooled over modes
                             ///< (CV-13): Σ_a W_a v_a + (M₂/d)(Σ_a W_a c_a² − s̄²)
  double v_age = 0;          ///< Σ_a W_a v_a: mean component variance (= v_bar at t₀ = 0)
  double shrink = 1;         ///< s̄ = Σ_a W_a c_a: mean shrink factor (each mode's mean is s̄ μ_j)
  double second_moment = 0;  ///< E‖x‖² = Σ_a W_a (d v_a + c_a² M₂)
  double drift = 0;          ///< E‖x‖² / E_p‖x‖² − 1 (relative change against the data value)
};
GmmMoments gmm_moments(const AgeMixture& a, const GmmData& data);
/// The g → ∞ limits of the moments by their geometric series (α > 0; brief §7.6, §9.3): s̄ = α r/(1 − (1−α) r),
/// Σ W c² = α r²/(1 − (1−α) r²), r = e^{−t₀/2}, v_age = v* + (σ² − v*) Σ W c² (t₀ > 0) or σ² + h²/α (t₀ = 0).
GmmMoments gmm_limit_moments(const GmmData& data, double alpha, double h, double t0);

/// Rule of the §3.6 reduction: `nodes` Gauss–Hermite nodes per plane coordinate (tensor rule in k ≤ 3 dimensions),
/// `rho_nodes` generalised Gauss–Laguerre nodes for ρ²/(2v) ~ Gamma((d−k)/2) of the orthogonal radius.
/// In d = 1 the trapezoid rule of chi2_mixture_1d / kl_mixture_1d (gaussian.hpp) is used instead.
struct GmmQuadrature {
  int nodes = 24;
  int rho_nodes = 20;
};

struct GmmDivergence {
  double kl = 0;    ///< KL(a ‖ b)
  double chi2 = 0;  ///< χ²(a ‖ b); +∞ when infinite (brief §4.4)
};

/// Dimension k of the span of the means (the plane of brief §3.6), by SVD with relative tolerance 1e−10.
int gmm_plane_dimension(const GmmData& data);
/// χ²(a ‖ b) < ∞ for isotropic components iff every component of a has v < 2 max_b v (brief §4.4; exact here:
/// the widest component of b dominates b's tail in every direction).
bool gmm_chi2_finite(const AgeMixture& a, const AgeMixture& b);
/// KL(a ‖ b) and χ²(a ‖ b) for two age mixtures of the same data (brief §3.6, §4.4): Σ over a's components of
/// E_{N_c}[ln a − ln b] and E_{N_c}[a/b] on the (k+1)-dimensional tensor rule; k = plane dimension ≤ 3.
/// Throws InputError when k > 3.
GmmDivergence gmm_divergence(const AgeMixture& a, const AgeMixture& b, const GmmData& data, const GmmQuadrature& q = {});

/// One row of the closure (brief §9.3–9.4): moments of p̂^g, D = divergences of p̂^g to p, I = of p̂^{g+1} to q_g.
struct GmmRow {
  int g = 0;
  GmmMoments m;
  GmmDivergence D, I;
  bool divergences = false;  ///< D and I computed
};

struct GmmClosure {
  double alpha = 0.5, h = 0.6, t0 = 0.02;
  int G = 20;
  bool divergences = true;
  GmmQuadrature quadrature;
};

/// Rows g = first..G of the population closure (brief §9.3 Tier A).
std::vector<GmmRow> gmm_closure(const GmmData& data, const GmmClosure& c, int first = 0);

/// The exact-score limit law of brief §7.6 for one Gaussian N(μ₀, v₀) in 1-D (CV-11): mean and variance (geometric
/// series), KL to p by the trapezoid rule of gaussian.hpp on the mixture truncated where (1−α)^k < 1e−17, and χ².
/// The full χ²(p̂^∞ ‖ p) is +∞ for every α ∈ (0, 1) and t₀ > 0 (equations/retrain-gmm.md §5: the ages' variances
/// v_k ↑ 1 = 2v₀ when v₀ = ½, and their pairwise integrals grow like exp(2e^{k t₀}) while the weights fall only
/// geometrically); `chi2` is then +∞ and `chi2_box` = ∫_{|x−μ₀|≤L} p̂^∞²/p − 1 is the restricted χ² of brief §2.5
/// (Gauss–Legendre panels). h = 0 is the exact score; h > 0 adds the KDE bandwidth. NaN for α = 0.
struct LimitLaw1D {
  double mean = 0, var = 0, kl = 0, chi2 = 0, chi2_box = 0;
};
LimitLaw1D exact_score_limit_1d(double mu0, double var0, double alpha, double t0, double h = 0.0, double box = 13.0);

// ---------------------------------------------------------------- Tier B: finite-N pipeline (brief §9.3)

struct GmmSimOptions {
  int N = 100000;          ///< training-set size per generation (the paper's 1e5)
  int seeds = 10;          ///< independent runs
  std::uint64_t seed = 1;  ///< run r uses stream (seed, r)
  int threads = 0;         ///< runs on threads; 0 = all cores
};

/// The finite-N pipeline with the exact sampler (brief §9.3 Tier B): generation g trains on round(αN) fresh points
/// of p and N − round(αN) points of the previous generated set; the next generated set is N points, each a uniformly
/// picked training point x plus N(0, h²I), mapped by the OU t₀ map: e^{−t₀/2}x + √(e^{−t₀}h² + 1 − e^{−t₀}) z
/// (exact in law). Mode labels travel with the points. Measured on the generated set of generation g = 0..G
/// (g = 0: a sample of p): {v_bar (pooled within-mode variance per coordinate about each mode's sample mean),
/// drift (mean ‖x‖² / E_p‖x‖² − 1), shrink (Σ x·μ_ℓ / Σ ‖μ_ℓ‖², NaN if every μ = 0), second_moment}.
/// result[r][g]. O(G N d) per run.
std::vector<std::vector<std::array<double, 4>>> simulate_gmm_runs(const GmmData& data, double alpha, double h, double t0,
                                                                  int G, const GmmSimOptions& o);

}  // namespace hdflow::retrain
