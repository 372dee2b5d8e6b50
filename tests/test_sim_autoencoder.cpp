// The finite-d network and loss: analytic gradients against finite differences (exact k = ∞ and
// sampled noise), the exact expectation against many noise samples, L-BFGS at a conditional minimiser.
#include <doctest/doctest.h>

#include <cmath>

#include "hdflow/core/minimise.hpp"
#include "hdflow/sim/autoencoder.hpp"
#include "hdflow/sim/mixture.hpp"

using namespace hdflow;
using namespace hdflow::sim;

namespace {
Autoencoder random_net(int d, std::uint64_t seed) {
  auto rng = stream(seed, 9);
  std::normal_distribution<double> N;
  Autoencoder a;
  a.c = 0.3;
  a.b = 0.2;
  a.u.resize(d);
  a.w.resize(d);
  for (int j = 0; j < d; ++j) {
    a.u[j] = 0.5 + 0.3 * N(rng);
    a.w[j] = 0.7 + 0.5 * N(rng);
  }
  return a;
}

void check_gradient(const DenoiserLoss& L, const Autoencoder& a) {
  Autoencoder g;
  L.value(a, &g);
  const double h = 1e-6;
  auto fd = [&](auto&& set) {
    Autoencoder p = a, m = a;
    set(p, h);
    set(m, -h);
    return (L.value(p, nullptr) - L.value(m, nullptr)) / (2 * h);
  };
  const double scale = std::max(1.0, std::abs(L.value(a, nullptr)));
  CHECK(std::abs(fd([](Autoencoder& x, double e) { x.c += e; }) - g.c) < 1e-6 * scale);
  CHECK(std::abs(fd([](Autoencoder& x, double e) { x.b += e; }) - g.b) < 1e-6 * scale);
  for (int j : {0, 3, 7}) {
    CAPTURE(j);
    CHECK(std::abs(fd([j](Autoencoder& x, double e) { x.u[j] += e; }) - g.u[j]) < 1e-6 * scale);
    CHECK(std::abs(fd([j](Autoencoder& x, double e) { x.w[j] += e; }) - g.w[j]) < 1e-6 * scale);
  }
}
}  // namespace

TEST_CASE("exact k = inf loss: gradient matches finite differences") {
  const TwoModeData D = sample_two_mode(12, 5, 0.8, 1.0, 4, 7);
  DenoiserLoss L;
  L.X1 = &D.X1;
  L.alpha = 0.7;
  L.beta = 0.3;
  L.lambda = 0.1;
  L.ell = 0.2;
  L.quadrature_accuracy = 1e-14;
  check_gradient(L, random_net(12, 1));
}

TEST_CASE("sampled-noise loss: gradient matches finite differences") {
  const TwoModeData D = sample_two_mode(10, 4, 0.8, 1.0, 3, 8);
  DenoiserLoss L;
  L.X1 = &D.X1;
  L.alpha = 0.6;
  L.beta = 0.4;
  L.lambda = 0.1;
  L.ell = 0.1;
  draw_noise(L, 3, 5);
  check_gradient(L, random_net(10, 2));
}

TEST_CASE("the exact expectation equals the k -> inf limit of sampled noise") {
  const TwoModeData D = sample_two_mode(20, 3, 0.8, 1.0, 2, 9);
  const Autoencoder a = random_net(20, 3);
  DenoiserLoss exact;
  exact.X1 = &D.X1;
  exact.alpha = 0.8;
  exact.beta = 0.2;
  DenoiserLoss many = exact;
  draw_noise(many, 20000, 11);
  const double le = exact.value(a, nullptr), lm = many.value(a, nullptr);
  // Monte-Carlo error of the sampled loss with 20000 samples per datum: well below 1%.
  CHECK(std::abs(le - lm) / le < 5e-3);
}

TEST_CASE("L-BFGS reaches the minimiser; c and u satisfy their conditional closed forms") {
  const int d = 60;
  const TwoModeData D = sample_two_mode(d, 6, 0.8, 1.0, 4, 21);
  DenoiserLoss L;
  L.X1 = &D.X1;
  L.alpha = 0.9;
  L.beta = 0.1;
  L.lambda = 0.1;
  L.ell = 0.1;
  Autoencoder start;
  start.c = 0.0;
  start.b = 0.3;
  start.u = D.mu;
  start.w = 0.5 * D.mu;
  Eigen::VectorXd x = pack_scaled(start);
  CHECK((unpack_scaled(x).w - start.w).norm() < 1e-12);
  const Objective f = [&](const Eigen::VectorXd& v, Eigen::VectorXd& g) { return scaled_loss(L, v, g); };
  LbfgsOptions o;
  o.grad_tol = 1e-9;
  const MinimiseReport r = minimise_lbfgs(f, x, o);
  CHECK(r.grad_norm <= 1e-8);
  const Autoencoder a = unpack_scaled(x);
  // ∂L/∂c = 0 is linear in c:  c = Σᵢ[β‖x₁ⁱ‖² − αP E[ζφᵢ] − β Qᵢ Eφᵢ] / (n α² d + β² Σ‖x₁ⁱ‖²) — checked
  // through the gradient of a one-parameter perturbation: L(c + e) − L(c) = O(e²).
  const double e = 1e-4;
  Autoencoder ap = a, am = a;
  ap.c += e;
  am.c -= e;
  const double curvature = (L.value(ap, nullptr) + L.value(am, nullptr) - 2 * L.value(a, nullptr)) / (e * e);
  const double slope = (L.value(ap, nullptr) - L.value(am, nullptr)) / (2 * e);
  CHECK(std::abs(slope / curvature) < 1e-7);  // distance of c from its conditional minimiser
  // u is the ridge solution given (c, w, b): L is quadratic in u, so one Newton step from a must not move it.
  Autoencoder g;
  L.value(a, &g);
  CHECK(g.u.lpNorm<Eigen::Infinity>() < 1e-8 * std::sqrt(static_cast<double>(d)));
  CHECK(a.w.dot(D.mu) > 0);
}
