#include "hdflow/sim/mixture.hpp"

#include <cmath>

namespace hdflow::sim {

std::mt19937_64 stream(std::uint64_t seed, std::uint64_t stream_id) {
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(stream_id), static_cast<std::uint32_t>(stream_id >> 32), 0x68646677u};
  return std::mt19937_64(seq);
}

TwoModeData sample_two_mode(int d, int n, double p, double sigma, int n_plus, std::uint64_t seed, bool mu_ones) {
  TwoModeData D;
  D.d = d;
  D.n = n;
  D.sigma = sigma;
  auto rng = stream(seed, 1);
  std::normal_distribution<double> N01;
  if (mu_ones) {
    D.mu = Eigen::VectorXd::Ones(d);
  } else {
    D.mu.resize(d);
    for (int j = 0; j < d; ++j) D.mu[j] = N01(rng);
    D.mu *= std::sqrt(static_cast<double>(d)) / D.mu.norm();
  }
  D.s.resize(n);
  if (n_plus >= 0) {
    for (int i = 0; i < n; ++i) D.s[i] = i < n_plus ? 1.0 : -1.0;
  } else {
    std::bernoulli_distribution B(p);
    for (int i = 0; i < n; ++i) D.s[i] = B(rng) ? 1.0 : -1.0;
  }
  D.n_plus = static_cast<int>((D.s.array() > 0).count());
  D.Z.resize(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) D.Z(i, j) = N01(rng);
  D.X1 = D.s * D.mu.transpose() + sigma * D.Z;
  return D;
}

}  // namespace hdflow::sim
