#pragma once
// The whole dilated time t ∈ [0, 2] in one table (phase 1 by Result 1, phase 2 by Result 2, both
// corrected), and the undilated schedule τ = t at a finite d for contrast (brief §4.5): under τ = t
// the phase-1 window, where the mode weight p is learned, is t ≤ κ/√d — a vanishing fraction of [0, 1].
#include "hdflow/core/sweep.hpp"
#include "hdflow/io/params.hpp"
#include "hdflow/twomode/phase1.hpp"

namespace hdflow::twomode {

struct CurveParams {
  Json phase1;             ///< phase-1 parameters except t (p, sigma, kappa, lambda, ell, n, n_plus, ansatz)
  int k = 0;               ///< phase-2 noise samples per datum (0 = ∞)
  bool dilated = true;
  double d = 0;            ///< 0 = ∞; finite d: phase 2 at τ_d(t); undilated needs d > 0
  double t = 0.5;          ///< t ∈ [0, 2] dilated, [0, 1] undilated

  static const std::vector<ParamSpec>& specs();
  static CurveParams from_json(const Json& j);
  std::vector<std::string> validate() const;
};

/// One row: "phase" (1 or 2), "tau" (interpolation weight), the common columns m, q, c, mse_train,
/// mse_test, and the phase's own overlaps; `warm` continues phase-1 solutions along a sweep.
Json curve_row(const CurveParams& P, const Phase1Options& opt, const Eigen::VectorXd* warm, Eigen::VectorXd& state);

}  // namespace hdflow::twomode
