"""Throughput of dlfs-grade on a synthetic class: 60 submissions of chapter 1 or 4 (correct, wrong
and hostile ones), graded with --jobs 1 and --jobs 2, against the notebook's own execution time. The
points come from the trusted comparison (dlfs.verdicts); the solution's runs (its records and the
plan of graded runs) are part of the wall time.

    .venv/bin/python benchmarks/grading.py [--chapter 01|04] [--students 60] [--keep DIR]

Besides the totals it prints, from the run logs, where each run's time went: the set-up (nbgrader's
generate_assignment), when the solution's trusted runs gave its records and the plan of runs, each
kind of submission's mean time in nbgrader's autograde and in the judging, the submissions graded
twice, and the feedback.
"""

import argparse
import copy
import datetime
import os
import re
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from dlfs import kernels

ROOT = Path(__file__).resolve().parents[1]
# chapter -> (folder, notebook, a plausible mistake: answer cell, its solution's text, the wrong text)
CHAPTERS = {
    "01": (
        "01_computational_graphs",
        "computational_graphs.ipynb",
        "add_answer",
        "x_value + y_value",
        "x_value - y_value",
    ),
    "04": (
        "04_gradient_descent_backpropagation",
        "gradient_descent_backpropagation.ipynb",
        "matmul_grad_answer",
        "grad @ b.T",
        "grad @ b",
    ),
}
CHAPTER, NAME, MISTAKE = CHAPTERS["01"][0], CHAPTERS["01"][1], CHAPTERS["01"][2:]


SPIN = "import time\nt = time.perf_counter()\nsum(i * i for i in range(6_000_000))\nprint(time.perf_counter() - t)"


def machine_scaling(rounds=3):
    """How much more this machine does with two CPU-bound processes at once than with one: the
    ceiling of any `--jobs 2` speed-up here (2.0 on two idle, dedicated cores). Median of rounds of
    one alone, then two together."""
    ratios = []
    for _ in range(rounds):
        alone = subprocess.run([sys.executable, "-c", SPIN], capture_output=True, text=True, check=True)
        start = time.perf_counter()
        pair = [subprocess.Popen([sys.executable, "-c", SPIN], stdout=subprocess.DEVNULL) for _ in range(2)]
        for child in pair:
            child.wait()
        ratios.append(2 * float(alone.stdout) / (time.perf_counter() - start))
    return statistics.median(ratios)


