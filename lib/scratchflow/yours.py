"""Your code runs the course: the answers whose visible tests passed stand in for the library's.

When a test cell that opened `sf.checks.exercise("tanh", ...)` ends without an error in the
learner's kernel, each named answer defined in the notebook is registered here (never while
grading: there the checks only record). A demonstration then runs inside

    with sf.yours.used("tanh", "tanh_gradient", "build_mlp", says="trained"):
        ...

and every call of one of the library's references to those exercises (the `@reference` marks of
`scratchflow.guard`) runs the learner's registered answer instead. When the block ends it prints
whose code it ran, for example

    trained with your build_mlp, tanh, tanh_gradient; reference: train_epochs (yours does not pass yet)

A learner who is stuck still gets a working chapter: what has not passed is the reference.

A passing answer is also kept on disk (`scratchflow.shelf`), so that a later chapter's kernel runs
it too: within `used(...)`, a named exercise that has not passed in this kernel runs the kept
answer, and the line calls it "saved" (chapter 6 trains with the chapter 4 and 5 answers).
"""

import inspect

from . import guard, shelf

_passed = {}  # exercise name -> the learner's answer (a function, or an Operation class)


def passed(name, answer, namespace=None):
    """Register `answer` as the learner's passing answer to exercise `name`; with the notebook's
    `namespace`, keep it for later chapters too."""
    _passed[name] = answer
    if namespace is not None:
        shelf.keep(name, answer, namespace)


def forget(name=None):
    """Forget one registered answer (or all), here and on disk: the reference runs again."""
    if name is None:
        _passed.clear()
        shelf.drop_all()
    else:
        _passed.pop(name, None)
        shelf.drop(name)


def registered():
    return dict(_passed)


class used:
    """Within the block, the named exercises' references run the learner's passing answers."""

    def __init__(self, *names, says="ran"):
        self.names, self.says = names, says

    def __enter__(self):
        self.saved = dict(guard._stand_ins), set(guard._watched), set(guard._ran)
        guard._ran.clear()
        guard._watched.update(self.names)
        self.saved_ones = set()
        for name in self.names:
            answer = _passed.get(name)
            if answer is None and (answer := shelf.load(name)) is not None:
                self.saved_ones.add(name)
            if answer is not None:
                guard._stand_ins[name] = _stand_in(answer)
        return self

    def __exit__(self, *exc):
        ran = set(guard._ran)
        guard._stand_ins.clear()
        guard._stand_ins.update(self.saved[0])
        guard._watched.clear()
        guard._watched.update(self.saved[1])
        guard._ran.clear()
        guard._ran.update(self.saved[2] | ran)
        if exc[0] is None:
            print(self.report(ran))

    def report(self, ran):
        yours = [n for n in self.names if (n, True) in ran and n not in self.saved_ones]
        saved = [n for n in self.names if (n, True) in ran and n in self.saved_ones]
        reference = [n for n in self.names if (n, False) in ran and (n, True) not in ran]
        mine = [f"your {', '.join(yours)}"] * bool(yours) + [f"your saved {', '.join(saved)}"] * bool(saved)
        said = f"{self.says} with {' and '.join(mine)}" if mine else f"{self.says} with the library's reference code"
        if reference:
            said += ("; reference: " if mine else ": ") + ", ".join(reference) + " (yours does not pass yet)"
        return said


def _stand_in(answer):
    """call(reference, args, kwargs): (the learner's function, the keywords to give it), to be called
    as the reference would be, or None when it cannot take that call (then the reference runs).
    Decided once per kind of call: a training loop makes the same calls thousands of times."""
    decided = {}

    def call(reference, args, kwargs):
        key = (reference, len(args), tuple((k, _is_default(reference, k, v)) for k, v in kwargs.items()))
        plan = decided.get(key)
        if plan is None:
            plan = decided[key] = _plan(answer, reference, args, kwargs)
        if not plan:
            return None
        own, keep = plan
        return own, {k: v for k, v in kwargs.items() if k in keep}

    return call


DISPLAY_ONLY = {"progress", "description"}  # keywords of the library's functions that change no result


def _plan(answer, reference, args, kwargs):
    own = getattr(answer, reference.__name__, None) if inspect.isclass(answer) else answer
    if not callable(own):
        return False
    try:
        params = inspect.signature(own).parameters
    except (TypeError, ValueError):
        return False
    # A keyword the learner's function does not take is dropped if it only changes what is shown,
    # or asks for the reference's default; any other is kept, so that binding fails.
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    keep = {
        k for k, v in kwargs.items()
        if takes_any or k in params or (k not in DISPLAY_ONLY and not _is_default(reference, k, v))
    }  # fmt: skip
    try:
        inspect.signature(own).bind(*args, **{k: kwargs[k] for k in keep})
    except TypeError:
        return False
    return own, keep


def _is_default(reference, name, value):
    parameter = inspect.signature(reference).parameters.get(name)
    return parameter is not None and parameter.default is value
