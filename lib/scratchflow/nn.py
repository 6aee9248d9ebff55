"""TF1's `tf.nn` names for scratchflow's activations."""

from .missing import report_missing
from .nn_ops import relu, sigmoid, softmax, softmax_cross_entropy_with_logits, tanh

__all__ = ["relu", "sigmoid", "softmax", "softmax_cross_entropy_with_logits", "tanh"]
__getattr__ = report_missing("sf.nn", __all__)
