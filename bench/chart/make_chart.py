#!/usr/bin/env python3
"""Chart and tables of FixedNorm's benchmark results, from a BenchmarkDotNet CSV report.

    python3 bench/chart/make_chart.py [REPORT.csv | RESULTS_DIR] [--stat median|mean]
                                      [--svg docs/benchmarks.svg] [--md docs/benchmarks.md | --no-md]
                                      [--no-ratio-table] [--cases bench/FixedNorm.Benchmarks/Cases.cs]

Standard library only. What it does:

* Picks the report: the path given, or the newest ``*-report.csv`` (newest by the run stamp in the
  file name, ``...-YYYY-MM-DD-HH-MM-SS-report.csv``, else by modification time) under
  ``BenchmarkDotNet.Artifacts/results`` (of the repository, and of the current directory if different;
  a directory argument is searched instead) that has a time for every Norm benchmark: the 12 shapes
  of Cases.cs x naive, TensorPrimitives, ONNX Runtime, generated, CopyTo. If no report is complete
  (say every run was filtered), the newest report with any Norm benchmark is used and a note says so.
* Time per call: the CSV's ``Median`` column. BenchmarkDotNet leaves that column out of some runs;
  then the medians come from ``ratio-table.md`` in the same folder if the benchmark suite wrote it
  for this very run (written after this CSV, within 10 minutes, and no later report in between; its
  times are rounded as printed there: 0.1 ns below 100 ns, 1 ns above, so for a shape with all five
  times from there its four ratios are taken from there too, computed before rounding), and for
  anything still missing from the CSV's ``Mean`` (marked in the table). ``--stat mean`` uses the
  Mean column only; ``--no-ratio-table`` skips ratio-table.md.
* Element counts come from Cases.cs (``Rows`` x ``Features``, or ``Shape``) of the shape struct named
  in the benchmark type (``LayerNormBenchmarks<LayerNorm64x768>``), else from the digits of its name.
* Writes the SVG chart (ns per element = time per call / elements, log y axis, one panel each for
  LayerNorm, BatchNorm inference, BatchNorm training, one series per peer).
* Prints the markdown results block (run, tables, targets check, missed targets) to stdout and
  writes it into the markdown page between ``<!-- results:start -->`` and ``<!-- results:end -->``
  (default docs/benchmarks.md; ``--no-md`` to leave the page alone).

Exit code 1 when no usable report is found or the page has no markers.
"""

import argparse
import csv
import datetime
import glob
import math
import os
import re
import sys
from xml.sax.saxutils import escape

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(SCRIPT_DIR, "..", ".."))
DEFAULT_CASES = os.path.join(REPO, "bench", "FixedNorm.Benchmarks", "Cases.cs")
DEFAULT_SVG = os.path.join(REPO, "docs", "benchmarks.svg")
DEFAULT_MD = os.path.join(REPO, "docs", "benchmarks.md")
START_MARKER = "<!-- results:start -->"
END_MARKER = "<!-- results:end -->"

# Benchmark class -> (panel title, interface of its shape structs).
KINDS = [
    ("LayerNormBenchmarks", "LayerNorm", "ILayerNormCase"),
    ("BatchNormInferenceBenchmarks", "BatchNorm inference", "IBatchNormCase"),
    ("BatchNormTrainingBenchmarks", "BatchNorm training", "IBatchNormCase"),
]
KIND_TITLE = {k: t for k, t, _ in KINDS}

# Benchmark method -> (name in tables, chart color, marker, line width, dashed).
PEERS = [
    ("Naive", "naive", "#E69F00", "circle", 1.6, False),
    ("TensorPrimitives", "TensorPrimitives", "#CC79A7", "square", 1.6, False),
    ("OnnxRuntime", "ONNX Runtime", "#009E73", "triangle", 1.6, False),
    ("Generated", "generated", "#0072B2", "diamond", 2.6, False),
    ("CopyTo", "CopyTo", "#444444", "cross", 1.4, True),
]
PEER_NAME = {p[0]: p[1] for p in PEERS}

# The targets, by shape struct. "large" LayerNorm is taken as both shapes above [64, 768].
LAYERNORM_SMALL = ["LayerNorm8x3"]
LAYERNORM_MID = ["LayerNorm64x768"]
LAYERNORM_LARGE = ["LayerNorm32x4096", "LayerNorm16384x768"]


