#include "hdflow/io/table.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "hdflow/core/status.hpp"
#include "hdflow/version.hpp"

namespace hdflow {

Json to_json(const Table& t) {
  Json doc;
  doc["schema"] = kTableSchema;
  doc["tool"] = {{"name", "hdflow"}, {"version", kVersion}, {"git", kGitDescribe}};
  doc["model"] = t.model;
  doc["kind"] = t.kind;
  doc["input"] = t.input;
  doc["rows"] = t.rows;
  doc["units"] = t.units;
  doc["wall_seconds"] = t.wall_seconds;
  for (auto it = t.extra.begin(); it != t.extra.end(); ++it) doc[it.key()] = it.value();
  return doc;
}

std::vector<std::string> validate_table(const Json& doc) {
  std::vector<std::string> v;
  if (!doc.is_object()) return {"document: not an object"};
  auto need = [&](const char* key, bool ok, const char* what) {
    if (!doc.contains(key)) v.push_back(std::string(key) + ": missing");
    else if (!ok) v.push_back(std::string(key) + ": " + what);
  };
  need("schema", doc.contains("schema") && doc["schema"] == kTableSchema, "must be \"hdflow.table/1\"");
  need("tool", doc.contains("tool") && doc["tool"].is_object() && doc["tool"].contains("name") &&
                   doc["tool"].contains("version") && doc["tool"]["version"].is_string(),
       "must be an object with name and version");
  need("model", doc.contains("model") && doc["model"].is_string(), "must be a string");
  need("kind", doc.contains("kind") && doc["kind"].is_string() &&
                   (doc["kind"] == "theory" || doc["kind"] == "simulation" || doc["kind"] == "comparison"),
       "must be theory, simulation or comparison");
  need("input", doc.contains("input") && doc["input"].is_object() && doc["input"].contains("model") &&
                    doc["input"].contains("params"),
       "must be an object with model and params");
  need("units", doc.contains("units") && doc["units"].is_object(), "must be an object");
  need("wall_seconds", doc.contains("wall_seconds") && doc["wall_seconds"].is_number(), "must be a number");
  need("rows", doc.contains("rows") && doc["rows"].is_array(), "must be an array");
  if (doc.contains("rows") && doc["rows"].is_array()) {
    std::size_t i = 0;
    for (const auto& r : doc["rows"]) {
      const std::string at = "rows[" + std::to_string(i++) + "]";
      if (!r.is_object()) { v.push_back(at + ": not an object"); continue; }
      if (!r.contains("status") || !r["status"].is_string()) v.push_back(at + ".status: missing");
      for (auto it = r.begin(); it != r.end(); ++it)
        if (it.value().is_structured()) v.push_back(at + "." + it.key() + ": not flat (object or array)");
    }
  }
  return v;
}

void write_json_atomic(const Json& doc, const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!dir.empty() && !fs::exists(dir, ec)) fs::create_directories(dir, ec);
  std::random_device rd;
  const fs::path tmp = dir / ("." + target.filename().string() + ".tmp" + std::to_string(rd()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write " + tmp.string());
    out << doc.dump(2) << '\n';
    out.flush();
    if (!out) {
      out.close();
      fs::remove(tmp, ec);
      throw Error("cannot write " + path);
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error("cannot rename into " + path + ": " + ec.message());
  }
}

Json read_json_file(const std::string& path, const std::string& field) {
  std::ifstream in(path);
  if (!in) throw InputError({field + ": " + path + ": file not found or not readable"});
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return Json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError({field + ": " + path + ": malformed JSON (" + std::string(e.what()) + ")"});
  }
}

}  // namespace hdflow
