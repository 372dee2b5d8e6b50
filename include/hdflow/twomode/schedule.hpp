#pragma once
// The interpolation schedule of the phase-aware paper: eq. (11), the time dilation
//   τ(t) = κt/√d (t ∈ [0, 1]),  τ(t) = κ/√d + (1 − κ/√d)(t − 1) (t ∈ [1, 2]),
// and the undilated schedule τ = t (brief §1.2). One definition for theory, generation and simulation.
#include <cmath>
#include <utility>

namespace hdflow::twomode {

/// (τ(t), τ'(t)) at dimension d; d ≤ 0 means d = ∞ (then τ = 0 in phase 1 and τ = t − 1 in phase 2).
/// At the kink t = 1 the left derivative τ'(1⁻) is returned unless `right` asks for τ'(1⁺).
inline std::pair<double, double> schedule_tau(double t, double kappa, double d, bool dilated, bool right = false) {
  if (!dilated) return {t, 1.0};
  const double a = d > 0 ? kappa / std::sqrt(d) : 0.0;
  if (t < 1.0 || (t == 1.0 && !right)) return {a * t, a};
  return {a + (1.0 - a) * (t - 1.0), 1.0 - a};
}

}  // namespace hdflow::twomode
