#include "hdflow/io/params.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

#include "hdflow/core/status.hpp"

namespace hdflow {

std::string format_number(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  std::ostringstream s;
  s.precision(12);
  s << x;
  return s.str();
}

std::string ParamSpec::range_text() const {
  switch (kind) {
    case Kind::boolean: return "true or false";
    case Kind::array: return default_value.is_null() ? "a JSON array (list or list of rows) or null (derived)" : "a JSON array (list or list of rows)";
    case Kind::string: {
      std::string s = "one of";
      for (std::size_t i = 0; i < choices.size(); ++i) s += (i ? ", " : " ") + choices[i];
      return s;
    }
    case Kind::integer:
    case Kind::real: {
      std::string s = kind == Kind::integer ? "integers in " : "";
      s += lo_open ? "(" : "[";
      s += lo <= -1e300 ? "-inf" : format_number(lo);
      s += ", ";
      s += hi >= 1e300 ? "inf" : format_number(hi);
      s += hi_open || hi >= 1e300 ? ")" : "]";
      if (default_value.is_null()) s += " or null (derived)";
      return s;
    }
  }
  return "";
}

std::vector<std::string> ParamSpec::check(const Json& v, const std::string& prefix) const {
  const std::string field = prefix + name;
  auto bad = [&](const std::string& shown) {
    return std::vector<std::string>{field + ": " + shown + ": allowed " + range_text()};
  };
  if (v.is_null()) {
    if (default_value.is_null()) return {};
    return bad("null");
  }
  switch (kind) {
    case Kind::boolean:
      return v.is_boolean() ? std::vector<std::string>{} : bad(v.dump());
    case Kind::array: {
      // Nested lists of finite numbers (vectors, matrices, lists of matrices); shapes are the model's to check.
      const std::function<bool(const Json&)> ok = [&](const Json& x) {
        if (x.is_number()) return std::isfinite(x.get<double>());
        return x.is_array() && !x.empty() && std::all_of(x.begin(), x.end(), ok);
      };
      return v.is_array() && ok(v) ? std::vector<std::string>{} : bad(v.dump());
    }
    case Kind::string:
      if (!v.is_string()) return bad(v.dump());
      for (const auto& c : choices)
        if (v.get<std::string>() == c) return {};
      return bad(v.get<std::string>());
    case Kind::integer:
    case Kind::real: {
      if (!v.is_number()) return bad(v.dump());
      const double x = v.get<double>();
      if (!std::isfinite(x)) return bad(v.dump());
      if (kind == Kind::integer && x != std::floor(x)) return bad(format_number(x));
      const bool lo_ok = lo_open ? x > lo : x >= lo;
      const bool hi_ok = hi_open ? x < hi : x <= hi;
      if (!lo_ok || !hi_ok) return bad(format_number(x));
      return {};
    }
  }
  return {};
}

Json ParamSpec::to_json() const {
  const char* k = kind == Kind::real      ? "real"
                  : kind == Kind::integer ? "integer"
                  : kind == Kind::boolean ? "boolean"
                  : kind == Kind::array   ? "array"
                                          : "string";
  Json j = {{"name", name}, {"type", k}, {"default", default_value}, {"range", range_text()}, {"doc", doc}};
  if (!unit.empty()) j["unit"] = unit;
  return j;
}

Json resolve_params(const std::vector<ParamSpec>& specs, const Json& given, const std::string& prefix) {
  std::vector<std::string> violations;
  if (!given.is_null() && !given.is_object())
    throw InputError({prefix.empty() ? "params: " + given.dump() + ": allowed a JSON object"
                                     : prefix + ": " + given.dump() + ": allowed a JSON object"});
  Json out = Json::object();
  for (const auto& s : specs) {
    const bool has = given.is_object() && given.contains(s.name);
    Json v = has ? given[s.name] : s.default_value;
    // Integers written as 8.0 are accepted as 8.
    if (s.kind == ParamSpec::Kind::integer && v.is_number_float() && std::isfinite(v.get<double>()) &&
        v.get<double>() == std::floor(v.get<double>()) && std::abs(v.get<double>()) < 9e15)
      v = static_cast<long long>(v.get<double>());
    auto errs = s.check(v, prefix);
    violations.insert(violations.end(), errs.begin(), errs.end());
    out[s.name] = v;
  }
  if (given.is_object()) {
    for (auto it = given.begin(); it != given.end(); ++it) {
      bool known = false;
      for (const auto& s : specs) known = known || s.name == it.key();
      if (!known) {
        std::string names;
        for (const auto& s : specs) names += (names.empty() ? "" : ", ") + s.name;
        violations.push_back(prefix + it.key() + ": unknown parameter: allowed names are " + names);
      }
    }
  }
  throw_if_invalid(violations);
  return out;
}

}  // namespace hdflow

namespace hdflow {

std::vector<ParamSpec> fixed_point_specs() {
  const FixedPointOptions d;
  using K = ParamSpec::Kind;
  return {
      {"damping", K::real, d.damping, 0, 1, true, false, "β of x ← (1−β)x + βF(x)", {}, ""},
      {"tolerance", K::real, d.tolerance, 0, 1, true, false, "stop when the undamped residual ‖F(x) − x‖∞ ≤ tolerance", {}, ""},
      {"max_iterations", K::integer, d.max_iterations, 1, 1e7, false, false, "evaluations of the map", {}, ""},
      {"anderson_depth", K::integer, d.anderson_depth, 0, 50, false, false, "Anderson history length; 0 disables it", {}, ""},
  };
}

FixedPointOptions fixed_point_from_json(const Json& j) {
  FixedPointOptions o;
  o.damping = j.value("damping", o.damping);
  o.tolerance = j.value("tolerance", o.tolerance);
  o.max_iterations = j.value("max_iterations", o.max_iterations);
  o.anderson_depth = j.value("anderson_depth", o.anderson_depth);
  o.min_damping = std::min(o.min_damping, o.damping);
  return o;
}

}  // namespace hdflow
