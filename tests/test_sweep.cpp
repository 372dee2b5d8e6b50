// Sweeps: parsing, point order, continuation, abort.
#include <doctest/doctest.h>

#include "hdflow/core/status.hpp"
#include "hdflow/core/sweep.hpp"

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
