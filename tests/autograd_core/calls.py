"""What a row of the primitives' hypothesis table draws: a `Call` of a function on inputs in its domain.

The table itself is assembled in test_primitives.py from its own rows and from the
`ROWS` of the `table_*.py` modules beside it (one per kind of primitive).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd_core.testing import arrays, broadcastable_arrays, shapes


@dataclass
class Call:
    """f(*args) with the drawn parameters (shown when hypothesis reports a failure)."""

    f: Callable[..., Any] = field(repr=False)
    args: tuple[np.ndarray, ...]
    params: dict[str, Any] = field(default_factory=dict)


# --- strategies for the table ------------------------------------------------------------

NONSCALAR_SHAPES = shapes(min_dims=1)
INDEX_RESULT_SHAPES = shapes(min_dims=1, max_dims=2)
SQUEEZABLE_SHAPES = shapes(max_dims=4, max_side=2)  # many axes of size 1
LEADING_SHAPES = shapes(max_dims=2, max_side=3)


def unary(f: Callable[..., Any], inputs: st.SearchStrategy[np.ndarray] | None = None) -> st.SearchStrategy:
    """f(x) on arrays of any small shape (by default bounded by testing.BOUND)."""
    return (arrays() if inputs is None else inputs).map(lambda x: Call(f, (x,)))


def binary(f: Callable[..., Any], *makers: Any) -> st.SearchStrategy:
    """f(x, y) on mutually broadcastable arrays, each from its maker (default `arrays`)."""
    return broadcastable_arrays(*(makers or (arrays, arrays))).map(lambda xy: Call(f, xy))


def axis_params(ndim: int, tuples: bool = True) -> st.SearchStrategy:
    """axis=None, a (possibly negative) int, or a tuple of axes; and keepdims."""
    choices = [st.none()]
    if ndim:
        choices.append(st.integers(-ndim, ndim - 1))
    if tuples:
        choices.append(hnp.valid_tuple_axes(ndim))
    return st.fixed_dictionaries({"axis": st.one_of(choices), "keepdims": st.booleans()})
