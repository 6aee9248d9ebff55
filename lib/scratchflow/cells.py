"""Something to undo when the current notebook cell ends: a test cell's settings (the exercise it
checks, its recording) must not leak into the learner's next cell."""

import sys


def _shell():
    module = sys.modules.get("IPython")
    return module.get_ipython() if module is not None else None


def after_this_cell(callback, only_if_it_succeeds=False):
    """Call `callback()` once, when the running IPython cell ends (with `only_if_it_succeeds`, only
    if it raised nothing); outside IPython, never."""
    shell = _shell()
    if shell is None:
        return

    def once(result=None, *_args):
        shell.events.unregister("post_run_cell", once)
        if not only_if_it_succeeds or (result is not None and result.success):
            callback()

    shell.events.register("post_run_cell", once)


def namespace():
    """The notebook's variables (empty outside IPython)."""
    shell = _shell()
    return shell.user_ns if shell is not None else {}
