"""The class's gradebook: nbgrader's, at any SQLAlchemy URL (SQLite by default, PostgreSQL for a class
graded by several machines), plus one table of ours holding each student's grading status.

nbgrader keeps scores but has no place for "the kernel died" or "no notebook", so `dlfs_results`
keeps them, one row per (assignment, student). grades.csv can then be written from the database
alone (`dlfs-grade --export`), and includes any manual grades given later in formgrader.
"""

import contextlib
import fcntl
import hashlib
from pathlib import Path

import sqlalchemy as sa

COURSE_ID = "dlfs"  # nbgrader's course row (PostgreSQL enforces that an assignment has one)
URL_VARIABLE = "DLFS_GRADEBOOK_URL"  # how nbgrader's processes learn the URL (never a kernel's: see sandbox)
_meta = sa.MetaData()
results = sa.Table(
    "dlfs_results",
    _meta,
    sa.Column("assignment", sa.String(128), primary_key=True),
    sa.Column("student_id", sa.String(128), primary_key=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("score", sa.Float, nullable=False, default=0.0),
    sa.Column("max_score", sa.Float),  # None: the assignment's
    # True once the trusted verdicts were written into nbgrader's gradebook: only then is its score ours
    # (a run stopped between nbgrader's in-kernel scores and the verdicts leaves judged False).
    sa.Column("judged", sa.Boolean, nullable=False, default=False),
)
_LOCK_KEY = 0x646C6673  # "dlfs": the advisory lock that serialises setting up an assignment


def url_of(db, course):
    """The gradebook's URL: --db as given (a bare postgresql:// gets the psycopg2 driver that is
    installed), else the SQLite file in the nbgrader course folder."""
    if not db:
        return f"sqlite:///{Path(course) / 'gradebook.db'}"
    try:
        url = sa.engine.make_url(db)
    except sa.exc.ArgumentError:
        raise ValueError(f"--db {db!r} is not a database URL (e.g. postgresql://user@host/db)") from None
    if url.drivername == "postgresql":  # SQLAlchemy 2.1 would pick psycopg 3, which is not installed
        url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


def shown(url):
    """The URL with its password hidden, for logs and messages."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def in_shard(student, shard):
    """Whether `student` is in shard (k, n), k = 1..n: stable, whatever else the class holds."""
    if shard is None:
        return True
    k, n = shard
    return int(hashlib.sha256(student.encode()).hexdigest(), 16) % n == k - 1


def parse_shard(text):
    k, sep, n = (text or "").partition("/")
    if not (sep and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise ValueError(f"--shard must be K/N with 1 <= K <= N (e.g. 2/3), got {text!r}")
    return int(k), int(n)


def schema_version():
    """The newest schema of nbgrader's gradebook, read in this process."""
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    return ScriptDirectory(ALEMBIC_DIR).get_current_head()


def read_schema_version_in_process():
    """nbgrader asks the `alembic` command for the schema version, in a new process (1.4 s of CPU),
    each time it creates a gradebook: give it the same answer from this process."""
    import nbgrader.api

    nbgrader.api.get_alembic_version = schema_version


def _engine(url):
    # SQLite: nbgrader's graders write to the same file at once; wait for its lock rather than fail
    wait = {"timeout": 120} if url.startswith("sqlite") else {}
    return sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args=wait)


@contextlib.contextmanager
def setup_lock(url):
    """Held while one run (re)creates the assignment in the gradebook: concurrent shards would
    otherwise insert the same assignment rows at once."""
    engine = _engine(url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
    elif engine.dialect.name == "sqlite" and engine.url.database:
        with open(engine.url.database + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
    else:
        yield
    engine.dispose()


def ensure(url):
    """Create our table if it is missing (under setup_lock: concurrent CREATE TABLEs collide)."""
    engine = _engine(url)
    _meta.create_all(engine)
    engine.dispose()


def save(url, assignment, rows, judged=False):
    """Write each row (a student graded again replaces their row)."""
    engine = _engine(url)
    with engine.begin() as conn:
        for row in rows:
            key = (results.c.assignment == assignment) & (results.c.student_id == row["student_id"])
            conn.execute(results.delete().where(key))
            conn.execute(
                results.insert().values(
                    assignment=assignment,
                    student_id=row["student_id"],
                    status=row["status"],
                    detail=row["detail"] or "",
                    score=float(row["score"] or 0),
                    max_score=None if row.get("max_score") in ("", None) else float(row["max_score"]),
                    judged=judged,
                )
            )
    engine.dispose()


def scores(url, assignment, student):
    """(score, max_score) of the student's submission in nbgrader's gradebook, or (None, None)."""
    from nbgrader.api import Gradebook, MissingEntry

    try:
        with Gradebook(url, course_id=COURSE_ID) as gb:
            submission = gb.find_submission(assignment, student)
            return submission.score, submission.max_score
    except MissingEntry:
        return None, None


def max_score(url, assignment):
    from nbgrader.api import Gradebook

    with Gradebook(url, course_id=COURSE_ID) as gb:
        return gb.find_assignment(assignment).max_score


def load(url, assignment):
    """{student_id: row} for every student the gradebook knows for `assignment`: the status and
    detail from our table, the score from nbgrader's (so manual grades count)."""
    from nbgrader.api import Gradebook, MissingEntry

    engine = _engine(url)
    if not sa.inspect(engine).has_table(results.name):
        engine.dispose()
        return {}
    with engine.connect() as conn:
        ours = conn.execute(sa.select(results).where(results.c.assignment == assignment)).mappings().all()
    engine.dispose()
    rows = {}
    with Gradebook(url, course_id=COURSE_ID) as gb:
        try:
            total = gb.find_assignment(assignment).max_score
        except MissingEntry:
            return rows
        for r in ours:
            score, top = r["score"], r["max_score"]
            if r["judged"]:
                try:
                    submission = gb.find_submission(assignment, r["student_id"])
                    score, top = submission.score, submission.max_score
                except MissingEntry:  # deleted from nbgrader's gradebook since: say so, never a silent 0
                    score, top = 0, None
                    r = dict(r, status="crashed", detail="the gradebook lost this submission; grade it again")
            rows[r["student_id"]] = {
                "student_id": r["student_id"],
                "score": score,
                "max_score": top if top is not None else total,
                "status": r["status"],
                "detail": r["detail"],
            }
    return rows
