// Overlap ODEs of online projected SGD (E4.1), the escape law from a random start (E4.2–E4.4) and the
// cubic-scale constants (E4.6–E4.7) against brief mixed-cumulant.md §4, §6.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "hdflow/cumulant/params.hpp"
#include "hdflow/cumulant/theory.hpp"

using namespace hdflow;
using namespace hdflow::cumulant;

namespace {
Model ref(Activation act, Latent lat = Latent::indep) {
  Model M;
  M.activation = act;
  M.latent = lat;
  M.n_gh = act == Activation::erf ? 80 : 200;
  return M;
}
}  // namespace

TEST_CASE("cumulant: trajectories of (E4.1) from (0.1, 0.1), delta = 0.5, to 1e-7 (brief §6)") {
  struct Row {
    Activation act;
    Latent lat;
    double au[5], av[5];
  };
  const Row rows[] = {
      {Activation::tanh, Latent::indep, {0.16559310, 0.26562149, 0.53788135, 0.77669921, 0.79392389},
       {0.08561386, 0.07172978, 0.04276816, 0.00737668, 0.00013279}},
      {Activation::tanh, Latent::sign, {0.21267617, 0.37807593, 0.65521574, 0.73358938, 0.73440540},
       {0.13407639, 0.19638039, 0.32044998, 0.37174794, 0.37421833}},
      {Activation::erf, Latent::indep, {0.16412859, 0.26175617, 0.53342662, 0.78438140, 0.80281136},
       {0.08698065, 0.07412310, 0.04596162, 0.00837466, 0.00016146}},
      {Activation::erf, Latent::sign, {0.20943006, 0.37131866, 0.65520435, 0.74026196, 0.74125994},
       {0.13343378, 0.19398631, 0.31787372, 0.37001499, 0.37245263}},
  };
  for (const Row& r : rows) {
    const std::string act = to_string(r.act);
    CAPTURE(act);
    CAPTURE(static_cast<int>(r.lat));
    const Trajectory T = integrate_overlaps(ref(r.act, r.lat), 0.5, {0.1, 0.1}, 0, {0.5, 1, 2, 4, 8});
    REQUIRE(T.ok);
    for (int i = 0; i < 5; ++i) {
      CAPTURE(T.t[static_cast<std::size_t>(i)]);
      CHECK(std::abs(T.alpha[static_cast<std::size_t>(i)][0] - r.au[i]) < 1e-7);
      CHECK(std::abs(T.alpha[static_cast<std::size_t>(i)][1] - r.av[i]) < 1e-7);
    }
  }
}

TEST_CASE("cumulant: beta_u = 0, tanh, from (0, 0.3): decay for delta = 0.5 and 0.05, growth for 0.01 (brief §6)") {
  Model M = ref(Activation::tanh);
  M.beta_u = 0;
  struct Case {
    double delta;
    std::vector<double> t, av;
  };
  const Case cases[] = {
      {0.5, {1, 2, 4, 8, 16}, {0.22720507, 0.17158931, 0.09743946, 0.03124237, 0.00320245}},
      {0.05, {25, 50, 100, 200, 400}, {0.28544514, 0.27105887, 0.24308408, 0.19189331, 0.11387100}},
      {0.01, {100, 200, 400, 800}, {0.30203317, 0.30415277, 0.30867246, 0.31900831}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.delta);
    const Trajectory T = integrate_overlaps(M, c.delta, {0, 0.3}, 0, c.t);
    REQUIRE(T.ok);
    for (std::size_t i = 0; i < c.t.size(); ++i) {
      CHECK(std::abs(T.alpha[i][1] - c.av[i]) < 1e-7);
      CHECK(T.alpha[i][0] == 0.0);
    }
  }
}

TEST_CASE("cumulant: linearisation at the origin (E4.2)-(E4.3): J, r, e_1, s_Y^2 (brief §6), J equals finite differences") {
  const EscapeLinear I = escape_linear(ref(Activation::tanh), 0.5);
  CHECK(std::abs(I.J(0, 0) - 1.0484804429) < 1e-9);
  CHECK(std::abs(I.J(1, 1) + 0.2847544817) < 1e-9);
  CHECK(std::abs(I.J(0, 1)) < 1e-12);
  CHECK(std::abs(I.r - 1.0484804429) < 1e-9);
  CHECK(std::abs(I.e1[0] - 1) < 1e-12);
  CHECK(std::abs(I.sY2 - 1.7568746878) < 1e-9);
  const Model S = ref(Activation::tanh, Latent::sign);
  const EscapeLinear E = escape_linear(S, 0.5);
  CHECK(std::abs(E.J(0, 1) - 0.7171919442) < 1e-9);
  CHECK(std::abs(E.r - 1.3610172717) < 1e-9);
  CHECK(std::abs(E.e1[0] - 0.9167359) < 1e-7);
  CHECK(std::abs(E.e1[1] - 0.3994938) < 1e-7);
  CHECK(std::abs(E.sY2 - 1.6707074370) < 1e-9);
  // §7: J by central differences of the right-hand side at 0 (step 1e−6) agrees to 1e−9.
  const double h = 1e-6;
  for (int j = 0; j < 2; ++j) {
    Eigen::Vector2d e = Eigen::Vector2d::Zero();
    e[j] = h;
    const Eigen::Vector2d col = (ode_rhs(S, 0.5, e) - ode_rhs(S, 0.5, -e)) / (2 * h);
    CHECK(std::abs(col[0] - E.J(0, j)) < 1e-8);
    CHECK(std::abs(col[1] - E.J(1, j)) < 1e-8);
  }
}

