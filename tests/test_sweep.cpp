// Sweeps: parsing, point order, continuation, abort.
#include <doctest/doctest.h>

#include "hdflow/core/status.hpp"
#include "hdflow/core/sweep.hpp"

#include <algorithm>
#include <filesystem>
#include <unistd.h>

using namespace hdflow;

TEST_CASE("sweep axes parse from a:b:n and from lists") {
  const auto a = parse_sweep_axis("t=0:1:5");
  CHECK(a.name == "t");
  REQUIRE(a.values.size() == 5);
  CHECK(a.values[1].get<double>() == doctest::Approx(0.25));
  CHECK(a.values.back() == 1.0);
  const auto g = parse_sweep_axis("d=10:1000:3:log");
  CHECK(g.values[1].get<double>() == doctest::Approx(100.0).epsilon(1e-14));
  const auto w = parse_sweep_axis("schedule=dilated,undilated");
  CHECK(w.values == std::vector<Json>{"dilated", "undilated"});
  const auto b = parse_sweep_axis("n=8,128,1024");
  CHECK(b.values == std::vector<Json>{8, 128, 1024});
  CHECK(b.values[0].is_number_integer());
  CHECK(parse_sweep_axis("t=0.3:0.9:1").values == std::vector<Json>{0.3});
  for (const char* bad : {"t", "=1:2:3", "t=1:2", "t=a:2:3", "t=0:1:2.5", "t=0:1:0", "t=1,,2", "t=0:1:3:log", "t=1:2:3:cubic"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_sweep_axis(bad), InputError);
  }
}

TEST_CASE("points: last axis fastest; continuation stays on a line") {
  SweepSpec s;
  s.axes = {{"n", {8, 128}}, {"t", {0.1, 0.2, 0.3}}};
  REQUIRE(s.size() == 6);
  CHECK(s.point(4)[0].second == 128);
  CHECK(s.point(4)[1].second == 0.2);
  CHECK(!s.previous_on_line(3).has_value());  // first t of the n = 128 line
  CHECK(s.previous_on_line(4).value() == 3);
  const auto back = SweepSpec::from_json(s.to_json());
  CHECK(back.size() == 6);
  CHECK(back.axes[1].values == s.axes[1].values);
}

TEST_CASE("run_sweep passes the neighbour's state and records it; abort stops") {
  SweepSpec s;
  s.axes = {{"t", {1, 2, 3, 4}}};
  std::vector<double> seen;
  const auto rows = run_sweep(s, [&](const auto& pt, const Eigen::VectorXd* warm) {
    seen.push_back(warm ? (*warm)[0] : -1.0);
    const double x = pt[0].second.template get<double>();
    return PointResult{Json{{"y", 2 * x}, {"status", "converged"}}, Eigen::VectorXd::Constant(1, x), {}};
  });
  REQUIRE(rows.size() == 4);
  CHECK(seen == std::vector<double>{-1, 1, 2, 3});
  CHECK(rows[0]["warm_start_from"].is_null());
  CHECK(rows[2]["warm_start_from"] == 1);
  CHECK(rows[3]["y"] == 8.0);
  const auto part = run_sweep(
      s, [&](const auto&, const Eigen::VectorXd*) { return PointResult{Json{{"status", "converged"}}, {}, {}}; },
      [](std::size_t done, std::size_t) { return done >= 2 ? Progress::Abort : Progress::Continue; });
  CHECK(part.size() == 2);
}

