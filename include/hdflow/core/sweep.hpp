#pragma once
// Parameter sweeps with continuation (DESIGN.md §3).
//
// A sweep is the outer product of axes; the last axis varies fastest. Points are solved in that
// order; a point may be warm-started from the previous point of the same line (all other axes equal),
// and the row records which one ("warm_start_from"). A progress callback can abort between points.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

namespace hdflow {

using Json = nlohmann::ordered_json;

/// `--set k=v` and sweep list values: JSON literals (numbers, true/false, null) or plain strings.
Json parse_cli_value(const std::string& text);

/// One axis: numbers, or any JSON scalars (e.g. the choices of a string parameter).
struct SweepAxis {
  std::string name;
  std::vector<Json> values;
};

using SweepPoint = std::vector<std::pair<std::string, Json>>;

/// Parses "name=a:b:n" (n points from a to b inclusive, n ≥ 1; n = 1 gives a), "name=a:b:n:log"
/// (geometric spacing, a, b > 0) or "name=v1,v2,..." (numbers or words, e.g. schedule=dilated,undilated).
/// Throws InputError naming the field on malformed text.
SweepAxis parse_sweep_axis(const std::string& text);

struct SweepSpec {
  std::vector<SweepAxis> axes;
  std::size_t size() const;  ///< number of points (1 if there are no axes)
  /// The parameter values of point i (last axis fastest).
  SweepPoint point(std::size_t i) const;
  /// Index of the point that precedes i on the same line of the last axis, if any.
  std::optional<std::size_t> previous_on_line(std::size_t i) const;
  Json to_json() const;
  /// Accepts [{"name","values"} | {"name","from","to","points"[,"spacing":"log"]}].
  static SweepSpec from_json(const Json& j);
};

enum class Progress { Continue, Abort };
using ProgressCallback = std::function<Progress(std::size_t done, std::size_t total)>;

/// Result of one sweep point: the flat row and the state a neighbour may warm-start from.
struct PointResult {
  Json row;
  Eigen::VectorXd state;
  std::vector<Json> more_rows;  ///< a point that yields a trajectory: further rows after `row`
};

/// Solves one point; `warm` is the state of the previous point on the same line, or nullptr.
using PointSolver =
    std::function<PointResult(const SweepPoint& point, const Eigen::VectorXd* warm)>;

/// How to run a sweep: the lines of the last axis (continuation chains) are independent and run on `threads`
/// threads (0: all cores); `--shard index/count` keeps the lines with line % count == index. Rows are the same,
/// bit for bit, for any thread count, and the shards' rows merge into the unsharded table.
struct SweepRun {
  int threads = 1;
  int shard_index = 0;
  int shard_count = 1;
  /// Result cache: a folder (empty: none). A finished line is stored under a content hash of `cache_key`
  /// (everything its rows depend on besides the points: resolved input without the sweep, tool version) and
  /// the line's points; a later run with the same key and points reuses the rows instead of solving.
  std::string cache_dir;
  std::string cache_key;

  static SweepRun on(int threads, int shard_index = 0, int shard_count = 1) {
    SweepRun r;
    r.threads = threads;
    r.shard_index = shard_index;
    r.shard_count = shard_count;
    return r;
  }
};

/// Lines of the last run_sweep call served from the cache (reported in the table by the registry).
struct SweepStats {
  std::size_t lines = 0, lines_from_cache = 0;
};

/// Runs the sweep with continuation along each line; rows gain "sweep_index" (the point's index) and
/// "warm_start_from" (the index of the point whose state was offered as a warm start, or null), in point order.
/// The solver must be thread-safe when run.threads != 1. The progress callback is called under a lock.
/// Returns the rows solved before an Abort (the caller decides what to do with a partial sweep).
std::vector<Json> run_sweep(const SweepSpec& spec, const PointSolver& solve, const ProgressCallback& progress = {},
                            const SweepRun& run = {}, SweepStats* stats = nullptr);

/// 64-bit FNV-1a of a text, as 16 hex digits (the cache's content address).
std::string content_hash(const std::string& text);

/// "i/N" → (i, N) with 0 ≤ i < N; throws InputError naming `--shard`.
std::pair<int, int> parse_shard(const std::string& text);

}  // namespace hdflow
