"""A class on JupyterHub, end to end on this machine's loopback: real system users, nbgrader's
exchange, the gradebook in PostgreSQL, dlfs-grade, and feedback each student fetches for themselves.

Every student step runs in a terminal of that student's own server (so as that user); the test
drives the Hub over its REST API with a service token. Chapter 1 keeps the grading short.
"""

import csv
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import hub
import postgres
import pytest
from test_grading_pipeline import CHAPTER, NAME, release, solved, wrong_add

from dlfs import gradebook

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
FLOW = []  # (seconds since the flow began, who, what, the outcome's last line): printed at the end (-rP)


def test_a_class_on_jupyterhub_from_release_to_feedback():
    """release → fetch → answer → submit (and a forgery) → collect → dlfs-grade into PostgreSQL →
    release_feedback → each student fetches their own feedback and no one else's."""
    assert os.geteuid() == 0, "this test creates system users: run it as root (CI does)"
    top = Path(tempfile.mkdtemp(prefix="dlfs-hub-"))
    os.chmod(top, 0o755)  # every user must reach the Hub's venv and the exchange
    tag = secrets.token_hex(2)
    teacher, ada, bob, cy = (f"dl{tag}{role}" for role in ("teach", "ada", "bob", "cy"))
    users = [teacher, ada, bob, cy]
    uids = []
    try:
        venv, proxy = hub.environment(top)
        exchange = top / "exchange"
        exchange.mkdir(mode=0o777)
        os.chmod(exchange, 0o1777)  # nbgrader's exchange: everyone writes, the sticky bit keeps it apart
        (venv / "etc" / "jupyter").mkdir(parents=True, exist_ok=True)
        (venv / "etc" / "jupyter" / "nbgrader_config.py").write_text(
            f"c = get_config()  # noqa: F821\nc.Exchange.root = {str(exchange)!r}\n"
            f"c.CourseDirectory.course_id = {gradebook.COURSE_ID!r}\n"
        )
        # a terminal's login shell would reset PATH from /etc/profile and lose the venv's nbgrader
        (venv / "etc" / "jupyter" / "jupyter_server_config.py").write_text(
            "c = get_config()  # noqa: F821\nc.ServerApp.terminado_settings = {'shell_command': ['/bin/bash']}\n"
        )
        homes = top / "home"
        homes.mkdir(mode=0o755)
        with postgres.server() as url, hub.system_users(users, homes) as accounts:
            uids = [accounts[u].pw_uid for u in users]
            course = homes / teacher / "course"
            _instructor_course(course, accounts[teacher], gradebook.url_of(url, course))
            with hub.Hub(top, venv, proxy, users, admin=teacher) as h:
                for user in users:
                    h.start(user)
                _flow(h, top, url, teacher, ada, bob, cy, course, exchange)
        for uid in uids:  # torn down: nothing of these users is left running
            assert subprocess.run(["pgrep", "-U", str(uid)], check=False, capture_output=True).returncode == 1
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _instructor_course(course, account, url):
    course.mkdir()
    shutil.copytree(ROOT / "solutions" / CHAPTER, course / "source" / CHAPTER)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = {url!r}\n"
        "c.ExchangeFactory.collect = 'dlfs.exchange.OwnerCheckedCollect'\n"
    )
    for path in [course, *course.rglob("*")]:
        os.chown(path, account.pw_uid, account.pw_gid)


def _ok(h, user, command):
    code, output = h.shell(user, command)
    _logged(user, command, f"exit {code}", output)
    assert code == 0, f"{user}$ {command} exited {code}:\n{output[-3000:]}"
    return output


TERMINAL_CODES = re.compile(r"\x1b\][^\x07]*\x07|\x1b\[[0-9;?]*[A-Za-z]|\x1b\(B")


def _logged(user, command, outcome, output=""):
    lines = [line.strip() for line in TERMINAL_CODES.sub("", output).splitlines()]
    lines = [line for line in lines if line and not re.search(r"@\S+:.*\$", line)]  # not the prompts
    said = [line for line in lines if "App | " in line] or lines  # nbgrader's own lines first
    last = said[-1] if said else ""
    FLOW.append((time.monotonic(), user, command, f"{outcome}: {last[:110]}" if last else outcome))


def _flow(h, top, url, teacher, ada, bob, cy, course, exchange):
    FLOW.clear()
    try:
        _steps(h, top, url, teacher, ada, bob, cy, course, exchange)
    finally:
        start = FLOW[0][0] if FLOW else 0
        print("the flow, step by step (seconds from the first step):")
        for when, user, command, outcome in FLOW:
            print(f"{when - start:6.1f} s  {user}$ {command}\n          → {outcome}")


