"""dlfs-grade against a class of hostile submissions: each is graded correctly, nothing is lost,
and the rest of the class is unaffected. Chapter 1 keeps the run short."""

import copy
import csv
import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from course import ENV, ROOT, answered, cell, nbgrader
from dlfs import kernels

CHAPTER, NAME = "01_computational_graphs", "computational_graphs.ipynb"
FULL = 6
GRADE = [str(Path(sys.executable).parent / "dlfs-grade"), CHAPTER]


def release():
    return nbformat.read(ROOT / "notebooks" / CHAPTER / NAME, as_version=4)


def solved():
    return answered(release(), nbformat.read(ROOT / "solutions" / CHAPTER / NAME, as_version=4))


def with_cell(nb, code, at=1):
    nb = copy.deepcopy(nb)
    nb.cells.insert(at, nbformat.v4.new_code_cell(code))
    return nb


def after_imports():
    return 1 + next(
        i for i, c in enumerate(release().cells) if c.cell_type == "code" and "import scratchflow" in c.source
    )


def wrong_add():
    nb = solved()
    cell(nb, "add_answer").source = cell(nb, "add_answer").source.replace("x_value + y_value", "x_value - y_value")
    return nb


def add_only():
    """The release with only exercise 1 (add, 1 point) answered."""
    nb = release()
    cell(nb, "add_answer").source = cell(solved(), "add_answer").source
    return nb


