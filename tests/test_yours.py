"""Your code runs the course (scratchflow.yours): a passing test cell says so in one line and
registers the answers it checked; a demonstration inside `sf.yours.used(...)` runs them in place of
the library's references and says whose code ran; a failing or unanswered exercise leaves the
reference running; grading registers nothing."""

import re

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import scratchflow as sf
from course import mutate, notebooks
from dlfs import kernels


@pytest.fixture(autouse=True)
def nothing_registered():
    sf.yours.forget()
    yield
    sf.yours.forget()


def tiny_training(steps=3):
    with sf.Graph().as_default():
        x, c = sf.placeholder(), sf.placeholder()
        W = sf.Variable(np.random.default_rng(0).normal(size=(2, 2)))
        p = sf.softmax(sf.matmul(x, W))
        J = sf.negative(sf.reduce_sum(sf.multiply(c, sf.log(p))))
        step = sf.train.GradientDescentOptimizer(0.1).minimize(J)
        X, C = sf.datasets.two_clouds()
        return sf.train.fit(sf.Session(), step, J, {x: X, c: C}, steps, progress=False)


def test_a_registered_answer_runs_in_place_of_the_reference_and_the_line_says_so(capsys):
    calls = []

    def matmul_gradient(op, grad, inputs, output):
        calls.append(1)
        a, b = inputs
        return [grad @ b.T, a.T @ grad]

    reference = tiny_training()
    sf.yours.passed("matmul_gradient", matmul_gradient)
    with sf.yours.used("matmul_gradient", "compute_gradients", "log_gradient", says="trained"):
        ours = tiny_training()
    line = capsys.readouterr().out.strip()
    assert len(calls) == 3, "the learner's gradient did not run at every step"
    np.testing.assert_allclose(ours, reference, rtol=1e-12)
    assert (
        line
        == "trained with your matmul_gradient; reference: compute_gradients, log_gradient (yours does not pass yet)"
    )
    tiny_training()
    assert len(calls) == 3, "outside the block the learner's answer still ran"


def test_a_wrong_registered_answer_changes_the_training(capsys):
    """Negative control: the training really is the learner's code, mistakes included."""
    sf.yours.passed(
        "matmul_gradient", lambda op, grad, inputs, output: [np.zeros_like(inputs[0]), np.zeros_like(inputs[1])]
    )
    with sf.yours.used("matmul_gradient"):
        frozen = tiny_training(steps=5)
    assert np.allclose(frozen, frozen[0]), "a zero gradient should leave the loss where it started"
    assert not np.allclose(tiny_training(steps=5), frozen)


def test_an_answer_that_cannot_take_the_call_leaves_the_reference(capsys):
    sf.yours.passed("train_epochs", lambda session, step: None)  # not the reference's parameters
    sf.yours.passed("minibatches", lambda n, batch_size, rng: [np.arange(n)])
    with sf.yours.used("train_epochs", "minibatches"):
        batches = sf.train.minibatches(10, 4, np.random.default_rng(0))
        with sf.Graph().as_default():
            x, c = sf.placeholder(), sf.placeholder()
            J = sf.reduce_sum(sf.multiply(sf.Variable(1.0), x))
            step = sf.train.GradientDescentOptimizer(0.1).minimize(J)
            history = sf.train.train_epochs(
                sf.Session(), step, J, x, c, np.ones(4), np.ones(4), 2, lambda: [np.arange(4)], progress=True
            )
    assert [list(b) for b in batches] == [list(range(10))], "the registered minibatches did not run"
    assert len(history) == 2
    assert (
        capsys.readouterr().out.strip()
        == "ran with your minibatches; reference: train_epochs (yours does not pass yet)"
    )


def test_an_answer_calling_its_own_reference_does_not_recurse(capsys):
    sf.yours.passed("minibatches", lambda n, batch_size, rng: sf.train.minibatches(n, batch_size, rng))
    with sf.yours.used("minibatches"):
        assert len(sf.train.minibatches(10, 5, np.random.default_rng(0))) == 2