TEST_CASE("cumulant: escape-time law (E4.4): quartiles and medians of n, linear scale (brief §6, accurate to ~0.01)") {
  const Model I = ref(Activation::tanh);
  const EscapeLinear E = escape_linear(I, 0.5);
  const double q[] = {2562.50, 3073.30, 3789.18};
  const double p[] = {0.25, 0.5, 0.75};
  for (int i = 0; i < 3; ++i) {
    const Passage P = escape_quantile_linear(I, E, 0.5, 1000, 0, 0.5, p[i], 100);
    REQUIRE(P.reached);
    CHECK(std::abs(P.t - q[i]) < 0.02);
  }
  const double ds[] = {250, 16000}, med[] = {602.41, 70340.52};
  for (int i = 0; i < 2; ++i) CHECK(std::abs(escape_quantile_linear(I, E, 0.5, ds[i], 0, 0.5, 0.5, 100).t - med[i]) < 0.02);
  const Model S = ref(Activation::tanh, Latent::sign);
  const EscapeLinear ES = escape_linear(S, 0.5);
  const double qs[] = {1934.97, 2328.30, 2879.73};
  for (int i = 0; i < 3; ++i) CHECK(std::abs(escape_quantile_linear(S, ES, 0.5, 1000, 1, 0.2, p[i], 100).t - qs[i]) < 0.02);
  CHECK(std::abs(escape_quantile_linear(S, ES, 0.5, 250, 1, 0.2, 0.5, 100).t - 454.33) < 0.02);
  CHECK(std::abs(escape_quantile_linear(S, ES, 0.5, 16000, 1, 0.2, 0.5, 100).t - 53558.52) < 0.02);
  // Independent latents: v is never reached on the linear scale (α_v ≡ 0 along e_1 = u).
  const Passage never = escape_quantile_linear(I, E, 0.5, 1000, 1, 0.2, 0.5, 30);
  CHECK_FALSE(never.reached);
}

TEST_CASE("cumulant: cubic constants (E4.6)-(E4.7) and the alpha_v expansion at beta_u = 0 (brief §6)") {
  Model M = ref(Activation::tanh);
  const std::vector<double> c = hermite_coefficients(M, 4, 300);
  const double A = -c[4] * M.kappa4() * M.theta() * M.theta() / 6;
  CHECK(std::abs(A - 0.2092572942) < 1e-9);
  CHECK(std::abs(loss_point(M, 0, 0).Gamma / A - 10.8862912619) < 1e-8);
  M.beta_u = 0;
  CHECK(std::abs(loss_point(M, 0, 0.1, false).F - loss_point(M, 0, 0, false).F + 5.2510764e-6) < 1e-12);
  CHECK(std::abs(loss_point(M, 0, 0.1, false).F_v + 2.1043725e-4) < 1e-11);
  // Asymptotic medians n_v/d³ = m(κ)/(δ̃ A'): 17.0 (δ̃ = 0.25), 8.86 (0.5), 5.68 (1).
  const double Gamma0 = loss_point(M, 0, 0).Gamma;
  const double dt[] = {0.25, 0.5, 1.0}, med[] = {17.0, 8.86, 5.68};
  for (int i = 0; i < 3; ++i) CHECK(std::abs(canonical_median(Gamma0 / A * dt[i]) / (dt[i] * A) - med[i]) < 0.02 * med[i]);
  CHECK(std::abs(canonical_median(0) - 1 / (2 * 0.4549364231)) < 1e-7);
  CHECK(canonical_median(41) < 0);
}

TEST_CASE("cumulant: fixed points of (E4.1), tanh, delta = 0.5 (brief §4.2 table)") {
  const Trajectory I = integrate_overlaps(ref(Activation::tanh), 0.5, {0.1, 0.1}, 0, {60});
  CHECK(std::abs(I.alpha[0][0] - 0.7939608785) < 1e-8);
  CHECK(std::abs(I.alpha[0][1]) < 1e-8);
  const Trajectory S = integrate_overlaps(ref(Activation::tanh, Latent::sign), 0.5, {0.1, 0.1}, 0, {60});
  CHECK(std::abs(S.alpha[0][0] - 0.7344021703) < 1e-8);
  CHECK(std::abs(S.alpha[0][1] - 0.3742260478) < 1e-8);
  CHECK(std::abs(loss_point(ref(Activation::tanh, Latent::sign), S.alpha[0][0], S.alpha[0][1], false).F + 1.5463649837) < 1e-8);
}