def targets(cases):
    """(kind, struct, ratio, op, threshold) for every target of the issue."""
    out = []
    for ratio, small, mid, large in [
        ("naive/gen", 3, 10, 5),
        ("TP/gen", 4, 2, 1.4),
        ("ORT/gen", 50, 3, 1.5),
    ]:
        for group, threshold in [(LAYERNORM_SMALL, small), (LAYERNORM_MID, mid), (LAYERNORM_LARGE, large)]:
            for struct in group:
                out.append(("LayerNormBenchmarks", struct, ratio, ">=", threshold))
    for struct in LAYERNORM_MID:
        out.append(("LayerNormBenchmarks", struct, "gen/CopyTo", "<=", 1.8))
    for struct in LAYERNORM_LARGE:
        out.append(("LayerNormBenchmarks", struct, "gen/CopyTo", "<=", 1.3))
    batch_structs = [s for s, c in cases.items() if c["interface"] == "IBatchNormCase"]
    for kind in ("BatchNormInferenceBenchmarks", "BatchNormTrainingBenchmarks"):
        for struct in batch_structs:
            out.append((kind, struct, "naive/gen", ">=", 3))
            out.append((kind, struct, "ORT/gen", ">=", 1.5))
    out.append(("BatchNormTrainingBenchmarks", "BatchNorm32x64x128", "gen/CopyTo", "<=", 2.0))
    out.append(("BatchNormInferenceBenchmarks", "BatchNorm32x64x128", "gen/CopyTo", "<=", 1.5))
    return out


# ----------------------------------------------------------------------------------------------
# Cases.cs


def dims_from_name(name):
    m = re.search(r"(\d+(?:x\d+)+)", name)
    return [int(d) for d in m.group(1).split("x")] if m else None


def read_cases(path):
    """Shape struct name -> {label, dims, elements, interface, order}, in file order."""
    cases = {}
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except OSError as e:
        print(f"note: cannot read {path} ({e}); element counts from the struct names", file=sys.stderr)
        return cases
    heads = list(re.finditer(r"\bstruct\s+(\w+)\s*:\s*([\w\s,]+?)\s*\{", text))
    for i, m in enumerate(heads):
        body = text[m.end(): heads[i + 1].start() if i + 1 < len(heads) else len(text)]
        name = m.group(1)
        interfaces = [s.strip() for s in m.group(2).split(",")]
        interface = next((s for s in interfaces if s in ("ILayerNormCase", "IBatchNormCase")), interfaces[0])
        label = re.search(r'\bLabel\s*=>\s*"([^"]*)"', body)
        rows = re.search(r"\bRows\s*=>\s*(\d+)", body)
        features = re.search(r"\bFeatures\s*=>\s*(\d+)", body)
        shape = re.search(r"\bShape\s*=>\s*(?:new\s*(?:int)?\s*\[\s*\]\s*\{|\[)\s*([\d,\s]+)[\]}]", body)
        if rows and features:
            dims = [int(rows.group(1)), int(features.group(1))]
        elif shape:
            dims = [int(d) for d in shape.group(1).replace(" ", "").split(",") if d]
        else:
            dims = dims_from_name(name)
        if not dims:
            continue
        cases[name] = {
            "label": label.group(1) if label else "[" + ", ".join(map(str, dims)) + "]",
            "dims": dims,
            "elements": math.prod(dims),
            "interface": interface,
            "order": len(cases),
        }
    return cases


def case_info(cases, struct):
    if struct in cases:
        return cases[struct]
    dims = dims_from_name(struct) or [0]
    cases[struct] = {
        "label": "[" + ", ".join(map(str, dims)) + "]",
        "dims": dims,
        "elements": math.prod(dims),
        "interface": "",
        "order": 1000 + len(cases),
    }
    return cases[struct]


# ----------------------------------------------------------------------------------------------
# The CSV report

UNIT_NS = {"ps": 1e-3, "ns": 1.0, "us": 1e3, "μs": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9, "sec": 1e9,
           "m": 60e9, "min": 60e9}
RUN_STAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-report\.csv$")


