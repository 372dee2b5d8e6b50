// Theory held against direct finite-d training (brief phase-aware-gmm.md §6.4 tolerances).
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>

#include "hdflow/core/status.hpp"
#include "hdflow/registry.hpp"
#include "hdflow/twomode/sim.hpp"

using namespace hdflow;
using namespace hdflow::twomode;

namespace {
// The comparison table of `hdflow compare`, built through the library.
Table compare(const Json& config) { return hdflow::solve(resolve_input(config, "comparison")); }
}  // namespace

TEST_CASE("phase 1: simulation at d = 1000 agrees with Result 1 within the brief's finite-d tolerance") {
  // n = 8 (n₊ = 6), λ = ℓ = 0.1, σ = 1, κ = 4, exact k = ∞ loss, L-BFGS, 3 seeds (base seed 1).
  // Tolerance per observable: max(3 × bias, 4 × sd/√3) from the brief's d = 1000 row (§6.4).
  const std::map<std::string, double> tol = {{"omega", 0.15},     {"b", 0.13},       {"r", 0.30},
                                             {"m", 0.027},        {"q", 0.06},       {"eps_plus", 0.027},
                                             {"eps_minus", 0.087}, {"q_eta_plus", 0.035}, {"q_eta_minus", 0.093},
                                             {"mse_train", 0.033}, {"mse_test", 0.075}, {"c_sqrt_d", 3.15}};
  const Table t = compare({{"model", "twomode.phase1"},
                           {"params", {{"n", 8}, {"n_plus", 6}}},
                           {"sweep", {{{"name", "t"}, {"values", {0.25, 0.5, 1.0}}}}},
                           {"simulation", {{"d", 1000}, {"seeds", 3}, {"seed", 1}}}});
  REQUIRE(t.rows.size() == 3);
  for (const auto& row : t.rows) {
    CAPTURE(row["t"].get<double>());
    CHECK(row["status"] == "converged");
    for (const auto& [k, tl] : tol) {
      CAPTURE(k);
      REQUIRE(row.contains(k + "_dev"));
      CHECK(std::abs(row[k + "_dev"].get<double>()) < tl);
    }
  }
}

TEST_CASE("phase 2: simulation at d = 1000 agrees with Result 2 at tau_d(t)") {
  // n = 8, k = ∞, 4 seeds. The brief reports |Δc| ≤ 0.006 and |Δ mse_test| ≤ 0.002 for d ∈ [1000, 8000], and m, q
  // biased upwards by up to 0.020 and 0.032 at d = 1000 (the not fully saturated tanh); measured here
  // |Δc| ≤ 0.003, |Δ mse_test| ≤ 0.0013, Δm ≤ 0.015, Δq ≤ 0.029.
  const Table t = compare({{"model", "twomode.phase2"},
                           {"params", {{"n", 8}}},
                           {"sweep", {{{"name", "t"}, {"values", {1.25, 1.5, 1.9}}}}},
                           {"simulation", {{"d", 1000}, {"seeds", 4}, {"seed", 1}}}});
  for (const auto& row : t.rows) {
    CAPTURE(row["t"].get<double>());
    CHECK(row["status"] == "converged");
    CHECK(row["d"] == 1000);
    CHECK(std::abs(row["tau_theory"].get<double>() - (4 / std::sqrt(1000.0) + (1 - 4 / std::sqrt(1000.0)) * (row["t"].get<double>() - 1))) < 1e-14);
    CHECK(std::abs(row["c_dev"].get<double>()) < 0.008);
    CHECK(std::abs(row["mse_test_dev"].get<double>()) < 0.004);
    CHECK(std::abs(row["m_dev"].get<double>()) < 0.03);
    CHECK(std::abs(row["q_dev"].get<double>()) < 0.05);
  }
}

TEST_CASE("simulation is reproducible: same seed, any thread count, identical numbers") {
  SimPointParams P;
  P.n = 8;
  P.n_plus = 6;
  P.t = 0.5;
  SimOptions o;
  o.d = 300;
  o.seeds = 4;
  o.threads = 1;
  const Json a = simulate_point(P, o);
  o.threads = 2;
  const Json b = simulate_point(P, o);
  for (const char* k : {"omega", "b", "m", "q", "mse_test", "omega_stderr"}) CHECK(a[k] == b[k]);
  o.seed = 2;
  CHECK(simulate_point(P, o)["omega"] != a["omega"]);
}

