"""The notebook nbgrader's autograde is about to run, made before it runs, so that the other groups'
runs (dlfs.runs) can go on beside nbgrader's."""

import nbformat

from dlfs import verdicts


def merged(submitted, source):
    """The notebook nbgrader's autograde will run, made before it has run: the submission with its
    test and locked cells from the source (None when a cell of the source is missing, which
    nbgrader puts back in its own way). The other groups' runs start from it, beside nbgrader's;
    `finish` checks it against nbgrader's and runs again if they differ."""
    try:
        nb = nbformat.read(submitted, as_version=4)
        given = nbformat.read(source, as_version=4)
    except Exception:  # noqa: BLE001 (not a notebook: nbgrader's run says so)
        return None
    by_id = {c.metadata["nbgrader"]["grade_id"]: c for c in given.cells if "grade_id" in c.metadata.get("nbgrader", {})}
    locked = {k for k, c in by_id.items() if c.metadata["nbgrader"].get("locked") or verdicts.is_test_cell(c)}
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    if set(by_id) - set(ids) or len(ids) != len(set(ids) - {None}) + ids.count(None):
        return None
    nb.cells = [nbformat.from_dict(by_id[i]) if i in locked else c for c, i in zip(nb.cells, ids, strict=True)]
    return nb