def parse_time(text, header_unit=None):
    """'1,358,656.618 ns' / '1.36 ms' / '12.3 μs' / '42' (unit from the header) -> ns, or None."""
    if text is None:
        return None
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    if s in ("", "NA", "N/A", "n/a", "-", "?", "NaN", "∞"):
        return None
    m = re.fullmatch(r"([-+]?[\d,' ]*\.?\d+(?:[eE][-+]?\d+)?)\s*([a-zA-Zμµ]+)?", s)
    if not m:
        return None
    number = float(re.sub(r"[,' ]", "", m.group(1)))
    unit = m.group(2) or header_unit or "ns"
    if unit not in UNIT_NS:
        return None
    return number * UNIT_NS[unit]


def find_column(fieldnames, name):
    """The column 'Mean' or 'Mean [us]' -> (column, unit in the header or None)."""
    for field in fieldnames:
        m = re.fullmatch(rf"\s*{name}\s*(?:\[\s*([a-zA-Zμµ]+)\s*\])?\s*", field or "")
        if m:
            return field, m.group(1)
    return None, None


def benchmark_of(row, path):
    """(benchmark class, shape struct) of a CSV row, from its Type column or else the file name."""
    text = row.get("Type") or ""
    m = re.search(r"(\w+Benchmarks)\s*<\s*(?:[\w.]+\.)?(\w+)\s*>", text)
    if not m:
        m = re.search(r"(\w+Benchmarks)_(\w+?)_-report", os.path.basename(path))
    if not m or m.group(1) not in KIND_TITLE:
        return None
    return m.group(1), m.group(2)