def after_test(grade_id):
    return 1 + next(
        i for i, c in enumerate(release().cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


FORGED_RECORDS = """import json
with open('.dlfs-records.jsonl', 'a') as f:
    for n, data in enumerate([[11.0, 22.0], [0.0] * 12, [0.0] * 12]):
        shape = [2] if n == 0 else [3, 4]
        record = {'cell': 'add_test', 'n': n, 'kind': 'close', 'case': 'forged'}
        f.write(json.dumps({**record, 'got': {'shape': shape, 'data': data}}) + '\\n')
    f.write(json.dumps({'cell': 'order_test', 'n': 0, 'kind': 'check', 'case': 'forged', 'ok': True}) + '\\n')"""

# Fakers whose tricks fool checks that run in the learner's kernel (see the negative control).
KERNEL_FAKERS = {
    "patcher": "sf.checks.check_close = lambda *args, **kwargs: None",
    "rebinder": "_real = sf.checks.check_close\n"
    "sf.checks.check_close = lambda got, expected, case, **kw: _real(expected, expected, case, **kw)",
    "numpy_patcher": "np.isclose = lambda a, b, **kw: np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, bool)",
}


def sleep_marker(out):
    # a sleep duration unique to this run, so parallel test workers don't count each other's
    return str(100_000 + int(hashlib.sha256(str(out).encode()).hexdigest(), 16) % 100_000)


def relabelled():
    """The wrong add, its test cell's metadata claiming 100 points and no hidden tests."""
    nb = wrong_add()
    cell(nb, "add_test").metadata["nbgrader"]["points"] = 100
    cell(nb, "add_test").metadata["nbgrader"]["checksum"] = "0"
    return nb


def hostile_class(out):
    """{student: notebook, or raw bytes}: one attack each, most on top of correct answers."""
    gradebook = out / "course" / "gradebook.db"
    others = out / "course" / "submitted"
    no_test = solved()
    no_test.cells = [c for c in no_test.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "add_test"]
    edited_test = wrong_add()
    cell(edited_test, "add_test").source = '"""Check add."""\npass'
    deleted_answer = solved()
    deleted_answer.cells = [
        c for c in deleted_answer.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "add_answer"
    ]
    retyped = solved()
    cell(retyped, "add_answer").cell_type = "markdown"
    for key in ("outputs", "execution_count"):
        cell(retyped, "add_answer").pop(key, None)
    syntax = solved()
    cell(syntax, "add_answer").source = "class add(sf.Operation:\n    pass"
    return {
        "correct": solved(),
        "peeker": with_cell(
            release(),
            "def _peek(info):\n    print('PEEK: ' + info.raw_cell)\n\n"
            "get_ipython().events.register('pre_run_cell', _peek)",
        ),
        "dice": with_cell(solved(), "import random\nopen('dice.txt', 'w').write(repr(random.random()))"),
        "wrong": wrong_add(),
        "untouched": release(),
        # forever, asleep: the cell limit stops it all the same, without taking a core from the other tests
        "loops": with_cell(solved(), "import time\nwhile True:\n    time.sleep(0.01)"),
        "dies": with_cell(solved(), "import os\nos._exit(1)"),
        "hog": with_cell(solved(), "import numpy as np\nhog = np.ones(10**9)  # 8 GB"),
        "flood": with_cell(
            solved(),
            f"import subprocess\nkids = [subprocess.Popen(['sleep', '{sleep_marker(out)}']) for _ in range(300)]",
        ),
        "chatty": with_cell(solved(), "for i in range(10**6):\n    print(i)"),  # 6.9 MB of output
        "syntax": syntax,
        "no_answer": deleted_answer,
        "no_test": no_test,
        "edited_test": edited_test,
        "retyped": retyped,
        "notjson": b"{this is not json",
        "empty": b"",
        "reader": with_cell(
            release(),
            "import os\n"
            f"places = ['{ROOT}/solutions', '{out}/course/source', '{out}/course/release', '{gradebook}',\n"
            f"          '{ROOT}/solutions/{CHAPTER}/{NAME}', '{others}/correct', '{ROOT}/.git']\n"
            "found = [p for p in places if os.path.exists(p)]\n"
            "found += [os.path.join(d, f) for place in places for d, _, fs in os.walk(place) for f in fs]\n"
            "open('found.txt', 'w').write(repr(found))",
        ),
        "vandal": with_cell(
            release(),
            "import os, shutil\n"
            "for attempt in (\n"
            f"    lambda: open('{gradebook}', 'w').write('gone'),\n"
            f"    lambda: os.remove('{gradebook}'),\n"
            f"    lambda: shutil.rmtree('{others}/correct'),\n"
            f"    lambda: open('{ROOT}/notebooks/{CHAPTER}/{NAME}', 'w').write('gone'),\n"
            "):\n"
            "    try:\n"
            "        attempt()\n"
            "        print('done')\n"
            "    except OSError:\n"
            "        print('blocked')",
        ),
        "spy": with_cell(
            wrong_add(),
            "import os\nopen('env.txt', 'w').write(repr(sorted(os.environ)))\n"
            "if any('NBGRADER' in k or 'GRADE' in k for k in os.environ):\n"
            "    class add(sf.add):\n        pass  # behave correctly only when graded",
            at=len(wrong_add().cells),
        ),
        **{name: with_cell(wrong_add(), code, at=after_imports()) for name, code in KERNEL_FAKERS.items()},
        "swapper": with_cell(
            wrong_add(),
            "def _swap(info):\n"
            "    if 'Check add.compute' in (info.raw_cell or ''):\n"
            "        get_ipython().user_ns['add'] = sf.add\n\n"
            "get_ipython().events.register('pre_run_cell', _swap)",
            at=after_imports(),
        ),
        "forger": with_cell(release(), FORGED_RECORDS, at=after_imports()),
        "deleter": with_cell(solved(), "import os\nos.remove('.dlfs-records.jsonl')", at=len(solved().cells)),
        "quitter": with_cell(add_only(), "import os\nos._exit(0)", at=after_test("add_test")),
        "killer": with_cell(
            add_only(), "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", at=after_test("add_test")
        ),
        "relabeller": relabelled(),
        # an honest learner trying the checks in a cell of their own, after a test cell
        "experimenter": with_cell(
            solved(),
            "sf.checks.check_close(np.ones(2), [1, 1], 'my own check')\nsf.checks.check(1 + 1 == 2, 'arithmetic')",
            at=after_test("add_test"),
        ),
        "silencer": with_cell(
            wrong_add(),
            "import builtins\nbuiltins.AssertionError = type('AssertionError', (Exception,), {})\n"
            "get_ipython().showtraceback = lambda *args, **kwargs: None",
        ),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    top = tmp_path_factory.mktemp("grading")
    out, submissions = top / "out", top / "submissions"
    for student, nb in hostile_class(out).items():
        (submissions / student).mkdir(parents=True)
        if isinstance(nb, bytes):
            (submissions / student / NAME).write_bytes(nb)
        else:
            nbformat.write(nb, submissions / student / NAME)
    (submissions / "absent").mkdir()
    fingerprint = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(submissions.rglob("*")) if p.is_file()}
    repo_before = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout
    sleepers_before = _sleepers(out)
    done = subprocess.run(
        [*GRADE, str(submissions), "--out", str(out), "--timeout", "240", "--cell-timeout", "10", "--jobs", "2"],
        env=ENV,
        check=False,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    return {
        "done": done,
        "out": out,
        "submissions": submissions,
        "fingerprint": fingerprint,
        "repo_before": repo_before,
        "sleepers_before": sleepers_before,
        "rows": _rows(out),
    }


def _rows(out):
    with open(out / "grades.csv", newline="") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def _sleepers(out):
    marker = f"sleep {sleep_marker(out)}"
    return subprocess.run(["pgrep", "-c", "-f", marker], capture_output=True, text=True, check=False).stdout.strip()


def scratch(graded, student):
    return graded["out"] / "course" / "autograded" / student / CHAPTER


def test_the_run_completes_with_a_row_for_every_student(graded):
    assert graded["done"].returncode == 0, graded["done"].stdout + graded["done"].stderr
    assert set(graded["rows"]) == {*hostile_class(graded["out"]), "absent"}
    assert all(row["max_score"] == str(FULL) for row in graded["rows"].values())


@pytest.mark.parametrize(
    "student, score, status",
    [
        ("correct", FULL, "graded"),
        ("wrong", FULL - 1, "graded"),
        ("untouched", 0, "graded"),
        ("loops", FULL, "timeout"),
        ("dies", 0, "crashed"),
        ("hog", FULL, "graded"),
        ("flood", FULL, "graded"),
        ("syntax", FULL - 1, "graded"),
        ("no_answer", FULL - 1, "graded"),
        ("no_test", FULL, "graded"),  # the deleted test is restored, and passes
        ("edited_test", FULL - 1, "graded"),  # the edited test is restored, and fails the wrong add
        ("retyped", FULL, "graded"),  # nbgrader turns the answer back into code, and it is right
        ("notjson", 0, "invalid"),
        ("empty", 0, "invalid"),
        ("absent", 0, "missing"),
        ("reader", 0, "graded"),
        ("peeker", 0, "graded"),
        ("vandal", 0, "graded"),
        ("spy", FULL - 1, "graded"),
        ("silencer", FULL - 1, "graded"),
        # the points come from recorded values, judged outside the kernel: a disabled check records
        # nothing, so matmul and Session earn nothing either; only the order test (2 points) records
        ("patcher", 2, "graded"),
        ("rebinder", 2, "graded"),
        ("numpy_patcher", FULL - 1, "graded"),
        ("swapper", FULL - 1, "graded"),  # the reference does not answer while add is checked
        ("forger", 0, "graded"),
        # its records are gone from nbgrader's run, which judges all but Session; Session's run stops
        # at its test cell, before the deleting cell: those 2 points are its own code's
        ("deleter", 2, "graded"),
        ("relabeller", FULL - 1, "graded"),
        ("experimenter", FULL, "graded"),  # a check outside the test cells is no record
    ],
)
def test_each_submission_is_graded_as_it_deserves(graded, student, score, status):
    row = graded["rows"][student]
    assert (row["status"], float(row["score"])) == (status, score), row


def test_a_kernel_that_leaves_early_earns_at_most_what_it_recorded(graded):
    for student in ("quitter", "killer"):
        row = graded["rows"][student]
        assert row["status"] == "crashed" and float(row["score"]) <= 1, row


def test_negative_control_in_kernel_verdicts_give_the_fakers_points(tmp_path):
    """Plain nbgrader decides in the learner's kernel: the same fakers get full marks there, as the
    answered release does (and the untouched one none: the end-to-end path `nbgrader autograde`)."""
    course = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / CHAPTER, course / "source" / CHAPTER)
    students = {name: with_cell(wrong_add(), code, at=after_imports()) for name, code in KERNEL_FAKERS.items()}
    students.update(solved=solved(), untouched=release())
    for student, nb in students.items():
        (course / "submitted" / student / CHAPTER).mkdir(parents=True)
        nbformat.write(nb, course / "submitted" / student / CHAPTER / NAME)
    settings = [
        f"--CourseDirectory.db_url=sqlite:///{tmp_path}/gradebook.db",
        "--CourseDirectory.source_directory=source",
    ]
    nbgrader(
        course, "generate_assignment", CHAPTER, f"--CourseDirectory.release_directory={tmp_path}/release", *settings
    )
    nbgrader(course, "autograde", CHAPTER, "--create", *kernels.flags(tmp_path), *settings)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path}/gradebook.db") as gb:
        scores = {student: gb.find_submission(CHAPTER, student).score for student in students}
    assert scores == {**dict.fromkeys(KERNEL_FAKERS, FULL), "solved": FULL, "untouched": 0}, scores


def test_chatty_output_does_not_stop_grading(graded):
    assert graded["rows"]["chatty"]["status"] in ("graded", "timeout")
    assert float(graded["rows"]["chatty"]["score"]) == FULL


def test_student_code_cannot_see_solutions_hidden_tests_or_gradebook(graded):
    assert (scratch(graded, "reader") / "found.txt").read_text() == "[]"


def test_student_code_cannot_harm_the_gradebook_or_others(graded):
    outputs = "".join(
        o.get("text", "")
        for c in nbformat.read(scratch(graded, "vandal") / NAME, 4).cells
        for o in c.get("outputs", [])
    )
    assert outputs.split()[:4] == ["blocked"] * 4, outputs
    assert graded["rows"]["correct"]["score"] == str(FULL)
    assert (ROOT / "notebooks" / CHAPTER / NAME).read_text().startswith("{")


def test_tampering_with_the_checks_is_flagged_for_review(graded):
    # Tests run in the student's kernel, so the patch may fake a pass: a person must look.
    assert "review: changes sf.checks.check_close" in graded["rows"]["patcher"]["detail"]
    assert "review" not in graded["rows"]["correct"]["detail"] + graded["rows"]["wrong"]["detail"]
    assert "review: imports os" in graded["rows"]["reader"]["detail"]


def test_random_state_is_seeded_per_cell(graded):
    import random

    random.seed(0)
    assert (scratch(graded, "dice") / "dice.txt").read_text() == repr(random.random())
    assert graded["rows"]["dice"]["score"] == str(FULL)


def test_nothing_says_being_graded(graded):
    names = (scratch(graded, "spy") / "env.txt").read_text()
    assert "NBGRADER" not in names and "JPY" not in names


def test_no_process_outlives_its_sandbox(graded):
    assert _sleepers(graded["out"]) == graded["sleepers_before"] == "0"


def test_inputs_and_repository_are_untouched(graded):
    after = {
        p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(graded["submissions"].rglob("*")) if p.is_file()
    }
    assert after == graded["fingerprint"]
    assert (
        subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=False).stdout
        == graded["repo_before"]
    )


