// The damped fixed-point solver: convergence on contractions, Anderson speed-up, and every failure
// status reported with a finite last iterate (never NaN, never an exception).
#include <doctest/doctest.h>

#include <cmath>

#include "hdflow/core/fixed_point.hpp"

using namespace hdflow;

TEST_CASE("x = cos x converges to the Dottie number, faster with Anderson") {
  const FixedPointMap F = [](const Eigen::VectorXd& x) { return Eigen::VectorXd(x.array().cos()); };
  FixedPointOptions plain;
  plain.anderson_depth = 0;
  plain.damping = 1.0;
  Eigen::VectorXd x1 = Eigen::VectorXd::Constant(1, 1.0), x2 = x1;
  const auto r1 = solve_fixed_point(F, x1, plain);
  FixedPointOptions aa;
  aa.damping = 1.0;
  const auto r2 = solve_fixed_point(F, x2, aa);
  CHECK(r1.status == Status::converged);
  CHECK(r2.status == Status::converged);
  CHECK(x1[0] == doctest::Approx(0.7390851332151607).epsilon(1e-13));
  CHECK(x2[0] == doctest::Approx(0.7390851332151607).epsilon(1e-13));
  CHECK(r1.residual <= 1e-13);
  CHECK(r2.iterations < r1.iterations / 3);  // plain: ~75 iterations; Anderson: ~10
}

TEST_CASE("linear contraction in 3-D reaches (I - A)^-1 b; residual is the undamped one") {
  Eigen::Matrix3d A;
  A << 0.5, 0.2, 0.0, -0.1, 0.6, 0.2, 0.0, 0.3, 0.4;
  const Eigen::Vector3d b(1.0, -2.0, 0.5);
  const FixedPointMap F = [&](const Eigen::VectorXd& x) { return Eigen::VectorXd(A * x + b); };
  Eigen::VectorXd x = Eigen::VectorXd::Zero(3);
  FixedPointOptions o;
  o.damping = 0.3;  // heavy damping: the damped step is 0.3× the residual, the test is on the residual
  const auto rep = solve_fixed_point(F, x, o);
  const Eigen::Vector3d exact = (Eigen::Matrix3d::Identity() - A).inverse() * b;
  CHECK(rep.status == Status::converged);
  CHECK((x - exact).lpNorm<Eigen::Infinity>() < 1e-11);
  CHECK((F(x) - x).lpNorm<Eigen::Infinity>() <= 1e-13);
}

TEST_CASE("no fixed point: max_iterations with the last finite iterate") {
  const FixedPointMap F = [](const Eigen::VectorXd& x) { return Eigen::VectorXd(x.array() + 1.0); };
  Eigen::VectorXd x = Eigen::VectorXd::Zero(1);
  FixedPointOptions o;
  o.max_iterations = 50;
  o.anderson_depth = 0;
  const auto rep = solve_fixed_point(F, x, o);
  CHECK(rep.status != Status::converged);
  CHECK((rep.status == Status::max_iterations || rep.status == Status::stalled));
  CHECK(rep.iterations == 50);
  CHECK(std::isfinite(x[0]));
  CHECK(rep.residual == doctest::Approx(1.0));
}

TEST_CASE("a map that is always non-finite: status non_finite, input left finite") {
  const FixedPointMap F = [](const Eigen::VectorXd& x) { return Eigen::VectorXd::Constant(x.size(), std::nan("")); };
  Eigen::VectorXd x = Eigen::VectorXd::Constant(2, 0.5);
  const auto rep = solve_fixed_point(F, x, {});
  CHECK(rep.status == Status::non_finite);
  CHECK(x.allFinite());
  CHECK(x[0] == 0.5);
}

TEST_CASE("non-finite values on overshoot are rolled back with more damping") {
  // F(x) = 4 − x/2 (fixed point 8/3) is undefined beyond x = 3; the undamped first step lands at 4.
  const FixedPointMap F = [](const Eigen::VectorXd& x) {
    return Eigen::VectorXd::Constant(1, x[0] > 3.0 ? std::nan("") : 4.0 - 0.5 * x[0]);
  };
  Eigen::VectorXd x = Eigen::VectorXd::Zero(1);
  FixedPointOptions o;
  o.damping = 1.0;
  const auto rep = solve_fixed_point(F, x, o);
  CHECK(rep.status == Status::converged);
  CHECK(rep.rollbacks >= 1);
  CHECK(x[0] == doctest::Approx(8.0 / 3.0).epsilon(1e-13));
}

TEST_CASE("an undamped oscillation without acceleration is reported as stalled") {
  const FixedPointMap F = [](const Eigen::VectorXd& x) { return Eigen::VectorXd(-x); };
  Eigen::VectorXd x = Eigen::VectorXd::Constant(1, 1.0);
  FixedPointOptions o;
  o.damping = 1.0;
  o.anderson_depth = 0;
  o.stall_window = 20;
  const auto rep = solve_fixed_point(F, x, o);
  CHECK(rep.status == Status::stalled);
  CHECK(rep.iterations < 30);
  // The same map converges with damping 1/2 in one step: x ← (x + (−x))/2 = 0.
  o.damping = 0.5;
  x[0] = 1.0;
  CHECK(solve_fixed_point(F, x, o).status == Status::converged);
}

TEST_CASE("invalid options are rejected naming the field") {
  FixedPointOptions o;
  o.damping = 1.5;
  o.max_iterations = 0;
  const auto v = o.validate();
  REQUIRE(v.size() == 2);
  CHECK(v[0] == "solver.damping: 1.5: allowed range (0, 1]");
  Eigen::VectorXd x = Eigen::VectorXd::Zero(1);
  CHECK_THROWS_AS(solve_fixed_point([](const Eigen::VectorXd& y) { return y; }, x, o), InputError);
}

TEST_CASE("Newton polish solves x^2 = 2 from a nearby point") {
  const FixedPointMap G = [](const Eigen::VectorXd& x) { return Eigen::VectorXd::Constant(1, x[0] * x[0] - 2.0); };
  Eigen::VectorXd x = Eigen::VectorXd::Constant(1, 1.5);
  const double res = newton_polish(G, x, 6);
  CHECK(res < 1e-14);
  CHECK(x[0] == doctest::Approx(std::sqrt(2.0)).epsilon(1e-15));
}
