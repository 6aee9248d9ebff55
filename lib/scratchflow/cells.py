"""Something to undo when the current notebook cell ends: a test cell's settings (the exercise it
checks, its recording) must not leak into the learner's next cell."""

import sys


def _shell():
    module = sys.modules.get("IPython")
    return module.get_ipython() if module is not None else None


def after_this_cell(callback, told_success=False):
    """Call `callback()` once, when the running IPython cell ends (with `told_success`, as
    `callback(succeeded)`: whether the cell raised nothing); outside IPython, never."""
    shell = _shell()
    if shell is None:
        return

    def once(result=None, *_args):
        shell.events.unregister("post_run_cell", once)
        if told_success:
            callback(result is not None and result.success)
        else:
            callback()

    shell.events.register("post_run_cell", once)


def namespace():
    """The notebook's variables (empty outside IPython)."""
    shell = _shell()
    return shell.user_ns if shell is not None else {}
