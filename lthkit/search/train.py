"""One round of training with the paper's early-stop bookkeeping.

Training runs in chunks of `eval_every` iterations (Keras `fit` on a seeded batch stream);
after each chunk the model is evaluated on the validation and test sets. The early-stop
point of [FC19] is the evaluation with the lowest validation loss; the test accuracy there
and at the end are both reported. Weights can be snapshotted at given iterations (late
rewinding, early tickets).

Batches are addressed by global step, so a round split into chunks, interrupted or replayed
sees exactly the data order of an unbroken one. With `batching="bucket"` (text), each batch
holds texts of similar length and is cut to its longest text, so little of the compute goes
to padding; the model must ignore padding (the text CNN does).
"""
import math
import os
import time
from pathlib import Path

import keras
import numpy as np

from lthkit import durations
from lthkit._errors import bad_param
from lthkit.progress import bar
from lthkit.pruning.masks import enforce_masks, snapshot

POOL_BATCHES = 100  # bucketing sorts pools of this many batches by length (torchtext's default)
LENGTH_STEP = 16  # bucketed batches are cut to a multiple of this: few shapes to compile


def text_lengths(x):
    """Tokens before the padding of each row (padding is id 0 at the end)."""
    return np.count_nonzero(x, axis=1)


class BatchStream(keras.utils.PyDataset):
    """Batches of a seeded shuffle, reshuffled every epoch, addressed by global step.

    Batch t is the same whatever chunk asks for it. The last partial batch of an epoch is
    dropped, so every batch has the same number of examples.
    """

    def __init__(self, x, y, batch_size, seed, start, steps):
        super().__init__()
        self.x, self.y, self.batch_size, self.seed = x, y, batch_size, seed
        self.start, self.steps = start, steps
        self.per_epoch = len(x) // batch_size
        if self.per_epoch == 0:
            raise bad_param("batch_size", batch_size, f"at most the {len(x)} training examples")
        self._plan_epoch, self._plan = None, None

    def __len__(self):
        return self.steps

    def epoch_plan(self, epoch):
        """The example indices of every batch of `epoch`, shape (per_epoch, batch_size)."""
        perm = np.random.default_rng([self.seed, epoch]).permutation(len(self.x))
        return perm[:self.per_epoch * self.batch_size].reshape(self.per_epoch, self.batch_size)

    def batch_indices(self, t):
        epoch, j = divmod(t, self.per_epoch)
        if epoch != self._plan_epoch:
            self._plan, self._plan_epoch = self.epoch_plan(epoch), epoch
        return self._plan[j]

    def __getitem__(self, i):
        idx = self.batch_indices(self.start + i)
        return self.x[idx], self.y[idx]


class BucketStream(BatchStream):
    """Like `BatchStream`, but each batch holds texts of similar length, cut to its longest.

    Each epoch: a seeded permutation, cut into pools of `POOL_BATCHES` batches; each pool
    sorted by length and cut into batches; the batches shuffled (torchtext's BucketIterator).
    """

    def __init__(self, x, y, batch_size, seed, start, steps, lengths):
        super().__init__(x, y, batch_size, seed, start, steps)
        self.lengths = lengths

    def epoch_plan(self, epoch):
        rng = np.random.default_rng([self.seed, epoch])
        perm = rng.permutation(len(self.x))
        pool = POOL_BATCHES * self.batch_size
        order = np.concatenate([p[np.argsort(self.lengths[p], kind="stable")]
                                for p in np.split(perm, range(pool, len(perm), pool))])
        batches = order[:self.per_epoch * self.batch_size].reshape(self.per_epoch,
                                                                   self.batch_size)
        return batches[rng.permutation(self.per_epoch)]

    def __getitem__(self, i):
        idx = self.batch_indices(self.start + i)
        width = cut_width(self.lengths[idx].max(), self.x.shape[1])
        return self.x[idx, :width], self.y[idx]


