"""Each chapter in a real browser (Playwright driving Debian's Chromium) in JupyterLab started as
`make lab` starts it: the student notebook run top to bottom fails only where an exercise is
unanswered and shows its figures; the solution runs without an error, it has a slider panel that
redraws its plot, its long cells show progress bars; nbgrader's Validate button says Success or
failure (clicked in chapter 1).

Marked slow: with the Binder and JupyterHub tests, `pytest -m "not slow"` leaves them out."""

import json
import shutil
import sys
import time
import urllib.error
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

import browser as b
from course import CHAPTERS, ENV, ROOT, notebooks
from lab import TOKEN, get, running_lab

pytestmark = pytest.mark.slow
HAS_PLOTS = {c for c in CHAPTERS if not c.startswith("06")}  # chapter 6 compares numbers and speeds
# The Validate button is clicked in one chapter: the dialog is the same for every notebook, and what
# Validate says of each chapter is tested without a browser (test_lab: the server's Validate endpoint
# on every student notebook; test_grading_power: nbgrader's Validator on every solution).
CLICK_VALIDATE = {CHAPTERS[0]}
# Figures worth a screenshot of their own, by cell id.
FIGURES = {"05_multi_layer_perceptrons": ("digits-show", "digits-train", "digits-errors")}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A copy of the course to serve: the browser saves notebooks, and the repository stays as it is."""
    root = tmp_path_factory.mktemp("course")
    for top in ("notebooks", "solutions"):
        shutil.copytree(ROOT / top, root / top)
    return root


@pytest.fixture(scope="module")
def lab(course, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    with running_lab(course, home, ENV, Path(sys.executable).parent, settings=b.SETTINGS) as base:
        yield base


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        browser = b.launch(playwright)
        yield browser
        browser.close()


def rel(top, chapter):
    return f"{top}/{chapter}/{notebooks(top, chapter)[0].name}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_notebook_in_the_browser(chapter, course, lab, chromium):
    page = b.open_notebook(chromium, lab, TOKEN, rel("notebooks", chapter))
    try:
        b.run_past_errors(page)
        nb = b.save(page, course / rel("notebooks", chapter))
        b.assert_only_unanswered_exercises_fail(nb)
        assert b.rendered_images(page) >= b.image_outputs(nb), "a figure in the notebook did not render"
        if chapter in HAS_PLOTS:
            assert b.image_outputs(nb) > 0, "no figure at all in the student notebook"
        first_figure = page.locator(".jp-OutputArea-output img").first
        b.screenshot(page, f"{chapter}-student", first_figure if first_figure.count() else None)
        if chapter in CLICK_VALIDATE:
            says = b.validate(page)
            assert "failed" in says.lower() and "Success" not in says, says
    finally:
        page.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_notebook_in_the_browser(chapter, course, lab, chromium):
    page = b.open_notebook(chromium, lab, TOKEN, rel("solutions", chapter))
    try:
        started = time.monotonic()
        b.run_all(page)
        wall = time.monotonic() - started
        nb = b.save(page, course / rel("solutions", chapter))
        assert b.errors(nb) == [], f"the solution shows errors: {b.errors(nb)}"
        assert b.tracebacks(page) == [], "a traceback on the page (a widget's output is not saved in the notebook)"
        assert b.rendered_images(page) >= b.image_outputs(nb), "a figure in the notebook did not render"
        if chapter in HAS_PLOTS:
            assert b.image_outputs(nb) > 0

        cells = page.locator(".jp-Notebook .jp-Cell")
        assert cells.count() == len(nb["cells"])
        long = b.long_cells([b.code_of(c) for c in nb["cells"]])
        for i in long:  # decided from what the cell does, never from how long this machine took
            assert cells.nth(i).locator(".widget-hprogress").count() > 0, f"cell {i} trains without a progress bar"
        _record(chapter, wall, b.cell_seconds(nb))
        for cell_id in FIGURES.get(chapter, ()):
            (index,) = [i for i, c in enumerate(nb["cells"]) if c.get("id") == cell_id]
            assert cells.nth(index).locator(".jp-OutputArea-output img").count() > 0, f"{cell_id} shows no figure"
            b.screenshot(page, f"{chapter}-{cell_id}", cells.nth(index).locator(".jp-OutputArea-output img").last)

        sliders = page.locator(".jp-Notebook .jp-Cell:has(.widget-slider)")
        assert sliders.count() > 0, "no widget panel with a slider rendered"
        _slider_redraws_its_plot(page, sliders.first)
        b.screenshot(page, f"{chapter}-solution", sliders.first)
        if chapter in CLICK_VALIDATE:
            says = b.validate(page)
            assert "Success" in says, says
    finally:
        page.close()


def _slider_redraws_its_plot(page, cell):
    image = cell.locator(".jp-OutputArea-output img").first
    image.wait_for()
    before = image.get_attribute("src")
    value = cell.locator(".widget-readout").first.inner_text()
    handle = cell.locator(".noUi-handle").first
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    deadline = time.monotonic() + 180  # a guard against a hang: a redraw takes seconds
    while time.monotonic() < deadline:
        after = image.get_attribute("src") if image.count() else None
        if after and after != before:
            break
        page.wait_for_timeout(200)
    assert cell.locator(".widget-readout").first.inner_text() != value, "the slider did not move"
    assert b.tracebacks(page) == [], "moving the slider raised an error"
    assert after != before, "moving the slider did not redraw its plot"
    b.wait_done(page, 0)  # the second key press may still be redrawing


def _record(chapter, wall, seconds):
    b.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    times = {"run_all_seconds": round(wall, 1), "cells_seconds": round(sum(seconds.values()), 1)}
    (b.SCREENSHOTS / f"{chapter}-times.json").write_text(json.dumps(times))


def nbgrader_menu(browser, base):
    page = b.open_notebook(browser, base, TOKEN, rel("notebooks", CHAPTERS[0]))
    try:
        page.click(".lm-MenuBar-itemLabel:text-is('Nbgrader')")
        items = set(page.locator(".lm-Menu-itemLabel").all_inner_texts()) - {""}
        page.keyboard.press("Escape")
        assert page.locator(".jp-NotebookPanel-toolbar >> text=Validate").count() == 1
        return items
    finally:
        page.close()


def test_learners_do_not_see_the_instructor_tools_or_a_news_prompt(lab, chromium):
    assert nbgrader_menu(chromium, lab) == {"Assignment List"}
    page = b.open_notebook(chromium, lab, TOKEN, rel("notebooks", CHAPTERS[0]))
    page.wait_for_timeout(3000)  # the prompt comes a moment after the page
    assert page.locator("text=official Jupyter news").count() == 0
    page.close()
    with pytest.raises(urllib.error.HTTPError, match="404"):
        get(lab, "/formgrader")


def test_instructors_get_them_with_make_instructor(course, tmp_path, chromium):
    with running_lab(course, tmp_path, ENV, Path(sys.executable).parent, start=None, settings=b.SETTINGS) as base:
        items = nbgrader_menu(chromium, base)
        assert any(i.startswith("Formgrader") for i in items) and "Assignment List" in items, items
        assert "Manage Assignments" in get(base, "/formgrader")


def test_progress_table_in_a_notebook(course, lab, chromium):
    """sf.progress() in a learner's folder (here: chapter 2, untouched) shows its coloured table."""
    folder = course / "progress"
    shutil.copytree(course / "notebooks" / "02_perceptrons", folder / "02_perceptrons")
    nb = {
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                   "source": "import scratchflow as sf\n\nsf.progress()"}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }  # fmt: skip
    (folder / "progress.ipynb").write_text(json.dumps(nb))
    page = b.open_notebook(chromium, lab, TOKEN, "progress/progress.ipynb")
    try:
        b.run_all(page)
        table = page.locator(".jp-OutputArea-output table")
        table.wait_for(timeout=120_000)
        text = table.inner_text()
        assert "Exercise 2 · softmax" in text and "not started" in text and "0/5" in text, text
        b.screenshot(page, "progress-table", table)
    finally:
        page.close()
