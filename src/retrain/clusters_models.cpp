#include "hdflow/retrain/models_detail.hpp"
namespace hdflow {
void register_retrain_clusters(std::vector<ModelInfo>&) {}
}  // namespace hdflow
