"""One class graded by several machines into one PostgreSQL gradebook: shards are disjoint and
together the whole class, concurrent shards give the grades.csv of one unsharded run, and a shard
killed halfway and run again loses and duplicates nothing. Chapter 1 keeps the runs short."""

import contextlib
import csv
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import postgres
import pytest
import sqlalchemy as sa
from test_grading_pipeline import CHAPTER, NAME, add_only, release, solved, wrong_add

from dlfs import gradebook

GRADE = [str(Path(sys.executable).parent / "dlfs-grade"), CHAPTER]


def test_shards_are_disjoint_and_together_the_class():
    students = [f"s{i:03d}" for i in range(300)]
    slices = [{s for s in students if gradebook.in_shard(s, (k, 3))} for k in (1, 2, 3)]
    assert set().union(*slices) == set(students)
    assert sum(map(len, slices)) == len(students)
    assert all(70 <= len(s) <= 130 for s in slices), [len(s) for s in slices]  # no slice takes all
    # stable: a student's shard depends on their id alone, not on who else is in the class
    assert {s for s in students[:50] if gradebook.in_shard(s, (2, 3))} == slices[1] & set(students[:50])


def test_a_postgresql_url_gets_the_installed_driver_and_logs_hide_its_password():
    url = gradebook.url_of("postgresql://grader:secret@db.example:5432/class", "/unused")
    assert url == "postgresql+psycopg2://grader:secret@db.example:5432/class"
    assert "secret" not in gradebook.shown(url)
    assert gradebook.url_of(None, "/course") == "sqlite:////course/gradebook.db"


def test_the_schema_version_read_in_process_is_the_one_alembic_gives():
    import nbgrader.api

    assert gradebook.schema_version() == nbgrader.api.get_alembic_version()  # nbgrader's: the alembic command


def a_class(folder):
    """Every status a class that behaves gets: full, partial and no marks, unreadable, missing."""
    notebooks = {"ada": solved(), "bob": wrong_add(), "cy": release(), "dee": add_only()}
    for student, nb in notebooks.items():
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / NAME)
    (folder / "fay").mkdir()
    (folder / "fay" / NAME).write_text("{not a notebook")
    (folder / "gus").mkdir()  # no notebook at all
    return folder


EXPECTED = {
    "ada": ("6", "graded"),
    "bob": ("5", "graded"),
    "cy": ("0", "graded"),
    "dee": ("1", "graded"),
    "fay": ("0", "invalid"),
    "gus": ("0", "missing"),
}


def run(*argv, out, check=True, **kwargs):
    done = subprocess.run([*GRADE, *argv, "--out", str(out)], capture_output=True, text=True, check=False, **kwargs)
    assert not check or done.returncode == 0, done.stderr[-2000:]
    return done


def grades(path):
    with open(path, newline="") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


def descendants(pid):
    """Every process below `pid` (the grader's children lead their own sessions)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(process):
    for pid in [process.pid, *descendants(process.pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait()


@pytest.mark.slow  # a PostgreSQL server of its own and four grading runs, three at once
def test_concurrent_shards_give_the_grades_of_one_run_that_was_killed_halfway_and_rerun(tmp_path):
    """One PostgreSQL server, two gradebooks: A graded by two concurrent shards, B by one unsharded
    run killed halfway and run again. Both export the same grades.csv; nothing is lost or doubled."""
    students = a_class(tmp_path / "class")
    with postgres.server() as url:
        engine = sa.create_engine(gradebook.url_of(url, None), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE killed"))
        engine.dispose()
        url_a, url_b = url, url.replace("/grades", "/killed")

        shards = [
            subprocess.Popen(
                [*GRADE, str(students), "--out", str(tmp_path / f"shard{k}"), "--db", url_a, "--shard", f"{k}/2"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for k in (1, 2)
        ]
        killed = subprocess.Popen(
            [*GRADE, str(students), "--out", str(tmp_path / "killed"), "--db", url_b],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_one_graded_then_kill(killed, tmp_path / "killed" / "logs")
        run("--export", "--db", url_b, out=tmp_path / "halfway")
        halfway = grades(tmp_path / "halfway" / "grades.csv")
        assert set(halfway) <= set(EXPECTED)
        assert len([r for r in halfway.values() if r["status"] == "graded"]) < 4, halfway  # it was stopped
        assert {r["status"] for r in halfway.values()} <= {"graded", "grading", "invalid", "missing"}

        for shard in shards:
            _, err = shard.communicate(timeout=1800)
            assert shard.returncode == 0, err[-2000:]
        mine = [set(grades(tmp_path / f"shard{k}" / "grades.csv")) for k in (1, 2)]
        assert mine[0] and mine[1] and not mine[0] & mine[1], mine  # both worked, on disjoint students
        run(str(students), "--db", url_b, out=tmp_path / "killed")  # the killed run, again
        for name, db in (("a", url_a), ("b", url_b)):
            run("--export", "--db", db, out=tmp_path / f"export-{name}")
        a, b = (grades(tmp_path / f"export-{name}" / "grades.csv") for name in "ab")
        assert a == b
        assert {s: (r["score"], r["status"]) for s, r in a.items()} == EXPECTED
        for db in (url_a, url_b):
            engine = sa.create_engine(gradebook.url_of(db, None))
            with engine.connect() as conn:
                ours = conn.execute(sa.text("SELECT count(*) FROM dlfs_results")).scalar()
                submissions = conn.execute(sa.text("SELECT count(*) FROM submitted_assignment")).scalar()
            engine.dispose()
            assert (ours, submissions) == (6, 4)  # one row per student; nbgrader's for the four notebooks

        # the LMS file comes from the same gradebook
        roster = tmp_path / "roster.csv"
        roster.write_text(
            "Student,ID,SIS User ID,SIS Login ID,Section\n    Points Possible,,,,\n"
            + "".join(f"{s.title()},{100 + i},,{s},A\n" for i, s in enumerate(sorted(EXPECTED)))
        )
        done = run(
            "--export",
            "--db",
            url_a,
            "--lms",
            "canvas",
            "--roster",
            str(roster),
            "--lms-key",
            "SIS Login ID",
            "--lms-assignment-id",
            "7",
            out=tmp_path / "export-a",
        )
        assert "4 students written" in done.stdout, done.stdout
        report = (tmp_path / "export-a" / f"canvas-{CHAPTER}-report.txt").read_text()
        assert re.search(r"^fay: status invalid", report, re.M) and re.search(r"^gus: status missing", report, re.M)


def wait_for_one_graded_then_kill(grader, logs):
    graded = re.compile(r"INFO \w+: graded ")
    deadline = time.monotonic() + 1200
    while time.monotonic() < deadline and grader.poll() is None:
        found = list(logs.glob("*.log")) if logs.exists() else []
        if found and graded.search(found[0].read_text()):
            break
        time.sleep(0.2)
    assert grader.poll() is None, "the run ended before it could be killed halfway"
    kill_tree(grader)
