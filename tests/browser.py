"""Drive JupyterLab in Debian's Chromium with Playwright, as a learner would: open a notebook, run
it, move a slider, click Validate. Shared by the browser and the Binder-launch tests."""

import ast
import datetime
import json
import os
import re
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Test-only user settings: keep every cell in the page (JupyterLab drops off-screen cells by default)
# and record execution times in the saved notebook.
SETTINGS = {"@jupyterlab/notebook-extension/tracker": {"windowingMode": "none", "recordTiming": True}}
SCREENSHOTS = Path(os.environ.get("DLFS_SCREENSHOTS", "/tmp/dlfs-screenshots"))


def launch(playwright):
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)"
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)


def open_notebook(browser, base, token, rel):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    # `reset`: a fresh workspace, not the tabs an earlier test left open
    page.goto(f"{base}/lab/tree/{rel}?reset&token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_function(
        "document.querySelector('.jp-NotebookPanel-toolbar')?.innerText.includes('ipykernel')"
        " && document.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle'",
        timeout=120_000,
    )
    return page


def menu(page, top, item):
    page.click(f".lm-MenuBar-itemLabel:text-is('{top}')")
    page.click(f".lm-Menu-itemLabel:text-is('{item}')")


def prompts(page):
    return page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()


# Waits in this file are guards against a hang, well past what a busy machine needs, never speed checks.
HANG = 900  # seconds for a notebook to run


def wait_done(page, first, timeout=HANG):
    """Wait until code cell number `first` has run and the kernel is idle with nothing queued."""
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        now = prompts(page)
        status = page.get_attribute(".jp-Notebook-ExecutionIndicator", "data-status")
        done = re.fullmatch(r"\[\d+\]:", now[first].strip()) and "[*]:" not in now and status == "idle"
        quiet_since = (quiet_since or time.monotonic()) if done else None
        if quiet_since and time.monotonic() - quiet_since > 1.0:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"the notebook was still running after {timeout} s: prompts {prompts(page)}")


def run_all(page, timeout=HANG):
    menu(page, "Run", "Run All Cells")
    wait_done(page, 0, timeout)


def run_past_errors(page, timeout=HANG):
    """Run every cell, as a learner working down the notebook does: Run All stops at the first error
    (an unanswered exercise), so go on with "Run Selected Cell and All Below" from the next cell."""
    run_all(page, timeout)
    for _ in range(len(prompts(page))):
        waiting = [i for i, p in enumerate(prompts(page)) if p.strip() == "[ ]:"]
        if not waiting:
            return
        page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").nth(waiting[0]).click()
        menu(page, "Run", "Run Selected Cell and All Below")
        wait_done(page, waiting[0], timeout)
    raise AssertionError(f"cells still not run: {prompts(page)}")


def save(page, path):
    """Save in JupyterLab and read the notebook back from disk."""
    before = path.stat().st_mtime_ns
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 120
    while path.stat().st_mtime_ns == before:
        if time.monotonic() > deadline:
            raise AssertionError(f"JupyterLab did not save {path.name} within 120 s")
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)
    return json.loads(path.read_text())


def errors(nb):
    return [
        (i, o["ename"]) for i, c in enumerate(nb["cells"]) for o in c.get("outputs", []) if o["output_type"] == "error"
    ]


def assert_only_unanswered_exercises_fail(nb):
    """A student notebook run past its errors: it fails, and only with NotImplementedError."""
    found = errors(nb)
    assert found, "an untouched student notebook should stop at its unanswered exercises"
    assert {name for _, name in found} == {"NotImplementedError"}, f"errors other than unanswered exercises: {found}"


def tracebacks(page):
    """Error output anywhere on the page, including inside widgets (whose output is not saved)."""
    texts = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
    return [t[-500:] for t in texts if "Traceback" in t or "Error" in t]


def image_outputs(nb):
    return sum(1 for c in nb["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {}))


def rendered_images(page):
    return page.locator(".jp-Notebook .jp-OutputArea-output img, .jp-Notebook .jp-OutputArea-output canvas").count()


def cell_seconds(nb):
    """{cell index: seconds} from the timing JupyterLab records."""
    out = {}
    for i, c in enumerate(nb["cells"]):
        timing = c.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            start, end = (_time(timing[k]) for k in ("iopub.execute_input", "shell.execute_reply"))
            out[i] = (end - start).total_seconds()
    return out


def _time(stamp):
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def validate(page):
    """Click nbgrader's Validate button and return the dialog's text.

    Now and then, on a busy machine, a kernel loses a message and its cell waits out the lab's
    per-cell limit (300 s, binder/jupyter/nbgrader_config.py), which Validate then reports as a
    timeout: Validate runs once more, as dlfs-grade and the tests' own Validate do. The wait is a
    guard against a hang, well past that limit, not a speed check."""
    for attempt in (1, 2):
        page.click(".jp-NotebookPanel-toolbar >> text=Validate")
        dialog = page.wait_for_selector(".jp-Dialog-content", timeout=900_000)
        text = dialog.inner_text()
        page.click(".jp-Dialog-button >> text=Ok")
        if attempt == 2 or not re.search(r"timed out|Timeout", text):
            return text
        page.wait_for_selector(".jp-Dialog-content", state="detached", timeout=60_000)
    return text


def screenshot(page, name, at=None):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if at is not None:
        at.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / f"{name}.png")
    return SCREENSHOTS / f"{name}.png"


def code_of(cell):
    """A code cell's source, or "" for markdown and test cells (tests check; they don't train)."""
    if cell["cell_type"] != "code" or cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
        return ""
    return "".join(cell["source"])


TRAINERS = {"fit", "train_epochs", "trange", "tqdm"}  # sf.train.fit, train_epochs and tqdm show a bar


def long_cells(sources):
    """Indices of the cells that train or loop over steps, judged from their code, not from a clock:
    a top-level call of a trainer (sf.train.fit, trange, tqdm, or a function of the notebook that
    calls one), or a loop over range(N) with N >= 100. Definitions and panel callbacks don't count."""
    trainers, found = set(TRAINERS), []
    for index, source in enumerate(sources):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _calls(node.body, trainers):
                trainers.add(node.name)
        top = [s for s in tree.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        if _calls(top, trainers) or any(_long_loop(n) for s in top for n in _walk(s)):
            found.append(index)
    return found


def _walk(node):
    """ast.walk without descending into function bodies (they run later, if at all)."""
    yield node
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            yield from _walk(child)


def _calls(statements, names):
    for node in (n for s in statements for n in _walk(s)):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in names and not _quiet(node):
                return True
    return False


def _quiet(call):
    """A trainer told not to show its bar: fit(..., progress=False), tqdm(..., disable=True)."""
    flags = {k.arg: ast.unparse(k.value) for k in call.keywords}
    return flags.get("progress") == "False" or flags.get("disable") == "True"


def _long_loop(node):
    if not isinstance(node, ast.For) or not isinstance(node.iter, ast.Call):
        return False
    if getattr(node.iter.func, "id", None) != "range" or not node.iter.args:
        return False
    stop = node.iter.args[-1] if len(node.iter.args) < 3 else node.iter.args[1]
    return isinstance(stop, ast.Constant) and isinstance(stop.value, int) and stop.value >= 100
