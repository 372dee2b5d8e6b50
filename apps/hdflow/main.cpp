// hdflow command line (DESIGN.md §4). Thin: parses, resolves, calls the library, renders.
// Exit codes: 0 ok (rows that did not converge are statuses in the table), 2 bad input, 1 internal.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <tuple>
#include <map>
#include <string>
#include <vector>

#include "hdflow/core/status.hpp"
#include "hdflow/registry.hpp"
#include "hdflow/version.hpp"

namespace {

using hdflow::Json;

struct CommonOptions {
  std::vector<std::string> sets;
  std::vector<std::string> sweeps;
  std::string config;
  std::string output;
  bool quiet = false;
  // simulation shortcuts (--d, --seeds, --seed, --threads) → the "simulation" object
  std::vector<std::pair<std::string, long long>> sim;
  std::string shard;     // --shard i/N
  bool no_cache = false;  // --no-cache
  int sweep_threads = 1;  // independent sweep lines on threads (solve: --threads, default all cores)
};

hdflow::SweepRun sweep_run(const CommonOptions& o) {
  hdflow::SweepRun r;
  r.threads = o.sweep_threads;
  if (!o.shard.empty()) std::tie(r.shard_index, r.shard_count) = hdflow::parse_shard(o.shard);
  if (!o.no_cache) {  // $HDFLOW_CACHE, else $XDG_CACHE_HOME/hdflow, else ~/.cache/hdflow
    if (const char* c = std::getenv("HDFLOW_CACHE"); c && *c) r.cache_dir = c;
    else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) r.cache_dir = std::string(x) + "/hdflow";
    else if (const char* h = std::getenv("HOME"); h && *h) r.cache_dir = std::string(h) + "/.cache/hdflow";
  }
  return r;
}

// --set k=v (k may be "solver.x") and --sweep k=a:b:n into a configuration object.
Json apply_overrides(Json config, const CommonOptions& o) {
  std::vector<std::string> errors;
  for (const auto& s : o.sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      errors.push_back("--set: '" + s + "': allowed form name=value");
      continue;
    }
    std::string key = s.substr(0, eq);
    const Json value = hdflow::parse_cli_value(s.substr(eq + 1));
    std::string section = "params";
    for (const char* sec : {"solver", "simulation"}) {
      const std::string prefix = std::string(sec) + ".";
      if (key.rfind(prefix, 0) == 0) {
        section = sec;
        key = key.substr(prefix.size());
      }
    }
    if (!config.contains(section) || !config[section].is_object()) config[section] = Json::object();
    config[section][key] = value;
  }
  hdflow::throw_if_invalid(errors);
  for (const auto& [k, v] : o.sim) {
    if (!config.contains("simulation") || !config["simulation"].is_object()) config["simulation"] = Json::object();
    config["simulation"][k] = v;
  }
  if (!o.sweeps.empty()) {
    Json axes = Json::array();
    for (const auto& s : o.sweeps) {
      const auto ax = hdflow::parse_sweep_axis(s);
      axes.push_back({{"name", ax.name}, {"values", ax.values}});
    }
    config["sweep"] = axes;
  }
  return config;
}

hdflow::ProgressCallback make_progress(bool quiet) {
  if (quiet || !isatty(STDERR_FILENO)) return {};
  return [](std::size_t done, std::size_t total) {
    std::fprintf(stderr, "\r%zu/%zu points", done, total);
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
    return hdflow::Progress::Continue;
  };
}

std::string summary(const Json& doc) {
  std::map<std::string, int> counts;
  for (const auto& r : doc["rows"]) counts[r.value("status", "missing")]++;
  std::string s = std::to_string(doc["rows"].size()) + " rows (";
  bool first = true;
  for (const auto& [k, n] : counts) {
    s += (first ? "" : ", ") + std::to_string(n) + " " + k;
    first = false;
  }
  return s + ")";
}

void emit(const Json& doc, const std::string& path, bool quiet) {
  if (path.empty() || path == "-") {
    std::cout << doc.dump(2) << std::endl;
    return;
  }
  hdflow::write_json_atomic(doc, path);
  if (!quiet) std::cout << "wrote " << path << ": " << summary(doc) << std::endl;
}