def _steps(h, top, url, teacher, ada, bob, cy, course, exchange):
    _ok(h, teacher, f"cd ~/course && nbgrader generate_assignment {CHAPTER} && nbgrader release_assignment {CHAPTER}")

    answers = {ada: solved(), bob: wrong_add(), cy: release()}
    for student, nb in answers.items():
        _ok(h, student, f"nbgrader fetch_assignment {CHAPTER}")
        # the student's answer, saved by their own server (as a learner's Save does)
        path = f"{CHAPTER}/{NAME}"
        h.server("PUT", student, f"/contents/{path}", {"type": "notebook", "format": "json", "content": nb})
        _logged(student, f"(saves {path} through the server's contents API)", "saved")
        _ok(h, student, f"nbgrader submit {CHAPTER}")
    # bob submits his (wrong) notebook in ada's name, after her: the latest submission named for ada
    _ok(h, bob, f"nbgrader submit {CHAPTER} --student={ada}")
    inbound = exchange / gradebook.COURSE_ID / "inbound"
    named_ada = [p for p in inbound.iterdir() if p.name.startswith(f"{ada}+")]
    assert len(named_ada) == 2, named_ada

    # privacy: what one student cannot read
    for command in (
        f"cat ~{ada}/{CHAPTER}/{NAME}",
        f"ls ~{teacher}/course/source",
        f"cat ~{teacher}/course/source/{CHAPTER}/{NAME}",
        f"ls {inbound}",
    ):
        _refused(h, bob, command)

    collected = _ok(h, teacher, f"cd ~/course && nbgrader collect {CHAPTER}")
    assert f"names {ada}, but {bob} submitted it" in collected, collected[-3000:]
    submitted = course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == sorted([ada, bob, cy])

    grading = course.parent / "grading"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dlfs-grade"), CHAPTER, str(submitted), "--out", str(grading), "--db", url],
        capture_output=True,
        text=True,
        check=False,
    )
    _logged(teacher, "(as root) dlfs-grade … --db postgresql+psycopg2://…", f"exit {done.returncode}", done.stdout)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(grading / "grades.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    _logged(teacher, "(reads grades.csv)", ", ".join(f"{s} {r['score']} {r['status']}" for s, r in rows.items()))
    # attribution: each submission under its own user; ada's own answer, not bob's forgery in her name
    assert {s: (r["score"], r["status"]) for s, r in rows.items()} == {
        ada: ("6", "graded"),
        bob: ("5", "graded"),
        cy: ("0", "graded"),
    }
    assert gradebook.load(gradebook.url_of(url, grading), CHAPTER).keys() == rows.keys()

    feedback_root = grading / "course"
    _ok(h, teacher, f"cd ~/course && nbgrader release_feedback {CHAPTER} --CourseDirectory.root={feedback_root}")
    _refused(h, bob, f"ls {exchange / gradebook.COURSE_ID / 'feedback'}")  # whose is which stays unknown
    scores = {}
    for student in (ada, bob, cy):
        _ok(h, student, f"nbgrader fetch_feedback {CHAPTER}")
        pages = sorted((course.parents[1] / student / CHAPTER / "feedback").glob("*/*.html"))
        assert len(pages) == 1, (student, pages)
        scores[student] = _score(pages[0].read_text())
        _logged(student, "(reads the fetched feedback page)", "score {} / {}".format(*scores[student]))
    assert scores == {ada: (6, 6), bob: (5, 6), cy: (0, 6)}
    # bob cannot fetch ada's feedback: in her name he knows only his own forgery, which was not graded
    _ok(h, bob, f"nbgrader fetch_feedback {CHAPTER} --student={ada} || true")
    fetched = [p for p in (course.parents[1] / bob).rglob("*.html") if ".local" not in p.parts]
    assert len(fetched) == 1, fetched


def _refused(h, user, command):
    code, output = h.shell(user, command)
    _logged(user, command, f"refused, exit {code}" if code else "NOT REFUSED", output)
    assert code != 0 and "Permission denied" in output, f"{user} could run: {command}\n{output[-1000:]}"


def _score(html):
    """(score, max) from nbgrader's feedback page header, e.g. 'Score: 5.0 / 6.0'."""
    found = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", re.sub(r"<[^>]+>", " ", html))
    assert found, html[:2000]
    return round(float(found[1])), round(float(found[2]))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-x", "-p", "no:xdist"]))
