#!/usr/bin/env python3
"""One benchmark table from several runs of `make bench`'s programs.

Reads the logs given as arguments (each the output of one run of the bench binary or of
scripts/bench-window.mjs), takes every `FIGURE<TAB>name<TAB>value<TAB>unit<TAB>target<TAB>anchor`
line, and prints -- and writes to docs/BENCHMARKS.md -- one table: each figure's median over the
runs that measured it, its target, and, where an anchor is named, the ratio to the anchor measured
in the same run (median of the per-run ratios).

    scripts/bench-report.py --runs-label "3 runs" target/bench/*.log
"""
import datetime
import os
import platform
import statistics
import subprocess
import sys
from collections import OrderedDict


def read_runs(paths):
    """[{name: (value, unit, target, anchor)}] per log, in the order figures first appear."""
    runs, order = [], OrderedDict()
    for path in paths:
        figures = {}
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 6 or parts[0] != "FIGURE":
                    continue
                _, name, value, unit, target, anchor = parts
                try:
                    figures[name] = (float(value), unit, target, anchor)
                except ValueError:
                    continue
                order.setdefault(name, None)
        runs.append(figures)
    return runs, list(order)


def fmt(v):
    """Thousands separated from 100 up; three significant digits below."""
    if v == 0 or abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(l for l in f if l.startswith("MemTotal")).split()[1])
            mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), {mem}"


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main(argv):
    paths = [a for a in argv if not a.startswith("--")]
    runs, names = read_runs(paths)
    rows = []
    for name in names:
        seen = [r[name] for r in runs if name in r]
        values = [s[0] for s in seen]
        unit, target, anchor = seen[-1][1], seen[-1][2], seen[-1][3]
        ratio = ""
        if anchor not in ("", "-"):
            ratios = [r[name][0] / r[anchor][0] for r in runs
                      if name in r and anchor in r and r[anchor][0]]
            if ratios:
                ratio = f"{statistics.median(ratios):.2f}x {anchor}"
        spread = f"{fmt(min(values))}-{fmt(max(values))}" if len(values) > 1 else ""
        rows.append((name, fmt(statistics.median(values)), unit, target if target != "-" else "",
                     ratio, str(len(values)), spread))
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {now}, commit {commit()}.",
        f"Machine: {machine()}.",
        "",
        "Method: the bench programs (`examples/bench.rs`, release build, and",
        "`scripts/bench-window.mjs`, the real window under Xvfb) ran several times; each figure is",
        "the median of the runs that measured it (runs and min-max shown). A ratio compares a figure",
        "with its anchor measured in the same run (median of the per-run ratios). Nothing here is",
        "asserted by a test: figures are measured, targets are the issues' own.",
        "",
        "| figure | median | unit | target | vs anchor | runs | min-max |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    out += [f"| {' | '.join(r)} |" for r in rows]
    text = "\n".join(out) + "\n"
    print(text)
    os.makedirs("docs", exist_ok=True)
    with open("docs/BENCHMARKS.md", "w", encoding="utf-8") as f:
        f.write(text)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
