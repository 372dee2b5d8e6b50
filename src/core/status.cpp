#include "hdflow/core/status.hpp"

namespace hdflow {

namespace {
std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += "\n";
    out += s;
  }
  return out;
}
}  // namespace

InputError::InputError(std::vector<std::string> v) : Error(join(v)), violations(std::move(v)) {}

void throw_if_invalid(const std::vector<std::string>& violations) {
  if (!violations.empty()) throw InputError(violations);
}

const char* to_string(Status s) {
  switch (s) {
    case Status::converged: return "converged";
    case Status::max_iterations: return "max_iterations";
    case Status::non_finite: return "non_finite";
    case Status::stalled: return "stalled";
  }
  return "unknown";
}

}  // namespace hdflow