def cut_width(longest, max_len):
    """A batch's width: its longest text rounded up to `LENGTH_STEP` (at most max_len).

    TensorFlow's data adapter fixes every dimension from the first batch, so there batches
    keep the full width: the model ignores padding, so this changes the speed, not the
    numbers.
    """
    if keras.backend.backend() == "tensorflow":
        return int(max_len)
    return int(min(max_len, max(LENGTH_STEP, math.ceil(longest / LENGTH_STEP) * LENGTH_STEP)))


class EvalStream(keras.utils.PyDataset):
    """An evaluation set in batches of similar length (order does not change the metrics)."""

    def __init__(self, x, y, batch_size):
        super().__init__()
        lengths = text_lengths(x)
        order = np.argsort(lengths, kind="stable")
        self.batches = [order[i:i + batch_size] for i in range(0, len(x), batch_size)]
        self.x, self.y, self.lengths = x, y, lengths

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, i):
        idx = self.batches[i]
        width = cut_width(self.lengths[idx].max(), self.x.shape[1])
        return self.x[idx, :width], self.y[idx]


def _json(obj):
    import json
    return json.loads(json.dumps(obj))


def _as_stored(module, name, value, expected):
    """`value` (a name, a serialized object or an object of Keras's `module`, losses or
    metrics) as an experiment stores it: a name or JSON. Refused, in one line, if Keras
    does not know it."""
    if not isinstance(value, (str, dict)):
        value = module.serialize(value)
    try:
        module.get(value)
    except (ValueError, TypeError):
        raise bad_param(name, value, expected) from None
    return _json(value) if isinstance(value, dict) else value


def check_loss(loss):
    """A loss setting as stored: None, a Keras loss name, or a serialized Keras loss (a
    loss object given here is serialized)."""
    if loss is None:
        return None
    return _as_stored(keras.losses, "loss", loss, "None (lthkit's classification loss), a "
                      "Keras loss name such as 'mse', or a Keras loss object")


def check_metrics(metrics):
    """Metric settings as stored: a tuple of Keras metric names or serialized metrics."""
    if isinstance(metrics, (str, dict)) or not hasattr(metrics, "__iter__"):
        metrics = (metrics,)
    return tuple(_as_stored(keras.metrics, "metrics", m, "Keras metric names such as "
                            "'accuracy', or Keras metric objects") for m in metrics)


def outputs_probabilities(model):
    """Whether the model's output goes through a softmax or sigmoid (then lthkit's default
    loss takes probabilities, not logits). lthkit's own models output logits."""
    node = getattr(model.outputs[0], "_keras_history", None) if model.outputs else None
    layer = node.operation if node is not None else (model.layers[-1] if model.layers else None)
    activation = getattr(layer, "activation", None)
    if isinstance(layer, keras.layers.Softmax):
        return True
    return activation in (keras.activations.softmax, keras.activations.sigmoid)


def loss_and_metric(model, hp=None):
    """(loss, [metrics]) of a round. lthkit's default, for classification: 1 output ->
    binary cross-entropy, else sparse categorical; from logits unless the model ends in a
    softmax or sigmoid. `hp` (TrainHParams) may name a loss and metrics instead; the
    first metric is the headline score, compiled under the name "accuracy"."""
    probabilities = outputs_probabilities(model)
    if model.output_shape[-1] == 1:
        loss = keras.losses.BinaryCrossentropy(from_logits=not probabilities)
        metric = keras.metrics.BinaryAccuracy(threshold=0.5 if probabilities else 0.0,
                                              name="accuracy")
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=not probabilities)
        metric = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    if hp is None:
        return loss, [metric]
    if hp.loss is not None:
        loss = keras.losses.get(hp.loss)
    if not hp.metrics:
        return loss, [metric]
    metrics = [keras.metrics.get(m) for m in hp.metrics]
    if not isinstance(metrics[0], keras.metrics.Metric):
        metrics[0] = keras.metrics.MeanMetricWrapper(metrics[0], name="accuracy")
    else:
        config = metrics[0].get_config()
        config["name"] = "accuracy"
        metrics[0] = type(metrics[0]).from_config(config)
    return loss, metrics


def make_optimizer(hp):
    if hp.optimizer == "adam":
        return keras.optimizers.Adam(hp.learning_rate)
    return keras.optimizers.SGD(hp.learning_rate, momentum=0.9)


