// The generated law of the clusters module against the brief's check values (online-sgd-ae-diffusion.md
// §10.1 amplitudes, §10.4 projected observables with the notebooks' T = 100 Euler sampler) and identities.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "hdflow/clusters/generate.hpp"
#include "hdflow/clusters/sde.hpp"
#include "hdflow/core/ode.hpp"
#include "hdflow/clusters/sgd.hpp"

using namespace hdflow::clusters;

namespace {
SgdParams fig1() { return fig1_setting(100); }
bool rel(double a, double b, double tol) { return std::abs(a - b) <= tol * std::max(1.0, std::abs(b)); }
}  // namespace

TEST_CASE("bulk amplitude A_T(b) (§10.1)") {
  CHECK(std::abs(euler_amplitude(0, 100) - 0.01) < 1e-15);
  CHECK(std::abs(euler_amplitude(1, 100) - 1) < 1e-15);
  CHECK(std::abs(euler_amplitude(0.5, 100) - 0.112696958019) < 1e-12);
  CHECK(std::abs(euler_amplitude(1.2, 100) - 2.282528398420) < 1e-11);
  CHECK(std::abs(euler_amplitude(0.5, 1000) - 0.035678022292) < 1e-12);
  CHECK(std::abs(euler_amplitude(1.088290500133, 100) - 1.443796163074) < 1e-10);
  // Γ-function form: A_T(b) = Γ(T + b)/(Γ(1 + b)Γ(T + 1))
  CHECK(std::abs(euler_amplitude(0.7, 100) - std::exp(std::lgamma(100.7) - std::lgamma(1.7) - std::lgamma(101.0))) < 1e-12);
}

TEST_CASE("projected observables along the Fig. 1 training curve (§10.4, relative 1e-6)") {
  const SgdParams P = fig1();
  struct Row { double tau, A, a1, a2, v1, v2, q1, q2; };
  const Row rows[] = {{0.5, 0.0451270, 1.1739580, 0.4936867, 1.4748131, 0.3086527, 2.5013487, 0.1569776},
                      {1, 0.1298792, 2.4576025, 1.6697189, 6.1094329, 2.9706247, 38.497819, 10.138831},
                      {2, 0.4830612, 3.9945299, 3.0729361, 16.327491, 10.011204, 285.96584, 116.45024},
                      {4, 1.4437962, 4.5126128, 3.7860128, 23.160058, 17.147112, 747.95850, 455.72524}};
  SgdState s = informed_start(P);
  double tau = 0;
  GenerateOptions o;
  o.grid = 80000;
  {
    const ProjectedLaw L0 = projected_law(P, s, o);  // τ = 0: A = 1/T, E|y| = 0.0125984
    CHECK(std::abs(L0.abs_mean[0] - 0.0125984) < 2e-7);
    CHECK(L0.active_units == 0);
  }
  for (const auto& r : rows) {
    s = integrate_sgd(P, s, tau, r.tau, 0.01, Scheme::rk4);
    tau = r.tau;
    const ProjectedLaw L = projected_law(P, s, o);
    CAPTURE(r.tau);
    CHECK(L.diagonal);
    CHECK(rel(L.amplitude, r.A, 1e-6));
    CHECK(rel(L.abs_mean[0], r.a1, 1e-6));
    CHECK(rel(L.abs_mean[1], r.a2, 1e-6));
    CHECK(rel(L.var[0], r.v1, 1e-6));
    CHECK(rel(L.var[1], r.v2, 1e-6));
    CHECK(rel(L.m4[0], r.q1, 1e-6));
    CHECK(rel(L.m4[1], r.q2, 1e-6));
    CHECK(std::abs(L.mean[0]) < 1e-12);  // the law is symmetric under y → −y (odd tanh, r = 2)
  }
}

TEST_CASE("latent fixed points as t -> 1 (§5.5, §10.4) and the exact flow approaching them") {
  // τ = 1: Q = diag(1.8266739, 1.1051087), b = 0.5311571: z* = (3.892895, 2.311214).
  CHECK(std::abs(latent_fixed_point(1.8266739, 0.5311571) - 3.892895) < 2e-6);
  CHECK(std::abs(latent_fixed_point(1.1051087, 0.5311571) - 2.311214) < 2e-6);
  CHECK(latent_fixed_point(0.2, 0.5) == 0.0);                 // Q + b ≤ 1: the origin is stable
  CHECK(std::isinf(latent_fixed_point(0.5, 1.1)));             // b > 1: latent coordinates diverge
  GenerateOptions o;
  o.exact_flow = true;
  o.T = 2000000000;  // s_end = ln T = 21.4: the linearisation −0.4658 leaves ≈ 5e−5 of the start
  Eigen::MatrixXd Q(1, 1);
  Q(0, 0) = 1.8266739;
  const double z = latent_map(Q, 0.5311571, Eigen::VectorXd::Constant(1, 0.3), o)[0];
  CHECK(std::abs(z - 3.892895) < 5e-4);
}

