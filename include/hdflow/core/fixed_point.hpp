#pragma once
// Damped fixed-point iteration x ← (1−β) x + β F(x) with Anderson acceleration (DESIGN.md §3).
//
// Convergence is judged on the undamped residual ‖F(x) − x‖∞, never on the damped step. Anderson
// acceleration (type II, depth m) proposes a step from the last m residual differences; a proposal is
// accepted only if its residual is below `safeguard` × the best residual so far, otherwise the history
// is cleared and a plain damped step is taken. A non-finite F(x) rolls back to the last good iterate
// and halves β; below `min_damping` the solve stops with Status::non_finite. The last finite iterate
// is always returned (LBFGS++ issues #14, #21: never throw on non-convergence).
#include <Eigen/Dense>
#include <functional>
#include <string>

#include "hdflow/core/status.hpp"

namespace hdflow {

struct FixedPointOptions {
  double damping = 0.5;          ///< β in x ← (1−β)x + βF(x), in (0, 1]
  double tolerance = 1e-13;      ///< stop when ‖F(x) − x‖∞ ≤ tolerance
  int max_iterations = 5000;     ///< evaluations of F
  int anderson_depth = 5;        ///< m; 0 disables Anderson acceleration
  double safeguard = 2.0;        ///< accept an Anderson step if residual ≤ safeguard × best residual
  double min_damping = 1e-6;     ///< give up (non_finite) when β falls below this after roll-backs
  int stall_window = 400;        ///< stalled if the best residual has not halved in this many steps

  /// Every violation as "field: value: allowed range" (empty if valid).
  std::vector<std::string> validate() const;
};

struct SolveReport {
  Status status = Status::max_iterations;
  int iterations = 0;       ///< evaluations of F
  double residual = 0.0;    ///< ‖F(x) − x‖∞ at the returned x
  int anderson_accepted = 0;
  int anderson_rejected = 0;
  int rollbacks = 0;        ///< non-finite evaluations rolled back
  std::string brief() const;  ///< one line: status, iterations, residual
};

using FixedPointMap = std::function<Eigen::VectorXd(const Eigen::VectorXd&)>;

/// Solves x = F(x) starting from x (updated in place to the best finite iterate found).
SolveReport solve_fixed_point(const FixedPointMap& F, Eigen::VectorXd& x, const FixedPointOptions& opt = {});

/// Newton polish of G(x) = 0 with a central finite-difference Jacobian (step `h` relative), a few
/// steps, each accepted only if ‖G‖∞ decreases. Returns the final ‖G‖∞. Used after a fixed-point
/// solve to reach the accuracy of the equations where the contraction is slow.
double newton_polish(const FixedPointMap& G, Eigen::VectorXd& x, int steps = 3, double h = 1e-6);

}  // namespace hdflow
