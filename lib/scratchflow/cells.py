"""Something to undo when the current notebook cell ends: a test cell's settings (the exercise it
checks, its recording) must not leak into the learner's next cell."""

import sys


def after_this_cell(callback):
    """Call `callback()` once, when the running IPython cell ends; outside IPython, never."""
    module = sys.modules.get("IPython")
    shell = module.get_ipython() if module is not None else None
    if shell is None:
        return

    def once(*_args):
        shell.events.unregister("post_run_cell", once)
        callback()

    shell.events.register("post_run_cell", once)
