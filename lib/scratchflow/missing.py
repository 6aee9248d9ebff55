"""Porting TF1 code: a name scratchflow does not have is reported as the TF1 feature it is."""

import difflib


def report_missing(prefix, names):
    """A module `__getattr__` for `prefix` (e.g. "sf.nn", mirroring "tf.nn") that has `names`."""

    def __getattr__(name):
        if name.startswith("_"):
            raise AttributeError(f"module {prefix!r} has no attribute {name!r}")
        close = difflib.get_close_matches(name, names, n=3)
        hint = f" Did you mean {', '.join(f'{prefix}.{c}' for c in close)}?" if close else ""
        raise AttributeError(
            f"{prefix}.{name}: scratchflow does not have TensorFlow 1's {prefix.replace('sf', 'tf', 1)}.{name}; "
            f"it has a small part of TF1 (see sf.TF1_NAMES).{hint}"
        )

    return __getattr__
