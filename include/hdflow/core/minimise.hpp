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

struct LbfgsOptions {
  int memory = 10;           ///< number of correction pairs
  double grad_tol = 1e-8;    ///< stop when ‖∇f‖∞ ≤ grad_tol · max(1, |f|) (relative: rounding of f sets the floor)
  int max_iterations = 5000;
  double c1 = 1e-4, c2 = 0.9;  ///< Wolfe constants
};

/// Limited-memory BFGS (two-loop recursion) with a strong-Wolfe line search (Nocedal & Wright,
/// Algorithms 7.4, 3.5, 3.6). For the finite-d trainers (2d + 2 parameters). Returns the report;
/// x holds the last accepted iterate (never a non-finite one).
MinimiseReport minimise_lbfgs(const Objective& f, Eigen::VectorXd& x, const LbfgsOptions& opt = {});

struct FirstOrderOptions {
  bool adam = true;            ///< Adam (Kingma & Ba) or plain gradient descent
  double learning_rate = 1e-2;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  int epochs = 5000;
  double grad_tol = 0;         ///< optional early stop on ‖∇f‖∞ ≤ grad_tol · max(1, |f|) (0: run all epochs)
};

/// Full-batch first-order training: `epoch(e)` is called before each epoch (e.g. to redraw the
/// diffusion noise), then one step with the gradient of f. Returns the last evaluation.
MinimiseReport minimise_first_order(const Objective& f, Eigen::VectorXd& x, const FirstOrderOptions& opt,
                                    const std::function<void(int)>& epoch = {});

}  // namespace hdflow
