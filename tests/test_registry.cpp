// The model registry: every model solves at its defaults with a status per row; every scenario in
// data/scenarios resolves (its input is valid) without running it.
#include <doctest/doctest.h>

#include <filesystem>

#include "hdflow/core/status.hpp"
#include "hdflow/registry.hpp"

using namespace hdflow;
namespace fs = std::filesystem;

TEST_CASE("every model solves at its defaults and the table conforms") {
  for (const auto& m : models()) {
    CAPTURE(m.name);
    if (!m.solve_point) {  // simulation-only models (twomode.fig1) must have a simulation
      CHECK(m.simulate_point);
      continue;
    }
    Json cfg = {{"model", m.name}};
    if (m.name == "twomode.generate") cfg["params"] = {{"steps", 20}};  // keep the default run fast
    if (m.name.rfind("clusters.", 0) == 0) cfg["solver"] = {{"nodes", 20}};
    if (m.name == "clusters.generate" || m.name == "clusters.density") cfg["params"] = {{"grid", 2000}, {"points", 21}};
    if (m.name == "clusters.generate") cfg["params"].erase("points");
    const Json input = resolve_input(cfg);
    const Table t = solve(input);
    const Json doc = to_json(t);
    CHECK(validate_table(doc).empty());
    REQUIRE(t.rows.size() >= 1);  // one row per point, or a grid / trajectory for some models
    for (const auto& row : t.rows) CHECK(row["status"] == "converged");
    for (const auto& s : m.params) CHECK(input["params"].contains(s.name));
    CHECK(!m.reference.empty());
  }
}

TEST_CASE("every scenario file resolves to a valid input") {
  int n = 0;
  for (const auto& e : fs::directory_iterator(fs::path(HDFLOW_SOURCE_DIR) / "data" / "scenarios")) {
    if (e.path().extension() != ".json") continue;
    CAPTURE(e.path().string());
    const Json sc = read_json_file(e.path().string());
    CHECK(sc.contains("description"));
    CHECK(sc.contains("plot"));
    const std::string cmd = sc.value("command", "solve");
    const std::string kind = cmd == "solve" ? "theory" : cmd == "simulate" ? "simulation" : "comparison";
    CHECK_NOTHROW(resolve_input(sc, kind));
    ++n;
  }
  CHECK(n >= 5);
}

TEST_CASE("unknown model and unknown configuration keys are input errors") {
  CHECK_THROWS_AS(find_model("twomode.phase3"), InputError);
  CHECK_THROWS_AS(resolve_input(Json{{"model", "twomode.phase1"}, {"parms", Json::object()}}), InputError);
  CHECK_THROWS_AS(resolve_input(Json::array()), InputError);
}