class Trainer:
    """Trains one model for rounds of the same schedule; compiled once.

    Each round starts from a fresh optimizer state (the state right after the optimizer was
    built): compiling once and resetting the state avoids a new trace every round.
    """

    checkpoint_every = 60.0  # seconds of training between two checkpoints of a round

    def __init__(self, model, data, hp, quiet=False, steps_per_execution=None):
        self.model, self.data, self.hp, self.quiet = model, data, hp, quiet
        loss, metrics = loss_and_metric(model, hp)
        self.optimizer = make_optimizer(hp)
        # Several optimizer steps per compiled call: less Python per step, same arithmetic.
        spe = steps_per_execution or int(os.environ.get("LTHKIT_STEPS_PER_EXECUTION", 10))
        model.compile(optimizer=self.optimizer, loss=loss, metrics=metrics,
                      steps_per_execution=spe)
        self.optimizer.build(model.trainable_variables)
        self._fresh_state = [np.array(v.numpy()) for v in self.optimizer.variables]
        n = len(data.x_train)
        self.steps_per_epoch = n // hp.batch_size
        if self.steps_per_epoch == 0:
            raise bad_param("batch_size", hp.batch_size, f"at most the {n} training examples")
        self.iterations = durations.to_iterations(hp.training, self.steps_per_epoch)
        self.every = durations.to_iterations(hp.eval_every, self.steps_per_epoch)
        self.bucket = hp.batching == "bucket"
        self.lengths = text_lengths(data.x_train) if self.bucket else None

    def reset_optimizer(self):
        for v, value in zip(self.optimizer.variables, self._fresh_state):
            v.assign(value)

    def stream(self, data_seed, start, steps):
        d = self.data
        if self.bucket:
            return BucketStream(d.x_train, d.y_train, self.hp.batch_size, data_seed, start,
                                steps, self.lengths)
        return BatchStream(d.x_train, d.y_train, self.hp.batch_size, data_seed, start, steps)

    def padded_fraction(self, data_seed, steps=None):
        """Fraction of the token positions of the training batches that are padding."""
        steps = steps or self.steps_per_epoch
        stream = self.stream(data_seed, 0, steps)
        total = pad = 0
        for i in range(steps):
            x, _ = stream[i]
            total, pad = total + x.size, pad + int(np.count_nonzero(x == 0))
        return pad / max(total, 1)

    def evaluate(self, x, y):
        """(loss, headline score, {other metric: value})."""
        if self.bucket:
            out = self.model.evaluate(EvalStream(x, y, self.hp.eval_batch_size), verbose=0,
                                      return_dict=True)
        else:
            out = self.model.evaluate(x, y, batch_size=self.hp.eval_batch_size, verbose=0,
                                      return_dict=True)
        extra = {k: float(v) for k, v in out.items() if k not in ("loss", "accuracy")}
        return float(out["loss"]), float(out["accuracy"]), extra

    def advance(self, data_seed, iterations, desc="advancing"):
        """Train `iterations` steps from the current weights with a fresh optimizer, without
        evaluating: the weights a round reaches after that many iterations, bit for bit."""
        self.reset_optimizer()
        done = 0
        with bar(iterations, desc, quiet=self.quiet, leave=False, unit="it") as pbar:
            # The same chunk boundaries as `train`, so the arithmetic is the same.
            evals = sorted(set(range(self.every, self.iterations + 1, self.every))
                           | {self.iterations, iterations})
            for stop in (s for s in evals if s <= iterations):
                self.model.fit(self.stream(data_seed, done, stop - done), epochs=1, verbose=0,
                               shuffle=False)
                pbar.update(stop - done)
                done = stop
        enforce_masks(self.model)
        return snapshot(self.model)

    def train(self, data_seed, snapshot_at=(), desc="training", checkpoint=None):
        """Train one round from the model's current weights.

        Returns (metrics, snapshots): metrics has the curves (per evaluation) and the
        early-stop summary; snapshots maps each iteration in `snapshot_at` to the weights
        after that many iterations (0 = before training).

        `checkpoint`: a path where the round's state is saved after an evaluation (weights,
        optimizer, curves, snapshots so far; at most every `checkpoint_every` seconds, so a
        short round writes none), so that a round cut off by a stopped process resumes there
        instead of starting over, with the numbers of an unbroken round. A checkpoint is used
        only by the round it was written for (the same starting weights, masks, data order
        and schedule); it is removed when the round is done.
        """
        self.reset_optimizer()
        total, start = self.iterations, time.perf_counter()
        evals = set(range(self.every, total + 1, self.every)) | {total}
        snaps = {int(s) for s in snapshot_at}
        too_late = [s for s in snaps if s > total]
        if too_late:
            raise bad_param("rewind/mask_after", f"{too_late[0]}it",
                            f"at most the {total} iterations of a round")
        snapshots = {0: snapshot(self.model)} if 0 in snaps else {}
        curves = {k: [] for k in ("iteration", "train_loss", "val_loss", "val_accuracy",
                                  "test_loss", "test_accuracy")}
        done, before, saved = 0, 0.0, start
        round_id = None
        if checkpoint is not None:
            round_id = self._round_id(data_seed, sorted(evals | snaps))
            state = _read_checkpoint(checkpoint, round_id)
            if state is not None:
                done, before, curves, resumed = state
                self._load_state(resumed)
                snapshots.update(resumed["snapshots"])
        d = self.data
        with bar(total, desc, quiet=self.quiet, leave=False, unit="it") as pbar:
            pbar.update(done)
            for stop in sorted(s for s in evals | (snaps - {0}) if s > done):
                history = self.model.fit(self.stream(data_seed, done, stop - done), epochs=1,
                                         verbose=0, shuffle=False)
                pbar.update(stop - done)
                done = stop
                if stop in snaps:
                    snapshots[stop] = snapshot(self.model)
                if stop in evals:
                    val_loss, val_acc, val_extra = self.evaluate(d.x_val, d.y_val)
                    improved = not curves["val_loss"] or val_loss < min(curves["val_loss"])
                    test_loss = test_acc = None
                    test_extra = {k: None for k in val_extra}
                    if self.hp.test_curve or improved or stop == total:
                        test_loss, test_acc, test_extra = self.evaluate(d.x_test, d.y_test)
                    values = dict(zip(("iteration", "train_loss", "val_loss", "val_accuracy",
                                       "test_loss", "test_accuracy"),
                                      (stop, history.history["loss"][-1], val_loss, val_acc,
                                       test_loss, test_acc)))
                    # a reader's other metrics (TrainHParams.metrics after the first)
                    values.update({f"val_{k}": v for k, v in val_extra.items()})
                    values.update({f"test_{k}": v for k, v in test_extra.items()})
                    for k, v in values.items():
                        curves.setdefault(k, []).append(None if v is None else float(v))
                    pbar.set_postfix(val_loss=f"{val_loss:.4f}", refresh=False)
                    now = time.perf_counter()
                    if checkpoint is not None and stop < total and \
                            now - saved >= self.checkpoint_every:
                        self._save_state(checkpoint, round_id, done, before + now - start,
                                         curves, snapshots)
                        saved = now
        enforce_masks(self.model)  # a no-op with a fresh optimizer; exact zeros regardless
        best = int(np.argmin(curves["val_loss"]))
        metrics = {
            "iterations": total,
            "test_accuracy": curves["test_accuracy"][-1],
            "val_loss": curves["val_loss"][-1],
            "early_stop_iteration": int(curves["iteration"][best]),
            "early_stop_test_accuracy": curves["test_accuracy"][best],
            "early_stop_val_loss": curves["val_loss"][best],
            "train_seconds": before + time.perf_counter() - start,
            "curves": curves,
        }
        if checkpoint is not None:
            Path(checkpoint).unlink(missing_ok=True)
        return metrics, snapshots

    # -- checkpoints inside a round ---------------------------------------------------------
    def _round_id(self, data_seed, stops):
        """What a checkpoint must match to be resumed: the round's starting weights and
        masks (every model variable), data order, schedule and stopping points."""
        from lthkit._io import arrays_digest, digest
        from lthkit.pruning.masks import masked_variables
        start = {f"weight/{k}": v for k, v in snapshot(self.model).items()}
        start.update({f"mask/{k}": np.asarray(m.numpy())
                      for k, (_, _, m) in masked_variables(self.model).items()})
        return digest({"weights": arrays_digest(start), "data_seed": int(data_seed),
                       "stops": [int(s) for s in stops], "batch_size": self.hp.batch_size,
                       "batching": self.hp.batching, "iterations": self.iterations})

    def _save_state(self, path, round_id, done, seconds, curves, snapshots):
        import json

        from lthkit._io import save_npz
        meta = {"round": round_id, "done": int(done), "seconds": float(seconds),
                "curves": curves, "snapshots": sorted(int(k) for k in snapshots)}
        arrays = {f"model/{k}": v for k, v in snapshot(self.model).items()}
        arrays.update({f"optimizer/{i}": np.asarray(v.numpy())
                       for i, v in enumerate(self.optimizer.variables)})
        for it, weights in snapshots.items():
            arrays.update({f"snapshot/{it}/{k}": v for k, v in weights.items()})
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        save_npz(path, arrays, compress=False)

    def _load_state(self, state):
        from lthkit.pruning.masks import restore
        restore(self.model, state["model"])
        variables = self.optimizer.variables
        if len(state["optimizer"]) != len(variables):
            raise ValueError("the checkpoint's optimizer has other variables")
        for i, v in enumerate(variables):
            v.assign(state["optimizer"][i])


