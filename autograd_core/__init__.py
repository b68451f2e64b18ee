"""autograd_core: a small reverse-mode (and forward-mode) automatic differentiation engine.

    >>> from autograd_core import Value
    >>> a, b = Value(2.0, label="a"), Value(1.0, label="b")
    >>> e = (a + b) * (b + 1)
    >>> e.backward()
    >>> a.grad, b.grad
    (2.0, 5.0)

Every primitive and its derivative rules live in one registry, `autograd_core.primitives`;
`primitive`, `defvjp` and `defjvp` (`autograd_core.extend`) make your own.
"""

from .core import Primitive, Value, enable_grad, is_grad_enabled, no_grad, toposort
from .extend import defjvp, defvjp, primitive
from .functional import (
    check_grads,
    elementwise_grad,
    grad,
    hessian,
    hessian_vector_product,
    hvp,
    jacobian,
    jvp,
    value_and_grad,
    vjp,
)
from .primitives import decompositions, elementwise, indexing, linalg, reductions, shapes
from .primitives.decompositions import *  # noqa: F403  (every primitive, as ag.<name>)
from .primitives.elementwise import *  # noqa: F403
from .primitives.indexing import *  # noqa: F403
from .primitives.linalg import *  # noqa: F403
from .primitives.reductions import *  # noqa: F403
from .primitives.shapes import *  # noqa: F403
from .tree import flatten, flatten_func

__all__ = [
    "Primitive", "Value", "check_grads", "defjvp", "defvjp", "elementwise_grad", "enable_grad", "flatten",
    "flatten_func", "grad", "hessian",
    "hessian_vector_product", "hvp", "is_grad_enabled", "jacobian", "jvp", "no_grad", "primitive", "toposort",
    "value_and_grad", "vjp",
]
__all__ += elementwise.__all__
__all__ += reductions.__all__
__all__ += linalg.__all__
__all__ += shapes.__all__
__all__ += indexing.__all__
__all__ += decompositions.__all__
