#include "hdflow/retrain/models_detail.hpp"
namespace hdflow {
void register_retrain_bounds(std::vector<ModelInfo>&) {}
}  // namespace hdflow
