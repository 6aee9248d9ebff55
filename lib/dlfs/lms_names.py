"""Who submitted a file, from the names in the archives the LMSs download (see
../shared/reference/lms-formats.md, from the LMSs' own source).

* Canvas, "Download Submissions": `{name}[_LATE]_{user_id}_{attachment_id}_{file}`, text and link
  entries `{name}[_LATE]_{user_id}_text.html` / `_link.html`; under anonymous grading the name part is
  `anon_{anonymous id}` and there is no user id. `name` is the sortable name lowercased, without
  non-word characters (it keeps underscores and accented letters, never `_digits_`), so Canvas's own
  rule applies: the first two all-digit `_` tokens are the user id and the attachment id. A
  resubmitted file is `file-1.ipynb`, `file-2.ipynb`.
* Moodle, "Download all submissions": `{full name}_{N}_assignsubmission_{plugin}_` as a folder around
  the files (the default) or glued before each file name; N is the participant id of that
  assignment, which its grading worksheet's `Identifier` (`Participant N`) matches.
"""

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

MOODLE = re.compile(r"^(?P<name>.+)_(?P<n>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$")
RESUBMITTED = re.compile(r"^(?P<stem>.+)-\d+$")  # Canvas: file-1.ipynb is a resubmitted file.ipynb


@dataclass(frozen=True)
class Entry:
    """One file of the archive: the student's id (what the LMS's import matches), their name as
    the file name gives it (for reports), the file's own name, and which LMS named it."""

    student: str
    name: str
    file: str
    lms: str
    late: bool = False

    def is_notebook(self):
        return self.file.endswith(".ipynb")

    def names_notebook(self, notebook):
        """Whether the file is the assignment's notebook (Canvas: also a resubmitted copy of it)."""
        stem = PurePosixPath(self.file).stem
        again = RESUBMITTED.match(stem)
        return self.file == notebook or (self.lms == "canvas" and again and f"{again['stem']}.ipynb" == notebook)


def identify(path):
    """The Entry for an archive path, or None if neither LMS names files so."""
    return moodle(path) or canvas(path)


def moodle(path):
    parts = PurePosixPath(path).parts
    for i, part in enumerate(parts[:-1]):  # folder mode: the prefix is a folder around the files
        match = MOODLE.match(part)
        if match and not match["file"]:
            return Entry(match["n"], match["name"], "/".join(parts[i + 1 :]), "moodle")
    match = MOODLE.match(parts[-1]) if parts else None  # flat mode: the prefix glued to the file name
    if match and match["file"]:
        return Entry(match["n"], match["name"], match["file"], "moodle")
    return None


def canvas(path):
    tokens = PurePosixPath(path).name.split("_")
    if len(tokens) >= 3 and tokens[0] == "anon" and tokens[1]:
        student, name, rest = f"anon_{tokens[1]}", f"anon_{tokens[1]}", tokens[2:]
        late = rest[0] == "LATE"
        rest = rest[1:] if late else rest
        if rest in (["text.html"], ["link.html"]):
            return Entry(student, name, rest[0], "canvas", late)
        if len(rest) >= 2 and rest[0].isdigit():
            return Entry(student, name, "_".join(rest[1:]), "canvas", late)
        return None
    digits = [i for i, t in enumerate(tokens) if t.isdigit()]
    if not digits or digits[0] == 0:
        return None
    first = digits[0]
    late = tokens[first - 1] == "LATE"
    name = "_".join(tokens[: first - 1 if late else first])
    rest = tokens[first + 1 :]
    if not name:
        return None
    if rest in (["text.html"], ["link.html"]):
        return Entry(tokens[first], name, rest[0], "canvas", late)
    if len(rest) >= 2 and rest[0].isdigit():
        return Entry(tokens[first], name, "_".join(rest[1:]), "canvas", late)
    return None
