// The cumulant module's entries in the model registry (see include/hdflow/registry.hpp).
#include "hdflow/registry.hpp"

namespace hdflow {

void register_cumulant_models(std::vector<ModelInfo>& /*models*/) {}

}  // namespace hdflow