def _read_checkpoint(path, round_id):
    """(iterations done, seconds trained, curves, {"model", "optimizer", "snapshots"}) of the
    checkpoint at `path` if it was written by the round `round_id`, else None (a checkpoint
    of another round, or one that cannot be read, is removed: it can never be resumed)."""
    import json
    import warnings

    from lthkit._io import DamagedFile, LthkitWarning, load_npz
    path = Path(path)
    if not path.exists():
        return None
    try:
        arrays = load_npz(path)
        meta = json.loads(arrays.pop("meta").tobytes().decode())
    except (DamagedFile, KeyError, ValueError) as err:
        warnings.warn(f"lthkit: {path} cannot be read ({err}); the round starts over",
                      LthkitWarning, stacklevel=3)
        path.unlink(missing_ok=True)
        return None
    if meta.get("round") != round_id:
        warnings.warn(f"lthkit: {path} was written by another round (other starting weights, "
                      "masks or schedule); the round starts over", LthkitWarning, stacklevel=3)
        path.unlink(missing_ok=True)
        return None
    state = {"model": {}, "optimizer": {}, "snapshots": {int(k): {} for k in meta["snapshots"]}}
    for name, value in arrays.items():
        part, _, rest = name.partition("/")
        if part == "model":
            state["model"][rest] = value
        elif part == "optimizer":
            state["optimizer"][int(rest)] = value
        else:
            it, _, key = rest.partition("/")
            state["snapshots"][int(it)][key] = value
    return meta["done"], meta["seconds"], meta["curves"], state


def train_ticket(model, weights, masks, data, epochs, batch_size=60, learning_rate=1.2e-3):
    """Train `model` from `weights` with `masks` installed: the three steps of every round.

    1. `set_masks` installs the masks and zeroes the pruned weights; 2. `restore` loads the
    weights (a `snapshot`, e.g. the initialization a ticket is rewound to), keeping pruned
    entries at zero; 3. Keras' `fit` with a fresh Adam for `epochs` epochs (validation each
    epoch). Returns (Keras history dict, test accuracy).
    """
    from lthkit.pruning import restore, set_masks
    set_masks(model, masks)
    restore(model, weights)
    loss, metrics = loss_and_metric(model)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=metrics)
    history = model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                        epochs=epochs, batch_size=batch_size, verbose=0)
    _, accuracy = model.evaluate(data.x_test, data.y_test, batch_size=1000, verbose=0)
    return history.history, accuracy
