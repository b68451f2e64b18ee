"""autograd_core: a small reverse-mode (and forward-mode) automatic differentiation engine.

    >>> from autograd_core import Value
    >>> a, b = Value(2.0, label="a"), Value(1.0, label="b")
    >>> e = (a + b) * (b + 1)
    >>> e.backward()
    >>> a.grad, b.grad
    (2.0, 5.0)

Every primitive and its derivative rules live in one registry, `autograd_core.primitives`.
"""

from .core import Primitive, Value, enable_grad, is_grad_enabled, no_grad, toposort
from .functional import check_grads, grad, hessian, jacobian, jvp, value_and_grad, vjp
from .primitives import (
    abs,
    add,
    broadcast_to,
    concatenate,
    div,
    exp,
    expand_dims,
    getitem,
    linear,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    power,
    quadratic_cost,
    relu,
    reshape,
    sigmoid,
    softmax,
    sqrt,
    squeeze,
    stack,
    sub,
    sum,
    swapaxes,
    tanh,
    transpose,
    where,
)

__all__ = [
    "Primitive", "Value", "abs", "add", "broadcast_to", "check_grads", "concatenate", "div",
    "enable_grad", "exp", "expand_dims", "getitem", "grad", "hessian", "is_grad_enabled",
    "jacobian", "jvp", "linear", "log", "log_softmax", "logsumexp", "matmul", "max", "maximum", "mean",
    "min", "minimum", "mul", "neg", "no_grad", "power", "quadratic_cost", "relu", "reshape", "sigmoid",
    "softmax", "sqrt", "squeeze", "stack", "sub", "sum", "swapaxes", "tanh", "toposort", "transpose",
    "value_and_grad", "vjp", "where",
]
