"""Generate the student notebooks (notebooks/) from the nbgrader sources (solutions/).

    python -m dlfs.release            # regenerate notebooks/ in place (what `make notebooks` runs)
    python -m dlfs.release --into D   # generate into D instead (the sync test compares D to notebooks/)

nbgrader writes a gradebook and a log file where it runs, so it runs in a temporary copy of the
course's sources: nothing but the release lands in the repository.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE, RELEASE = "solutions", "notebooks"


def chapters(root):
    """The chapter folders of solutions/, e.g. ['01_computational_graphs', ...]."""
    return sorted(p.name for p in (Path(root) / SOURCE).iterdir() if p.is_dir() and p.name[:2].isdigit())


def release(root=".", into=None):
    """Run `nbgrader generate_assignment` for every chapter; write the result under `into`."""
    root = Path(root).resolve()
    into = Path(into or root / RELEASE).resolve()
    # nbgrader starts `alembic` by name; it lives beside this interpreter.
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    with tempfile.TemporaryDirectory(prefix="dlfs-release-") as tmp:
        shutil.copytree(
            root / SOURCE, Path(tmp) / SOURCE, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
        )
        shutil.copy(root / "nbgrader_config.py", tmp)
        for chapter in chapters(root):
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "nbgrader",
                    "generate_assignment",
                    chapter,
                    "--force",
                    "--log-level=WARN",
                    f"--CourseDirectory.release_directory={into}",
                    f"--CourseDirectory.db_url=sqlite:///{tmp}/gradebook.db",
                ],
                cwd=tmp,
                env=env,
                check=True,
            )
    return into


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="the course repository (default: here)")
    parser.add_argument("--into", help="where to write the release (default: ROOT/notebooks)")
    args = parser.parse_args(argv)
    print(f"student notebooks written to {release(args.root, args.into)}")


if __name__ == "__main__":
    main()
