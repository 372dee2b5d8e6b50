// The optional Python module (pybind11, -DHDFLOW_PYTHON=ON): hdflow.solve / simulate / compare return the same
// table as the CLI, as a dict ("rows" ready for pandas.DataFrame); bad input raises ValueError with the CLI's
// messages. The module only translates arguments; every computation is the library's (registry.hpp).
#include <pybind11/pybind11.h>

#include <string>

#include "hdflow/core/status.hpp"
#include "hdflow/core/sweep.hpp"
#include "hdflow/io/table.hpp"
#include "hdflow/registry.hpp"
#include "hdflow/version.hpp"

namespace py = pybind11;

namespace {

hdflow::Json to_json(const py::handle& obj) {
  const py::module_ json = py::module_::import("json");
  return hdflow::Json::parse(json.attr("dumps")(obj).cast<std::string>());
}

py::object to_python(const hdflow::Json& j) { return py::module_::import("json").attr("loads")(j.dump()); }

// sweep: {"t": [0.25, 0.5], "n": "4:64:5"} (values, or the CLI's "a:b:n" / "a:b:n:log" / "v1,v2" text).
hdflow::Json sweep_of(const py::object& sweep) {
  hdflow::Json axes = hdflow::Json::array();
  if (sweep.is_none()) return axes;
  for (const auto& item : py::cast<py::dict>(sweep)) {
    const std::string name = py::str(item.first).cast<std::string>();
    if (py::isinstance<py::str>(item.second)) {
      const hdflow::SweepAxis ax = hdflow::parse_sweep_axis(name + "=" + item.second.cast<std::string>());
      axes.push_back({{"name", ax.name}, {"values", ax.values}});
    } else {
      axes.push_back({{"name", name}, {"values", to_json(item.second)}});
    }
  }
  return axes;
}

py::object run(const std::string& kind, const std::string& model, const py::object& sweep, const py::object& solver,
               const py::object& simulation, int threads, const py::kwargs& params) {
  hdflow::Json config = {{"model", model}, {"params", to_json(params)}, {"sweep", sweep_of(sweep)}};
  if (!solver.is_none()) config["solver"] = to_json(solver);
  if (!simulation.is_none()) config["simulation"] = to_json(simulation);
  const hdflow::Json input = hdflow::resolve_input(config, kind);
  hdflow::Table t;
  {
    py::gil_scoped_release release;
    t = hdflow::solve(input, {}, hdflow::SweepRun::on(kind == "theory" ? threads : 1));
  }
  return to_python(hdflow::to_json(t));
}

}  // namespace

PYBIND11_MODULE(hdflow, m) {
  m.doc() = "hdflow: high-dimensional theory of autoencoders learning diffusion/flow denoisers (tables as dicts)";
  m.attr("__version__") = std::string(hdflow::kVersion) + " (" + hdflow::kGitDescribe + ")";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const hdflow::InputError& e) {
      std::string msg = "bad input:";
      for (const auto& v : e.violations) msg += "\n  " + v;
      PyErr_SetString(PyExc_ValueError, msg.c_str());
    }
  });
  m.def("solve", [](const std::string& model, const py::object& sweep, const py::object& solver, int threads, const py::kwargs& params) {
        return run("theory", model, sweep, solver, py::none(), threads, params);
      },
      py::arg("model"), py::kw_only(), py::arg("sweep") = py::none(), py::arg("solver") = py::none(), py::arg("threads") = 0,
      "Theory table of `model` (hdflow list); parameters as keywords, sweep={'t': [..] or 'a:b:n'}.");
  m.def("simulate", [](const std::string& model, const py::object& sweep, const py::object& simulation, const py::kwargs& params) {
        return run("simulation", model, sweep, py::none(), simulation, 1, params);
      },
      py::arg("model"), py::kw_only(), py::arg("sweep") = py::none(), py::arg("simulation") = py::none(),
      "Finite-d simulation table; simulation={'d': .., 'seeds': .., 'seed': ..}.");
  m.def("compare", [](const std::string& model, const py::object& sweep, const py::object& solver, const py::object& simulation,
                      const py::kwargs& params) { return run("comparison", model, sweep, solver, simulation, 1, params); },
        py::arg("model"), py::kw_only(), py::arg("sweep") = py::none(), py::arg("solver") = py::none(),
        py::arg("simulation") = py::none(), "Theory and simulation in one table (X_theory, X_sim, X_sim_stderr, X_dev, X_z).");
  m.def("models", []() {
    py::list out;
    for (const auto& mi : hdflow::models()) out.append(mi.name);
    return out;
  });
}
