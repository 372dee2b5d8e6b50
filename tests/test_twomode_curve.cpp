// The whole-curve model: phase 1 and phase 2 rows equal the per-phase models; the undilated contrast.
#include <doctest/doctest.h>

#include <cmath>

#include "hdflow/core/status.hpp"
#include "hdflow/twomode/curve.hpp"
#include "hdflow/twomode/phase2.hpp"

using namespace hdflow;
using namespace hdflow::twomode;

namespace {
Json row_at(Json params) {
  Eigen::VectorXd state;
  return curve_row(CurveParams::from_json(params), Phase1Options{}, nullptr, state);
}
}  // namespace

TEST_CASE("dilated curve: phase 1 then phase 2, matching the per-phase solutions") {
  const Json base = {{"n", 128}, {"n_plus", 102}};
  Json p = base;
  p["t"] = 0.5;
  const Json r1 = row_at(p);
  CHECK(r1["phase"] == 1);
  CHECK(std::abs(r1["omega"].get<double>() - 1.6830840917) < 1e-8);  // brief S2, t = 0.5
  p["t"] = 1.5;
  const Json r2 = row_at(p);
  CHECK(r2["phase"] == 2);
  CHECK(std::abs(r2["c"].get<double>() - 0.9964747356) < 1e-10);  // brief §6.2, n = 128, k = ∞
  p["t"] = 0.0;
  const Json r0 = row_at(p);
  CHECK(r0["branch"] == "trivial");
  CHECK(std::abs(r0["m"].get<double>() - 0.593286494926) < 1e-11);
  p["t"] = 2.0;
  const Json e = row_at(p);
  CHECK(std::abs(e["m"].get<double>()) < 1e-15);
  CHECK(std::abs(e["mse_test"].get<double>()) < 1e-14);
  // Finite d moves phase 2 to τ_d(t) (brief §1.2, R2.7).
  p["t"] = 1.25;
  p["d"] = 4000;
  const Json rd = row_at(p);
  const double a = 4 / std::sqrt(4000.0);
  CHECK(std::abs(rd["tau"].get<double>() - (a + (1 - a) * 0.25)) < 1e-15);
}

TEST_CASE("undilated at finite d: only t <= kappa/sqrt(d) is phase 1") {
  for (double d : {500.0, 5000.0, 50000.0}) {
    int phase1 = 0;
    const int N = 200;
    for (int j = 1; j <= N; ++j) {
      Json p = {{"schedule", "undilated"}, {"d", d}, {"t", static_cast<double>(j) / N}, {"n", 128}, {"n_plus", 102}};
      const Json r = row_at(p);
      phase1 += r["phase"] == 1;
    }
    CAPTURE(d);
    CHECK(phase1 == static_cast<int>(std::floor(4 / std::sqrt(d) * N)));
  }
  // A phase-1 row of the undilated schedule is the dilated phase 1 at the same κt = t√d.
  const Json u = row_at({{"schedule", "undilated"}, {"d", 6400}, {"t", 0.025}, {"n", 8}, {"n_plus", 6}});
  const Json dl = row_at({{"t", 0.5}, {"n", 8}, {"n_plus", 6}});  // κt = 2 = 0.025·80
  CHECK(std::abs(u["omega"].get<double>() - dl["omega"].get<double>()) < 1e-10);
  CHECK_THROWS_AS(row_at({{"schedule", "undilated"}, {"t", 0.5}}), InputError);
  CHECK_THROWS_AS(row_at({{"schedule", "undilated"}, {"d", 1000}, {"t", 1.5}}), InputError);
}
