// ODE integration: adaptive rk8pd and fixed-step schemes against closed forms.
#include <doctest/doctest.h>

#include <cmath>

#include "hdflow/core/ode.hpp"

using namespace hdflow;

TEST_CASE("adaptive rk8pd: harmonic oscillator and logistic growth at requested times") {
  const OdeRhs osc = [](double, const Eigen::VectorXd& y, Eigen::VectorXd& dy) {
    dy.resize(2);
    dy[0] = y[1];
    dy[1] = -y[0];
  };
  Eigen::VectorXd y0(2);
  y0 << 1, 0;
  const auto r = integrate_adaptive(osc, 0, y0, {1.0, 2.0, 10.0});
  REQUIRE(r.ok);
  REQUIRE(r.states.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(std::abs(r.states[i][0] - std::cos(r.times[i])) < 1e-9);
  const OdeRhs logistic = [](double, const Eigen::VectorXd& y, Eigen::VectorXd& dy) { dy = y.array() * (1 - y.array()); };
  const auto l = integrate_adaptive(logistic, 0, Eigen::VectorXd::Constant(1, 0.1), {3.0});
  const double exact = 1 / (1 + 9 * std::exp(-3.0));
  CHECK(std::abs(l.states[0][0] - exact) < 1e-10);
}

TEST_CASE("fixed steps: Euler is first order, RK4 fourth order; a failing rhs is reported") {
  const OdeRhs f = [](double, const Eigen::VectorXd& y, Eigen::VectorXd& dy) { dy = -y; };
  auto err = [&](int n, FixedScheme s) {
    return std::abs(integrate_fixed(f, 0, 1, Eigen::VectorXd::Constant(1, 1.0), n, s)[0] - std::exp(-1.0));
  };
  CHECK(err(100, FixedScheme::euler) / err(200, FixedScheme::euler) == doctest::Approx(2.0).epsilon(0.02));
  CHECK(err(20, FixedScheme::rk4) / err(40, FixedScheme::rk4) == doctest::Approx(16.0).epsilon(0.05));
  // Euler with 1 step of −y from 1 is exactly 0.
  CHECK(integrate_fixed(f, 0, 1, Eigen::VectorXd::Constant(1, 1.0), 1, FixedScheme::euler)[0] == 0.0);
  const OdeRhs bad = [](double t, const Eigen::VectorXd&, Eigen::VectorXd& dy) { dy = Eigen::VectorXd::Constant(1, t > 0.5 ? NAN : 1.0); };
  const auto r = integrate_adaptive(bad, 0, Eigen::VectorXd::Zero(1), {1.0});
  CHECK(!r.ok);
  CHECK(r.message.find("gsl_odeiv2") != std::string::npos);
}
