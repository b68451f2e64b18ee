"""SciPy's distributions, differentiable: `autograd_core.scipy.stats.norm.logpdf(x, loc, scale)`
takes the arguments of `scipy.stats.norm.logpdf`, positional or by keyword, and gives its values.

One module per distribution (`import autograd_core.scipy.stats.norm as norm` works too):
`norm`, `t`, `multivariate_normal`, `gamma`, `beta`, `dirichlet` and `poisson`. They are built
from the engine's primitives, so every derivative (of any order) comes from the registry's
rules. SciPy's conventions are kept: outside the support a log-density is -inf and a density 0
(derivative 0 there); for a parameter outside its domain the result is nan (derivative nan).
Results follow the inputs' dtype (SciPy's are always float64).

SciPy's own `scipy.stats` functions cannot take Values (they convert their arguments with
np.asarray, which a Value that requires grad refuses): call these instead.
"""

from . import beta, dirichlet, gamma, multivariate_normal, norm, poisson, t

__all__ = ["beta", "dirichlet", "gamma", "multivariate_normal", "norm", "poisson", "t"]

DISTRIBUTIONS = {name: globals()[name] for name in __all__}
"""Each distribution's module, by its name in scipy.stats."""
