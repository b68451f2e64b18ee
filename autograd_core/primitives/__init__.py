"""The registry: every primitive, its NumPy forward and its derivative rules, side by side.

One module per kind: `elementwise` (arithmetic and elementwise functions), `reductions`,
`linalg` (products, einsum, diagonals and triangles), `decompositions` (NumPy's linalg:
inverse, determinant, solve, cholesky, eigh, svd, pinv, norm), `shapes` (shape, joining
and splitting), `indexing` (picking, sorting, padding) and `numpy_dispatch` (NumPy's own
functions and ufuncs called on Values). `REGISTRY` maps every primitive's name to it.

The contract of a rule
----------------------
* A VJP rule for input i is called as ``rule(g, ans, *inputs, **params)``: ``g`` is the
  gradient of the output (dC/d ans), ``ans`` the output, ``inputs`` the primitive's inputs.
  It returns the contribution dC/d inputs[i] along this edge. It may return an array of the
  output's (broadcast) shape: the reverse pass sums it back to the input's shape, in one
  place (`core._unbroadcast`), so a rule never thinks about broadcasting.
* A JVP rule for input i is called as ``rule(t, ans, *inputs, **params)``: ``t`` is the
  tangent of inputs[i]; it returns that input's contribution to the output's tangent.
* Rules are written with the primitives themselves (operators, methods, the functions of
  this module), so they run on raw arrays in an ordinary backward pass and on Values,
  recording a new graph, with ``create_graph=True``: higher derivatives fall out.
* For an elementwise primitive the VJP and the JVP of an input are the same map
  (multiplication by the partial derivative), so one rule serves both: ``derivs``.
* Rules are given per input, so the rule of an input that needs no gradient never runs.
"""

from . import decompositions, elementwise, indexing, linalg, reductions, shapes
from ._registry import REGISTRY, EachArg, defelementwise, defprim
from .decompositions import *  # noqa: F403  (each module's __all__ lists its public names)
from .elementwise import *  # noqa: F403
from .indexing import *  # noqa: F403
from .linalg import *  # noqa: F403
from .linalg import linear_prim
from .numpy_dispatch import apply_function, apply_ufunc
from .reductions import *  # noqa: F403
from .reductions import quadratic_cost_prim
from .shapes import *  # noqa: F403

__all__ = ["REGISTRY", "EachArg", "defelementwise", "defprim", "apply_function", "apply_ufunc", "linear_prim",
           "quadratic_cost_prim"]
__all__ += elementwise.__all__
__all__ += reductions.__all__
__all__ += linalg.__all__
__all__ += shapes.__all__
__all__ += indexing.__all__
__all__ += decompositions.__all__
