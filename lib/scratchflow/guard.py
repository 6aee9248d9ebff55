"""While an exercise is checked, the library's own answer to it does not answer.

scratchflow ships a finished reference for every exercise (so a learner stuck in one chapter can
do the next), marked here with `@reference("name")`. A test cell opens `exercise("name")`; until
the cell ends, every call of that reference raises `Delegation`, whatever the spelling (`sf.X`,
an alias, a subclass and `super()`, `sf.gradient_function(op)`), naming the exercise and the
reference. So test cells compute their expected values without it, and the references of the
other exercises keep working (exercise 4 of chapter 1 uses `sf.topological_order`).

That guard lives in the learner's process, so it only informs (Validate, `sf.progress()`). When
`dlfs-grade` decides an exercise's points, the reference is not there at all: the kernel imports a
copy of scratchflow (`dlfs.absent`) in which each marked function's body is replaced by
`raise absent(...)`. A mark with `in_kernel=False` (the numerical-gradient helpers, which the
backpropagation test itself uses) only says what that copy leaves out.
"""

import functools
import os

from . import tally
from .cells import after_this_cell, namespace

_open = set()  # the exercises being checked
# Filled by `scratchflow.yours.used` while a demonstration runs the learner's passing answers:
_stand_ins = {}  # exercise -> call(reference, args, kwargs): (learner's function, its keywords), or None
_watched = set()  # exercises whose calls are noted in _ran, as (exercise, ran the learner's answer)
_ran = set()
_inside = set()  # stand-ins running now: a nested call of the same reference is the reference's
_START = os.getcwd()  # the kernel's folder: where a graded run notes calls of absent references
ABSENT_LOG = ".dlfs-absent.log"


class Delegation(AssertionError):
    """The learner's answer called the reference answer of the exercise being checked."""


def reference(name, spelling=None, in_kernel=True):
    """Mark a function as the library's answer to exercise `name`; `spelling` names it in messages."""

    def mark(function):
        shown = spelling or f"sf.{function.__qualname__}"
        if not in_kernel:
            function.reference_of, function.spelling = name, shown
            return function

        @functools.wraps(function)
        def answer(*args, **kwargs):
            if name in _open:
                raise Delegation(
                    f"the exercise on {name} asks you to write it yourself; your answer calls the "
                    f"reference {shown}. Use NumPy (and, where the exercise says so, other parts of sf)."
                )
            if name in _watched:
                return _substituted(name, function, args, kwargs)
            return function(*args, **kwargs)

        answer.reference_of, answer.spelling = name, shown
        return answer

    return mark


def _substituted(name, function, args, kwargs):
    stand_in = _stand_ins.get(name) if name not in _inside else None
    call = stand_in(function, args, kwargs) if stand_in else None
    _ran.add((name, call is not None))
    if call is None:
        return function(*args, **kwargs)
    own, own_kwargs = call
    _inside.add(name)
    try:
        return own(*args, **own_kwargs)
    finally:
        _inside.discard(name)


def absent(name, shown):
    """The error a graded run's copy of scratchflow raises in place of a reference's body; the call
    is noted beside the notebook, so that the grader can judge another exercise that legitimately
    uses this reference again in a run where it is present."""
    from .record import _state  # the test cell running, if any

    try:
        with open(os.path.join(_START, ABSENT_LOG), "a") as log:
            log.write(f"{name}\t{_state['cell'] or ''}\n")
    except OSError:
        pass
    return Delegation(
        f"the exercise on {name} asks you to write it yourself; your answer calls the reference {shown}, "
        "which is absent while this exercise is graded. Use NumPy (and, where the exercise says so, other parts of sf)."
    )


class exercise:
    """`exercise("add", ...)`: the named references refuse the learner's code until the cell ends
    (in IPython), or until the `with` block ends. A cell that ends without an error says so in one
    line, and registers the answers it checked (`scratchflow.yours`) for the chapter's
    demonstrations; a cell that fails unregisters them. Not while grading, where the checks only
    record."""

    def __init__(self, *names):
        from . import record

        self.names = names
        _open.update(names)
        tally.start()
        after_this_cell(self.close)
        if not record.active():
            after_this_cell(self.report, told_success=True)

    def report(self, succeeded):
        from . import yours

        found = namespace()
        answers = [name for name in self.names if callable(found.get(name))]
        if not succeeded:  # an answer that no longer passes no longer runs the chapter
            for name in answers:
                yours.forget(name)
            return
        print(tally.line(answers or self.names))  # the learner's answers, not every reference closed
        for name in answers:
            yours.passed(name, found[name], found)

    def close(self):
        for name in self.names:
            _open.discard(name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class forward_pass_banned:
    """While the learner's gradient of an op runs: calling that op's forward pass (to take finite
    differences, say) raises, since the exercise asks for the formula of the derivative."""

    def __init__(self, op_class):
        self.op_class = op_class

    def __enter__(self):
        name = self.op_class.__name__
        self.saved = self.op_class.__dict__.get("compute")

        def compute(*_args, **_kwargs):
            raise Delegation(
                f"the gradient of {name} called {name}'s forward pass (compute): the exercise asks for "
                "the derivative as a formula, computed from grad, inputs and output, not for finite differences"
            )

        self.op_class.compute = compute
        return self

    def __exit__(self, *exc):
        if self.saved is None:
            del self.op_class.compute
        else:
            self.op_class.compute = self.saved


class evaluation_banned:
    """While the learner's `compute_gradients` runs: evaluating the graph again (any op's forward
    pass, a session's run, the numerical-gradient helpers) raises, since the exercise asks for one
    reverse pass over the forward values it is given, not for finite differences."""

    def __enter__(self):
        from . import gradcheck
        from .nodes import Operation
        from .session import Session

        self.saved = []
        classes, todo = set(), [Operation]
        while todo:
            cls = todo.pop()
            if cls not in classes:
                classes.add(cls)
                todo.extend(cls.__subclasses__())
        targets = [(cls, "compute", f"{cls.__name__}'s forward pass (compute)") for cls in classes]
        targets += [(Session, name, f"Session.{name}") for name in ("run", "forward", "_forward")]
        targets += [(gradcheck, name, f"sf.{name}") for name in ("numerical_gradient", "_numerical")]
        for owner, name, what in targets:
            if name in vars(owner):
                self.saved.append((owner, name, vars(owner)[name]))
                setattr(owner, name, _refusing(what))
        return self

    def __exit__(self, *exc):
        for owner, name, value in reversed(self.saved):
            setattr(owner, name, value)


def _refusing(what):
    def refuse(*_args, **_kwargs):
        raise Delegation(
            f"compute_gradients evaluated the graph again: it called {what}. The exercise asks for "
            "backpropagation: one reverse pass over the forward values it is given, each op's gradient "
            "from its gradient function, not finite differences or another run of the graph"
        )

    return refuse
