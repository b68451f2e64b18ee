"""The seed example of the book's computational-graph chapter: e = (a + b)(b + 1)."""

from autograd_core import Value


def test_seed_example_values_and_gradients():
    a, b = Value(2.0, label="a"), Value(1.0, label="b")
    c = a + b
    d = b + 1
    e = c * d
    assert e.data == 6.0
    assert a.grad is None and b.grad is None
    e.backward()
    assert (a.grad, b.grad) == (2.0, 5.0)
    assert c.grad is None and d.grad is None  # intermediates keep nothing unless asked


def test_second_backward_accumulates_on_leaves_and_assigns_intermediates():
    a, b = Value(2.0), Value(1.0)
    c = a + b
    d = b + 1
    e = c * d
    e.backward()
    e.backward(retain_grads=True)
    assert (a.grad, b.grad) == (4.0, 10.0)
    assert (c.grad, d.grad, e.grad) == (2.0, 3.0, 1.0)
    e.backward(retain_grads=True)
    assert (c.grad, d.grad) == (2.0, 3.0)  # assigned, never added
    a.zero_grad()
    assert a.grad is None
