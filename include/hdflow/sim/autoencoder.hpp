#pragma once
// The network of eq. (8) of the phase-aware paper, f(x) = c x + u tanh(w·x/√d + b), and the loss of
// eq. (10) in the brief's boxed normalisation (phase-aware-gmm.md §1.5):
//   L = ½ Σᵢ (1/k) Σₐ ‖f(xₜⁱᵃ) − x₁ⁱ‖² + λ/2 ‖u‖² + ℓ/2 ‖w‖²,   xₜ = α x₀ + β x₁,
// either with k explicit noise samples per datum, or with the exact k → ∞ expectation over x₀, which
// needs only one-dimensional Gaussian averages (brief §1.5) and O(n d) memory.
#include <Eigen/Dense>
#include <cstdint>

namespace hdflow::sim {

struct Autoencoder {
  double c = 0, b = 0;
  Eigen::VectorXd u, w;
  Eigen::VectorXd forward(const Eigen::VectorXd& x) const;  ///< f(x)
};

struct DenoiserLoss {
  const Eigen::MatrixXd* X1 = nullptr;  ///< n × d data
  double alpha = 1, beta = 0;           ///< interpolant weights α = 1 − τ, β = τ
  double lambda = 0, ell = 0;
  int k = 0;                            ///< 0: exact noise expectation; k ≥ 1: explicit samples in X0
  Eigen::MatrixXd X0;                   ///< (n k) × d noise samples, row i k + a (only for k ≥ 1)
  double quadrature_accuracy = 1e-12;   ///< trapezoid rule of the exact expectation

  /// L and ∂L/∂(c, b, u, w). grad may be null.
  double value(const Autoencoder& net, Autoencoder* grad) const;
  /// Data term only, per sample and dimension: (1/(n d)) Σᵢ (1/k) Σₐ ‖f − x₁ⁱ‖² (the training MSE).
  double mse(const Autoencoder& net) const;
};

/// Trainers work in the rescaled variables θ = (c, b, u/√d, w/√d), in which every Hessian block of L/d is O(n)
/// (brief phase-aware-gmm.md §7); these convert and give L/d with its gradient in θ.
Eigen::VectorXd pack_scaled(const Autoencoder& a);
Autoencoder unpack_scaled(const Eigen::VectorXd& theta);
/// L(θ)/d and its θ-gradient, for minimise_lbfgs / minimise_first_order (core/minimise.hpp).
double scaled_loss(const DenoiserLoss& L, const Eigen::VectorXd& theta, Eigen::VectorXd& grad);

/// Draws k noise samples per datum for a DenoiserLoss (stream-seeded).
void draw_noise(DenoiserLoss& L, int k, std::uint64_t seed);

/// Exact test error per dimension of a network on fresh data (s ~ p, z, x₀), brief §1.5 (uses ‖μ‖² = d).
double test_mse(const Autoencoder& net, const Eigen::VectorXd& mu, double p, double sigma, double alpha, double beta,
                double quadrature_accuracy = 1e-12);

}  // namespace hdflow::sim
