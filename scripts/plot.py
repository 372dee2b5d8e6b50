#!/usr/bin/python3
"""Draw an hdflow result table (schema "hdflow.table/1", DESIGN.md §5) to PNG/PDF/SVG.

Usage:
    /usr/bin/python3 scripts/plot.py TABLE.json -o FIG.png [--x COL] [--y COL ...] [--title T]

    x  = --x, else table["plot"]["x"], else the first sweep axis of table["input"]["sweep"].
    y  = --y (one axes), else table["plot"]["panels"] (list of lists: one subplot per list),
         else table["plot"]["y"], else every numeric column that is not x, not a sweep axis,
         not solver bookkeeping (status, iterations, F, ...) and not constant along x on every
         line (this drops constant parameters and flat columns such as c = 0; ask with --y).
    Up to 4 y columns share one axes; more get one small subplot each.

    kind "theory": lines; "simulation": markers with error bars from <col>_stderr;
    "comparison": <col>_theory as lines, <col>_sim (+ <col>_sim_stderr) as markers, same colour.
    Further sweep axes give one line per value ("name=value"). Rows whose status is not
    "converged" are marked with red 'x' and counted in the title. Nulls are NaN.
Exit status 2 on unreadable/malformed/wrong-schema input or an unknown column.
"""
import argparse
import itertools
import json
import math
import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

SCHEMA = "hdflow.table/1"
BOOKKEEPING = {"status", "iterations", "residual", "grad_norm", "warm_start_from", "F", "F_triv",
               "start", "branch", "learned_status"}
LINESTYLES = ["-", "--", ":", "-."]
MARKERS = ["o", "s", "^", "D", "v", "P"]


def die(msg, code=2):
    print(f"plot.py: {msg}", file=sys.stderr)
    sys.exit(code)


def is_num(v):
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        die(f"{path}: cannot read: {e.strerror}")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        die(f"{path}: malformed JSON: {e}")
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        got = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        die(f"{path}: schema {got!r}: expected {SCHEMA!r}")
    rows = doc.get("rows")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        die(f"{path}: 'rows' must be a non-empty list of objects")
    return doc


def column(rows, name):
    """Float array of one column; null, missing and non-numeric values become NaN."""
    return np.array([float(r[name]) if is_num(r.get(name)) and r.get(name) is not None else np.nan
                     for r in rows])


def label(name, units, width=60):
    text = f"{name} — {units[name]}" if name in units else name
    return text if len(text) <= width else text[:width - 1] + "…"


def series_of(obs, kind, cols):
    """(line column, marker column, marker error column) for an observable; None where absent."""
    if kind == "comparison" and (f"{obs}_theory" in cols or f"{obs}_sim" in cols):
        sim = f"{obs}_sim" if f"{obs}_sim" in cols else None
        return (f"{obs}_theory" if f"{obs}_theory" in cols else None, sim,
                f"{obs}_sim_stderr" if sim and f"{obs}_sim_stderr" in cols else None)
    if kind in ("simulation", "comparison"):
        return None, obs, f"{obs}_stderr" if f"{obs}_stderr" in cols else None
    return obs, None, None


def default_y(doc, cols, x, axes, groups):
    """Numeric observables that vary along x (constant parameters and flat columns say nothing)."""
    rows, out = doc["rows"], []
    for c in cols:
        vals = [r.get(c) for r in rows]
        if c == x or c in axes or c in BOOKKEEPING or c.endswith("_stderr"):
            continue
        if not all(is_num(v) for v in vals) or all(v is None for v in vals):
            continue
        if all(len({rows[i].get(c) for i in idx}) <= 1 for _, idx in groups):
            continue
        if doc.get("kind") == "comparison":
            for suffix in ("_theory", "_sim"):
                c = c[:-len(suffix)] if c.endswith(suffix) else c
        if c not in out:
            out.append(c)
    return out


def draw_axes(ax, doc, ys, x, groups, units, colours, small):
    """One axes: every observable in ys, one line per group; `small` = one of many subplots."""
    rows, kind, cols = doc["rows"], doc.get("kind", "theory"), columns_of(doc["rows"])
    bad_drawn = False
    for gi, (gname, idx) in enumerate(groups):
        sub = [rows[i] for i in idx]
        xs = column(sub, x)
        order = np.argsort(xs, kind="stable")
        xs = xs[order]
        ok = np.array([r.get("status", "converged") == "converged" for r in sub])[order]
        for yi, obs in enumerate(ys):
            colour = colours[(yi if len(ys) > 1 else gi) % len(colours)]
            style = LINESTYLES[gi % len(LINESTYLES)] if len(ys) > 1 else "-"
            name = obs if not gname else (f"{obs} ({gname})" if len(ys) > 1 else gname)
            line, mark, err = series_of(obs, kind, cols)
            drawn = []
            if line:
                v = column(sub, line)[order]
                ax.plot(xs, np.where(ok, v, np.nan), style, color=colour,
                        label=name + (" theory" if kind == "comparison" else ""))
                drawn.append(v)
            if mark:
                v = column(sub, mark)[order]
                e = column(sub, err)[order] if err else None
                ax.errorbar(xs[ok], v[ok], yerr=None if e is None else e[ok], fmt=MARKERS[gi % len(MARKERS)], ms=4, capsize=2,
                            color=colour, mfc="none" if line else colour,
                            label=name + (" sim" if kind == "comparison" else ""))
                drawn.append(v)
            for v in drawn:
                if (~ok).any():
                    ax.plot(xs[~ok], v[~ok], "x", color="red", ms=8, mew=1.8,
                            label=None if bad_drawn else "not converged")
                    bad_drawn = True
    width = 40 if small else 60
    ax.set_xlabel(label(x, units, width), fontsize=8 if small else 10)
    ax.set_ylabel(label(ys[0], units, width) if len(ys) == 1 else label(", ".join(ys), {}, width), fontsize=8)
    if small:
        ax.set_title(", ".join(ys), fontsize=9)
    ax.grid(True, alpha=0.3)
    return bad_drawn


