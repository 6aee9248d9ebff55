"""TensorFlow 1's dtype names. scratchflow computes every float in float64 (so a learner's
numbers agree with the numerical gradient to many digits): `float32` is accepted where TF1 code
says it, and means "a float". Integer and boolean dtypes keep their kind."""

import numpy as np

float16, float32, float64 = np.float16, np.float32, np.float64
int32, int64, uint8 = np.int32, np.int64, np.uint8
bool = np.bool_  # noqa: A001 (TF1's spelling, tf.bool)


def as_dtype(dtype, where):
    """The NumPy dtype values of `dtype` are computed in (floats become float64)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: {dtype!r} is not a dtype; use e.g. sf.float32, sf.int64, sf.bool") from None
    return np.dtype(np.float64) if dtype.kind == "f" else dtype
