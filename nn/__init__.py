"""nn: modules, costs, optimisers and the closed-form BP1-BP4 reference, in Nielsen's notation.

    >>> import numpy as np
    >>> from nn import MLP, QuadraticCost, backprop
    >>> mlp = MLP([2, 3, 1], seed=0)                 # W^1 (3, 2), b^1 (3,), W^2 (1, 3), b^2 (1,)
    >>> X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
    >>> C = QuadraticCost()(mlp(X), Y)               # C = 1/(2n) sum_x ||y - a^L||^2
    >>> C.backward()
    >>> nabla_b, nabla_w = backprop(mlp, X, Y, QuadraticCost())
    >>> bool(np.allclose(mlp.layers[0].W.grad, nabla_w[0]))
    True

Training: `nn.train.fit` / `nn.train.Trainer` (defined in `nn.training`), and the command
`python -m nn.train`; a run's folder: `nn.rundir`. Data: `nn.data` (MNIST and built-in synthetic sets).
"""

from .backprop import BackpropResult, backprop, feedforward
from .costs import Cost, CrossEntropyCost, LogLikelihoodCost, QuadraticCost, get_cost
from .module import (
    MLP,
    Activation,
    Linear,
    ModelFileError,
    Module,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    get_activation,
    init_parameters,
)
from .optim import SGD, Adam, Optimizer, RMSprop

__all__ = [
    "MLP", "SGD", "Activation", "Adam", "BackpropResult", "Cost", "CrossEntropyCost", "Linear",
    "LogLikelihoodCost", "ModelFileError", "Module", "Optimizer", "QuadraticCost", "RMSprop", "ReLU",
    "Sequential", "Sigmoid", "Softmax", "Tanh", "backprop", "feedforward", "get_activation", "get_cost",
    "init_parameters",
]
