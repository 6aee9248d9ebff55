"""Notebooks are committed clean and follow the course's conventions for graded cells."""

import ast

import nbformat
import pytest

from course import CHAPTERS, ROOT, grade_cells, notebooks

ALL = [p for top in ("solutions", "notebooks") for p in sorted((ROOT / top).rglob("*.ipynb"))]


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.relative_to(ROOT)}: cells {dirty} carry outputs; clear them before committing"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_graded_cells_follow_conventions(chapter):
    for path in sorted((ROOT / "solutions" / chapter).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate grade_id"
        tests = [c for c in grade_cells(nb) if c.cell_type == "code"]
        assert tests, f"{path.name} has no test cells"
        for c in tests:
            meta = c.metadata["nbgrader"]
            assert meta["locked"] and meta["points"] > 0, f"{meta['grade_id']}: locked test cell with points"
            assert c.source.startswith('"""') and c.source.splitlines()[0].endswith('"""'), (
                f"{meta['grade_id']}: a test cell opens with a one-line docstring naming the check"
            )
            assert "### BEGIN HIDDEN TESTS" in c.source, f"{meta['grade_id']}: no hidden tests"
        answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        assert all("### BEGIN SOLUTION" in c.source for c in answers if c.cell_type == "code")
        assert "What you will build" in nb.cells[0].source
        assert any("Check your understanding" in c.source for c in nb.cells[-2:])


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_widget_panels_do_not_read_names_that_later_cells_rebind(chapter):
    """A slider calls its function again whenever the learner moves it, usually after the whole
    notebook has run: a global it reads must still mean the same thing then."""
    (path,) = sorted((ROOT / "solutions" / chapter).glob("*.ipynb"))
    sources = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    panels = [i for i, s in enumerate(sources) if "interact(" in s]
    assert panels, f"{chapter}: no widget panel"
    for i in panels:
        read = set()
        for f in (n for n in ast.parse(sources[i]).body if isinstance(n, ast.FunctionDef)):
            local = {a.arg for a in ast.walk(f.args) if isinstance(a, ast.arg)} | _stored(f)
            read |= {n.id for n in ast.walk(f) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - local
        later = set().union(*(_top_level_bindings(s) for s in sources[i + 1 :]))
        assert not read & later, f"{chapter}: the panel in code cell {i} reads {sorted(read & later)}, rebound later"


def _stored(tree):
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _top_level_bindings(source):
    names = set()
    for statement in ast.parse(source).body:
        if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
            names.add(statement.name)
        else:
            names |= _stored(statement)
    return names


def test_long_cells_are_found_from_their_code():
    from browser import long_cells

    sources = [
        "import numpy as np\nfrom tqdm.auto import trange",  # imports only
        "def train(n):\n    return sf.train.fit(s, op, J, {}, n)",  # a definition runs nothing
        "history = train(300)",  # calls a notebook function that trains
        "for step in trange(50):\n    pass",
        "for i in range(5000):\n    total += i",
        "for i in range(10):\n    total += i",  # short
        "sf.train.fit(s, op, J, {}, 100, progress=False)",  # told to stay quiet
        "widgets.interact(lambda rate: train(rate), rate=(0.1, 1.0))",  # runs on a slider move
    ]
    assert long_cells(sources) == [2, 3, 4]


@pytest.mark.parametrize(
    "chapter", ["04_gradient_descent_backpropagation", "05_multi_layer_perceptrons", "06_tensorflow"]
)
def test_the_chapters_that_train_have_long_cells(chapter):
    from browser import code_of, long_cells

    (path,) = notebooks("solutions", chapter)
    assert long_cells([code_of(c) for c in nbformat.read(path, as_version=4).cells])