def test_feedback_hides_hidden_tests(graded):
    for student in ("correct", "wrong", "untouched", "peeker"):
        html = (graded["out"] / "feedback" / student / NAME.replace(".ipynb", ".html")).read_text()
        # failed checks are named, hidden ones too, but no line of the hidden tests' source is shown
        assert "HIDDEN TESTS" not in html and "default_rng(1)" not in html and "rng.normal(size=(3, 4))" not in html
    peeker = (graded["out"] / "feedback" / "peeker" / NAME.replace(".ipynb", ".html")).read_text()
    assert "PEEK: " in peeker  # the hook did print, in the student's own cells...
    assert "PEEK: &quot;&quot;&quot;Check" not in peeker and 'PEEK: """Check' not in peeker  # ...not in tests
    wrong = (graded["out"] / "feedback" / "wrong" / NAME.replace(".ipynb", ".html")).read_text()
    assert "expected 11, got -9" in wrong  # the visible test's message is there
    assert "a bias row v of length 4 (the row is added to every row of u): wrong values" in wrong  # and a hidden one


def test_a_run_log_is_kept(graded):
    logs = list((graded["out"] / "logs").glob("*.log"))
    assert logs and "correct: graded 6/6" in logs[0].read_text()


def test_zip_from_an_lms_with_a_path_traversal_entry(tmp_path):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"ann_123_901_{NAME}", nbformat.writes(solved()))  # Canvas's names
        z.writestr(f"ben_456_902_{NAME}", nbformat.writes(release()))
        z.writestr(f"../../evil_1_903_{NAME}", nbformat.writes(solved()))
        z.writestr("ben_456_text.html", "not a notebook")
    out = tmp_path / "out"
    done = subprocess.run(
        [*GRADE, str(archive), "--out", str(out)], env=ENV, capture_output=True, text=True, check=False, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = _rows(out)
    assert {k: (v["status"], v["score"]) for k, v in rows.items()} == {
        "123": ("graded", str(FULL)),
        "456": ("graded", "0"),
    }
    assert not list(tmp_path.parent.rglob(f"evil_1_903_{NAME}"))
    log = next((out / "logs").glob("*.log")).read_text()
    assert "rejected archive entry '../../evil_1_" in log
    assert "ben_456_text.html is not a notebook; not graded" in log


def test_reruns_are_stable_and_batches_accumulate(tmp_path):
    def batch(name, students):
        folder = tmp_path / name
        for student, nb in students.items():
            (folder / student).mkdir(parents=True)
            nbformat.write(nb, folder / student / NAME)
        return folder

    first = batch("first", {"amy": solved(), "bo": wrong_add()})
    out = tmp_path / "out"
    for _ in range(2):
        done = subprocess.run(
            [*GRADE, str(first), "--out", str(out)], env=ENV, capture_output=True, text=True, check=False, timeout=600
        )
        assert done.returncode == 0, done.stderr
        if _ == 0:
            once = (out / "grades.csv").read_text()
    assert (out / "grades.csv").read_text() == once
    assert list((out / "backups").glob("*/gradebook.db")), "the gradebook is backed up before a run"
    second = batch("second", {"cy": release()})
    assert (
        subprocess.run(
            [*GRADE, str(second), "--out", str(out)], env=ENV, capture_output=True, text=True, check=False, timeout=600
        ).returncode
        == 0
    )
    rows = _rows(out)
    assert {k: v["score"] for k, v in rows.items()} == {"amy": str(FULL), "bo": str(FULL - 1), "cy": "0"}


@pytest.mark.parametrize(
    "args, says",
    [
        (["99_nope", "x", "--out", "o"], "unknown assignment '99_nope'"),
        ([CHAPTER, "/no/such/folder", "--out", "o"], "no such submissions folder or archive"),
        ([CHAPTER, __file__, "--out", "o"], "is neither a folder nor a .zip archive"),
    ],
)
def test_a_run_that_cannot_work_says_why_and_fails(args, says, tmp_path):
    done = subprocess.run(
        [GRADE[0], *args], cwd=tmp_path, env=ENV, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 2 and says in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_refuses_without_the_sandbox_unless_unsafe(tmp_path):
    env = dict(ENV, PATH=str(Path(sys.executable).parent))  # no /usr/bin: bwrap cannot be found
    done = subprocess.run(
        [*GRADE, str(tmp_path), "--out", str(tmp_path / "o")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2 and "bubblewrap (bwrap) is not installed" in done.stderr and "--unsafe" in done.stderr


def test_a_solution_that_fails_its_trusted_run_refuses_the_run(tmp_path):
    """The solution's trusted run goes on beside the first autogrades; its failure still stops the run,
    says why, and gives no one a grade."""
    course = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / CHAPTER, course / "solutions" / CHAPTER)
    broken = nbformat.read(course / "solutions" / CHAPTER / NAME, as_version=4)
    first = next(c for c in broken.cells if c.metadata.get("nbgrader", {}).get("grade"))
    first.source = "raise RuntimeError('the instructor broke the solution')\n" + first.source
    nbformat.write(broken, course / "solutions" / CHAPTER / NAME)
    (tmp_path / "class" / "amy").mkdir(parents=True)
    nbformat.write(solved(), tmp_path / "class" / "amy" / NAME)
    done = subprocess.run(
        [*GRADE, str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--course", str(course), "--unsafe"],
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "the solution notebook failed in the trusted run" in done.stderr, done.stderr[-2000:]
    assert not (tmp_path / "out" / "grades.csv").exists()