TEST_CASE("Fig. 1 at small size: the dilated schedule generates the empirical mode weight") {
  // d = 500, n = 32 (n₊ = 26), 20 networks / Euler steps, 1000 particles, λ = ℓ = 10⁻³, seed 1. The learned
  // flow follows the exact denoiser of the empirical mixture on the same grid within the particle noise and
  // an O(1/n) learning bias (brief §4.6).
  const Table t = hdflow::solve(resolve_input({{"model", "twomode.fig1"},
                                               {"params", {{"n", 32}, {"points", 20}, {"particles", 1000}}},
                                               {"sweep", {{{"name", "schedule"}, {"values", {"dilated", "undilated"}}}}},
                                               {"simulation", {{"d", 500}, {"seed", 1}}}},
                                              "simulation"));
  REQUIRE(t.rows.size() == 40);
  const Json& dil = t.rows[19];
  const Json& und = t.rows[39];
  CHECK(dil["schedule"] == "dilated");
  CHECK(dil["t"].get<double>() == doctest::Approx(2.0));
  CHECK(std::abs(dil["p_t"].get<double>() - dil["p_exact_bar"].get<double>()) < 4 * dil["p_t_stderr"].get<double>() + 0.03);
  CHECK(std::abs(und["p_t"].get<double>() - und["p_exact_bar"].get<double>()) < 4 * und["p_t_stderr"].get<double>() + 0.03);
  // The undilated schedule overshoots the empirical weight on the same 20-step grid; the dilated one does not.
  CHECK(und["p_exact_bar"].get<double>() - dil["p_exact_bar"].get<double>() > 0.04);
  for (const auto& r : t.rows) CHECK(r["status"] == "converged");
}

TEST_CASE("bad simulation input: d < 2, seeds = 0, infeasible memory, kappa^2 >= d, fractional n_plus") {
  auto violation = [](const Json& cfg) -> std::string {
    try {
      resolve_input(cfg, "simulation");
    } catch (const InputError& e) {
      return e.violations.at(0);
    }
    return "";
  };
  CHECK(violation({{"model", "twomode.phase1"}, {"simulation", {{"d", 1}}}}) ==
        "simulation.d: 1: allowed integers in [2, 10000000]");
  CHECK(violation({{"model", "twomode.phase1"}, {"simulation", {{"seeds", 0}}}}) ==
        "simulation.seeds: 0: allowed integers in [1, 10000]");
  CHECK(violation({{"model", "twomode.phase1"}, {"params", {{"n", 100000000}}}, {"simulation", {{"d", 100000}}}})
            .rfind("n: 100000000: allowed n d (2 + 2k)", 0) == 0);
  CHECK(violation({{"model", "twomode.phase1"}, {"simulation", {{"d", 10}}}}).rfind("simulation.d: 10: allowed d > kappa^2 = 16", 0) == 0);
  CHECK(violation({{"model", "twomode.phase1"}, {"params", {{"n", 8}, {"n_plus", 6.4}}}}).rfind("n_plus: 6.4: allowed integers", 0) == 0);
  CHECK(violation({{"model", "twomode.generate"}}) == "model: twomode.generate: has no simulation: allowed with hdflow solve");
}

TEST_CASE("slow: phase 1 at d = 4000 within the brief's d = 4000 tolerance" * doctest::skip(std::getenv("HDFLOW_SLOW") == nullptr)) {
  // Run with HDFLOW_SLOW=1 (ctest -L slow). n = 128 (n₊ = 102), 3 seeds; tolerance max(3 × bias, 4 × sd/√3), d = 4000 row.
  const std::map<std::string, double> tol = {{"omega", 0.165}, {"b", 0.063}, {"r", 0.57}, {"m", 0.012},
                                             {"q", 0.027},     {"mse_train", 0.024}, {"mse_test", 0.024}};
  const Table t = compare({{"model", "twomode.phase1"},
                           {"params", {{"n", 128}, {"n_plus", 102}}},
                           {"sweep", {{{"name", "t"}, {"values", {0.25, 0.5, 1.0}}}}},
                           {"simulation", {{"d", 4000}, {"seeds", 3}, {"seed", 1}}}});
  for (const auto& row : t.rows)
    for (const auto& [k, tl] : tol) {
      CAPTURE(k);
      CHECK(std::abs(row[k + "_dev"].get<double>()) < tl);
    }
}

TEST_CASE("first-order trainers: full-batch Adam approaches the L-BFGS minimiser; fresh noise runs the paper's protocol") {
  SimPointParams P;
  P.n = 8;
  P.n_plus = 6;
  P.t = 0.5;
  SimOptions o;
  o.d = 200;
  const Measured exact = simulate_one(P, o, 3);
  REQUIRE(exact.converged);
  o.trainer = "adam";
  o.epochs = 4000;
  o.learning_rate = 1e-2;
  const Measured adam = simulate_one(P, o, 3);
  CHECK(std::abs(adam.values["m"].get<double>() - exact.values["m"].get<double>()) < 0.02);
  CHECK(std::abs(adam.values["mse_train"].get<double>() - exact.values["mse_train"].get<double>()) < 0.01);
  o.fresh_noise = true;
  o.epochs = 1500;
  const Measured fresh = simulate_one(P, o, 3);
  CHECK(std::isfinite(fresh.values["mse_test"].get<double>()));
  CHECK(std::abs(fresh.values["mse_test"].get<double>() - exact.values["mse_test"].get<double>()) < 0.1);
}
