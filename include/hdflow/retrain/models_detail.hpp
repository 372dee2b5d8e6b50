#pragma once
// Internal: the retrain module's registry pieces, split over src/retrain/*models*.cpp.
#include <vector>

#include "hdflow/registry.hpp"
#include "hdflow/retrain/gaussian.hpp"

namespace hdflow {
void register_retrain_bounds(std::vector<ModelInfo>& models);
void register_retrain_clusters(std::vector<ModelInfo>& models);
void register_retrain_gmm(std::vector<ModelInfo>& models);
}  // namespace hdflow

namespace hdflow::retrain {
/// Sampler of a resolved parameter object (keys sampler, T, t0, steps).
Sampler sampler_of(const Json& p);
/// A trajectory of rows as one sweep point (first row, then more_rows).
PointResult rows_to_point(std::vector<Json> rows);
}  // namespace hdflow::retrain
