#pragma once
// Finite-sample simulation of the Gaussian / linear-denoiser retraining pipeline (brief model-collapse-recursion.md
// §3.2, §7): every generation draws round(αn) fresh points from p = N(μ₀1, v₀I_d) (or Binomial(n, α) with
// Bernoulli composition) and n − n_f points from the current model, fits the affine score (sample mean and
// MLE or unbiased covariance: the closed-form DSM minimiser S1, brief §3.3), and maps the fit through the
// sampler (exact / continuous / Euler–Maruyama, brief §3.4, exact in law for an affine score). Drawing the
// synthetic set from the model's Gaussian law is exact in law (brief §3.2). Each replica's divergences to p are
// then exact closed forms; the table reports their mean and standard error over replicas.
// With simulation.score = affine_dsm (S2, brief §3.3; d = 1, em sampler) the score at every sampler time is instead
// the least-squares DSM regression over n·K noise draws, sampled exactly through its three sufficient sums.
#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "hdflow/io/params.hpp"
#include "hdflow/retrain/gaussian.hpp"

namespace hdflow::retrain {

struct GaussianPipeline {
  int d = 1;
  double mu0 = 0, var0 = 1;  ///< p = N(μ₀ 1, v₀ I_d)
  double alpha = 0.5;
  int n = 1000;
  int G = 20;
  Estimator estimator = Estimator::mle;
  Composition composition = Composition::fixed;
  Sampler sampler;
};

enum class ScoreModel { affine, affine_dsm };

struct GaussianSimOptions {
  int d = 1;
  ScoreModel score = ScoreModel::affine;  ///< S1 closed-form minimiser, or S2 stochastic DSM regression (brief §3.3)
  double K_noise = 1;                      ///< noise draws per training point (affine_dsm); integer valued
  int seeds = 1000;  ///< independent pipelines (replicas)
  std::uint64_t seed = 1;
  int threads = 0;
  bool intra = false;  ///< also I_g = χ²(p̂^{g+1} ‖ q_g), KL(p̂^{g+1} ‖ q_g), J_g = ∫(p̂^{g+1} − q_g)²/p (d = 1 only)

  static const std::vector<ParamSpec>& specs();
  static GaussianSimOptions from_json(const Json& j);
};

/// The S2 fit at one time t (brief §3.3): least squares of y = −z/σ_t on (x_t, 1), x_t = e^{−t/2}x₀ + σ_t z,
/// σ_t = √(1 − e^{−t}), over K independent z per training point (N = nK draws). `mean` and `ss` are the
/// training points' mean and Σ(x₀ − x̄)². The three sums Σz, Σ(x₀ − x̄)z, Σz² are drawn exactly:
/// Σz = √N ξ₁, Σ(x₀ − x̄)z = √(K ss) ξ₂, Σz² − (Σz)²/N = ξ₂² + χ²_{N−2} (equations/retrain-gaussian.md §8).
struct AffineFit1D {
  double A = 0, b = 0;  ///< s(x, t) = A x + b
};
AffineFit1D dsm_affine_fit_1d(double mean, double ss, int n, double K, double t, std::mt19937_64& rng);

/// Per replica and generation g = 1..G: e_g = ‖m̂ − μ₀‖²/(v₀d), s_g = tr Σ̂/(v₀d), D_chi2, D_kl, W2sq (and the intra
/// quantities, and 1/0 whether the sampler-free bounds of brief §5.5 bracket this replica's D_{g+1}).
/// result[r][g−1] = {e, s, D_chi2, D_kl, W2sq, I_chi2, I_kl, J, bracketed}.
std::vector<std::vector<std::array<double, 9>>> simulate_gaussian_replicas(const GaussianPipeline& P,
                                                                           const GaussianSimOptions& o);

/// Rows g = 1..G (or only g = G): mean and stderr over replicas of the columns above; χ² rows where some replica
/// has χ² = ∞ report D_chi2 = null, chi2_infinite_fraction and status chi2_infinite.
std::vector<Json> simulate_gaussian_rows(const GaussianPipeline& P, const GaussianSimOptions& o, bool trajectory);

}  // namespace hdflow::retrain
