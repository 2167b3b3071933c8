"""Gradients of a model's masked weights, on any Keras backend lthkit runs on.

The criteria that prune at initialization need what training would compute, without
training: the gradient of the loss on a few batches (SNIP), a Hessian-gradient product
(GraSP), the gradient of a data-free objective (SynFlow). Each is one function of the
model's variable values, called through `model.stateless_call`, so nothing here changes the
model: the values come from the model (or are given), and the gradients come back as
numpy arrays keyed like the masks (`lthkit.pruning.masked_variables`).

The model's layers store pruned weights as zeros and mask their gradients, so a pruned
entry's gradient is 0 here too. The backends differ only in how a gradient is taken
(`_grad`): JAX's `jax.grad`, TensorFlow's `GradientTape`, PyTorch's autograd.
"""
import weakref

import keras
import numpy as np

from lthkit._errors import LthkitError
from lthkit.pruning.masks import masked_variables


def _grad(f, xs):
    """The gradients of the scalar `f(xs)` with respect to the list of tensors `xs`."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax
        return jax.grad(f)(list(xs))
    if backend == "tensorflow":
        import tensorflow as tf
        xs = [tf.convert_to_tensor(x) for x in xs]
        with tf.GradientTape() as tape:
            tape.watch(xs)
            y = f(xs)
        return tape.gradient(y, xs, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    if backend == "torch":
        import torch
        xs = [torch.as_tensor(x).detach().requires_grad_(True) for x in xs]
        return list(torch.autograd.grad(f(xs), xs, allow_unused=True, materialize_grads=True))
    raise LthkitError(f"gradients on the Keras backend {backend!r} are not supported "
                      f"(jax, tensorflow or torch)")


def _dot(a, b):
    from keras import ops
    return sum(ops.sum(ops.multiply(x, y)) for x, y in zip(a, b))


# compiled gradient functions per model and objective (JAX): {model: {key: function}}
_COMPILED = weakref.WeakKeyDictionary()


class Objective:
    """A scalar function of `model`'s trainable variables, as a function of their values.

    `objective(outputs, inputs)` maps the model's outputs on `inputs` to a scalar (summed
    over the list of `batches` of inputs). `values` overrides variables' values by key of a
    masked weight (`weights`, {key: array}) or mask (`masks`); other variables keep the
    model's current values. `transform(index, value)` may change any trainable value before
    the call (SynFlow takes absolute values).

    `key`: a name for what `objective` and `transform` compute on this model (equal keys,
    equal functions); on JAX its gradients are then compiled once and reused by every
    objective with the same key (SynFlow's 100 steps, one level after another), with the
    values, masks and batches as arguments."""

    def __init__(self, model, batches, objective, weights=None, masks=None, transform=None,
                 key=None):
        self.model, self.batches, self.objective = model, batches, objective
        self.transform, self.key = transform, key
        masked = masked_variables(model)
        self.keys = sorted(masked)
        trainable = {id(v): i for i, v in enumerate(model.trainable_variables)}
        others = {id(v): i for i, v in enumerate(model.non_trainable_variables)}
        self.index = {}  # key -> index of its weight among the trainable variables
        for key in self.keys:
            weight = masked[key][1]
            if id(weight) not in trainable:
                raise LthkitError(f"the masked weight {key!r} is not trainable: its gradient "
                                  "is not defined")
            self.index[key] = trainable[id(weight)]
        self.values = [np.asarray(v.numpy()) for v in model.trainable_variables]
        self.fixed = [np.asarray(v.numpy()) for v in model.non_trainable_variables]
        for key, value in (weights or {}).items():
            self.values[self.index[key]] = np.asarray(value, dtype=self.values[self.index[key]].dtype)
        for key, value in (masks or {}).items():
            i = others[id(masked[key][2])]
            self.fixed[i] = np.asarray(value, dtype=self.fixed[i].dtype)

    def __call__(self, values):
        return self._pure(values, self.fixed, self.batches)

    def _pure(self, values, fixed, batches):
        if self.transform is not None:
            values = [self.transform(i, v) for i, v in enumerate(values)]
        total = 0.0
        for inputs in batches:
            x = inputs[0] if isinstance(inputs, tuple) else inputs
            outputs, _ = self.model.stateless_call(values, fixed, x, training=False)
            total = total + self.objective(outputs, inputs)
        return total

    def _compiled(self, what, make):
        """The JAX function `what` of this objective's key, compiled once per model."""
        functions = _COMPILED.setdefault(self.model, {})
        if (self.key, what) not in functions:
            functions[(self.key, what)] = make()
        return functions[(self.key, what)]

    def _jax(self):
        return self.key is not None and keras.backend.backend() == "jax"

    def by_key(self, arrays):
        """{key: numpy array} of the masked weights' entries of a list over the variables."""
        return {key: np.asarray(keras.ops.convert_to_numpy(arrays[self.index[key]]))
                for key in self.keys}

    def gradient(self):
        """{key: d objective / d weight}."""
        if self._jax():
            import jax
            fn = self._compiled("grad", lambda: jax.jit(jax.grad(self._pure)))
            return self.by_key(fn(self.values, self.fixed, self.batches))
        return self.by_key(_grad(self, self.values))

    def hessian_product(self, vectors):
        """{key: H v}: the Hessian of the objective with respect to the masked weights times
        `vectors` ({key: array}; the other variables' directions are 0), by differentiating
        the gradient's product with v (reverse over reverse: custom gradients, such as the
        masked layers', support it)."""
        from keras import ops
        v = [ops.zeros_like(ops.convert_to_tensor(x)) for x in self.values]
        for key, value in vectors.items():
            v[self.index[key]] = ops.convert_to_tensor(
                np.asarray(value, dtype=self.values[self.index[key]].dtype))

        if self._jax():
            import jax

            def make():
                def along(values, fixed, batches, v):
                    return _dot(jax.grad(self._pure)(values, fixed, batches), v)
                return jax.jit(jax.grad(along))
            return self.by_key(self._compiled("hvp", make)(self.values, self.fixed,
                                                           self.batches, v))

        def along(values):
            return _dot(_grad(self, values), v)
        return self.by_key(_grad(along, self.values))


def loss_objective(loss):
    """An `Objective` function: `loss(y, outputs)` on a batch (x, y)."""
    def objective(outputs, batch):
        return loss(batch[1], outputs)
    return objective