def run(cells, tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    where = {"metadata": {"path": str(tmp_path)}}  # the kernel's folder: the graded cell writes its records there
    client = NotebookClient(
        nb, config=kernels.config(tmp_path), timeout=300, allow_errors=True, kernel_name="python3", resources=where
    )
    client.execute()
    return ["".join(o.get("text", "") for o in c.outputs if o.output_type == "stream") for c in nb.cells]


def test_a_passing_test_cell_says_what_passed_and_registers_it_a_failing_one_unregisters_it(tmp_path):
    out = run(
        [
            "import numpy as np\nimport scratchflow as sf\n"
            "def minibatches(n, batch_size, rng):\n    return [np.arange(n)]\n"
            "def train_epochs(*args):\n    return None",
            'sf.checks.exercise("minibatches")\n'
            'sf.checks.check_close([1.0, 2.0], [1.0, 2.0 + 2e-9], "two numbers")\n'
            'sf.checks.check(True, "a fact")',
            'sf.checks.exercise("train_epochs")\nsf.checks.check(False, "train_epochs returned None")',
            "print(sorted(sf.yours.registered()))",
            'sf.record.start("graded")\nsf.checks.exercise("train_epochs")\nsf.checks.check(True, "recorded")',
            "print(sorted(sf.yours.registered()))",
            'sf.checks.exercise("minibatches")\nsf.checks.check(False, "minibatches broke since")',
            "print(sorted(sf.yours.registered()))",
        ],
        tmp_path,
    )
    assert re.fullmatch(r"✓ minibatches: 2 checks passed \(largest relative error 1e-09\)\n", out[1]), out[1]
    assert "✓" not in out[2]
    assert out[3].strip() == "['minibatches']"
    assert "✓" not in out[4], "a graded run (recording) printed a verdict it cannot know"
    assert out[5].strip() == "['minibatches']", "a graded run registered an answer"
    assert out[7].strip() == "[]", "an answer whose test cell fails now still runs the chapter"
    assert (tmp_path / sf.record.RECORDS).exists()


def chapter_4(tmp_path, *mutation):
    (path,) = notebooks("solutions", "04_gradient_descent_backpropagation")
    nb = nbformat.read(path, as_version=4)
    if mutation:
        nb = mutate(nb, *mutation)
    training = next(i for i, c in enumerate(nb.cells) if "sf.yours.used(*YOURS" in c.source)
    nb.cells = nb.cells[: training + 1]
    NotebookClient(nb, config=kernels.config(tmp_path), timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()  # fmt: skip
    return "".join(o.get("text", "") for o in nb.cells[training].outputs if o.output_type == "stream")


def test_chapter_4_trains_with_the_learners_code(tmp_path):
    said = chapter_4(tmp_path)
    assert "accuracy after training: 100%" in said, said
    line = next(line for line in said.splitlines() if line.startswith("trained with"))
    for name in ["compute_gradients", "gradient_descent_step", "matmul_gradient", "softmax_gradient", "add_gradient"]:
        assert name in line.split(";")[0], f"{name} is not named as the learner's in: {line}"
    assert "reference" not in line


def test_chapter_4_falls_back_to_the_reference_for_an_answer_that_fails(tmp_path):
    said = chapter_4(tmp_path, "matmul_grad_answer", "a, b = inputs\nreturn [grad @ b.T, grad.T @ a]")
    assert "accuracy after training: 100%" in said, said
    assert re.search(
        r"trained with your compute_gradients.*; reference: matmul_gradient \(yours does not pass yet\)", said
    ), said


def test_every_chapter_that_trains_names_only_exercises_it_can_run():
    """The names a demonstration offers are exercises of its own chapter (chapter 6: of chapters 4
    and 5, whose kept answers it runs), each with a reference mark (else the line would name an
    exercise the chapter cannot run)."""
    from dlfs import absent

    marks = absent.marks()
    ch4, ch5, ch6 = "04_gradient_descent_backpropagation", "05_multi_layer_perceptrons", "06_tensorflow"

    def answers_of(chapter):
        (path,) = notebooks("solutions", chapter)
        return {
            n
            for c in nbformat.read(path, as_version=4).cells
            if c.metadata.get("nbgrader", {}).get("solution")
            for n in re.findall(r"^(?:def|class) (\w+)", c.source, re.M)
        }

    for chapter, sources in ((ch4, [ch4]), (ch5, [ch5]), (ch6, [ch4, ch5])):
        (path,) = notebooks("solutions", chapter)
        nb = nbformat.read(path, as_version=4)
        (setup,) = [c for c in nb.cells if c.source.lstrip().startswith("YOURS = [") or "\nYOURS = [" in c.source]
        names = eval(re.search(r"YOURS = (\[.*?\])", setup.source, re.S).group(1))  # noqa: S307 (our own notebook)
        answers = set().union(*(answers_of(s) for s in sources))
        assert set(names) <= answers, f"{chapter}: YOURS names {sorted(set(names) - answers)}, not answers of {sources}"
        assert all(marks.get(n) for n in names), (
            f"{chapter}: no @reference for {[n for n in names if not marks.get(n)]}"
        )


KEPT = [
    # chapter "4", in one kernel: a helper, a constant, a class, and an answer of an array it cannot write out
    "import numpy as np\nimport scratchflow as sf\nSCALE = 0\n\n"
    "def scaled(a):\n    return SCALE * np.asarray(a)\n\n"
    "def matmul_gradient(op, grad, inputs, output):\n"
    "    a, b = inputs\n    return [scaled(grad @ b.T), scaled(a.T @ grad)]",
    'sf.checks.exercise("matmul_gradient")\nsf.checks.check(True, "the test passes")',
    "class relu(sf.Operation):\n    def compute(self, a_value):\n        return np.maximum(a_value, 0)",
    'sf.checks.exercise("relu")\nsf.checks.check(True, "the test passes")',
    "ROWS = np.arange(3)\n\ndef minibatches(n, batch_size, rng):\n    return [ROWS]",
    'sf.checks.exercise("minibatches")\nsf.checks.check(True, "the test passes")',
]
LATER = [
    # chapter "6", in another kernel
    "import numpy as np\nimport scratchflow as sf",
    "with sf.Graph().as_default(), sf.yours.used('matmul_gradient', 'compute_gradients', says='trained'):\n"
    "    x, c = sf.placeholder(), sf.placeholder()\n"
    "    W = sf.Variable(np.random.default_rng(0).normal(size=(2, 2)))\n"
    "    J = sf.negative(sf.reduce_sum(sf.multiply(c, sf.log(sf.softmax(sf.matmul(x, W))))))\n"
    "    X, C = sf.datasets.two_clouds()\n"
    "    step = sf.train.GradientDescentOptimizer(0.1).minimize(J)\n"
    "    history = sf.train.fit(sf.Session(), step, J, {x: X, c: C}, 5, progress=False)\n"
    "print('frozen' if np.allclose(history, history[0]) else 'moved')",
    "with sf.yours.used('relu', 'minibatches', says='ran'):\n"
    "    values = sf.Session().run(sf.relu(sf.constant(np.array([-1.0, 2.0]))))\n"
    "    print(values, len(sf.train.minibatches(10, 5, np.random.default_rng(0))))",
]


def test_a_passing_answer_is_kept_for_a_later_chapters_kernel_and_dropped_when_it_fails(tmp_path, monkeypatch):
    shelf = tmp_path / "shelf"
    monkeypatch.setenv("SCRATCHFLOW_YOURS", str(shelf))
    (tmp_path / "a").mkdir()
    run(KEPT, tmp_path / "a")
    assert sorted(p.name for p in shelf.iterdir()) == ["matmul_gradient.py", "relu.py"], (
        "minibatches reads a notebook array, which cannot be written out: it must not be kept"
    )
    (tmp_path / "b").mkdir()
    out = run(LATER, tmp_path / "b")
    assert out[1].splitlines() == [
        "trained with your saved matmul_gradient; reference: compute_gradients (yours does not pass yet)",
        "frozen",  # the kept answer's zero gradient ran, with its helper and constant
    ], out[1]
    assert out[2].splitlines() == [
        "[0. 2.] 2",
        "ran with your saved relu; reference: minibatches (yours does not pass yet)",
    ], out[2]
    (tmp_path / "c").mkdir()
    run([KEPT[0], 'sf.checks.exercise("matmul_gradient")\nsf.checks.check(False, "broken since")'], tmp_path / "c")
    assert sorted(p.name for p in shelf.iterdir()) == ["relu.py"], "an answer that fails now is still kept"
    (tmp_path / "d").mkdir()
    assert "moved" in run(LATER[:2], tmp_path / "d")[1], "a dropped answer still ran"


def test_grading_keeps_nothing(tmp_path, monkeypatch):
    shelf = tmp_path / "shelf"
    monkeypatch.setenv("SCRATCHFLOW_YOURS", str(shelf))
    run([KEPT[0], 'sf.record.start("graded")\n' + KEPT[1]], tmp_path)
    assert not shelf.exists() or not list(shelf.iterdir())


def executed(path, keep, sockets):
    """The stream text of each code cell of the notebook at `path`, running only the cells `keep`
    chooses (`keep(index, cell)`); the kernel's sockets in the folder `sockets`."""
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for i, c in enumerate(nb.cells) if keep(i, c)]
    NotebookClient(nb, config=kernels.config(sockets), timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()  # fmt: skip
    errors = [o.evalue for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    return {c.source: "".join(o.get("text", "") for o in c.outputs if o.output_type == "stream")
            for c in nb.cells if c.cell_type == "code"}  # fmt: skip


def test_chapter_6_trains_its_scratchflow_side_with_the_answers_kept_in_chapters_4_and_5(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHFLOW_YOURS", str(tmp_path / "shelf"))
    (ch6,) = notebooks("solutions", "06_tensorflow")
    cells = nbformat.read(ch6, as_version=4).cells
    # 6.2 (four implementations), 6.4 (one TF1 program, four optimizers; the digits)
    wanted = ("import scratchflow as sf", "# 1. scratchflow", "def tf1_program", "as tf1", "sf.datasets.digits()")
    keep = lambda _i, c: c.cell_type == "code" and any(w in c.source for w in wanted)  # noqa: E731
    assert sum(keep(i, c) for i, c in enumerate(cells)) == len(wanted)

    def lines():
        out = executed(ch6, keep, tmp_path).values()
        said = [line for text in out for line in text.splitlines() if "trained with" in line]
        assert len(said) == 6, said
        return said

    before = lines()  # nothing kept yet: the library's code
    assert all("trained with the library's reference code: compute_gradients" in line for line in before), before
    (ch4,) = notebooks("solutions", "04_gradient_descent_backpropagation")
    executed(ch4, lambda _i, c: c.cell_type == "code", tmp_path)
    (ch5,) = notebooks("solutions", "05_multi_layer_perceptrons")
    activations = next(i for i, c in enumerate(nbformat.read(ch5, as_version=4).cells) if 'exercise("tanh"' in c.source)
    executed(ch5, lambda i, c: i <= activations and "demo" not in c.metadata.get("tags", []), tmp_path)
    after = lines()
    for line in after:
        assert "trained with your saved compute_gradients" in line, line
        assert "reference" not in line, line
    assert "gradient_descent_step" in after[0] and "tanh, tanh_gradient" in after[-1], after


def test_the_graders_kernels_get_no_kept_answers(monkeypatch, tmp_path):
    """dlfs-grade's kernels (sandboxed, --unsafe, the trusted solution) run with SCRATCHFLOW_YOURS at
    /dev/null: whatever the grader's account kept as a learner never runs in a graded notebook."""
    import os

    from dlfs import children, sandbox, solution
    from scratchflow import shelf

    assert children.env()["SCRATCHFLOW_YOURS"] == os.devnull
    assert solution._trusted_env()["SCRATCHFLOW_YOURS"] == os.devnull
    config = {"read_only": [], "startup_dir": str(tmp_path), "runtime_dir": str(tmp_path), "uid": 1_234_567}
    assert "--clearenv" in sandbox._bwrap_command(config, tmp_path, sandbox.HOLDER, 3)
    env = sandbox.kernel_request(config, tmp_path, str(tmp_path / "kernel.json"))["env"]
    assert env["SCRATCHFLOW_YOURS"] == "/dev/null", env
    kept = tmp_path / "kept"
    monkeypatch.setenv("SCRATCHFLOW_YOURS", str(kept))
    assert shelf.keep("tiny_training", tiny_training, globals())
    assert callable(shelf.load("tiny_training")), "the control: a kept answer loads"
    monkeypatch.setenv("SCRATCHFLOW_YOURS", os.devnull)
    assert shelf.load("tiny_training") is None
    assert not shelf.keep("tiny_training", tiny_training, globals())
    shelf.drop_all()  # nothing to drop, and no error
