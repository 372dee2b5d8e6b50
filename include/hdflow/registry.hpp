#pragma once
// The models hdflow knows, their parameters, and the one entry point that turns a configuration
// {model, params, sweep, solver} into a table. Sits above the modules (it includes them); the CLI and
// the tests go through it.
#include <functional>
#include <string>
#include <vector>

#include "hdflow/core/sweep.hpp"
#include "hdflow/io/params.hpp"
#include "hdflow/io/table.hpp"

namespace hdflow {

struct ModelInfo {
  std::string name;
  std::string summary;
  std::string reference;  ///< paper and result, brief section, equations file
  std::vector<ParamSpec> params;
  std::vector<ParamSpec> solver;
  Json units;
  /// Solves one point; params and solver are resolved objects.
  std::function<PointResult(const Json& params, const Json& solver, const Eigen::VectorXd* warm)> solve_point;
  /// Cross-field validation of one resolved parameter point (e.g. n_plus ≤ n); messages as usual.
  std::function<std::vector<std::string>(const Json& params)> validate_point;

  // Finite-d side (empty for models without a simulation).
  std::vector<ParamSpec> simulation;  ///< the "simulation" options (d, seeds, seed, ...)
  std::function<std::vector<std::string>(const Json& params, const Json& simulation)> validate_simulation;
  /// One simulated point: one row (mean X and X_stderr per observable), or a trajectory of rows.
  std::function<std::vector<Json>(const Json& params, const Json& simulation)> simulate_point;
};

const std::vector<ModelInfo>& models();

/// Each module appends its models (defined in src/<module>/models.cpp).
void register_retrain_models(std::vector<ModelInfo>& models);
void register_cumulant_models(std::vector<ModelInfo>& models);

/// Throws InputError naming the model and listing the known ones.
const ModelInfo& find_model(const std::string& name);

/// Resolves a configuration into the fully resolved input embedded in tables:
/// {"model", "kind", "params" (all, defaults filled), "sweep" (explicit values), "solver" (all),
///  "simulation" (all, for kind simulation or comparison)}. `kind` overrides the config's "kind"
/// (theory, simulation, comparison; default theory). Accepts a table document too (uses its "input").
/// Validates every sweep point; throws InputError.
Json resolve_input(const Json& config, const std::string& kind = "");

/// Runs a resolved input: theory rows, simulation rows (X, X_stderr) or comparison rows
/// (X_theory, X_sim, X_sim_stderr, X_dev, X_z), each with a status. Never throws for numerical outcomes.
/// `run`: threads for independent sweep lines and the shard to run (recorded as "shard" in the table).
Table solve(const Json& resolved_input, const ProgressCallback& progress = {}, const SweepRun& run = {});

}  // namespace hdflow
