#pragma once
// Gaussian expectations by deterministic quadrature (DESIGN.md §3). Never Monte Carlo.
//
//  * hermite(n):     Gauss–Hermite rule for E f(ζ), ζ ~ N(0,1) (probabilists' weight), by Golub–Welsch
//                    with Eigen; exact for polynomials of degree ≤ 2n−1. For narrow, smooth integrands.
//  * trapezoid(h,L): trapezoidal rule on [−L, L] with weights h·e^{−ζ²/2}/√(2π). For integrands
//                    F(sζ + a) with F = tanh-type, whose poles sit at Im ζ = ±π/(2s): the error decays
//                    like exp(−π²/(s·h)), uniformly in s once h ∝ 1/s (phase-aware brief §7).
//  * TanhLineQuadrature: picks the trapezoid step for a given field width s from an accuracy target.
//  * expect(f, mean, cov, n): E f(x), x ~ N(mean, cov) in 1–4 dimensions by a tensor Gauss–Hermite
//                    rule on the symmetric square root of cov (PSD, possibly singular).
// All rules are cached and shared (thread-safe); a Rule1D reference stays valid for the program's life.
#include <Eigen/Dense>
#include <cstddef>
#include <string>
#include <vector>

#include "hdflow/core/status.hpp"

namespace hdflow::gauss {

/// A rule for the standard normal: E f(ζ) ≈ Σ_i weights[i] · f(nodes[i]).
struct Rule1D {
  std::vector<double> nodes;
  std::vector<double> weights;
  std::size_t size() const { return nodes.size(); }
};

/// Gauss–Hermite rule with n nodes for ζ ~ N(0,1) (1 ≤ n ≤ 400). Cached.
const Rule1D& hermite(int n);

/// Trapezoidal rule with step h on [−L, L] (node 0 included), weights h φ(ζ). Cached by (h, L).
const Rule1D& trapezoid(double h, double L = 9.0);

/// Midpoint rule: nodes (k + ½)h on [−L, L] (none at 0), weights h φ(ζ). As accurate as the trapezoid rule
/// for smooth integrands; for odd maps that jump at ζ = 0 (a collapsing latent sampler, b < 1) it splits the
/// mass ½ : ½ instead of putting a weight hφ(0) on the jump. Cached by (h, L).
const Rule1D& midpoint(double h, double L = 9.0);

/// Gauss–Legendre rule with n nodes on [−1, 1] (weights sum to 2), from GSL's glfixed tables. Cached.
/// GSL tabulates n = 2–20, 32, 64, 96, 100, 128, 256, 512, 1024 to full precision; other n are computed
/// at run time and were measured ~1e−11 off (tests/test_gauss.cpp): prefer the tabulated counts.
const Rule1D& legendre(int n);

/// Rule for E f(ζ), ζ ~ N(0,1), for f smooth on each side of `kink` but not across it (ReLU-type
/// integrands): Gauss–Legendre with n nodes on each piece of [−L, L] cut at the kink and at 0,
/// weights w_i φ(ζ_i)·(half-length). Exponential convergence in n on each piece; the
/// truncation at |ζ| = L = 9 costs 2e−19 of mass.
Rule1D piecewise_normal(double kink, int n, double L = 9.0);

/// The m-point Gauss rule of a discrete measure Σ_i w_i δ(x − x_i) (w_i ≥ 0): nodes and weights that integrate
/// polynomials of degree ≤ 2m − 1 exactly against it. Built by the Lanczos form of the Stieltjes procedure
/// (Jacobi matrix of the measure, full reorthogonalisation, on the centred and scaled support), then the
/// Golub–Welsch eigenproblem. Fewer than m nodes when the measure has fewer points of support (the recursion
/// breaks down). Weights sum to Σ w_i. Used to shorten a dense trapezoid rule over a steep pushforward law
/// (brief online-sgd-ae-diffusion.md §5.6) into a rule of a few dozen nodes.
Rule1D compress(const std::vector<double>& x, const std::vector<double>& w, int m);

/// Options of the trapezoid rule for tanh-type integrands on a line E F(s ζ + a).
struct TanhLineOptions {
  /// Target absolute accuracy. The error decays like exp(−π²/c_h) for h = c_h/s; with
  /// c_h = π² / (ln(1/accuracy) + 10) the errors of E tanh, E tanh² and of the derivative moments
  /// E tanh', E tanh·tanh', E(tanh'² + tanh·tanh'') stay below `accuracy` for s ∈ [0.05, 12]
  /// and accuracy ∈ [1e−13, 1e−6] (tests/test_gauss.cpp; the +10 covers the derivatives, whose
  /// errors are ~10²× those of tanh itself at the same step).
  double accuracy = 1e-13;
  double L = 9.0;       ///< half-width of the truncated line; N(0,1) tail mass beyond 9 is 2e−19
  double h_max = 0.45;  ///< largest step (narrow fields)
};

/// Step constant c_h for a target accuracy (see TanhLineOptions).
double tanh_step_constant(double accuracy);

/// Source of 1-D rules for E F(s ζ + a), chosen by the field width s ≥ 0. Virtual so that a benchmark
/// can substitute the peers' Monte-Carlo estimate for the same equations.
struct LineQuadrature {
  virtual ~LineQuadrature() = default;
  virtual const Rule1D& rule(double s) = 0;
};

/// The default: trapezoid with h = min(h_max, c_h / s), rounded so that rules are cached.
struct TanhLineQuadrature final : LineQuadrature {
  explicit TanhLineQuadrature(TanhLineOptions o = {});
  const Rule1D& rule(double s) override;
  TanhLineOptions options;

 private:
  double c_h_;
};

/// E f(x), x ~ N(mean, cov), dimension 1–4, tensor Gauss–Hermite with `nodes_per_dim` nodes per axis
/// on x = mean + C^{1/2} ζ (symmetric PSD square root, so singular covariances are allowed).
/// Throws InputError if cov is not square, symmetric and positive semi-definite or dimensions mismatch.
template <class F>
double expect(F&& f, const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov, int nodes_per_dim);

/// Symmetric PSD square root of a covariance, validated (field name used in error messages).
Eigen::MatrixXd psd_sqrt(const Eigen::MatrixXd& cov, const std::string& field = "cov");

// ---- implementation of the template ----
template <class F>
double expect(F&& f, const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov, int nodes_per_dim) {
  const Eigen::Index dim = mean.size();
  const Eigen::MatrixXd root = psd_sqrt(cov, "cov");
  if (root.rows() != dim || dim < 1 || dim > 4)
    throw InputError({"mean/cov: dimensions " + std::to_string(dim) + " and " + std::to_string(root.rows()) +
                      ": allowed equal dimensions in [1, 4]"});
  const Rule1D& r = hermite(nodes_per_dim);
  const std::size_t n = r.size();
  std::size_t total = 1;
  for (Eigen::Index k = 0; k < dim; ++k) total *= n;
  Eigen::VectorXd z(dim), x(dim);
  double sum = 0.0;
  for (std::size_t flat = 0; flat < total; ++flat) {
    std::size_t rest = flat;
    double w = 1.0;
    for (Eigen::Index k = 0; k < dim; ++k) {
      const std::size_t i = rest % n;
      rest /= n;
      z[k] = r.nodes[i];
      w *= r.weights[i];
    }
    x.noalias() = mean + root * z;
    sum += w * f(static_cast<const Eigen::VectorXd&>(x));
  }
  return sum;
}

}  // namespace hdflow::gauss
