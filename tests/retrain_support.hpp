#pragma once
// Shared by the retrain tests: the first violation resolve_input reports for an input ("" if it is valid).
#include <string>

#include "hdflow/core/status.hpp"
#include "hdflow/registry.hpp"

namespace hdflow::test {

inline std::string violation_of(const Json& cfg, const std::string& kind = "") {
  try {
    (void)resolve_input(cfg, kind);
  } catch (const InputError& e) {
    return e.violations.empty() ? std::string("?") : e.violations.front();
  }
  return "";
}

}  // namespace hdflow::test
