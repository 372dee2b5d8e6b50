#include "hdflow/io/table.hpp"

#include <algorithm>

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

Json merge_shards(const std::vector<Json>& docs, const std::vector<std::string>& names) {
  if (docs.empty()) throw InputError({"merge: no tables: allowed one or more shard tables"});
  std::vector<std::string> v;
  const Json& first = docs[0];
  int count = -1;
  std::vector<int> seen;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const Json& d = docs[i];
    const std::string& nm = names.at(i);
    for (const auto& e : validate_table(d)) v.push_back(nm + ": " + e);
    if (!v.empty()) continue;
    if (d["input"] != first["input"]) v.push_back(nm + ": input: differs from " + names[0] + "'s: allowed shards of one input");
    if (d["tool"] != first["tool"])
      v.push_back(nm + ": tool: " + d["tool"].dump() + ": allowed the tool of " + names[0] + ", " + first["tool"].dump());
    if (!d.contains("shard") || !d["shard"].is_object() || !d["shard"].contains("index") || !d["shard"].contains("count")) {
      v.push_back(nm + ": shard: missing: allowed tables written with --shard i/N");
      continue;
    }
    const int n = d["shard"]["count"].get<int>(), k = d["shard"]["index"].get<int>();
    if (count < 0) count = n;
    if (n != count) v.push_back(nm + ": shard.count: " + std::to_string(n) + ": allowed " + std::to_string(count) + " as in the others");
    if (std::find(seen.begin(), seen.end(), k) != seen.end())
      v.push_back(nm + ": shard.index: " + std::to_string(k) + ": allowed each shard once");
    seen.push_back(k);
  }
  if (v.empty() && static_cast<int>(seen.size()) != count)
    v.push_back("merge: " + std::to_string(seen.size()) + " shards: allowed all " + std::to_string(count) + " shards 0.." +
                std::to_string(count - 1));
  if (!v.empty()) throw InputError(v);
  std::vector<Json> rows;
  double wall = 0;
  for (const Json& d : docs) {
    for (const auto& r : d["rows"]) rows.push_back(r);
    wall += d["wall_seconds"].get<double>();
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Json& a, const Json& b) {
    return a.value("sweep_index", 0) < b.value("sweep_index", 0);
  });
  Json out = first;
  out.erase("shard");
  out["rows"] = rows;
  out["wall_seconds"] = wall;
  out["merged_shards"] = count;
  return out;
}

}  // namespace hdflow
