#pragma once
// Ordinary differential equations (DESIGN.md §3): GSL gsl_odeiv2 adaptive Runge–Kutta (rk8pd) with
// output at requested times, and fixed-step explicit schemes (RK4, Euler) for reproducing a published
// discretisation on purpose or for flows evaluated many times on a fixed grid.
#include <Eigen/Dense>
#include <functional>
#include <string>
#include <vector>

namespace hdflow {

/// dy/dt = f(t, y); writes dy.
using OdeRhs = std::function<void(double t, const Eigen::VectorXd& y, Eigen::VectorXd& dy)>;

struct OdeOptions {
  double rel_tol = 1e-10;
  double abs_tol = 1e-12;
  double initial_step = 1e-4;
};

struct OdeResult {
  std::vector<double> times;
  std::vector<Eigen::VectorXd> states;  ///< y at each requested time
  bool ok = true;                       ///< false if GSL reported a failure (states hold what was reached)
  std::string message;
};

/// Adaptive rk8pd from (t0, y0) through the increasing `times` (each ≥ t0).
OdeResult integrate_adaptive(const OdeRhs& f, double t0, const Eigen::VectorXd& y0, const std::vector<double>& times,
                             const OdeOptions& opt = {});

enum class FixedScheme { euler, rk4 };

/// `steps` equal steps from t0 to t1 with the given scheme; returns y(t1).
Eigen::VectorXd integrate_fixed(const OdeRhs& f, double t0, double t1, Eigen::VectorXd y, int steps, FixedScheme s);

}  // namespace hdflow
