// The cumulant models through the registry: bad input names the field (the CLI's exit 2, no output), theory rows
// carry the brief's numbers, simulate/compare rows carry statuses and deviations, the sample-complexity fit.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "hdflow/core/status.hpp"
#include "hdflow/registry.hpp"

using namespace hdflow;

namespace {

// The InputError's messages for a configuration, joined ("" if it resolves).
std::string input_error(const Json& cfg, const std::string& kind = "") {
  try {
    (void)resolve_input(cfg, kind);
  } catch (const InputError& e) {
    std::string all;
    for (const auto& v : e.violations) all += v + "\n";
    return all;
  }
  return "";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("cumulant: bad input is an InputError naming field, value and allowed range") {
  auto e = input_error({{"model", "cumulant.exponent"}, {"params", {{"q", 2}}}});
  CHECK(has(e, "q: 2: allowed [0, 1]"));
  e = input_error({{"model", "cumulant.exponent"}, {"params", {{"latent", "sign"}, {"nu", "uniform"}}}});
  CHECK(has(e, "latent: sign: allowed only with nu = rademacher"));
  e = input_error({{"model", "cumulant.exponent"}, {"params", {{"activation", "sigmoid"}}}});
  CHECK(has(e, "activation: sigmoid: allowed one of tanh, erf, linear, relu"));
  e = input_error({{"model", "cumulant.exponent"}, {"params", {{"schedule", "vp"}, {"b", 1.5}}}});
  CHECK(has(e, "b: 1.5: allowed [0, 1) with schedule = vp"));
  e = input_error({{"model", "cumulant.psgd"}, {"params", {{"alpha_u0", 0.8}, {"alpha_v0", 0.7}}}});
  CHECK(has(e, "alpha_u0: 0.8: allowed alpha_u0^2 + alpha_v0^2 < 1"));
  e = input_error({{"model", "cumulant.psgd"}, {"params", {{"delta", 0}}}});
  CHECK(has(e, "delta: 0: allowed (0, 1000]"));
  e = input_error({{"model", "cumulant.escape"}, {"params", {{"scale", "cubic"}, {"target", "v"}}}});
  CHECK(has(e, "beta_u: 2: allowed 0 with scale = cubic"));
  e = input_error({{"model", "cumulant.samples"}, {"params", {{"experiment", "custom"}}}});
  CHECK(has(e, "d_values: null: allowed a list of at least 2 integers"));
  e = input_error({{"model", "cumulant.samples"}, {"params", {{"d_values", {3, 10}}}}});
  CHECK(has(e, "d_values: 3: allowed integers in [4, 1e8]"));
  e = input_error({{"model", "cumulant.psgd"}, {"simulation", {{"method", "exact"}}}}, "simulation");
  CHECK(has(e, "simulation.method: exact: allowed one of reduced, full"));
  e = input_error({{"model", "cumulant.psgd"}, {"params", {{"t", 1e6}}}, {"simulation", {{"d", 100000}, {"seeds", 1000}}}}, "simulation");
  CHECK(has(e, "t: 1000000: allowed t d seeds"));
  CHECK(input_error({{"model", "cumulant.samples"}}) == "");
}

TEST_CASE("cumulant: theory rows through the registry carry the brief's numbers") {
  Table t = solve(resolve_input({{"model", "cumulant.exponent"}}));
  REQUIRE(t.rows.size() == 1);
  CHECK(t.rows[0]["k_u"] == 2);
  CHECK(t.rows[0]["k_v"] == 4);
  CHECK(std::abs(t.rows[0]["c_4"].get<double>() - 0.7596039781) < 1e-9);
  CHECK(std::abs(t.rows[0]["delta_c"].get<double>() - 2.3410) < 1e-4);
  CHECK(t.rows[0]["samples_v"] == "d^3");
  t = solve(resolve_input({{"model", "cumulant.psgd"}, {"sweep", {{{"name", "t"}, {"values", {0.5, 2.0}}}}}}));
  REQUIRE(t.rows.size() == 2);
  CHECK(std::abs(t.rows[1]["alpha_u"].get<double>() - 0.53788135) < 1e-7);
  CHECK(t.rows[1]["continued_from_t"] == 0.5);
  t = solve(resolve_input({{"model", "cumulant.escape"}}));
  CHECK(std::abs(t.rows[0]["n_median"].get<double>() - 3073.30) < 0.02);
  t = solve(resolve_input({{"model", "cumulant.escape"}, {"params", {{"scale", "cubic"}, {"target", "v"}, {"beta_u", 0}, {"delta", 0.25}, {"d", 64}}}}));
  CHECK(std::abs(t.rows[0]["n_over_d3"].get<double>() - 17.0) < 0.1);
  t = solve(resolve_input({{"model", "cumulant.escape"}, {"params", {{"target", "v"}}}}));
  CHECK(t.rows[0]["status"] == "not_reached");  // independent latents: v is not learned on the linear scale
}

TEST_CASE("cumulant: compare psgd at d = 1000 (reduced chain, 100 replicas, seed 3) within 0.03 + 3 SE of (E4.1)") {
  const Json cfg = {{"model", "cumulant.psgd"},
                    {"params", {{"latent", "sign"}}},
                    {"sweep", {{{"name", "t"}, {"values", {1.0, 4.0}}}}},
                    {"simulation", {{"d", 1000}, {"seeds", 100}, {"seed", 3}}}};
  const Table t = solve(resolve_input(cfg, "comparison"));
  REQUIRE(t.rows.size() == 2);
  for (const auto& r : t.rows) {
    CHECK(r["status"] == "converged");
    for (const char* x : {"alpha_u", "alpha_v"}) {
      CAPTURE(x);
      CHECK(std::abs(r[std::string(x) + "_dev"].get<double>()) < 0.03 + 3 * r[std::string(x) + "_sim_stderr"].get<double>());
    }
  }
}

TEST_CASE("cumulant: sample-complexity fit, pairwise statistics, d = 200 ... 1600, 200 replicas: exponent near 1, CI brackets it") {
  const Json cfg = {{"model", "cumulant.samples"},
                    {"params", {{"experiment", "pairwise"}, {"d_values", {200, 400, 800, 1600}}, {"bootstrap", 300}}},
                    {"simulation", {{"seeds", 200}, {"seed", 5}}}};
  const Table t = solve(resolve_input(cfg, "simulation"));
  REQUIRE(t.rows.size() == 4);
  const Json& r = t.rows[0];
  const double k = r["exponent"].get<double>(), lo = r["exponent_ci_lo"].get<double>(), hi = r["exponent_ci_hi"].get<double>();
  CAPTURE(k);
  CAPTURE(lo);
  CAPTURE(hi);
  CHECK(lo <= k);
  CHECK(k <= hi);
  CHECK(hi - lo < 0.2);
  // d log d: local slope 1 + 1/(2 r t_eps) ≈ 1.15–1.2 here (brief §4.3), and the theory's slope inside the interval
  CHECK(k > 1.0);
  CHECK(k < 1.35);
  CHECK(lo < r["exponent_theory"].get<double>());
  CHECK(r["exponent_theory"].get<double>() < hi);
  for (const auto& row : t.rows) {
    CHECK(row["status"] == "converged");
    CHECK(std::abs(row["ratio_to_theory"].get<double>() - 1) < 0.08);
  }
}