TEST_CASE("stochastic sampler: eps -> 0 is the probability flow; the bulk variance recursion (§5.7)") {
  const SgdParams P = fig1_setting(60);
  const SgdState s = integrate_sgd(P, informed_start(P), 0, 1, 0, Scheme::rk8pd, 1e-10);
  for (bool exact : {false, true}) {
    GenerateOptions go;
    go.exact_flow = exact;
    go.grid = exact ? 4000 : 20000;  // the exact flow costs a fine RK4 per grid point; 4000 points: ~1e-4 on E|y|
    const ProjectedLaw ode = projected_law(P, s, go);
    go.sde.eps = 1e-14;  // active, but the noise is negligible: the latent particles sample the ODE's law
    go.sde.particles = exact ? 10000 : 40000;
    const ProjectedLaw sde = projected_law(P, s, go);
    CAPTURE(exact);
    for (int p = 0; p < 2; ++p) {
      CHECK(std::abs(sde.abs_mean[p] - ode.abs_mean[p]) < 4 * sde.abs_err[p] + (exact ? 2e-3 : 0.0));
      CHECK(std::abs(sde.var[p] - ode.var[p]) < 4 * sde.var_err[p] + (exact ? 2e-3 * ode.var[p] : 0.0));
    }
    // v⊥ → a²: A_T(b)² on the Euler grid (same recursion, exactly), T^{2(b−1)} for the continuous sampler (RK4).
    CHECK(std::abs(sde.v_perp - ode.amplitude * ode.amplitude) < (exact ? 1e-8 : 1e-12) * ode.amplitude * ode.amplitude);
  }
  // ε > 0, continuous sampler: v⊥' = 2Δ̂v⊥ + 2ε_t against an independent adaptive integration in t.
  GenerateOptions go;
  go.exact_flow = true;
  go.sde.eps = 0.7;
  go.sde.power = 1.5;
  go.sde.particles = 200;
  const double v = latent_sde(s.Q(), s.b, go).v_perp;
  const hdflow::OdeRhs f = [&](double t, const Eigen::VectorXd& y, Eigen::VectorXd& dy) {
    double D, G, e;
    sde_coefficients(s.b, t, go.sde, D, G, e);
    dy.resize(1);
    dy[0] = 2 * D * y[0] + 2 * e;
  };
  const auto r = hdflow::integrate_adaptive(f, 0, Eigen::VectorXd::Constant(1, 1.0), {0.99});
  REQUIRE(r.ok);
  CHECK(std::abs(v - r.states[0][0]) < 1e-8 * r.states[0][0]);
}

TEST_CASE("mode weights (nearest target mean in the (e1, e2) plane) vs Monte Carlo of the exact latent representation") {
  const SgdParams P = fig1_setting(60);
  GenerateOptions o;
  o.mode_weights = true;
  for (double tau : {1.0, 4.0}) {
    CAPTURE(tau);
    const SgdState s = integrate_sgd_path(P, informed_start(P), 0.0, {tau}, 1e-10).back();
    const ProjectedLaw law = projected_law(P, s, o);
    REQUIRE(law.mode_weight.size() == 3);
    CHECK(law.mode_weight[0] + law.mode_weight[1] + law.mode_weight[2] == doctest::Approx(1).epsilon(1e-6));
    CHECK(law.mode_weight_err < 1e-3);
    // y_p = (G_pp/Q_pp) Z_p + ξ_p, Z_p the latent map of N(0, Q_pp), Var ξ_p = A²(1 − G_pp²/Q_pp); y₂ = −x₂.
    const Eigen::MatrixXd M = s.M(), Q = s.Q();
    const double A = law.amplitude;
    std::mt19937_64 rng(11);
    std::normal_distribution<double> N01;
    const int n = 200000;
    double cnt[3] = {0, 0, 0};
    const double mu[3][2] = {{3, 0}, {0, 3}, {-3, 0}};  // in (y₁, y₂): μ₂ = −3e₂ has y₂ = +3
    for (int i = 0; i < n; ++i) {
      double y[2];
      for (int p = 0; p < 2; ++p) {
        const double q = Q(p, p), g = M(p, p) / 3;
        const double z = latent_map_unit(q, s.b, std::sqrt(q) * N01(rng), o);
        y[p] = g / q * z + A * std::sqrt(std::max(0.0, 1 - g * g / q)) * N01(rng);
      }
      int best = 0;
      double bd = 1e300;
      for (int c = 0; c < 3; ++c) {
        const double dd = std::pow(y[0] - mu[c][0], 2) + std::pow(y[1] - mu[c][1], 2);
        if (dd < bd) bd = dd, best = c;
      }
      cnt[best] += 1;
    }
    for (int c = 0; c < 3; ++c) {
      const double f = cnt[c] / n, se = std::sqrt(f * (1 - f) / n);
      CAPTURE(c);
      CHECK(std::abs(law.mode_weight[static_cast<std::size_t>(c)] - f) < 4 * se + 1e-4);
    }
  }
}
