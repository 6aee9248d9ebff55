"""TF1's `tf.nn` names for scratchflow's activations."""

from .missing import report_missing
from .nn_ops import relu, sigmoid, softmax, tanh

__all__ = ["relu", "sigmoid", "softmax", "tanh"]
__getattr__ = report_missing("sf.nn", __all__)
