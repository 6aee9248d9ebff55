"""Finding a class's submissions: one folder per student (flat, or nbgrader's collected layout) or
an LMS's .zip. Inputs are only read; each student gets a readable notebook or the reason why not."""

import logging
import re
import shutil
import zipfile
from pathlib import Path, PurePosixPath

import nbformat

from dlfs import lms_names

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")  # no "/", no "..", not hidden
NBGRADER_FILES = ["timestamp.txt", "submission_secret.txt"]  # kept beside a collected submission
log = logging.getLogger("dlfs-grade")


class Unreadable(Exception):
    """The submissions as a whole cannot be read (no such folder, a broken archive)."""


def collect(submissions, notebook, pattern, tmp, assignment, notes=None):
    """{student_id: (notebook path, None) or (None, (status, detail))}. Inputs are only read. What
    the caller should report (files not graded, and why) is appended to `notes`. An archive's names
    are Canvas's or Moodle's (dlfs.lms_names), or match `pattern`."""
    notes = [] if notes is None else notes
    if not submissions.exists():
        raise Unreadable(f"no such submissions folder or archive: {submissions}")
    if submissions.is_dir():
        found = {}
        for folder in sorted(p for p in submissions.iterdir() if p.is_dir()):
            if not STUDENT_ID.match(folder.name) or ".." in folder.name:
                log.warning("skipped folder %r: not a valid student id", folder.name)
                continue
            # SUBMISSIONS/<student>/<notebook>, or nbgrader's submitted/<student>/<assignment>/<notebook>
            layouts = [folder / notebook, folder / assignment / notebook]
            candidates = [p for p in layouts if p.is_file()][:1] or sorted(folder.glob("*.ipynb"))
            if not candidates:
                found[folder.name] = (None, ("missing", f"no {notebook} in the student's folder"))
            else:
                found[folder.name] = _checked(candidates[0])
        return found
    if zipfile.is_zipfile(submissions):
        return _from_zip(submissions, pattern, tmp, notebook, notes)
    raise Unreadable(f"{submissions} is neither a folder nor a .zip archive")


def _from_zip(archive, pattern, tmp, notebook, notes):
    entries = {}  # student -> [(archive entry, its Entry)]
    try:
        with zipfile.ZipFile(archive) as z:
            infos = [i for i in z.infolist() if not i.is_dir()]
            for info in infos:
                name = info.filename
                if Path(name).is_absolute() or ".." in Path(name).parts or "\\" in name:
                    log.warning("rejected archive entry %r: a path outside the archive", name)
                    notes.append(f"rejected archive entry {name!r}: a path outside the archive")
                    continue
                entry = _named(name, pattern)
                if entry is None:
                    if pattern:
                        log.warning("skipped archive entry %r: its name does not match the pattern", name)
                        notes.append(f"skipped archive entry {name!r}: its name does not match --pattern")
                        continue
                    raise Unreadable(
                        f"the archive entry {name!r} is named neither as Canvas nor as Moodle name submissions "
                        "(Canvas: name_123_456_file.ipynb; Moodle: Full Name_12_assignsubmission_file_/file.ipynb); "
                        "give --pattern, a regular expression with the groups student_id and file_id, e.g. "
                        "--pattern '(?P<student_id>[^/_]+)_(?P<file_id>.+[.]ipynb)'"
                    )
                if not STUDENT_ID.match(entry.student) or ".." in entry.student:
                    raise Unreadable(
                        f"the archive entry {name!r} gives the student id {entry.student!r}, which is not one"
                    )
                entries.setdefault(entry.student, []).append((info, entry))
            found = {}
            for student, files in sorted(entries.items()):
                found[student] = _one_notebook(z, student, files, notebook, tmp, notes)
    except zipfile.BadZipFile as error:
        raise Unreadable(f"cannot read the archive {archive}: {error}") from None
    return found


def _named(path, pattern):
    if not pattern:
        return lms_names.identify(path)
    from nbgrader.plugins import FileNameCollectorPlugin

    match = FileNameCollectorPlugin(named_regexp=pattern).collect(path)
    if not match:
        return None
    return lms_names.Entry(match["student_id"], match["student_id"], Path(match["file_id"]).name, "pattern")


def _one_notebook(z, student, files, notebook, tmp, notes):
    """The student's notebook out of their entries, or why there is none. Two people never become
    one: entries of one id under two names, or two notebooks of which not exactly one is named like
    the assignment's, refuse the run."""
    names = sorted({e.name for _i, e in files})
    if len(names) > 1:
        listed = ", ".join(i.filename for i, _e in files)
        raise Unreadable(
            f"the archive gives one student id {student!r} to {len(names)} names ({listed}); nothing is graded"
        )
    others = [i.filename for i, e in files if not e.is_notebook()]
    for other in others:
        notes.append(f"{student} ({names[0]}): {other} is not a notebook; not graded")
    notebooks = [(i, e) for i, e in files if e.is_notebook()]
    if len(notebooks) > 1:
        named = [(i, e) for i, e in notebooks if e.names_notebook(notebook)]
        if len(named) != 1:
            listed = ", ".join(i.filename for i, _e in notebooks)
            raise Unreadable(
                f"the archive has {len(notebooks)} notebooks for student {student!r} ({listed}) and not one named "
                f"{notebook}; nothing is graded (keep one per student)"
            )
        for info, _e in notebooks:
            if (info, _e) != named[0]:
                notes.append(f"{student} ({names[0]}): {info.filename} is not {notebook}; not graded")
        notebooks = named
    if not notebooks:
        has = f" (it has: {', '.join(PurePosixPath(o).name for o in others)})" if others else ""
        return None, ("missing", f"no notebook in the submission{has}")
    info, entry = notebooks[0]
    target = tmp / "zip" / student / notebook
    target.parent.mkdir(parents=True, exist_ok=True)
    with z.open(info) as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, length=1 << 20)
    if entry.lms != "pattern":
        log.info("%s: %s (%s%s)", student, info.filename, entry.name, ", late" if entry.late else "")
    return _checked(target)


def _checked(path):
    """A submission nbgrader can read, or why not."""
    try:
        if path.stat().st_size == 0:
            return None, ("invalid", "the notebook file is empty")
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # noqa: BLE001 (any unreadable file is "invalid", with its reason)
        return None, ("invalid", f"not a readable notebook: {type(error).__name__}: {str(error)[:200]}")
    return path, None
