"""A Binder-like fresh launch: a new virtual environment built from binder/ alone (runtime.txt's
Python, `pip install -r binder/requirements.txt`, postBuild if there is one), JupyterLab started by
binder/start, and a chapter run in the browser. Fails if anything a notebook imports is missing."""

import ast
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import sync_playwright

import browser as b
from course import ROOT
from lab import TOKEN, running_lab

# A chapter whose student notebook draws tqdm's widgets. Every module any notebook imports
# (TensorFlow and Keras included) is imported from the same environment by the first test.
CHAPTER = "04_gradient_descent_backpropagation"


def clean_env():
    """The environment without the test run's own virtual environment."""
    ours = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != ours)
    return env


def imported_modules():
    """Top-level modules imported by any code cell of any notebook (student and solution)."""
    modules = set()
    for path in sorted(ROOT.glob("*/[0-9][0-9]_*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, ast.Import):
                    modules |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    modules.add(node.module.split(".")[0])
    return modules


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def binder(tmp_path_factory):
    top = tmp_path_factory.mktemp("binder")
    repo, venv = top / "repo", top / "venv"
    # the repository as Binder clones it: tracked files (and new ones not yet ignored)
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    with tarfile.open(top / "repo.tar", "w") as tar:
        for name in files:
            if (ROOT / name).exists():
                tar.add(ROOT / name, arcname=name)
    with tarfile.open(top / "repo.tar") as tar:
        tar.extractall(repo, filter="tar")
    runtime = (repo / "binder" / "runtime.txt").read_text().strip()
    here = f"python-{sys.version_info.major}.{sys.version_info.minor}"
    assert runtime == here, f"binder/runtime.txt asks for {runtime}; this test runs {here}"
    env = clean_env()
    # --no-compile: Python compiles what the notebooks import when they import it; compiling all of
    # TensorFlow up front took half the install
    subprocess.run([sys._base_executable, "-m", "venv", str(venv)], check=True, env=env)
    install = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile", "-r", "binder/requirements.txt"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    env = dict(env, PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}", NB_PYTHON_PREFIX=str(venv))
    if (repo / "binder" / "postBuild").exists():
        subprocess.run(["bash", "binder/postBuild"], cwd=repo, env=env, check=True)
    return {"repo": repo, "venv": venv, "env": env, "home": top / "home"}


def test_binder_files_install_everything_the_notebooks_import(binder):
    modules = sorted(imported_modules())
    assert {"numpy", "scratchflow", "tensorflow", "ipywidgets"} <= set(modules), modules
    probe = (
        "import importlib, json, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as error:\n"
        "        failed.append(f'{name}: {type(error).__name__}: {error}')\n"
        "print(json.dumps(failed))"
    )
    found = subprocess.run(
        [str(binder["venv"] / "bin" / "python"), "-c", probe, *modules],
        env=binder["env"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(found.stdout) == [], f"imported by the notebooks but not installed by binder/: {found.stdout}"


def test_a_chapter_runs_in_the_browser_from_the_binder_environment(binder):
    home = binder["home"]
    home.mkdir(exist_ok=True)
    bin_dir = binder["venv"] / "bin"
    with (
        running_lab(
            binder["repo"], home, binder["env"], bin_dir, start=binder["repo"] / "binder" / "start", settings=b.SETTINGS
        ) as base,
        sync_playwright() as playwright,
    ):
        browser = b.launch(playwright)
        (path,) = (binder["repo"] / "notebooks" / CHAPTER).glob("*.ipynb")
        page = b.open_notebook(browser, base, TOKEN, f"notebooks/{CHAPTER}/{path.name}")
        b.run_past_errors(page)
        nb = b.save(page, path)
        b.assert_only_unanswered_exercises_fail(nb)
        assert page.locator(".widget-hprogress").count() > 0, "tqdm drew no progress bar widget"
        b.screenshot(page, f"binder-{CHAPTER}-student")
        browser.close()
