// Parameter resolution and validation messages ("field: value: allowed range").
#include <doctest/doctest.h>

#include "hdflow/core/status.hpp"
#include "hdflow/io/params.hpp"

using namespace hdflow;
using K = ParamSpec::Kind;

namespace {
const std::vector<ParamSpec> specs = {
    {"p", K::real, 0.8, 0, 1, true, true, "weight", {}, ""},
    {"n", K::integer, 128, 1, 1e9, false, false, "samples", {}, ""},
    {"n_plus", K::real, nullptr, 0, 1e9, false, false, "derived", {}, ""},
    {"ansatz", K::string, "full", 0, 0, false, false, "", {"full", "paper"}, ""},
};
std::vector<std::string> violations(const Json& j) {
  try {
    resolve_params(specs, j);
  } catch (const InputError& e) {
    return e.violations;
  }
  return {};
}
}  // namespace

TEST_CASE("defaults are filled and given values kept") {
  const Json r = resolve_params(specs, Json{{"p", 0.6}});
  CHECK(r["p"] == 0.6);
  CHECK(r["n"] == 128);
  CHECK(r["n_plus"].is_null());
  CHECK(r["ansatz"] == "full");
  CHECK(resolve_params(specs, Json{{"n", 8.0}})["n"].is_number_integer());
}

TEST_CASE("every violation is reported with field, value and allowed range") {
  const auto v = violations(Json{{"p", 1.5}, {"n", -3}, {"foo", 1}, {"ansatz", "other"}});
  REQUIRE(v.size() == 4);
  CHECK(v[0] == "p: 1.5: allowed (0, 1)");
  CHECK(v[1] == "n: -3: allowed integers in [1, 1000000000]");
  CHECK(v[2] == "ansatz: other: allowed one of full, paper");
  CHECK(v[3] == "foo: unknown parameter: allowed names are p, n, n_plus, ansatz");
  CHECK(violations(Json{{"n", 2.5}}).at(0) == "n: 2.5: allowed integers in [1, 1000000000]");
  CHECK(violations(Json{{"p", "x"}}).at(0) == "p: \"x\": allowed (0, 1)");
  CHECK(violations(Json{{"p", nullptr}}).at(0) == "p: null: allowed (0, 1)");
  CHECK(violations(Json::array()).at(0).rfind("params:", 0) == 0);
}

TEST_CASE("CLI values parse as JSON literals or strings") {
  CHECK(parse_cli_value("3").is_number_integer());
  CHECK(parse_cli_value("0.25") == 0.25);
  CHECK(parse_cli_value("1e-3") == 1e-3);
  CHECK(parse_cli_value("true") == true);
  CHECK(parse_cli_value("null").is_null());
  CHECK(parse_cli_value("paper") == "paper");
  CHECK(parse_cli_value("3x") == "3x");
}

TEST_CASE("fixed-point options round-trip through their specs") {
  const Json r = resolve_params(fixed_point_specs(), Json{{"damping", 0.3}}, "solver.");
  const auto o = fixed_point_from_json(r);
  CHECK(o.damping == 0.3);
  CHECK(o.tolerance == FixedPointOptions{}.tolerance);
  try {
    resolve_params(fixed_point_specs(), Json{{"damping", 0}}, "solver.");
    FAIL("no throw");
  } catch (const InputError& e) {
    CHECK(e.violations.at(0) == "solver.damping: 0: allowed (0, 1]");
  }
}
