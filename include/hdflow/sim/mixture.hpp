#pragma once
// Finite-d data for the two-mode mixture of eq. (1) of the phase-aware paper: μ with ‖μ‖² = d,
// labels s = ±1, x₁ = sμ + σz. Seeded streams: every (seed, stream) pair gives an independent,
// reproducible generator, whatever the thread that draws it.
#include <Eigen/Dense>
#include <cstdint>
#include <random>

namespace hdflow::sim {

/// A reproducible generator for (seed, stream) (seed_seq of both, so nearby seeds are independent).
std::mt19937_64 stream(std::uint64_t seed, std::uint64_t stream_id);

struct TwoModeData {
  int d = 0, n = 0, n_plus = 0;
  Eigen::VectorXd mu;      ///< ‖μ‖² = d (a random direction scaled to √d; μ = 1 when mu_ones)
  Eigen::VectorXd s;       ///< labels ±1, the first n₊ are +1
  Eigen::MatrixXd X1;      ///< n × d data, rows x₁ⁱ = sᵢμ + σzᵢ
  Eigen::MatrixXd Z;       ///< n × d noise zᵢ (kept to measure p_η, q_η)
  double sigma = 1.0;
};

/// n samples with exactly n₊ = n_plus positive labels (the theory's (n₊, n₋) are inputs), or, with
/// n_plus < 0, labels drawn i.i.d. with P(s = 1) = p.
TwoModeData sample_two_mode(int d, int n, double p, double sigma, int n_plus, std::uint64_t seed, bool mu_ones = true);

}  // namespace hdflow::sim
