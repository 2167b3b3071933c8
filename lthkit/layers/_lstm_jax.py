"""The LSTM's training loop on the JAX backend, with its own backward pass.

Autodiff through `lax.scan` does every product of the backward pass inside the loop, one
time step at a time: the gradients of both kernels are accumulated as a rank-64 update per
step and the input's gradient is one small product per step. Here the loop keeps only what
must be sequential:

- forward: the input projection of the whole sequence is one product before the loop; the
  loop does `h @ recurrent` and the gates, and keeps the gates' activations;
- backward: the loop does the gates' derivatives and `dz @ recurrent.T`; the gradients of
  the kernels, the bias and the input are then one product each over all time steps.

The arithmetic is Keras's LSTM (sigmoid gates, tanh cell and output, gates ordered i, f,
c, o, one bias), `keep` (time, batch, 1) holding 1 where a step is real and 0 where it is
padding: a padded step leaves the state as it was.
"""
import functools

import jax
import jax.numpy as jnp


def lstm(x, h0, c0, kernel, recurrent, bias, keep=None):
    """Time-major `x` (T, B, D) -> (outputs (T, B, U), h, c). `keep` None: no padding."""
    return _lstm(keep is not None, x, keep if keep is not None else jnp.zeros(()),
                 h0, c0, kernel, recurrent, bias)


def _split(a, units):
    return a[..., :units], a[..., units:2 * units], a[..., 2 * units:3 * units], a[..., 3 * units:]


@functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
def _lstm(masked, x, keep, h0, c0, kernel, recurrent, bias):
    return _forward(masked, x, keep, h0, c0, kernel, recurrent, bias)[0]


def _forward(masked, x, keep, h0, c0, kernel, recurrent, bias):
    steps, batch, dim = x.shape
    units = recurrent.shape[0]
    # The bias is added inside the loop: added to the projection here, it made XLA's loop
    # 30 ms (of 76) slower at 100 tokens (the sum's layout costs every step's slice).
    projected = (x.reshape(steps * batch, dim) @ kernel).reshape(steps, batch, 4 * units)

    def step(carry, inputs):
        h, c = carry
        xz, k = inputs if masked else (inputs, None)
        z = xz + h @ recurrent + bias
        i, f, g, o = _split(z, units)
        i, f, g, o = jax.nn.sigmoid(i), jax.nn.sigmoid(f), jnp.tanh(g), jax.nn.sigmoid(o)
        c_new = f * c + i * g
        tanh_c = jnp.tanh(c_new)
        h_new = o * tanh_c
        if masked:
            h_new, c_new = k * h_new + (1 - k) * h, k * c_new + (1 - k) * c
        return (h_new, c_new), (h_new, c_new, jnp.concatenate([i, f, g, o], -1), tanh_c)

    (h, c), (hs, cs, gates, tanh_cs) = jax.lax.scan(
        step, (h0, c0), (projected, keep) if masked else projected)
    return (hs, h, c), (x, keep, h0, c0, kernel, recurrent, hs, cs, gates, tanh_cs)


def _backward(masked, saved, grads):
    x, keep, h0, c0, kernel, recurrent, hs, cs, gates, tanh_cs = saved
    d_hs, d_h, d_c = grads
    steps, batch, dim = x.shape
    units = recurrent.shape[0]
    c_prev = jnp.concatenate([c0[None], cs[:-1]], 0)
    recurrent_t = recurrent.T

    def step(carry, inputs):
        dh, dc = carry
        if masked:
            d_out, a, tanh_c, cp, k = inputs
        else:
            d_out, a, tanh_c, cp = inputs
        dh = dh + d_out
        i, f, g, o = _split(a, units)
        dh_new = k * dh if masked else dh
        dc_new = dh_new * o * (1 - tanh_c * tanh_c) + (k * dc if masked else dc)
        dz = jnp.concatenate([dc_new * g * i * (1 - i), dc_new * cp * f * (1 - f),
                              dc_new * i * (1 - g * g), dh_new * tanh_c * o * (1 - o)], -1)
        dh_prev, dc_prev = dz @ recurrent_t, dc_new * f
        if masked:
            dh_prev, dc_prev = dh_prev + (1 - k) * dh, dc_prev + (1 - k) * dc
        return (dh_prev, dc_prev), dz

    inputs = (d_hs, gates, tanh_cs, c_prev) + ((keep,) if masked else ())
    (d_h0, d_c0), dz = jax.lax.scan(step, (d_h, d_c), inputs, reverse=True)
    dz = dz.reshape(steps * batch, 4 * units)
    h_prev = jnp.concatenate([h0[None], hs[:-1]], 0).reshape(steps * batch, units)
    d_x = (dz @ kernel.T).reshape(steps, batch, dim)
    return (d_x, jnp.zeros_like(keep), d_h0, d_c0, x.reshape(steps * batch, dim).T @ dz,
            h_prev.T @ dz, dz.sum(0))


_lstm.defvjp(_forward, _backward)
