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
    table["plot"]["lines"] (a list of columns) draws those columns as lines in any kind of table
    (e.g. a theory column carried by simulation rows, such as cumulant.samples' n_median_theory).
    Further sweep axes give one line per value ("name=value"). Rows whose status is not
    "converged" are marked with red 'x' and counted in the title. Nulls are NaN.

    Contour mode (2-D density tables, e.g. `hdflow solve clusters.density`): used when
    table["plot"]["type"] == "contour", or automatically when there is no plot object, no --x/--y,
    and the rows carry the columns y1, y2 and density. Options of the plot object:
      x (default "y1"), y (default "y2"), z (default "density"),
      facet (default: the first sweep axis of table["input"]["sweep"], if any; a list of columns
             is allowed), levels (default 12; an int or a list of level values),
      colorbar ("panel" (default): one per subplot; "shared": one for all, common levels), title.
    --x/--y override plot.x/plot.y (--y takes a single column here). One subplot per facet value
    (wrapping after 4), equal aspect, filled contours. Each facet must hold a full regular grid:
    the rows are reshaped by the sorted unique x and y values; a missing or duplicated grid point
    is an error.
Exit status 2 on unreadable/malformed/wrong-schema input, an unknown column or an incomplete grid.
"""
import argparse
import itertools
import json
import math
import os
import sys
import tempfile

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

SCHEMA = "hdflow.table/1"
BOOKKEEPING = {"status", "iterations", "residual", "grad_norm", "warm_start_from", "sweep_index", "F", "F_triv",
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
    spec = doc.get("plot") if isinstance(doc.get("plot"), dict) else {}
    as_lines = set(spec.get("lines") or []) if isinstance(spec.get("lines") or [], list) else set()
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
            line, mark, err = (obs, None, None) if obs in as_lines else series_of(obs, kind, cols)
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


def fmt_value(v):
    """Facet value for a panel title: numbers as floats ("1.0", "0.5", "1e-05"), others verbatim."""
    if is_num(v) and v is not None:
        text = f"{float(v):g}"
        return text + ".0" if text.lstrip("-").isdigit() else text
    return str(v)


def contour_requested(doc, spec, a, cols):
    if spec:
        return spec.get("type") == "contour"
    if "plot" in doc and doc["plot"] is not None:  # a plot object that is not an object: not ours
        return False
    return not a.x and not a.y and {"y1", "y2", "density"} <= set(cols)


def grid_of(rows, idx, x, y, z, where):
    """(xs, ys, Z) of one facet: Z[j, i] = z at (xs[i], ys[j]); dies on a missing/duplicate point."""
    xv = column([rows[i] for i in idx], x)
    yv = column([rows[i] for i in idx], y)
    zv = column([rows[i] for i in idx], z)
    for name, v in ((x, xv), (y, yv)):
        if np.isnan(v).any():
            die(f"{where}: {int(np.isnan(v).sum())} row(s) without a numeric {name!r}")
    xs, xi = np.unique(xv, return_inverse=True)
    ys, yi = np.unique(yv, return_inverse=True)
    if len(xs) < 2 or len(ys) < 2:
        die(f"{where}: a contour plot needs at least 2 distinct values of {x!r} and of {y!r}; "
            f"got {len(xs)} x {len(ys)}")
    count = np.zeros((len(ys), len(xs)), dtype=int)
    np.add.at(count, (yi, xi), 1)
    if (count > 1).any():
        j, i = np.argwhere(count > 1)[0]
        die(f"{where}: {int((count > 1).sum())} grid point(s) occur more than once, e.g. "
            f"{x}={xs[i]:g}, {y}={ys[j]:g} (several grids in one facet? set plot.facet)")
    if (count == 0).any():
        j, i = np.argwhere(count == 0)[0]
        die(f"{where}: not a full regular grid: {int((count == 0).sum())} of {count.size} points of "
            f"the {len(xs)} x {len(ys)} grid ({x} x {y}) are missing, e.g. {x}={xs[i]:g}, {y}={ys[j]:g}")
    Z = np.full((len(ys), len(xs)), np.nan)
    Z[yi, xi] = zv
    return xs, ys, Z


def draw_contour(doc, spec, a, cols, axes, units):
    """The contour figure: one panel per facet value (x, y, z, facet from the plot object or defaults)."""
    rows, path = doc["rows"], a.table
    x = a.x or spec.get("x") or "y1"
    if a.y and len(a.y) != 1:
        die("contour plot: --y takes exactly one column")
    y = (a.y[0] if a.y else None) or spec.get("y") or "y2"
    z = spec.get("z") or "density"
    facet = spec.get("facet", axes[0] if axes else None)
    facets = [facet] if isinstance(facet, str) else list(facet or [])
    for c in [x, y, z] + facets:
        if not isinstance(c, str) or c not in cols:
            die(f"unknown column {c!r}; available: {', '.join(cols)}")
    if len({x, y, z}) < 3 or set(facets) & {x, y, z}:
        die(f"contour plot: x={x!r}, y={y!r}, z={z!r} and facet {facets} must be distinct columns")
    levels = spec.get("levels", 12)
    if isinstance(levels, bool) or not (isinstance(levels, int) and levels >= 1 or
                                        isinstance(levels, list) and len(levels) >= 2 and
                                        all(is_num(v) and v is not None for v in levels)):
        die(f"plot.levels must be a positive integer or a list of >= 2 numbers, got {levels!r}")
    shared = spec.get("colorbar", "panel")
    if shared not in ("panel", "shared"):
        die(f"plot.colorbar must be \"panel\" or \"shared\", got {shared!r}")
    shared = shared == "shared"

    keyed = {}  # facet value(s) -> row indices, in order of appearance (= sweep order)
    for i, r in enumerate(rows):
        keyed.setdefault(tuple(r.get(f) for f in facets), []).append(i)
    panels = []
    for key, idx in keyed.items():
        name = ", ".join(f"{f} = {fmt_value(v)}" for f, v in zip(facets, key))
        xs, ys, Z = grid_of(rows, idx, x, y, z, f"{path}: {name or 'table'}")
        bad = sum(1 for i in idx if rows[i].get("status", "converged") != "converged")
        panels.append((name, xs, ys, Z, bad))

    if isinstance(levels, list):
        levels = sorted(float(v) for v in levels)
    elif shared:
        zmin = min(np.nanmin(p[3]) if np.isfinite(p[3]).any() else np.inf for p in panels)
        zmax = max(np.nanmax(p[3]) if np.isfinite(p[3]).any() else -np.inf for p in panels)
        if not np.isfinite(zmin) or not np.isfinite(zmax):
            die(f"{path}: column {z!r} has no finite value")
        levels = matplotlib.ticker.MaxNLocator(levels + 1).tick_values(zmin, zmax if zmax > zmin else zmin + 1.0)

    n = len(panels)
    ncols = min(n, 4)
    nrows = math.ceil(n / ncols)
    size = (max(5.0, 4.0 * ncols + (1.0 if shared else 0.0)), 3.7 * nrows + 0.6)
    fig, axs = plt.subplots(nrows, ncols, figsize=size, squeeze=False, layout="constrained")
    fig.get_layout_engine().set(rect=(0, 0.25 / size[1], 1, 1 - 0.25 / size[1]))  # room for the footer
    zlabel = label(z, units, 50)
    cs = None
    for ax, panel in itertools.zip_longest(axs.flat, panels):
        if panel is None:
            ax.set_visible(False)
            continue
        name, xs, ys, Z, bad = panel
        Zm = np.ma.masked_invalid(Z)
        if Zm.count() == 0:
            ax.text(0.5, 0.5, f"no finite {z}", ha="center", va="center", transform=ax.transAxes)
        else:
            cs = ax.contourf(xs, ys, Zm, levels=levels, cmap="viridis")
            if not shared:
                cb = fig.colorbar(cs, ax=ax, shrink=0.85)
                cb.set_label(zlabel, fontsize=7)
                cb.ax.tick_params(labelsize=7)
        ax.set_aspect("equal")
        ax.set_xlabel(label(x, units, 40), fontsize=8)
        ax.set_ylabel(label(y, units, 40), fontsize=8)
        ax.tick_params(labelsize=7)
        title = name or z
        if bad:
            title += f" ({bad} row{'s' if bad != 1 else ''} not converged)"
        ax.set_title(title, fontsize=10, color="darkred" if bad else "black")
    if shared and cs is not None:
        cb = fig.colorbar(cs, ax=[ax for ax in axs.flat if ax.get_visible()], shrink=0.85)
        cb.set_label(zlabel, fontsize=8)
        cb.ax.tick_params(labelsize=7)
    return fig


def footer(fig, doc):
    tool = doc.get("tool") or {}
    fig.text(0.01, 0.005, f"{tool.get('name', 'hdflow')} {tool.get('version', '?')} "
             f"({tool.get('git') or 'git unknown'}) · {doc.get('model', '?')}", fontsize=7, color="gray",
             ha="left", va="bottom")


def suptitle(fig, doc, a, spec, default):
    bad = sum(1 for r in doc["rows"] if r.get("status", "converged") != "converged")
    title = a.title or spec.get("title") or default
    if bad:
        title += f"\n{bad} row{'s' if bad != 1 else ''} not converged"
    fig.suptitle(title, fontsize=11, color="darkred" if bad else "black")


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

    if contour_requested(doc, spec, a, cols):
        fig = draw_contour(doc, spec, a, cols, axes, units)
        suptitle(fig, doc, a, spec, f"{doc.get('model', '?')} ({kind})")
        footer(fig, doc)
        save(fig, a.output)
        return

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

    suptitle(fig, doc, a, spec, f"{doc.get('model', '?')} ({kind})")
    footer(fig, doc)
    save(fig, a.output)


def save(fig, output):
    out = os.path.abspath(output)
    ext = os.path.splitext(out)[1].lstrip(".").lower()
    if ext not in fig.canvas.get_supported_filetypes():
        die(f"{output}: unsupported figure format {ext!r}; use .png, .pdf or .svg")
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
        die(f"{output}: cannot write: {e}", code=1)
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
