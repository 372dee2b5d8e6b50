// The hdflow.table/1 writer: schema, validation, atomic writes.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "hdflow/core/status.hpp"
#include "hdflow/io/table.hpp"
#include "hdflow/version.hpp"

using namespace hdflow;
namespace fs = std::filesystem;

namespace {
Table sample() {
  Table t;
  t.model = "twomode.phase1";
  t.input = {{"model", "twomode.phase1"}, {"params", {{"p", 0.8}}}, {"sweep", Json::array()}, {"solver", Json::object()}};
  t.rows = {Json{{"t", 0.5}, {"m", 0.9}, {"status", "converged"}}};
  t.units = {{"m", "mu.u/d"}};
  return t;
}
}  // namespace

TEST_CASE("a table document carries schema, tool version and conforms") {
  const Json doc = to_json(sample());
  CHECK(doc["schema"] == "hdflow.table/1");
  CHECK(doc["tool"]["version"] == kVersion);
  CHECK(validate_table(doc).empty());
}

TEST_CASE("validation finds missing status, nested rows and bad kind") {
  Json doc = to_json(sample());
  doc["rows"].push_back(Json{{"t", 1.0}, {"nested", {1, 2}}});
  doc["kind"] = "guess";
  doc.erase("units");
  const auto v = validate_table(doc);
  CHECK(v.size() == 4);
  const std::string all = [&] { std::string s; for (const auto& x : v) s += x + "\n"; return s; }();
  CHECK(all.find("rows[1].status: missing") != std::string::npos);
  CHECK(all.find("rows[1].nested: not flat") != std::string::npos);
  CHECK(all.find("kind:") != std::string::npos);
  CHECK(all.find("units: missing") != std::string::npos);
}

TEST_CASE("atomic write: target appears whole, no temporary left, unwritable path throws") {
  const fs::path dir = fs::temp_directory_path() / "hdflow_test_table";
  fs::remove_all(dir);
  const fs::path out = dir / "sub" / "t.json";
  write_json_atomic(to_json(sample()), out.string());
  REQUIRE(fs::exists(out));
  CHECK(read_json_file(out.string())["rows"][0]["m"] == 0.9);
  int files = 0;
  for (const auto& e : fs::directory_iterator(out.parent_path())) files += e.is_regular_file();
  CHECK(files == 1);
  CHECK_THROWS_AS(write_json_atomic(Json::object(), "/proc/hdflow/nope.json"), Error);
  CHECK_THROWS_AS(read_json_file((dir / "missing.json").string()), InputError);
  std::ofstream(dir / "bad.json") << "{ not json";
  CHECK_THROWS_AS(read_json_file((dir / "bad.json").string()), InputError);
  fs::remove_all(dir);
}