int cmd_list(const std::string& only, bool as_json) {
  Json all = Json::array();
  for (const auto& m : hdflow::models()) {
    if (!only.empty() && m.name != only) continue;
    Json j = {{"model", m.name}, {"summary", m.summary}, {"reference", m.reference}};
    j["params"] = Json::array();
    for (const auto& p : m.params) j["params"].push_back(p.to_json());
    j["solver"] = Json::array();
    for (const auto& p : m.solver) j["solver"].push_back(p.to_json());
    all.push_back(j);
  }
  if (!only.empty() && all.empty()) (void)hdflow::find_model(only);  // throws the InputError
  if (as_json) {
    std::cout << all.dump(2) << std::endl;
    return 0;
  }
  for (const auto& m : all) {
    std::cout << m["model"].get<std::string>() << "\n  " << m["summary"].get<std::string>() << "\n  ["
              << m["reference"].get<std::string>() << "]\n";
    for (const char* sec : {"params", "solver"}) {
      std::cout << "  " << sec << ":\n";
      for (const auto& p : m[sec]) {
        std::cout << "    " << p["name"].get<std::string>() << " = " << p["default"].dump() << "  "
                  << p["range"].get<std::string>() << "  " << p["doc"].get<std::string>() << "\n";
      }
    }
  }
  return 0;
}

// solve / simulate / compare: a config (file or table) + overrides → a table of the given kind.
int cmd_table(const std::string& kind, const std::string& model, const CommonOptions& o) {
  Json config = o.config.empty() ? Json::object() : hdflow::read_json_file(o.config, "config");
  if (!config.is_object()) throw hdflow::InputError({"config: " + o.config + ": allowed a JSON object"});
  if (config.contains("schema") && config.contains("input")) config = config["input"];
  if (!model.empty()) config["model"] = model;
  config = apply_overrides(config, o);
  for (const char* k : {"plot", "command", "description", "output"}) config.erase(k);
  const hdflow::SweepRun run = sweep_run(o);
  const Json input = hdflow::resolve_input(config, kind);
  const hdflow::Table t = hdflow::solve(input, make_progress(o.quiet), run);
  emit(hdflow::to_json(t), o.output.empty() ? "-" : o.output, o.quiet);
  return 0;
}

int cmd_merge(const std::vector<std::string>& files, const std::string& output, bool quiet) {
  std::vector<Json> docs;
  for (const auto& f : files) docs.push_back(hdflow::read_json_file(f, "merge"));
  emit(hdflow::merge_shards(docs, files), output.empty() ? "-" : output, quiet);
  return 0;
}