def _machine_cpu():
    """CPU seconds the whole machine has been busy (/proc/stat): dlfs-grade's descendants are not
    all reaped by it (the fork server's are not), so their own rusage would miss them. On an otherwise
    idle machine this is the grading's CPU time."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def _sockets(folder, names):
    return [n for n in names if stat.S_ISSOCK(os.lstat(os.path.join(folder, n)).st_mode)]


def hostile():
    return {
        "dies": "import os\nos._exit(1)",
        "hog": "import numpy as np\nhog = np.ones(10**9)",
        "flood": "import subprocess\nkids = [subprocess.Popen(['sleep', '60']) for _ in range(300)]",
        "reader": f"print(open('{ROOT}/solutions/{CHAPTER}/{NAME}').read())",
        "vandal": f"import shutil\nshutil.rmtree('{ROOT}/solutions', ignore_errors=True)",
    }


def notebooks():
    sys.path.insert(0, str(ROOT / "tests"))
    from course import answered, cell

    release = nbformat.read(ROOT / "notebooks" / CHAPTER / NAME, as_version=4)
    correct = answered(release, nbformat.read(ROOT / "solutions" / CHAPTER / NAME, as_version=4))
    wrong = copy.deepcopy(correct)
    answer, right, mistake = MISTAKE
    assert right in cell(wrong, answer).source, f"{answer} has no {right!r}"
    cell(wrong, answer).source = cell(wrong, answer).source.replace(right, mistake)
    hostile_ones = {}
    for kind, code in hostile().items():
        nb = copy.deepcopy(correct)
        nb.cells.insert(1, nbformat.v4.new_code_cell(code))
        hostile_ones[kind] = nb
    # what nbgrader autograde executes for a correct submission: its answers and the hidden tests too
    graded = nbformat.read(ROOT / "solutions" / CHAPTER / NAME, as_version=4)
    return correct, wrong, hostile_ones, graded


def own_execution_time(nb, repeats=3):
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            config = kernels.config(tmp)
            NotebookClient(copy.deepcopy(nb), config=config, resources={"metadata": {"path": tmp}}).execute()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", choices=sorted(CHAPTERS), default="01")
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--keep", help="copy the runs' outputs (logs, gradebook, feedback) to this new folder")
    args = parser.parse_args()
    global CHAPTER, NAME, MISTAKE
    CHAPTER, NAME, MISTAKE = CHAPTERS[args.chapter][0], CHAPTERS[args.chapter][1], CHAPTERS[args.chapter][2:]
    correct, wrong, hostile, graded = notebooks()
    kinds = [("correct", correct)] * 2 + [("wrong", wrong)] + list(hostile.items())
    with tempfile.TemporaryDirectory(prefix="dlfs-bench-") as tmp:
        submissions = Path(tmp) / "class"
        for i in range(args.students):
            kind, nb = kinds[i % len(kinds)]
            (submissions / f"s{i:03d}-{kind}").mkdir(parents=True)
            nbformat.write(nb, submissions / f"s{i:03d}-{kind}" / NAME)
        own, own_graded = own_execution_time(correct), own_execution_time(graded)
        scaling_before = machine_scaling()
        rows, cpu, runs, breakdowns = {}, {}, {}, {}
        for jobs in (1, 2):
            start, used = time.perf_counter(), _machine_cpu()
            subprocess.run(
                [
                    str(Path(sys.executable).parent / "dlfs-grade"),
                    CHAPTER,
                    str(submissions),
                    "--out",
                    f"{tmp}/out{jobs}",
                    "--jobs",
                    str(jobs),
                ],
                check=True,
                capture_output=True,
            )
            rows[jobs], cpu[jobs] = time.perf_counter() - start, _machine_cpu() - used
            runs[jobs] = len([p for p in Path(f"{tmp}/out{jobs}/expected").glob("*.json") if "-" not in p.name])
            breakdowns[jobs] = breakdown(Path(f"{tmp}/out{jobs}"))
        scaling = (scaling_before + machine_scaling()) / 2
        if args.keep:
            shutil.copytree(tmp, args.keep, ignore=_sockets)  # kernels' IPC sockets cannot be copied
    print(
        f"{args.students} submissions of {CHAPTER}; a correct notebook runs in {own:.2f} s as handed out and "
        f"{own_graded:.2f} s as graded (with its hidden tests), nbclient, no sandbox"
    )
    print(
        "| jobs | wall time | submissions/minute | per submission | overhead over the notebook as graded "
        "| machine CPU per submission | cores busy (CPU / wall) |"
    )
    print("|---|---|---|---|---|---|---|")
    for jobs, wall in rows.items():
        per = wall / args.students
        overhead = per * jobs - own_graded
        print(
            f"| {jobs} | {wall:.1f} s | {60 * args.students / wall:.1f} | {per:.2f} s | {overhead:.2f} s "
            f"| {cpu[jobs] / args.students:.2f} s | {cpu[jobs] / wall:.2f} of {os.cpu_count()} |"
        )
    print(f"--jobs 2 throughput / --jobs 1: {rows[1] / rows[2]:.2f}×")
    print(
        f"this machine, two CPU-bound processes at once against one (before and after, mean): {scaling:.2f}× "
        f"({scaling_before:.2f}× before); the grading reaches {rows[1] / rows[2] / scaling:.0%} of that"
    )
    print(f"the solution's run (expected records) per grading run, by jobs: {runs}")
    for jobs, lines in breakdowns.items():
        print(f"\n--jobs {jobs}, from the run log:")
        print("\n".join(lines))


STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \w+ (.*)$")


def breakdown(out):
    """Where a run's time went, read from its log (dlfs-grade's own lines, with their times)."""
    entries = []
    for line in next((out / "logs").glob("*.log")).read_text().splitlines():
        match = STAMP.match(line)
        if match:
            when = datetime.datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S,%f")
            entries.append((when, match[2]))
    start = entries[0][0]

    def since_start(prefix):
        return next((t - start).total_seconds() for t, m in entries if m.startswith(prefix))

    # the first autograde starts once the course is set up and the runs are planned
    ready, solution, planned = since_start("course ready"), since_start("expected records"), since_start("runs per")
    ran, judged, every, twice = {}, {}, {}, []
    for _, message in entries:
        student = re.match(r"s\d+-(\w+): ", message)
        for name, table in (("autograde ran", ran), ("judged in", judged), ("runs in", every)):
            seconds = re.search(rf"{name} ([\d.]+) s", message)
            if student and seconds:
                table.setdefault(student[1], []).append(float(seconds[1]))
        if "grading once more" in message:
            twice.append(message.split(":")[0])
    setup = next(m for _, m in entries if m.startswith("course set up in"))
    lines = [
        f"  from the start to the first autograde: {max(ready, planned):.1f} s ({setup}, ready at {ready:.1f} s; "
        f"the solution's trusted runs beside it: its records at {solution:.1f} s, the plan of runs at {planned:.1f} s; "
        "the reviews beside it too)",
    ]
    for kind, times in sorted(ran.items()):
        parts = [f"autograde {statistics.mean(times):.2f} s"]
        if kind in every:
            parts.append(f"all its runs {statistics.mean(every[kind]):.2f} s")
        parts.append(f"judging {statistics.mean(judged[kind]):.2f} s" if kind in judged else "not judged")
        lines.append(f"  {kind:8} ×{len(times):3}: {', '.join(parts)} (means)")
    lines.append(f"  graded twice (a timed-out cell): {', '.join(twice) or 'none'}")
    plan = next((m for _, m in entries if m.startswith("runs per submission")), "runs per submission: ?")
    lines.append(f"  {plan}")
    feedback = next(m for _, m in entries if m.startswith("feedback generated in"))
    lines.append(f"  {feedback} (--jobs children at once, each for its share of the class)")
    return lines


if __name__ == "__main__":
    main()
