// The mixed cumulant model sampler (brief mixed-cumulant.md §1.1, §5.1 step 2).
#include <cmath>

#include "hdflow/cumulant/rng.hpp"
#include "hdflow/cumulant/sim.hpp"

namespace hdflow::cumulant {

Directions random_directions(int d, std::mt19937_64& rng) {
  const FastNormal& N01 = fast_normal();
  Directions D{Eigen::VectorXd(d), Eigen::VectorXd(d)};
  for (int i = 0; i < d; ++i) D.u[i] = N01(rng);
  D.u.normalize();
  for (int i = 0; i < d; ++i) D.v[i] = N01(rng);
  D.v -= D.v.dot(D.u) * D.u;  // Gram–Schmidt
  D.v.normalize();
  return D;
}

// (E1.4): ν = sign λ with probability q (correlated latents), else an independent draw from the law of ν.
Latents draw_latents(const Model& M, std::mt19937_64& rng) {
  const FastNormal& N01 = fast_normal();
  Latents L{N01(rng), 0};
  if (M.latent == Latent::sign && (M.q >= 1 || FastNormal::uniform(rng) < M.q)) {
    L.nu = L.lambda >= 0 ? 1.0 : -1.0;
    return L;
  }
  switch (M.nu) {
    case NuLaw::rademacher:
      L.nu = (rng() >> 63) ? 1.0 : -1.0;
      break;
    case NuLaw::uniform:
      L.nu = std::sqrt(3.0) * (2 * FastNormal::uniform(rng) - 1);
      break;
    case NuLaw::laplace: {  // unit variance: |ν| ~ Exp(rate √2)
      L.nu = ((rng() >> 63) ? 1.0 : -1.0) * (-std::log(FastNormal::uniform(rng)) / std::sqrt(2.0));
      break;
    }
  }
  return L;
}

// (E1.1)–(E1.2): x_0 = z + √β_u λ u + [(√β_v ν + v·z)/√(1 + β_v) − v·z] v, i.e. S replaces the v component of
// √β_v ν v + z by its normalised version (S v = v/√(1 + β_v), S u = u).
Latents sample_x0(const Model& M, const Directions& D, std::mt19937_64& rng, Eigen::VectorXd& x0) {
  const FastNormal& N01 = fast_normal();
  const Latents L = draw_latents(M, rng);
  for (Eigen::Index i = 0; i < x0.size(); ++i) x0[i] = N01(rng);
  const double vz = D.v.dot(x0);
  x0 += std::sqrt(M.beta_u) * L.lambda * D.u;
  x0 += ((std::sqrt(M.beta_v) * L.nu + vz) / std::sqrt(1 + M.beta_v) - vz) * D.v;
  return L;
}

}  // namespace hdflow::cumulant
