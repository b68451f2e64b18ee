"""SciPy, differentiable: `autograd_core.scipy.special` and `autograd_core.scipy.stats`.

An optional part: it needs SciPy (`pip install scipy`, or `pip install -e '.[scipy]'` from the
repository), and nothing of SciPy is imported until one of these modules is. SciPy's own
special functions that are ufuncs (`scipy.special.gammaln(v)`, `erf`, `ndtr`, ...) called on
a Value run the primitives of `autograd_core.scipy.special` as soon as that module is
imported; SciPy's plain Python functions (`scipy.special.logsumexp`, `softmax`,
`log_softmax` and everything in `scipy.stats`) cannot be intercepted: call the functions of
these modules instead.
"""

try:
    import scipy  # noqa: F401  (only to fail early, with the install command)
except ImportError as missing:  # pragma: no cover - exercised in an environment without SciPy
    raise ImportError(
        "autograd_core.scipy needs SciPy: pip install scipy (or pip install -e '.[scipy]' "
        "from the repository)"
    ) from missing
