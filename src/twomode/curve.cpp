// One table over the dilated time t ∈ [0, 2] (phase 1, then phase 2), and the undilated contrast.
#include "hdflow/twomode/curve.hpp"

#include <cmath>

#include "hdflow/core/status.hpp"
#include "hdflow/twomode/phase1.hpp"
#include "hdflow/twomode/phase2.hpp"
#include "hdflow/twomode/schedule.hpp"

namespace hdflow::twomode {

const std::vector<ParamSpec>& CurveParams::specs() {
  using K = ParamSpec::Kind;
  static const std::vector<ParamSpec> specs = [] {
    std::vector<ParamSpec> s;
    for (const auto& x : Phase1Params::specs())
      if (x.name != "t") s.push_back(x);
    s.push_back({"k", K::integer, 0, 0, 1e9, false, false, "noise samples per datum in phase 2; 0 means k = inf", {}, ""});
    s.push_back({"schedule", K::string, "dilated", 0, 0, false, false,
                 "dilated: eq. (11), t in [0,2]; undilated: tau = t, t in [0,1], needs d > 0", {"dilated", "undilated"}, ""});
    s.push_back({"d", K::real, 0, 0, 1e12, false, false, "dimension: 0 means d = inf; finite d uses tau_d(t) in phase 2", {}, ""});
    s.push_back({"t", K::real, 0.5, 0, 2, false, false, "time: [0,2] dilated, [0,1] undilated", {}, ""});
    return s;
  }();
  return specs;
}

CurveParams CurveParams::from_json(const Json& given) {
  const Json j = resolve_params(specs(), given);
  CurveParams P;
  P.phase1 = Json::object();
  for (const auto& s : Phase1Params::specs())
    if (s.name != "t") P.phase1[s.name] = j[s.name];
  P.k = j["k"].get<int>();
  P.dilated = j["schedule"] == "dilated";
  P.d = j["d"].get<double>();
  P.t = j["t"].get<double>();
  throw_if_invalid(P.validate());
  return P;
}

std::vector<std::string> CurveParams::validate() const {
  std::vector<std::string> v;
  Json p1 = phase1;
  p1["t"] = 1.0;
  try {
    (void)Phase1Params::from_json(p1);
  } catch (const InputError& e) {
    v = e.violations;
  }
  const double kappa = phase1.value("kappa", 4.0);
  if (!dilated && d <= 0) v.push_back("d: 0: allowed d > 0 with schedule = undilated");
  if (!dilated && t > 1) v.push_back("t: " + format_number(t) + ": allowed [0, 1] with schedule = undilated");
  if (d > 0 && !(kappa < std::sqrt(d)))
    v.push_back("d: " + format_number(d) + ": allowed d > kappa^2 = " + format_number(kappa * kappa) + " or 0");
  return v;
}

Json curve_row(const CurveParams& C, const Phase1Options& opt, const Eigen::VectorXd* warm, Eigen::VectorXd& state) {
  throw_if_invalid(C.validate());
  const double kappa = C.phase1.value("kappa", 4.0);
  // Phase-1 control parameter κ_eff t_eff = τ√d: dilated κt (exact at every d); undilated t√d.
  const bool undilated = !C.dilated;
  const bool phase1 = undilated ? C.t * std::sqrt(C.d) <= kappa : C.t <= 1.0;
  Json row;
  state.resize(0);
  if (phase1) {
    Json p = C.phase1;
    p["t"] = undilated ? C.t * std::sqrt(C.d) / kappa : C.t;  // same κt = τ√d in (0, 1]
    row["phase"] = 1;
    row["tau"] = schedule_tau(C.t, kappa, C.d, C.dilated).first;
    if (p["t"].get<double>() <= 0.0) {  // t = 0: κt = 0, the trivial branch is exact
      p["t"] = 1.0;
      const Phase1Params P = Phase1Params::from_json(p);
      Phase1Overlaps o = trivial_branch_phase1(P);
      Phase1Solution s{{0.0, o.b, 0.0, 0.0}, o, "trivial", "closed_form", "no_learned_branch", {}, 0.0};
      s.report.status = Status::converged;
      o.c_sqrt_d = 0.0;  // κt = 0
      s.overlaps = o;
      row.update(phase1_row(s));
      return row;
    }
    const Phase1Params P = Phase1Params::from_json(p);
    const Phase1Solution s = solve_phase1(P, opt, warm);
    row["kappa_t"] = P.kappa_t();
    row["n_plus"] = P.n_plus_resolved();
    row["n_minus"] = P.n_minus_resolved();
    row.update(phase1_row(s));
    if (s.branch == "learned") {
      state.resize(4);
      state << s.state.omega, s.state.b, s.state.eps_plus, s.state.eps_minus;
    }
    return row;
  }
  // Phase 2: τ = t − 1 (d = ∞), τ_d(t) (finite d, dilated), τ = t (undilated).
  const double tau = schedule_tau(C.t, kappa, C.d, C.dilated, true).first;
  const Phase2Solution s = solve_phase2_tau(tau, C.phase1.value("sigma", 1.0), C.phase1.value("lambda", 0.1),
                                            C.phase1.value("n", 128), C.k);
  row["phase"] = 2;
  row.update(phase2_row(s));
  return row;
}

}  // namespace hdflow::twomode