TEST_CASE("lines run on threads and shards give the serial rows, in order") {
  // 7 lines of 5 points; the value of a point depends on its line's chain of warm starts, so a wrong chain shows.
  SweepSpec s;
  s.axes = {{"a", {0, 1, 2, 3, 4, 5, 6}}, {"t", {1, 2, 3, 4, 5}}};
  const PointSolver solve = [](const SweepPoint& pt, const Eigen::VectorXd* warm) {
    const double a = pt[0].second.get<double>(), t = pt[1].second.get<double>();
    const double chain = (warm ? (*warm)[0] : 0.0) + a * t;
    PointResult r{Json{{"chain", chain}, {"status", "converged"}}, Eigen::VectorXd::Constant(1, chain), {}};
    if (t == 5) r.more_rows.push_back(Json{{"extra", a}});
    return r;
  };
  const auto serial = run_sweep(s, solve);
  REQUIRE(serial.size() == 7 * 6);
  CHECK(serial[4]["chain"] == 0.0);
  CHECK(serial[6 + 4]["chain"] == 15.0);  // line a = 1: 1 + 2 + 3 + 4 + 5
  CHECK(serial[6 + 5]["extra"] == 1.0);
  CHECK(serial[6 + 5]["sweep_index"] == 9);
  for (int threads : {2, 3, 0}) CHECK(run_sweep(s, solve, {}, SweepRun::on(threads, 0, 1)) == serial);
  std::vector<Json> merged;
  for (int i = 0; i < 3; ++i)
    for (const auto& r : run_sweep(s, solve, {}, SweepRun::on(2, i, 3))) merged.push_back(r);
  std::stable_sort(merged.begin(), merged.end(),
                   [](const Json& x, const Json& y) { return x["sweep_index"].get<int>() < y["sweep_index"].get<int>(); });
  CHECK(merged == serial);
  const auto shard1 = run_sweep(s, solve, {}, SweepRun::on(1, 1, 3));  // lines 1 and 4
  REQUIRE(shard1.size() == 12);
  CHECK(shard1[0]["a"] == 1);
  CHECK(shard1[6]["a"] == 4);
}

TEST_CASE("parse_shard accepts i/N and names --shard otherwise") {
  CHECK(parse_shard("0/1") == std::pair<int, int>{0, 1});
  CHECK(parse_shard("3/4") == std::pair<int, int>{3, 4});
  for (const char* bad : {"4/4", "-1/2", "1", "a/b", "1/0", "1/2x"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(parse_shard(bad), doctest::Contains("--shard"), hdflow::InputError);
  }
}

TEST_CASE("the result cache reuses finished lines, at their new positions, and only for the same key") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("hdflow_cache_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  int calls = 0;
  const PointSolver solve = [&](const SweepPoint& pt, const Eigen::VectorXd* warm) {
    ++calls;
    const double a = pt[0].second.get<double>(), t = pt[1].second.get<double>();
    const double chain = (warm ? (*warm)[0] : 0.0) + a * t;
    return PointResult{Json{{"chain", chain}, {"status", "converged"}}, Eigen::VectorXd::Constant(1, chain), {}};
  };
  SweepSpec s;
  s.axes = {{"a", {1, 2}}, {"t", {1, 2, 3}}};
  SweepRun run = SweepRun::on(1);
  run.cache_dir = dir.string();
  run.cache_key = "model x, version 1";
  SweepStats st;
  const auto first = run_sweep(s, solve, {}, run, &st);
  CHECK(calls == 6);
  CHECK(st.lines_from_cache == 0);
  const auto again = run_sweep(s, solve, {}, run, &st);
  CHECK(calls == 6);  // nothing solved
  CHECK(st.lines == 2);
  CHECK(st.lines_from_cache == 2);
  CHECK(again == first);
  // A refined sweep: the line a = 2 is reused at its new position, a = 3 is solved.
  s.axes = {{"a", {3, 2}}, {"t", {1, 2, 3}}};
  const auto refined = run_sweep(s, solve, {}, run, &st);
  CHECK(calls == 9);
  CHECK(st.lines_from_cache == 1);
  CHECK(refined[3]["chain"] == first[3]["chain"]);
  CHECK(refined[3]["sweep_index"] == 3);
  CHECK(refined[4]["warm_start_from"] == 3);
  // Another key (e.g. another tool version or parameter): no reuse.
  run.cache_key = "model x, version 2";
  (void)run_sweep(s, solve, {}, run, &st);
  CHECK(calls == 15);
  fs::remove_all(dir);
}