def read_report(path):
    """{(class, struct, method): {'median': ns|None, 'mean': ns|None}}, whether Median was a column, jobs."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        text = f.read()
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    fields = reader.fieldnames or []
    median_col, median_unit = find_column(fields, "Median")
    mean_col, mean_unit = find_column(fields, "Mean")
    data, jobs = {}, []
    for row in reader:
        bench = benchmark_of(row, path)
        method = (row.get("Method") or "").strip()
        if bench is None or method not in PEER_NAME:
            continue
        key = (bench[0], bench[1], method)
        if key in data:
            continue  # several jobs: the first row wins
        job = (row.get("Job") or "").strip()
        if job and job not in jobs:
            jobs.append(job)
        data[key] = {
            "median": parse_time(row.get(median_col), median_unit) if median_col else None,
            "mean": parse_time(row.get(mean_col), mean_unit) if mean_col else None,
        }
    return data, median_col is not None, jobs


def run_time(path):
    """The run's date and time: the stamp in the file name (BenchmarkDotNet's local time), else mtime."""
    m = RUN_STAMP.search(os.path.basename(path))
    if m:
        return datetime.datetime(*map(int, m.groups())), True
    return datetime.datetime.fromtimestamp(os.path.getmtime(path)), False


def expected_keys(cases):
    keys = []
    for kind, _, interface in KINDS:
        for struct, c in cases.items():
            if c["interface"] == interface:
                for method, *_ in PEERS:
                    keys.append((kind, struct, method))
    return keys


def pick_report(arg, cases):
    if arg and os.path.isfile(arg):
        return arg, None
    if arg:
        dirs = [arg]
    else:
        dirs = []
        for base in (REPO, os.getcwd()):
            d = os.path.join(base, "BenchmarkDotNet.Artifacts", "results")
            if os.path.isdir(d) and os.path.realpath(d) not in [os.path.realpath(x) for x in dirs]:
                dirs.append(d)
    files = []
    for d in dirs:
        files += glob.glob(os.path.join(d, "**", "*-report.csv"), recursive=True)
    if not files:
        return None, f"no *-report.csv under {', '.join(dirs) or '(nothing)'}"
    files.sort(key=lambda p: (run_time(p)[0], os.path.getmtime(p), p), reverse=True)
    wanted = expected_keys(cases)
    partial = None
    for path in files:
        try:
            data, _, _ = read_report(path)
        except (OSError, csv.Error, UnicodeDecodeError):
            continue
        timed = {k for k, v in data.items() if v["median"] is not None or v["mean"] is not None}
        if wanted and all(k in timed for k in wanted):
            note = None
            if partial:
                note = f"newer report {os.path.basename(partial)} has only part of the Norm benchmarks; using the newest complete one"
            return path, note
        if timed and partial is None:
            partial = path
    if partial:
        return partial, "no report has every Norm benchmark; using the newest report with any"
    return None, "no report with Norm benchmarks in " + ", ".join(dirs)


def read_ratio_table(csv_path, cases):
    """Medians the suite printed for this run in ratio-table.md: {(class, struct, method): ns}."""
    folder = os.path.dirname(os.path.abspath(csv_path))
    table = os.path.join(folder, "ratio-table.md")
    if not os.path.isfile(table):
        return {}, "no ratio-table.md next to the report"
    t_csv, t_table = os.path.getmtime(csv_path), os.path.getmtime(table)
    if not (t_csv - 5 <= t_table <= t_csv + 600):
        return {}, "ratio-table.md is from another run"
    for other in glob.glob(os.path.join(folder, "*-report.csv")):
        if os.path.abspath(other) != os.path.abspath(csv_path) and t_csv < os.path.getmtime(other) <= t_table:
            return {}, "ratio-table.md is from a later run"
    labels = {}
    for kind, title, interface in KINDS:
        for struct, c in cases.items():
            if c["interface"] == interface:
                labels[f"{title} {c['label']}"] = (kind, struct)
    out = {}
    in_main = False  # only the main table's rows: the floors table below it has rows with the same labels
    with open(table, encoding="utf-8-sig") as f:
        for line in f:
            if line.startswith("| benchmark | naive |"):
                in_main = True
                continue
            if not line.strip():
                in_main = False
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not in_main or len(cells) < 6 or cells[0] not in labels:
                continue
            kind, struct = labels[cells[0]]
            for (method, *_), cell in zip(PEERS, cells[1:6]):
                value = parse_time(cell, "ns")
                if value is not None:
                    out[(kind, struct, method)] = value
            # Its ratios, from the unrounded medians: naive/gen, TP/gen, ORT/gen, gen/CopyTo.
            for name, cell in zip(RATIO_NAMES, cells[6:10]):
                try:
                    out[(kind, struct, name)] = float(cell.replace(",", ""))
                except ValueError:
                    pass
    return out, None


# ----------------------------------------------------------------------------------------------
# Numbers and tables


RATIO_NAMES = ["naive/gen", "TP/gen", "ORT/gen", "gen/CopyTo"]


def fmt_ns(ns):
    if ns is None:
        return "n/a"
    return f"{ns:.1f}" if ns < 100 else f"{ns:,.0f}"


def fmt_per_element(v):
    if v is None:
        return "n/a"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}"


def fmt_threshold(t):
    return f"{t:g}"


def build_rows(data, cases, stat, ratio_medians):
    """Rows in panel order: {kind, struct, case, times{method: ns}, marked{method}, ratios}."""
    rows = []
    present = {(k, s) for k, s, _ in data}
    for kind, title, _ in KINDS:
        structs = sorted({s for k, s in present if k == kind}, key=lambda s: case_info(cases, s)["order"])
        for struct in structs:
            times, marked, from_table = {}, set(), set()
            for method, *_ in PEERS:
                entry = data.get((kind, struct, method))
                value = None
                if stat == "median":
                    value = entry["median"] if entry else None
                    if value is None:
                        value = ratio_medians.get((kind, struct, method))
                        if value is not None:
                            from_table.add(method)
                    if value is None and entry and entry["mean"] is not None:
                        value = entry["mean"]
                        marked.add(method)
                elif entry:
                    value = entry["mean"]
                times[method] = value
            gen = times.get("Generated")
            ratios = {
                "naive/gen": ratio(times.get("Naive"), gen),
                "TP/gen": ratio(times.get("TensorPrimitives"), gen),
                "ORT/gen": ratio(times.get("OnnxRuntime"), gen),
                "gen/CopyTo": ratio(gen, times.get("CopyTo")),
            }
            if len(from_table) == len(PEERS):
                # Every median from ratio-table.md: take its ratios too (they were computed before rounding).
                for name in RATIO_NAMES:
                    if (kind, struct, name) in ratio_medians:
                        ratios[name] = ratio_medians[(kind, struct, name)]
            rows.append({
                "kind": kind,
                "title": title,
                "struct": struct,
                "case": case_info(cases, struct),
                "times": times,
                "marked": marked,
                "ratios": ratios,
            })
    return rows


def check_targets(rows, cases):
    by_key = {(r["kind"], r["struct"]): r for r in rows}
    results = []
    for kind, struct, name, op, threshold in targets(cases):
        row = by_key.get((kind, struct))
        label = f"{KIND_TITLE[kind]} {case_info(cases, struct)['label']}"
        value = row["ratios"][name] if row else None
        if value is None:
            met = None
        else:
            shown = round(value, 2)  # judged on the value as the table shows it
            met = shown >= threshold if op == ">=" else shown <= threshold
        order = (rows.index(row) if row else len(rows), RATIO_NAMES.index(name))
        results.append({"label": label, "ratio": name, "op": op, "threshold": threshold, "value": value, "met": met,
                        "order": order})
    results.sort(key=lambda c: c["order"])
    return results


def environment_block(csv_path):
    """The environment lines BenchmarkDotNet put at the top of the -report-github.md of the same run."""
    github = re.sub(r"-report\.csv$", "-report-github.md", csv_path)
    try:
        with open(github, encoding="utf-8-sig") as f:
            text = f.read()
    except OSError:
        return None
    m = re.match(r"\s*```\s*\n(.*?)\n```", text, re.S)
    return m.group(1).strip() if m else None


def markdown(rows, checks, info):
    out = [START_MARKER,
           f"<!-- Written by bench/chart/make_chart.py from {info['report_rel']}; edit the script, not this block. -->",
           ""]
    out.append(f"Run of **{info['when']}**, report `{info['report_rel']}`"
               + (f", job {', '.join(info['jobs'])}" if info["jobs"] else "") + ".")
    out.append("")
    out.append(f"Time per call: {info['stat_text']}")
    if info.get("note"):
        out.append("")
        out.append(f"Note: {info['note']}.")
    if info.get("env"):
        out += ["", "```", info["env"], "```"]
    all_mean = all(m in r["marked"] for r in rows for m, *_ in PEERS if r["times"][m] is not None)
    if all_mean:  # nothing to tell apart: say it once
        for r in rows:
            r["marked"] = set()
    unit = info["stat_short"].split(" ")[0]
    out += ["", f"{unit} ns per call, one thread. In the x/gen columns above 1 means the generated kernel is faster; "
            "gen/CopyTo is the generated kernel's time over a plain copy of the same floats.", ""]
    out.append("| shape | elements | naive | TensorPrimitives | ONNX Runtime | generated | CopyTo "
               "| gen ns/element | naive/gen | TP/gen | ORT/gen | gen/CopyTo |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    any_marked = False
    for r in rows:
        cells = [f"{r['title']} {r['case']['label']}", f"{r['case']['elements']:,}"]
        for method, *_ in PEERS:
            cell = fmt_ns(r["times"][method])
            if method in r["marked"]:
                cell += " †"
                any_marked = True
            cells.append(cell)
        gen = r["times"]["Generated"]
        cells.append(fmt_per_element(ratio(gen, r["case"]["elements"])))
        cells += [fmt_ratio(r["ratios"][k]) for k in ("naive/gen", "TP/gen", "ORT/gen", "gen/CopyTo")]
        out.append("| " + " | ".join(cells) + " |")
    if any_marked:
        out += ["", "† mean: the report has no median for this benchmark."]
    out += ["", "Nanoseconds per element (time per call / elements), as in the chart:", ""]
    out.append("| shape | " + " | ".join(p[1] for p in PEERS) + " |")
    out.append("|---|" + "---:|" * len(PEERS))
    for r in rows:
        cells = [f"{r['title']} {r['case']['label']}"]
        cells += [fmt_per_element(ratio(r["times"][m], r["case"]["elements"])) for m, *_ in PEERS]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", f"![ns per element against shape, log scale, per peer: LayerNorm, BatchNorm inference, "
            f"BatchNorm training]({info['svg_rel']})", ""]

    met = [c for c in checks if c["met"]]
    missed = [c for c in checks if c["met"] is False]
    unknown = [c for c in checks if c["met"] is None]
    out.append("## Targets against this run")
    out.append("")
    out.append(f"{len(met)} of {len(checks)} targets met, {len(missed)} missed"
               + (f", {len(unknown)} not measured" if unknown else "")
               + " (ratios rounded to two decimals, as in the table).")
    out.append("")
    out.append("| shape | ratio | target | measured | met |")
    out.append("|---|---|---:|---:|:-:|")
    for c in checks:
        mark = "n/a" if c["met"] is None else ("yes" if c["met"] else "**no**")
        sign = "≥" if c["op"] == ">=" else "≤"
        out.append(f"| {c['label']} | {c['ratio']} | {sign} {fmt_threshold(c['threshold'])} "
                   f"| {fmt_ratio(c['value'])} | {mark} |")
    out += ["", "## Where targets are not met", ""]
    if not missed and not unknown:
        out.append("Every target is met in this run.")
    for c in missed:
        sign = "≥" if c["op"] == ">=" else "≤"
        out.append(f"- {c['label']}: {c['ratio']} = {fmt_ratio(c['value'])} (target {sign} {fmt_threshold(c['threshold'])}).")
    for c in unknown:
        out.append(f"- {c['label']}: {c['ratio']} not measured in this report.")
    out += ["", END_MARKER]
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------------
# The chart

FONT = "DejaVu Sans, Segoe UI, Helvetica, Arial, sans-serif"


def marker(shape, x, y, color, size=4.2):
    s = size
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{s:.1f}" fill="{color}"/>'
    if shape == "square":
        return f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" fill="{color}"/>'
    if shape == "triangle":
        t = s * 1.25
        return (f'<polygon points="{x:.1f},{y - t:.1f} {x + t:.1f},{y + t * 0.8:.1f} {x - t:.1f},{y + t * 0.8:.1f}" '
                f'fill="{color}"/>')
    if shape == "diamond":
        t = s * 1.35
        return f'<polygon points="{x:.1f},{y - t:.1f} {x + t:.1f},{y:.1f} {x:.1f},{y + t:.1f} {x - t:.1f},{y:.1f}" fill="{color}"/>'
    return (f'<path d="M{x - s:.1f},{y - s:.1f}L{x + s:.1f},{y + s:.1f}M{x - s:.1f},{y + s:.1f}L{x + s:.1f},{y - s:.1f}" '
            f'stroke="{color}" stroke-width="2.2" fill="none"/>')


def text_el(x, y, s, size=12, anchor="middle", weight="normal", color="#222", extra=""):
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{color}"{extra}>{escape(s)}</text>')


def decade_label(e):
    v = 10.0 ** e
    return f"{v:g}" if -4 <= e <= 5 else f"1e{e}"


def svg_chart(rows, info):
    width, height = 1320, 640
    left, right, gap = 78, 18, 34
    top, bottom = 128, 112
    panels = [(kind, title) for kind, title, _ in KINDS if any(r["kind"] == kind for r in rows)]
    n = max(len(panels), 1)
    pw = (width - left - right - gap * (n - 1)) / n
    ph = height - top - bottom

    values = [ratio(r["times"][m], r["case"]["elements"]) for r in rows for m, *_ in PEERS]
    values = [v for v in values if v is not None and v > 0]
    lo = math.floor(math.log10(min(values))) if values else -2
    hi = math.ceil(math.log10(max(values))) if values else 2
    if hi == lo:
        hi += 1

    def ypos(v):
        return top + ph - (math.log10(v) - lo) / (hi - lo) * ph

    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
         f'font-family="{FONT}">',
         f"<title>{escape('FixedNorm benchmarks: ns per element by shape and peer')}</title>",
         f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
         text_el(width / 2, 28, "FixedNorm: nanoseconds per element (time per call / elements), one thread; lower is better",
                 size=17, weight="bold"),
         text_el(width / 2, 50, f"{info['stat_short']} of BenchmarkDotNet run {info['when']}"
                 + (f" ({', '.join(info['jobs'])} job)" if info["jobs"] else "") + f"; {info['report_name']}",
                 size=12, color="#555")]

    # Legend.
    items = [(p, p[1] + (" (memory roofline)" if p[0] == "CopyTo" else "")) for p in PEERS]
    widths = [42 + 6.6 * len(label) + 26 for _, label in items]  # sample, text at about 6.6 px a character, gap
    x = width / 2 - sum(widths) / 2
    for ((method, name, color, shape, lw, dashed), label), w in zip(items, widths):
        dash = ' stroke-dasharray="6,4"' if dashed else ""
        o.append(f'<line x1="{x:.1f}" y1="76" x2="{x + 34:.1f}" y2="76" stroke="{color}" stroke-width="{lw}"{dash}/>')
        o.append(marker(shape, x + 17, 76, color))
        o.append(text_el(x + 42, 80, label, size=12.5, anchor="start"))
        x += w

    # Y axis title.
    ymid = top + ph / 2
    o.append(text_el(20, ymid, "ns per element (log scale)", size=12.5,
                     extra=f' transform="rotate(-90 20 {ymid:.1f})"'))

    for p, (kind, title) in enumerate(panels):
        x0 = left + p * (pw + gap)
        prow = [r for r in rows if r["kind"] == kind]
        o.append(f'<rect x="{x0:.1f}" y="{top}" width="{pw:.1f}" height="{ph}" fill="#fafafa" stroke="#bbbbbb"/>')
        o.append(text_el(x0 + pw / 2, top - 12, title, size=14, weight="bold"))
        for e in range(lo, hi + 1):
            y = ypos(10.0 ** e)
            o.append(f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x0 + pw:.1f}" y2="{y:.1f}" stroke="#c8c8c8" stroke-width="1"/>')
            o.append(text_el(x0 - 5, y + 4, decade_label(e), size=11, anchor="end", color="#444"))
            if e < hi:
                for k in range(2, 10):
                    ym = ypos(k * 10.0 ** e)
                    o.append(f'<line x1="{x0:.1f}" y1="{ym:.1f}" x2="{x0 + pw:.1f}" y2="{ym:.1f}" '
                             f'stroke="#ececec" stroke-width="1"/>')
        step = pw / max(len(prow), 1)
        xs = [x0 + step * (i + 0.5) for i in range(len(prow))]
        for x, r in zip(xs, prow):
            o.append(f'<line x1="{x:.1f}" y1="{top + ph}" x2="{x:.1f}" y2="{top + ph + 5}" stroke="#888"/>')
            label = r["case"]["label"]
            m = re.match(r"(\[[^\]]*\])\s*(.*)", label)
            dims, layout = (m.group(1), m.group(2)) if m else (label, "")
            o.append(text_el(x, top + ph + 20, dims, size=11.5))
            line = 36
            if layout:
                o.append(text_el(x, top + ph + line, layout, size=11, color="#444"))
                line += 15
            o.append(text_el(x, top + ph + line, f"{r['case']['elements']:,} el.", size=10.5, color="#777"))
        for method, name, color, shape, lw, dashed in PEERS:
            pts = []
            for x, r in zip(xs, prow):
                v = ratio(r["times"][method], r["case"]["elements"])
                if v is not None and v > 0:
                    pts.append((x, ypos(v), v, r))
            if len(pts) > 1:
                dash = ' stroke-dasharray="6,4"' if dashed else ""
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in pts)
                o.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="{lw}" '
                         f'stroke-linejoin="round"{dash}/>')
            for x, y, v, r in pts:
                tip = (f"{name}, {title} {r['case']['label']}: {fmt_ns(r['times'][method])} ns per call, "
                       f"{fmt_per_element(v)} ns per element")
                o.append(f"<g><title>{escape(tip)}</title>{marker(shape, x, y, color)}</g>")

    o.append(text_el(left, height - 14,
                     "CopyTo: input.CopyTo(output) over the same number of floats (the memory roofline). "
                     "Peers checked against the generated kernel (max difference 1e-4) before timing.",
                     size=11, anchor="start", color="#555"))
    o.append("</svg>")
    return "\n".join(o) + "\n"


# ----------------------------------------------------------------------------------------------


def rel(path, start):
    try:
        return os.path.relpath(path, start).replace(os.sep, "/")
    except ValueError:
        return path


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report", nargs="?", help="a *-report.csv, or a folder to search (default: the newest complete "
                    "report under BenchmarkDotNet.Artifacts/results)")
    ap.add_argument("--stat", choices=["median", "mean"], default="median")
    ap.add_argument("--no-ratio-table", action="store_true", help="never take medians from ratio-table.md")
    ap.add_argument("--cases", default=DEFAULT_CASES)
    ap.add_argument("--svg", default=DEFAULT_SVG)
    ap.add_argument("--md", default=DEFAULT_MD, help="page to write the results block into")
    ap.add_argument("--no-md", action="store_true", help="print the results block only")
    args = ap.parse_args(argv)

    cases = read_cases(args.cases)
    path, note = pick_report(args.report, cases)
    if path is None:
        print(f"error: {note}", file=sys.stderr)
        return 1
    data, has_median, jobs = read_report(path)
    if not data:
        print(f"error: no Norm benchmark in {path}", file=sys.stderr)
        return 1
    print(f"report: {path}" + (f" ({note})" if note else ""), file=sys.stderr)

    ratio_medians, why_not = {}, None
    if args.stat == "mean":
        stat_text = "the CSV's Mean column (`--stat mean`)."
        stat_short = "Mean"
    elif has_median:
        stat_text = "the CSV's Median column."
        stat_short = "Median"
    else:
        if not args.no_ratio_table:
            ratio_medians, why_not = read_ratio_table(path, cases)
        else:
            why_not = "--no-ratio-table"
        if ratio_medians:
            stat_text = ("median. This CSV has no Median column (BenchmarkDotNet left it out of this run), so the "
                         "medians, and the ratios, are the ones the suite printed for this run in "
                         "`ratio-table.md` (times rounded as printed: 0.1 ns below 100 ns, 1 ns above; ratios "
                         "computed before rounding).")
            stat_short = "Median"
        else:
            stat_text = f"the CSV's Mean column: it has no Median column ({why_not})."
            stat_short = "Mean (no median in the report)"
        print(f"no Median column; medians from ratio-table.md: {'yes' if ratio_medians else 'no, ' + why_not}",
              file=sys.stderr)

    rows = build_rows(data, cases, args.stat, ratio_medians)
    checks = check_targets(rows, cases)
    when, stamped = run_time(path)
    when_text = when.strftime("%Y-%m-%d %H:%M:%S")
    mtime = datetime.datetime.fromtimestamp(os.path.getmtime(path)).astimezone()
    if not stamped or abs((mtime.replace(tzinfo=None) - when).total_seconds()) < 600:
        when_text += " " + (mtime.tzname() or "")
    md_dir = os.path.dirname(os.path.abspath(args.md))
    info = {
        "when": when_text.strip(),
        "jobs": jobs,
        "report_rel": rel(path, REPO) if os.path.abspath(path).startswith(REPO + os.sep) else path,
        "report_name": os.path.basename(path),
        "svg_rel": rel(os.path.abspath(args.svg), md_dir),
        "stat_text": stat_text,
        "stat_short": stat_short,
        "note": note,
        "env": environment_block(path),
    }

    os.makedirs(os.path.dirname(os.path.abspath(args.svg)), exist_ok=True)
    with open(args.svg, "w", encoding="utf-8", newline="\n") as f:
        f.write(svg_chart(rows, info))
    print(f"chart: {args.svg}", file=sys.stderr)

    block = markdown(rows, checks, info)
    sys.stdout.write(block)
    if not args.no_md:
        try:
            with open(args.md, encoding="utf-8") as f:
                page = f.read()
        except OSError as e:
            print(f"error: cannot read {args.md} ({e}); use --no-md to print only", file=sys.stderr)
            return 1
        # The markers count only alone on their line (the page may quote them in its text).
        start = re.search(rf"^[ \t]*{re.escape(START_MARKER)}[ \t]*$", page, re.M)
        end = re.search(rf"^[ \t]*{re.escape(END_MARKER)}[ \t]*$", page[start.end():], re.M) if start else None
        if not start or not end:
            print(f"error: {args.md} has no {START_MARKER} ... {END_MARKER} lines; use --no-md to print only",
                  file=sys.stderr)
            return 1
        page = page[:start.start()] + block.rstrip("\n") + page[start.end() + end.end():]
        with open(args.md, "w", encoding="utf-8", newline="\n") as f:
            f.write(page)
        print(f"page: {args.md} (between the results markers)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
