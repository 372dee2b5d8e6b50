// The command line end to end: valid runs give schema-valid tables that regenerate from their input;
// bad input exits 2 with a message naming the field and the allowed range, and writes no file.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "hdflow/io/table.hpp"

namespace fs = std::filesystem;
using hdflow::Json;

namespace {
struct Run {
  int code;
  std::string out, err;
};

fs::path scratch() {
  static const fs::path d = [] {
    const fs::path p = fs::temp_directory_path() / ("hdflow_cli_" + std::to_string(::getpid()));
    fs::create_directories(p);
    return p;
  }();
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Run run_cli(const std::string& args) {
  const fs::path o = scratch() / "stdout.txt", e = scratch() / "stderr.txt";
  const std::string cmd = std::string(HDFLOW_EXE) + " " + args + " > " + o.string() + " 2> " + e.string() + " < /dev/null";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(o), slurp(e)};
}
}  // namespace

TEST_CASE("list shows the models with defaults and ranges") {
  const Run r = run_cli("list");
  CHECK(r.code == 0);
  CHECK(r.out.find("twomode.phase1") != std::string::npos);
  CHECK(r.out.find("p = 0.8  (0, 1)") != std::string::npos);
  const Run j = run_cli("list twomode.phase1 --json");
  CHECK(j.code == 0);
  CHECK(Json::parse(j.out).at(0)["model"] == "twomode.phase1");
}

TEST_CASE("solve writes a schema-valid table that reproduces the brief and regenerates from its input") {
  const fs::path out = scratch() / "s1.json";
  const Run r = run_cli("solve twomode.phase1 --set n=8 --set n_plus=6 --sweep t=0.25,0.5,1 -o " + out.string());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("3 rows (3 converged)") != std::string::npos);
  const Json doc = hdflow::read_json_file(out.string());
  CHECK(hdflow::validate_table(doc).empty());
  CHECK(doc["input"]["params"]["n"] == 8);
  CHECK(doc["input"]["params"]["kappa"] == 4.0);  // defaults are resolved into the input
  CHECK(doc["input"]["solver"].contains("tolerance"));
  REQUIRE(doc["rows"].size() == 3);
  CHECK(std::abs(doc["rows"][0]["omega"].get<double>() - 0.8151549895) < 1e-8);  // brief §6.1 S1
  CHECK(std::abs(doc["rows"][2]["mse_test"].get<double>() - 1.1234479542) < 1e-8);
  // hdflow solve -c table.json reproduces the rows exactly.
  const fs::path again = scratch() / "s1_again.json";
  REQUIRE(run_cli("solve -q -c " + out.string() + " -o " + again.string()).code == 0);
  const Json doc2 = hdflow::read_json_file(again.string());
  CHECK(doc2["input"] == doc["input"]);
  for (std::size_t i = 0; i < 3; ++i) CHECK(doc2["rows"][i]["omega"] == doc["rows"][i]["omega"]);
}

TEST_CASE("-o - writes the table to stdout; solver options via --set solver.k=v") {
  const Run r = run_cli("solve twomode.phase1_limit --set t=0.25 --set solver.quadrature_accuracy=1e-12 -o -");
  REQUIRE(r.code == 0);
  const Json doc = Json::parse(r.out);
  CHECK(hdflow::validate_table(doc).empty());
  CHECK(std::abs(doc["rows"][0]["mse_test"].get<double>() - 1.326349208079) < 1e-10);
  CHECK(doc["input"]["solver"]["quadrature_accuracy"] == 1e-12);
}

TEST_CASE("a numerical breakdown is a row status with exit 0, never an abort or a NaN") {
  // Euler with dτ = 1 on the clusters ODEs leaves the PSD cone (the tensor rule then has no square root of Ω):
  // the row says non_finite and the table is written.
  const Run r = run_cli("solve clusters.sgd --scheme euler --dt 1 --set tau=4 --set solver.nodes=20 --set solver.quadrature=tensor -o -");
  REQUIRE(r.code == 0);
  const Json doc = Json::parse(r.out);
  CHECK(hdflow::validate_table(doc).empty());
  CHECK(doc["rows"][0]["status"] == "non_finite");
  CHECK(r.out.find("NaN") == std::string::npos);
  // A stiff stochastic sampler (constant eps = 50: eps/alpha^2 ~ 5e5 at the cutoff) blows up: a row status too.
  const Run s = run_cli("solve clusters.generate --set tau=1 --set sde_eps=50 --set sde_power=0 --set sampler=exact "
                        "--set sde_particles=1000 --no-cache -q -o -");
  REQUIRE(s.code == 0);
  const Json g = Json::parse(s.out);
  CHECK(g["rows"][0]["status"] == "non_finite");
  CHECK(g["rows"][0]["error"].get<std::string>().find("sde_eps") != std::string::npos);
}

