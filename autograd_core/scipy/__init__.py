"""SciPy, differentiable: `autograd_core.scipy.special` and `autograd_core.scipy.stats`.

An optional part: it needs SciPy (`pip install scipy`, or `pip install -e '.[scipy]'` from the
repository); the engine itself imports nothing of SciPy. SciPy's own special functions that
are ufuncs (`scipy.special.gammaln(v)`, `erf`, `ndtr`, ...) called on a Value run the
primitives of `autograd_core.scipy.special` (NumPy's dispatch imports that module when the
first of them meets a Value). SciPy's plain Python functions (`scipy.special.logsumexp`,
`softmax`, `log_softmax`, `polygamma` and everything in `scipy.stats`) cannot be intercepted:
they convert their arguments with np.asarray, which a Value that requires grad refuses with a
TypeError. Call the functions of these modules instead. docs/numpy-support.md lists them all.
"""

try:
    import scipy  # noqa: F401  (only to fail early, with the install command)
except ImportError as missing:  # pragma: no cover - exercised in an environment without SciPy
    raise ImportError(
        "autograd_core.scipy needs SciPy: pip install scipy (or pip install -e '.[scipy]' "
        "from the repository)"
    ) from missing
