// The retrain module's entries in the model registry (see include/hdflow/registry.hpp).
#include "hdflow/registry.hpp"

namespace hdflow {

void register_retrain_models(std::vector<ModelInfo>& /*models*/) {}

}  // namespace hdflow