TEST_CASE("the default scenario runs and its table carries the plot spec") {
  const fs::path out = scratch() / "scenario.json";
  const Run r = run_cli("run " + std::string(HDFLOW_SOURCE_DIR) + "/data/scenarios/twomode-phase1.json -q -o " + out.string());
  REQUIRE(r.code == 0);
  const Json doc = hdflow::read_json_file(out.string());
  CHECK(hdflow::validate_table(doc).empty());
  CHECK(doc["rows"].size() == 100);
  CHECK(doc.contains("plot"));
  for (const auto& row : doc["rows"]) CHECK(row["status"] == "converged");
}

TEST_CASE("sharded sweeps merge into the unsharded table, row for row; threads change nothing") {
  const std::string sweep = "solve twomode.phase1 --sweep n=4,16,64,256 --sweep t=0.2:1:5 -q --no-cache";
  const Run whole = run_cli(sweep + " --threads 1 -o -");
  const Run two = run_cli(sweep + " --threads 2 -o -");
  REQUIRE(whole.code == 0);
  REQUIRE(two.code == 0);
  const Json a = Json::parse(whole.out), b = Json::parse(two.out);
  CHECK(a["rows"] == b["rows"]);
  std::string files;
  for (int i = 0; i < 3; ++i) {
    const fs::path f = scratch() / ("shard" + std::to_string(i) + ".json");
    REQUIRE(run_cli(sweep + " --shard " + std::to_string(i) + "/3 -o " + f.string()).code == 0);
    files = f.string() + " " + files;  // reversed order on purpose
  }
  const Run merged = run_cli("merge " + files + "-q -o -");
  REQUIRE(merged.code == 0);
  const Json m = Json::parse(merged.out);
  CHECK(hdflow::validate_table(m).empty());
  CHECK(m["input"] == a["input"]);
  REQUIRE(m["rows"].size() == 20);
  CHECK(m["rows"] == a["rows"]);
  CHECK(m["merged_shards"] == 3);
  // A missing shard, or shards of another input: exit 2, nothing written.
  const fs::path out = scratch() / "merged.json";
  const Run missing = run_cli("merge " + (scratch() / "shard0.json").string() + " -o " + out.string());
  CHECK(missing.code == 2);
  CHECK(missing.err.find("allowed all 3 shards") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
  const fs::path other = scratch() / "other.json";
  REQUIRE(run_cli("solve twomode.phase1 --sweep n=4,8 --sweep t=0.5,1 --shard 1/3 --no-cache -q -o " + other.string()).code == 0);
  const Run mixed = run_cli("merge " + (scratch() / "shard0.json").string() + " " + other.string() + " " +
                            (scratch() / "shard2.json").string() + " -o " + out.string());
  CHECK(mixed.code == 2);
  CHECK(mixed.err.find("input: differs") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("the result cache: a rerun reuses every line and gives the same rows; --no-cache solves") {
  const std::string cache = (scratch() / "cache").string();
  const std::string cmd = "HDFLOW_CACHE=" + cache + " " + std::string(HDFLOW_EXE) + " solve twomode.phase1 --sweep n=4,16 --sweep t=0.25,0.5,1 -q -o -";
  auto run = [&](const std::string& extra) {
    const fs::path o = scratch() / "cache_out.txt";
    REQUIRE(std::system((cmd + extra + " > " + o.string() + " 2>/dev/null").c_str()) == 0);
    return Json::parse(slurp(o));
  };
  const Json a = run(""), b = run(""), c = run(" --no-cache");
  if (a["cache"].is_string()) {  // a build from a modified tree switches the cache off, and says so
    CHECK(a["cache"].get<std::string>().find("-dirty") != std::string::npos);
    MESSAGE("cache off in this build: " << a["cache"].get<std::string>());
    return;
  }
  CHECK(a["cache"]["lines"] == 2);
  CHECK(a["cache"]["lines_reused"] == 0);
  CHECK(b["cache"]["lines_reused"] == 2);
  CHECK(b["rows"] == a["rows"]);
  CHECK_FALSE(c.contains("cache"));
  CHECK(c["rows"] == a["rows"]);
}

TEST_CASE("bad input: exit 2, the field and its range named, no output file") {
  struct Bad {
    std::string args, message;
  };
  const fs::path cfg = scratch() / "malformed.json";
  std::ofstream(cfg) << "{\"model\": \"twomode.phase1\", \"params\": {\"p\": 0.7,}";
  const fs::path cfg2 = scratch() / "wrongtype.json";
  std::ofstream(cfg2) << "{\"model\": \"twomode.phase1\", \"params\": {\"sigma\": \"one\"}}";
  const std::vector<Bad> cases = {
      {"solve twomode.phase1 --set p=1.5", "p: 1.5: allowed (0, 1)"},
      {"solve twomode.phase1 --set n=-3", "n: -3: allowed integers in [1, 1000000000]"},
      {"solve twomode.phase1 --set foo=1", "foo: unknown parameter: allowed names are p, sigma"},
      {"solve twomode.phase1 --set n=8 --set n_plus=9", "n_plus: 9: allowed range [0, n] = [0, 8]"},
      {"solve twomode.phase1 --sweep t=0:1:5", "t: 0: allowed (0, 1] (sweep point 0)"},
      {"solve twomode.phase1 --sweep kappa_t=1:2:3", "sweep kappa_t: not a parameter of twomode.phase1"},
      {"solve twomode.phase1 --set solver.damping=2", "solver.damping: 2: allowed (0, 1]"},
      {"solve twomode.phase9", "model: twomode.phase9: allowed one of twomode.phase1"},
      {"solve -c " + cfg.string(), "malformed JSON"},
      {"solve -c " + cfg2.string(), "sigma: \"one\": allowed (0, 1000]"},
      {"solve -c /nonexistent/config.json", "config: /nonexistent/config.json: file not found"},
      {"solve twomode.phase1 --bogus-flag", "bogus"},
      {"solve twomode.generate --set kappa=0", "kappa: 0: allowed (0, 1000]"},
      {"solve twomode.generate --set denoiser=exact --set kappa=-1", "kappa: -1: allowed (0, 1000]"},
      {"solve twomode.phase2 --set t=0.5", "t: 0.5: allowed [1, 2]"},
      {"solve twomode.phase2 --set n=0", "n: 0: allowed integers in [1, 1000000000]"},
      {"solve twomode.curve --set t=2.5", "t: 2.5: allowed [0, 2]"},
      {"solve twomode.curve --set schedule=undilated --set d=1000 --set t=1.5", "t: 1.5: allowed [0, 1] with schedule = undilated"},
      {"solve twomode.generate --set n=0", "n: 0: allowed integers in [1, 1000000000]"},
      {"solve twomode.generate --sweep schedule=dilated,sideways", "schedule: sideways: allowed one of dilated, undilated (sweep point 1)"},
      {"solve clusters.sgd --set means_gram=[[1,2],[2,1]] --set pi=[0.5,0.5]", "means_gram: smallest eigenvalue -1"},
      {"solve clusters.sgd --set r=9", "r: 9: allowed integers in [1, 4]"},
      {"solve clusters.sgd --scheme midpoint", "solver.scheme: midpoint: allowed one of rk8pd, rk4, euler"},
      {"solve twomode.phase1 --dt 0.1", "solver.dt: unknown parameter"},
      {"solve clusters.sgd --set M0=[[1,2,3]]", "M0: 1x3: allowed K x r = 3x2"},
  };
  for (const auto& c : cases) {
    const fs::path out = scratch() / "never.json";
    fs::remove(out);
    const Run r = run_cli(c.args + " -o " + out.string());
    CAPTURE(c.args);
    CAPTURE(r.err);
    CHECK(r.code == 2);
    CHECK(r.err.find(c.message) != std::string::npos);
    CHECK(!fs::exists(out));
  }
}
