#pragma once
// Typed, validated model parameters (DESIGN.md §3). Each model lists its parameters as ParamSpecs
// (name as in the paper, default, allowed range, meaning); resolution fills defaults, rejects unknown
// names and reports every violation as "field: value: allowed range" in one InputError.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hdflow/core/sweep.hpp"  // parse_cli_value

namespace hdflow {

using Json = nlohmann::ordered_json;

struct ParamSpec {
  enum class Kind { real, integer, boolean, string, array };  // array: a JSON list (vector or matrix), shape checked by the model
  std::string name;
  Kind kind = Kind::real;
  Json default_value;  ///< null: derived from other parameters (the doc says how)
  double lo = -1e300, hi = 1e300;
  bool lo_open = false, hi_open = false;
  std::string doc;
  std::vector<std::string> choices;  ///< for Kind::string
  std::string unit;

  std::string range_text() const;  ///< e.g. "(0, 1)", "integers in [1, 1e9]", "one of full, paper"
  /// Violations of this spec by `v` (empty if fine). `prefix` is prepended to the field name.
  std::vector<std::string> check(const Json& v, const std::string& prefix = "") const;
  Json to_json() const;  ///< for `hdflow list`
};

/// Fills defaults, rejects unknown keys and values out of range; throws InputError listing all.
/// Null defaults stay null (derived later by the model).
Json resolve_params(const std::vector<ParamSpec>& specs, const Json& given, const std::string& prefix = "");


/// Formats a number for messages without trailing noise.
std::string format_number(double x);

}  // namespace hdflow

#include "hdflow/core/fixed_point.hpp"

namespace hdflow {
/// Specs of the fixed-point solver options (the "solver" object of a config), defaults from
/// FixedPointOptions.
std::vector<ParamSpec> fixed_point_specs();
FixedPointOptions fixed_point_from_json(const Json& resolved);
}  // namespace hdflow