def legend(ax):
    handles, labels = ax.get_legend_handles_labels()
    pairs = sorted(zip(handles, labels), key=lambda hl: hl[1] == "not converged")  # stable: it goes last
    ax.legend(*zip(*pairs), fontsize=7, ncol=2 if len(pairs) > 8 else 1)


def columns_of(rows):
    return list(dict.fromkeys(k for r in rows for k in r))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("table", help="hdflow.table/1 JSON file")
    ap.add_argument("-o", "--output", required=True, help="figure file (.png, .pdf, .svg)")
    ap.add_argument("--x", help="x column")
    ap.add_argument("--y", nargs="+", help="y columns (observables)")
    ap.add_argument("--title", help="figure title")
    a = ap.parse_args()

    doc = load(a.table)
    rows, kind = doc["rows"], doc.get("kind", "theory")
    spec = doc.get("plot") if isinstance(doc.get("plot"), dict) else {}
    units = doc.get("units") if isinstance(doc.get("units"), dict) else {}
    sweep = (doc.get("input") or {}).get("sweep") or []
    axes = [s["name"] for s in sweep if isinstance(s, dict) and "name" in s]
    cols = columns_of(rows)

    x = a.x or spec.get("x") or (axes[0] if axes else None)
    if not x:
        die("no x column: give --x (the table has no plot.x and no sweep axis); "
            f"available: {', '.join(cols)}")
    if x not in cols:
        die(f"unknown column {x!r}; available: {', '.join(cols)}")

    # One line per combination of the other sweep axes' values.
    others = [n for n in axes if n != x and n in cols]
    keyed = {}
    for i, r in enumerate(rows):
        keyed.setdefault(tuple(r.get(n) for n in others), []).append(i)
    groups = [(", ".join(f"{n}={v:g}" if is_num(v) and v is not None else f"{n}={v}"
                         for n, v in zip(others, key)), idx) for key, idx in keyed.items()]

    if a.y:
        panels = [a.y]
    elif spec.get("panels"):
        panels = [list(p) for p in spec["panels"]]
    else:
        ys = list(spec.get("y") or default_y(doc, cols, x, axes, groups))
        if not ys:
            die(f"no numeric y column besides {x!r}; available: {', '.join(cols)}")
        panels = [ys] if len(ys) <= 4 else [[y] for y in ys]
    for c in [c for p in panels for c in p]:
        if c not in cols and not any(series_of(c, kind, cols)[i] in cols for i in (0, 1)):
            die(f"unknown column {c!r}; available: {', '.join(cols)}")

    n = len(panels)
    ncols = 1 if n == 1 else min(n, 2 if n <= 4 else 3)
    nrows = math.ceil(n / ncols)
    size = (7.0, 4.6) if n == 1 else (4.6 * ncols, 3.4 * nrows)
    fig, axs = plt.subplots(nrows, ncols, figsize=size, squeeze=False, layout="constrained")
    fig.get_layout_engine().set(rect=(0, 0.25 / size[1], 1, 1 - 0.25 / size[1]))  # room for the footer
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (ax, ys) in enumerate(itertools.zip_longest(axs.flat, panels)):
        if ys is None:
            ax.set_visible(False)
            continue
        bad_here = draw_axes(ax, doc, ys, x, groups, units, colours, small=n > 1)
        ax.set_xscale("log" if spec.get("logx") else "linear")
        ax.set_yscale("log" if spec.get("logy") else "linear")
        # Single-observable panels share one legend (the first); others carry their own.
        if (len(ys) > 1 or kind == "comparison" or len(groups) > 1 or bad_here) and \
                (k == 0 or len(ys) > 1 or kind == "comparison"):
            legend(ax)

    bad = sum(1 for r in rows if r.get("status", "converged") != "converged")
    title = a.title or spec.get("title") or f"{doc.get('model', '?')} ({kind})"
    if bad:
        title += f"\n{bad} row{'s' if bad != 1 else ''} not converged"
    fig.suptitle(title, fontsize=11, color="darkred" if bad else "black")
    tool = doc.get("tool") or {}
    fig.text(0.01, 0.005, f"{tool.get('name', 'hdflow')} {tool.get('version', '?')} "
             f"({tool.get('git') or 'git unknown'}) · {doc.get('model', '?')}", fontsize=7, color="gray",
             ha="left", va="bottom")

    out = os.path.abspath(a.output)
    ext = os.path.splitext(out)[1].lstrip(".").lower()
    if ext not in fig.canvas.get_supported_filetypes():
        die(f"{a.output}: unsupported figure format {ext!r}; use .png, .pdf or .svg")
    tmp = None
    try:  # atomic: temporary file in the same folder, then rename over the target
        os.makedirs(os.path.dirname(out), exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".plot-", suffix="." + ext, dir=os.path.dirname(out))
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format=ext, dpi=150)
        os.replace(tmp, out)
        tmp = None
    except OSError as e:
        die(f"{a.output}: cannot write: {e}", code=1)
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
    print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
