"""End to end with `nbgrader autograde` in a temporary course: full marks for the answered
release, zero for the untouched one (both without their demo cells), the run not aborted,
nothing written to the repository."""

import shutil
import subprocess

import nbformat
import pytest
from nbgrader.api import Gradebook

from course import CHAPTERS, ROOT, answered, nbgrader, notebooks, without_demos
from dlfs import kernels


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_autograde_scores_full_and_zero(chapter, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / chapter, course / "solutions" / chapter)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    db = f"sqlite:///{tmp_path}/gradebook.db"
    for path in notebooks("notebooks", chapter):
        source = nbformat.read(ROOT / "solutions" / chapter / path.name, as_version=4)
        # without the demo cells, which no test depends on (the browser and nbval tests run them)
        release = without_demos(nbformat.read(path, as_version=4))
        for student, nb in {"solved": answered(release, source), "untouched": release}.items():
            (course / "submitted" / student / chapter).mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, course / "submitted" / student / chapter / path.name)

    git_status = ["git", "status", "--porcelain", "--ignored"]
    before = subprocess.run(git_status, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    release_dir = f"--CourseDirectory.release_directory={tmp_path}/release"
    nbgrader(course, "generate_assignment", chapter, "--force", release_dir, f"--CourseDirectory.db_url={db}")
    nbgrader(
        course, "autograde", chapter, "--create", "--force", *kernels.flags(tmp_path), f"--CourseDirectory.db_url={db}"
    )
    with Gradebook(db) as gb:
        solved = gb.find_submission(chapter, "solved")
        untouched = gb.find_submission(chapter, "untouched")
        # Written answers wait for the instructor (formgrader); every automatic point must be there.
        assert solved.max_code_score > 0
        assert solved.code_score == pytest.approx(solved.max_code_score), (
            f"the answered release scored {solved.code_score}/{solved.max_code_score} automatic points"
        )
        assert untouched.score == 0, f"the untouched release scored {untouched.score}/{untouched.max_score}"
    after = subprocess.run(git_status, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert after == before, f"autograding wrote into the repository:\n{after}"
