"""The Python module against the CLI (run by ctest with Debian's /usr/bin/python3 when -DHDFLOW_PYTHON=ON).
Usage: test_python.py <module dir> <hdflow executable>"""
import json
import subprocess
import sys

sys.path.insert(0, sys.argv[1])
import hdflow  # noqa: E402

exe = sys.argv[2]

# 1. The module's table equals the CLI's table for the same input (rows bit for bit, same resolved input).
py = hdflow.solve("twomode.phase1", n=16, sweep={"t": [0.25, 0.5, 1.0]})
cli = json.loads(subprocess.run([exe, "solve", "twomode.phase1", "--set", "n=16", "--sweep", "t=0.25,0.5,1", "-q",
                                 "--no-cache", "-o", "-"], check=True, capture_output=True, text=True).stdout)
assert py["input"] == cli["input"], (py["input"], cli["input"])
assert py["rows"] == cli["rows"]
assert all(r["status"] == "converged" for r in py["rows"])

# 2. Sweep text as on the command line; a two-axis theory sweep on threads gives the serial rows.
a = hdflow.solve("clusters.sgd", sweep={"tau": "0:2:5"}, threads=1)
b = hdflow.solve("clusters.sgd", sweep={"tau": "0:2:5"}, threads=2)
assert len(a["rows"]) == 5 and a["rows"] == b["rows"]
assert abs(a["rows"][2]["b"] - 0.531157143800) < 1e-10  # brief §10.1: b(tau = 1)

# 3. Bad input: ValueError with the CLI's message (field, value, allowed range).
try:
    hdflow.solve("twomode.phase1", p=1.5)
    raise AssertionError("no error")
except ValueError as e:
    assert "p: 1.5: allowed (0, 1)" in str(e), str(e)
try:
    hdflow.solve("no.such.model")
    raise AssertionError("no error")
except ValueError as e:
    assert "model: no.such.model" in str(e), str(e)

# 4. Simulation and comparison tables.
c = hdflow.compare("twomode.phase1", n=8, t=0.5, simulation={"d": 200, "seeds": 2, "seed": 1})
assert c["kind"] == "comparison" and "omega_theory" in c["rows"][0] and "omega_sim" in c["rows"][0]
assert "twomode.phase1" in hdflow.models()
print("python module: all checks passed")
