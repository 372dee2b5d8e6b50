#pragma once
// Quasi-Newton minimisation (GSL multimin, BFGS2) with an analytic gradient. Used to bring a
// fixed-point solve into its basin when the equations are flat far from the solution (phase-aware
// brief §7, route 1), never as the final word: the fixed-point solver reports the status.
#include <Eigen/Dense>
#include <functional>

namespace hdflow {

struct MinimiseReport {
  int iterations = 0;
  double value = 0.0;
  double grad_norm = 0.0;  ///< ‖∇f‖∞ at the returned point
  bool finite = true;      ///< false if f or ∇f became non-finite (the last finite point is returned)
};

/// f(x, grad) returns f and writes ∇f into grad. x is updated in place.
using Objective = std::function<double(const Eigen::VectorXd& x, Eigen::VectorXd& grad)>;

MinimiseReport minimise_bfgs(const Objective& f, Eigen::VectorXd& x, double grad_tol = 1e-9, int max_iterations = 500,
                             double initial_step = 0.1);

}  // namespace hdflow
