#pragma once
// The one output format, hdflow.table/1 (DESIGN.md §5): resolved input, tool version, flat rows with
// a status each, units, wall time. Written atomically (temporary file in the same folder + rename).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hdflow {

using Json = nlohmann::ordered_json;

inline constexpr const char* kTableSchema = "hdflow.table/1";

struct Table {
  std::string model;
  std::string kind = "theory";  ///< theory | simulation | comparison
  Json input = Json::object();  ///< every parameter, resolved, with the sweep and the solver options
  std::vector<Json> rows;
  Json units = Json::object();
  double wall_seconds = 0.0;
  Json extra = Json::object();  ///< further top-level keys (e.g. "plot" of a scenario)
};

/// The document of a table, with "schema" and "tool" filled in.
Json to_json(const Table& t);

/// Every violation of the hdflow.table/1 schema (empty if the document conforms).
std::vector<std::string> validate_table(const Json& doc);

/// Writes `doc` (pretty, 2-space indent) to `path` atomically: a temporary file in the same folder,
/// flushed and renamed over the target. Throws hdflow::Error if it cannot be written.
void write_json_atomic(const Json& doc, const std::string& path);

/// Joins the tables of `--shard i/N` runs into the table of the unsharded run: every document must conform,
/// carry the same input and tool (name, version, git), and the shards 0..N−1 exactly once; rows are ordered by
/// "sweep_index" (the rows of one point keep their order). `names` label the documents in error messages.
/// Throws InputError naming the offending document and field.
Json merge_shards(const std::vector<Json>& docs, const std::vector<std::string>& names);

/// Reads a JSON file; throws InputError naming the file on a missing file or a parse error.
Json read_json_file(const std::string& path, const std::string& field = "config");

}  // namespace hdflow
