"""Finding a class's submissions: one folder per student (flat, or nbgrader's collected layout) or
an LMS's .zip. Inputs are only read; each student gets a readable notebook or the reason why not."""

import logging
import re
import shutil
import zipfile
from pathlib import Path

import nbformat

DEFAULT_PATTERN = r"(?:.*/)?(?P<student_id>[^/_]+)_(?:[^/]*_)?(?P<file_id>[^/_]+\.ipynb)"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")  # no "/", no "..", not hidden
NBGRADER_FILES = ["timestamp.txt", "submission_secret.txt"]  # kept beside a collected submission
log = logging.getLogger("dlfs-grade")


class Unreadable(Exception):
    """The submissions as a whole cannot be read (no such folder, a broken archive)."""


def collect(submissions, notebook, pattern, tmp, assignment):
    """{student_id: (notebook path, None) or (None, (status, detail))}. Inputs are only read."""
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
        return _from_zip(submissions, pattern, tmp)
    raise Unreadable(f"{submissions} is neither a folder nor a .zip archive")


def _from_zip(archive, pattern, tmp):
    from nbgrader.plugins import FileNameCollectorPlugin

    collector = FileNameCollectorPlugin(named_regexp=pattern)
    found = {}
    try:
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                name = info.filename
                parts = Path(name).parts
                if info.is_dir():
                    continue
                if Path(name).is_absolute() or ".." in parts or "\\" in name:
                    log.warning("rejected archive entry %r: a path outside the archive", name)
                    continue
                match = collector.collect(name)
                if not match or not STUDENT_ID.match(match["student_id"]) or ".." in match["student_id"]:
                    log.warning("skipped archive entry %r: its name does not match the pattern", name)
                    continue
                student = match["student_id"]
                target = tmp / "zip" / student / Path(match["file_id"]).name
                target.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, length=1 << 20)
                found[student] = _checked(target)
    except zipfile.BadZipFile as error:
        raise Unreadable(f"cannot read the archive {archive}: {error}") from None
    return found


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