int cmd_run(const std::string& scenario_path, const CommonOptions& o) {
  Json sc = hdflow::read_json_file(scenario_path, "scenario");
  if (!sc.is_object()) throw hdflow::InputError({"scenario: " + scenario_path + ": allowed a JSON object"});
  const std::string command = sc.value("command", "solve");
  const std::string kind = command == "solve" ? "theory" : command == "simulate" ? "simulation" : command == "compare" ? "comparison" : "";
  if (kind.empty()) throw hdflow::InputError({"command: " + command + ": allowed one of solve, simulate, compare"});
  Json config = apply_overrides(sc, o);
  Json extra = Json::object();
  extra["scenario"] = {{"file", std::filesystem::path(scenario_path).filename().string()},
                       {"description", sc.value("description", "")}};
  if (sc.contains("plot")) extra["plot"] = sc["plot"];
  for (const char* k : {"plot", "command", "description", "output"}) config.erase(k);
  CommonOptions oo = o;
  if (kind != "theory") oo.sweep_threads = 1;  // simulations use their threads for replicas
  const hdflow::SweepRun run = sweep_run(oo);
  const Json input = hdflow::resolve_input(config, kind);
  std::string out = o.output;
  if (out.empty()) out = sc.value("output", "results/" + std::filesystem::path(scenario_path).stem().string() + ".json");
  if (run.shard_count > 1 && o.output.empty())
    out = out.substr(0, out.size() - (out.ends_with(".json") ? 5 : 0)) + ".shard" + std::to_string(run.shard_index) + "of" +
          std::to_string(run.shard_count) + ".json";
  hdflow::Table t = hdflow::solve(input, make_progress(o.quiet), run);
  for (auto it = t.extra.begin(); it != t.extra.end(); ++it) extra[it.key()] = it.value();
  t.extra = extra;
  emit(hdflow::to_json(t), out, o.quiet);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hdflow: high-dimensional theory of autoencoders learning diffusion/flow denoisers"};
  app.set_version_flag("--version", std::string("hdflow ") + hdflow::kVersion + " (" + hdflow::kGitDescribe + ")");
  app.require_subcommand(1);

  std::string list_model;
  bool list_json = false;
  auto* list = app.add_subcommand("list", "models and their parameters, with defaults and ranges");
  list->add_option("model", list_model, "only this model");
  list->add_flag("--json", list_json, "machine-readable output");

  CommonOptions so, mo, co;
  std::string model, sim_model, cmp_model;
  long long d_opt = 0, seeds_opt = 0, seed_opt = -1, threads_opt = -1;
  auto add_common = [](CLI::App* sub, CommonOptions& o, std::string& m, const char* what) {
    sub->add_option("model", m, "model name (hdflow list); optional with -c");
    sub->add_option("--set", o.sets, "parameter k=v (solver.k=v, simulation.k=v for options)")->allow_extra_args(false);
    sub->add_option("--sweep", o.sweeps, "sweep k=a:b:n, k=a:b:n:log or k=v1,v2,...")->allow_extra_args(false);
    sub->add_option("-c,--config", o.config, "JSON config {model, params, sweep, solver, simulation} or a table to regenerate");
    sub->add_option("-o,--output", o.output, std::string("output table (JSON) of the ") + what + "; - for stdout (default)");
    sub->add_flag("-q,--quiet", o.quiet, "no progress, no summary");
    sub->add_option("--shard", o.shard, "run only the i-th of N slices of the sweep (i/N, 0 <= i < N); join with hdflow merge");
    sub->add_flag("--no-cache", o.no_cache, "solve every line, even if the result cache ($HDFLOW_CACHE or ~/.cache/hdflow) has it");
  };
  auto* solve = app.add_subcommand("solve", "solve a model's theory at a point or over a sweep");
  add_common(solve, so, model, "theory");
  std::string scheme_opt;
  double dt_opt = 0;
  solve->add_option("--scheme", scheme_opt, "ODE scheme (solver.scheme): rk8pd (default, adaptive), rk4, or euler to reproduce a published discretisation");
  solve->add_option("--dt", dt_opt, "ODE step (solver.dt)");
  so.sweep_threads = 0;
  solve->add_option("--threads", so.sweep_threads, "independent sweep lines on threads (0, default: all cores); same table for any value");
  auto* simulate = app.add_subcommand("simulate", "train networks at finite d and measure the same observables");
  add_common(simulate, mo, sim_model, "simulation");
  auto* compare = app.add_subcommand("compare", "theory and simulation in one table, with deviation columns");
  add_common(compare, co, cmp_model, "comparison");
  for (auto* sub : {simulate, compare}) {
    sub->add_option("--d", d_opt, "simulation dimension d (also: --sweep d=...)");
    sub->add_option("--seeds", seeds_opt, "replicas per point");
    sub->add_option("--seed", seed_opt, "base seed");
    sub->add_option("--threads", threads_opt, "replicas on threads (0: all cores)");
  }

  CommonOptions ro;
  std::string scenario;
  auto* run = app.add_subcommand("run", "run a saved scenario (data/scenarios/*.json)");
  run->add_option("scenario", scenario, "scenario file")->required();
  run->add_option("--set", ro.sets, "override a parameter k=v")->allow_extra_args(false);
  run->add_option("--sweep", ro.sweeps, "override the sweep")->allow_extra_args(false);
  run->add_option("-o,--output", ro.output, "output table (default: the scenario's output)");
  run->add_flag("-q,--quiet", ro.quiet, "no progress, no summary");
  run->add_option("--shard", ro.shard, "run only the i-th of N slices of the sweep (i/N); output name gets .shardIofN");
  run->add_flag("--no-cache", ro.no_cache, "solve every line, even if the result cache has it");
  ro.sweep_threads = 0;
  run->add_option("--threads", ro.sweep_threads, "independent sweep lines on threads for solve scenarios (0, default: all cores)");

  std::vector<std::string> merge_files;
  std::string merge_out;
  bool merge_quiet = false;
  auto* merge = app.add_subcommand("merge", "join the tables of --shard i/N runs of one input into one table");
  merge->add_option("tables", merge_files, "shard tables")->required();
  merge->add_option("-o,--output", merge_out, "merged table (JSON); - for stdout (default)");
  merge->add_flag("-q,--quiet", merge_quiet, "no summary");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    if (*list) return cmd_list(list_model, list_json);
    auto sim_shortcuts = [&](CommonOptions& o) {
      if (d_opt) o.sim.emplace_back("d", d_opt);
      if (seeds_opt) o.sim.emplace_back("seeds", seeds_opt);
      if (seed_opt >= 0) o.sim.emplace_back("seed", seed_opt);
      if (threads_opt >= 0) o.sim.emplace_back("threads", threads_opt);
    };
    if (*solve) {
      if (!scheme_opt.empty()) so.sets.push_back("solver.scheme=" + scheme_opt);
      if (dt_opt != 0) so.sets.push_back("solver.dt=" + hdflow::format_number(dt_opt));
      return cmd_table("theory", model, so);
    }
    if (*simulate) {
      sim_shortcuts(mo);
      return cmd_table("simulation", sim_model, mo);
    }
    if (*compare) {
      sim_shortcuts(co);
      return cmd_table("comparison", cmp_model, co);
    }
    if (*run) return cmd_run(scenario, ro);
    if (*merge) return cmd_merge(merge_files, merge_out, merge_quiet);
  } catch (const hdflow::InputError& e) {
    std::cerr << "hdflow: bad input:\n";
    for (const auto& v : e.violations) std::cerr << "  " << v << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "hdflow: internal error: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
