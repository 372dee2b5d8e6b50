#pragma once
// Errors and solver statuses shared by every module.
//
// Bad input is an exception (hdflow::InputError, derived from hdflow::Error) thrown before any
// computation; numerical outcomes are never exceptions but a Status carried by every result row.
#include <stdexcept>
#include <string>
#include <vector>

namespace hdflow {

/// Base of every exception the library throws.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Invalid input: carries every violation as "field: value: allowed range".
struct InputError : Error {
  explicit InputError(std::vector<std::string> violations);
  std::vector<std::string> violations;
};

/// Throws InputError if `violations` is not empty.
void throw_if_invalid(const std::vector<std::string>& violations);

/// Outcome of an iterative solve (after Spectra's CompInfo and Ceres' termination type).
enum class Status {
  converged,       ///< undamped residual below tolerance
  max_iterations,  ///< iteration budget used up; the last iterate is returned
  non_finite,      ///< the map kept producing NaN/Inf even with the smallest damping
  stalled,         ///< no progress of the residual over the stall window
};

const char* to_string(Status s);

}  // namespace hdflow
