#include "hdflow/core/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "hdflow/core/status.hpp"

namespace hdflow {

namespace {
double parse_number(const std::string& field, const std::string& s) {
  try {
    std::size_t pos = 0;
    const double v = std::stod(s, &pos);
    if (pos != s.size() || !std::isfinite(v)) throw std::invalid_argument(s);
    return v;
  } catch (const std::exception&) {
    throw InputError({"sweep " + field + ": '" + s + "': allowed a finite number"});
  }
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

std::string format_g12(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.12g", x);
  return buf;
}

std::vector<Json> linspace(const std::string& name, double a, double b, long n, bool log_spacing) {
  if (n < 1 || n > 10'000'000)
    throw InputError({"sweep " + name + ".points: " + std::to_string(n) + ": allowed integers in [1, 10000000]"});
  if (log_spacing && !(a > 0 && b > 0))
    throw InputError({"sweep " + name + ": from " + std::to_string(a) + " to " + std::to_string(b) +
                      ": allowed positive ends with log spacing"});
  std::vector<Json> v(static_cast<std::size_t>(n));
  for (long k = 0; k < n; ++k) {
    const double f = n == 1 ? 0.0 : static_cast<double>(k) / static_cast<double>(n - 1);
    double x = log_spacing ? a * std::pow(b / a, f) : a + (b - a) * f;
    if (log_spacing) x = std::stod(format_g12(x));  // 5000, not 4999.999999999999
    v[static_cast<std::size_t>(k)] = x;
  }
  if (n > 1) v.back() = b;
  return v;
}
}  // namespace

Json parse_cli_value(const std::string& text) {
  if (!text.empty() && (text.front() == '[' || text.front() == '{')) {  // a JSON array or object (matrices)
    try {
      return Json::parse(text);
    } catch (const nlohmann::json::parse_error&) {
      return text;  // left as a string: the parameter check names it
    }
  }
  if (text == "true") return true;
  if (text == "false") return false;
  if (text == "null") return nullptr;
  try {
    std::size_t pos = 0;
    const double x = std::stod(text, &pos);
    if (pos == text.size()) {
      const bool integral = text.find_first_of(".eE") == std::string::npos && std::abs(x) < 9e15;
      return integral ? Json(static_cast<long long>(x)) : Json(x);
    }
  } catch (const std::exception&) {
  }
  return text;
}

SweepAxis parse_sweep_axis(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError({"sweep: '" + text + "': allowed forms name=a:b:n or name=v1,v2,..."});
  SweepAxis ax;
  ax.name = text.substr(0, eq);
  const std::string rhs = text.substr(eq + 1);
  if (rhs.find(':') != std::string::npos) {
    const auto parts = split(rhs, ':');
    const bool log_spacing = parts.size() == 4 && parts[3] == "log";
    if (parts.size() != 3 && !log_spacing)
      throw InputError({"sweep " + ax.name + ": '" + rhs + "': allowed form a:b:n or a:b:n:log"});
    const double n = parse_number(ax.name + ".points", parts[2]);
    if (n != std::floor(n)) throw InputError({"sweep " + ax.name + ".points: " + parts[2] + ": allowed integers in [1, 10000000]"});
    ax.values = linspace(ax.name, parse_number(ax.name + ".from", parts[0]), parse_number(ax.name + ".to", parts[1]),
                         static_cast<long>(n), log_spacing);
  } else {
    for (const auto& p : split(rhs, ',')) {
      if (p.empty()) throw InputError({"sweep " + ax.name + ": '" + rhs + "': allowed a comma-separated list without empty items"});
      ax.values.push_back(parse_cli_value(p));
    }
    if (ax.values.empty()) throw InputError({"sweep " + ax.name + ": empty: allowed at least one value"});
  }
  return ax;
}

std::size_t SweepSpec::size() const {
  std::size_t n = 1;
  for (const auto& a : axes) n *= a.values.size();
  return n;
}

SweepPoint SweepSpec::point(std::size_t i) const {
  SweepPoint p(axes.size());
  for (std::size_t k = axes.size(); k-- > 0;) {
    const std::size_t n = axes[k].values.size();
    p[k] = {axes[k].name, axes[k].values[i % n]};
    i /= n;
  }
  return p;
}

std::optional<std::size_t> SweepSpec::previous_on_line(std::size_t i) const {
  if (axes.empty()) return std::nullopt;
  if (i % axes.back().values.size() == 0) return std::nullopt;
  return i - 1;
}

Json SweepSpec::to_json() const {
  Json j = Json::array();
  for (const auto& a : axes) j.push_back({{"name", a.name}, {"values", a.values}});
  return j;
}

SweepSpec SweepSpec::from_json(const Json& j) {
  SweepSpec s;
  if (j.is_null()) return s;
  if (!j.is_array()) throw InputError({"sweep: " + j.dump() + ": allowed an array of axes"});
  for (const auto& a : j) {
    if (!a.is_object() || !a.contains("name") || !a["name"].is_string())
      throw InputError({"sweep: " + a.dump() + ": allowed {\"name\", \"values\"} or {\"name\", \"from\", \"to\", \"points\"}"});
    SweepAxis ax;
    ax.name = a["name"].get<std::string>();
    if (a.contains("values")) {
      if (!a["values"].is_array() || a["values"].empty())
        throw InputError({"sweep " + ax.name + ".values: " + a["values"].dump() + ": allowed a non-empty array of numbers"});
      for (const auto& v : a["values"]) {
        if (v.is_structured() || v.is_null())
          throw InputError({"sweep " + ax.name + ".values: " + v.dump() + ": allowed numbers, strings or booleans"});
        ax.values.push_back(v);
      }
    } else if (a.contains("from") && a.contains("to") && a.contains("points") && a["from"].is_number() &&
               a["to"].is_number() && a["points"].is_number_integer()) {
      const std::string spacing = a.value("spacing", "linear");
      if (spacing != "linear" && spacing != "log")
        throw InputError({"sweep " + ax.name + ".spacing: " + spacing + ": allowed linear or log"});
      ax.values = linspace(ax.name, a["from"].get<double>(), a["to"].get<double>(), a["points"].get<long>(), spacing == "log");
    } else {
      throw InputError({"sweep " + ax.name + ": " + a.dump() + ": allowed {\"values\": [...]} or numbers from, to and integer points"});
    }
    s.axes.push_back(std::move(ax));
  }
  return s;
}

std::string content_hash(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

namespace {
// The cached rows of a line, without the position-dependent "sweep_index" / "warm_start_from"; the file holds the
// full key text, compared on read (a hash collision is then a miss).
std::optional<std::vector<Json>> cache_get(const std::string& dir, const std::string& key) {
  const std::filesystem::path f = std::filesystem::path(dir) / (content_hash(key) + ".json");
  std::ifstream in(f);
  if (!in) return std::nullopt;
  try {
    const Json j = Json::parse(in);
    if (j.at("key").get<std::string>() != key) return std::nullopt;
    return j.at("rows").get<std::vector<Json>>();
  } catch (const std::exception&) {
    return std::nullopt;  // unreadable entries are misses (and get rewritten)
  }
}
void cache_put(const std::string& dir, const std::string& key, const std::vector<Json>& rows) {
  try {
    std::filesystem::create_directories(dir);
    const std::filesystem::path f = std::filesystem::path(dir) / (content_hash(key) + ".json");
    const std::filesystem::path tmp = f.string() + ".tmp" + std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
    {
      std::ofstream out(tmp);
      out << Json{{"key", key}, {"rows", rows}}.dump();
      if (!out) return;
    }
    std::filesystem::rename(tmp, f);  // atomic: readers see the old entry or the whole new one
  } catch (const std::exception&) {
    // a cache that cannot be written is no cache; the run's result is unaffected
  }
}
}  // namespace

std::vector<Json> run_sweep(const SweepSpec& spec, const PointSolver& solve, const ProgressCallback& progress,
                            const SweepRun& run, SweepStats* stats) {
  const std::size_t total = spec.size();
  const std::size_t line_length = spec.axes.empty() ? 1 : spec.axes.back().values.size();
  const std::size_t lines = total / line_length;
  std::vector<std::size_t> mine;  // the lines of this shard
  for (std::size_t l = 0; l < lines; ++l)
    if (static_cast<int>(l % static_cast<std::size_t>(run.shard_count)) == run.shard_index) mine.push_back(l);
  const std::size_t todo = mine.size() * line_length;
  std::vector<std::vector<Json>> rows_of(mine.size());
  std::atomic<bool> abort{false};
  std::atomic<std::size_t> next{0}, done{0}, from_cache{0};
  std::mutex progress_mutex;
  std::exception_ptr failure;
  auto worker = [&]() {
    try {
      for (std::size_t k = next++; k < mine.size() && !abort; k = next++) {
        const std::size_t first = mine[k] * line_length;
        std::string line_key;
        if (!run.cache_dir.empty()) {
          Json points = Json::array();
          for (std::size_t i = first; i < first + line_length; ++i) {
            Json pt = Json::object();
            for (const auto& [name, v] : spec.point(i)) pt[name] = v;
            points.push_back(pt);
          }
          line_key = run.cache_key + "\n" + points.dump();
          if (auto hit = cache_get(run.cache_dir, line_key)) {
            // Re-attach the positions: rows of point j of the line carry "line_offset" j.
            for (auto& row : *hit) {
              const std::size_t i = first + row.value("line_offset", std::size_t{0});
              row.erase("line_offset");
              row["sweep_index"] = i;
              row["warm_start_from"] = row.value("warm", false) ? Json(i - 1) : Json(nullptr);
              row.erase("warm");
              rows_of[k].push_back(std::move(row));
            }
            ++from_cache;
            const std::size_t n = (done += line_length);
            if (progress) {
              std::lock_guard<std::mutex> lock(progress_mutex);
              if (progress(n, todo) == Progress::Abort) abort = true;
            }
            continue;
          }
        }
        Eigen::VectorXd state;
        for (std::size_t i = first; i < first + line_length && !abort; ++i) {
          const bool warm = i > first && state.size() > 0;
          PointResult r = solve(spec.point(i), warm ? &state : nullptr);
          auto emit = [&](const Json& src) {
            Json row = Json::object();
            for (const auto& [key, v] : spec.point(i)) row[key] = v;
            for (auto it = src.begin(); it != src.end(); ++it)
              if (!row.contains(it.key())) row[it.key()] = it.value();
            row["sweep_index"] = i;
            row["warm_start_from"] = warm ? Json(i - 1) : Json(nullptr);
            rows_of[k].push_back(std::move(row));
          };
          emit(r.row);
          for (const auto& extra : r.more_rows) emit(extra);
          state = std::move(r.state);
          const std::size_t n = ++done;
          if (progress) {
            std::lock_guard<std::mutex> lock(progress_mutex);
            if (progress(n, todo) == Progress::Abort) abort = true;
          }
        }
        if (!line_key.empty() && !abort && rows_of[k].size() >= line_length) {
          std::vector<Json> store;
          for (const auto& row : rows_of[k]) {
            Json r = row;
            r["line_offset"] = r["sweep_index"].get<std::size_t>() - first;
            r["warm"] = !r["warm_start_from"].is_null();
            r.erase("sweep_index");
            r.erase("warm_start_from");
            store.push_back(std::move(r));
          }
          cache_put(run.cache_dir, line_key, store);
        }
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(progress_mutex);
      if (!failure) failure = std::current_exception();
      abort = true;
    }
  };
  int threads = run.threads > 0 ? run.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), std::max<std::size_t>(1, mine.size())));
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& th : pool) th.join();
  }
  if (failure) std::rethrow_exception(failure);
  if (stats) *stats = SweepStats{mine.size(), from_cache.load()};
  std::vector<Json> rows;
  for (auto& r : rows_of)
    for (auto& row : r) rows.push_back(std::move(row));
  return rows;
}

std::pair<int, int> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  int i = -1, n = 0;
  try {
    if (slash != std::string::npos) {
      std::size_t used = 0;
      i = std::stoi(text.substr(0, slash), &used);
      if (used != slash) i = -1;
      n = std::stoi(text.substr(slash + 1), &used);
      if (used != text.size() - slash - 1) n = 0;
    }
  } catch (const std::exception&) {
    i = -1;
  }
  if (slash == std::string::npos || n < 1 || i < 0 || i >= n)
    throw InputError({"--shard: " + text + ": allowed i/N with integers 0 <= i < N"});
  return {i, n};
}

}  // namespace hdflow
