"""One round of training with the paper's early-stop bookkeeping.

Training runs in chunks of `eval_every` iterations (Keras `fit` on a seeded batch stream);
after each chunk the model is evaluated on the validation and test sets. The early-stop
point of [FC19] is the evaluation with the lowest validation loss; the test accuracy there
and at the end are both reported. Weights can be snapshotted at given iterations (late
rewinding, early tickets).
"""
import os
import time

import keras
import numpy as np

from lthkit.progress import bar
from lthkit.pruning.masks import enforce_masks, snapshot


class BatchStream(keras.utils.PyDataset):
    """Batches of a seeded shuffle, reshuffled every epoch, addressed by global step.

    Batch t is the same whatever chunk asks for it, so a run split into chunks (or resumed)
    sees exactly the data order of an unbroken run. The last partial batch of an epoch is
    dropped, so every batch has the same shape.
    """

    def __init__(self, x, y, batch_size, seed, start, steps):
        super().__init__()
        self.x, self.y, self.batch_size, self.seed = x, y, batch_size, seed
        self.start, self.steps = start, steps
        self.per_epoch = len(x) // batch_size
        if self.per_epoch == 0:
            from lthkit._errors import bad_param
            raise bad_param("batch_size", batch_size, f"at most the {len(x)} training examples")
        self._perm_epoch, self._perm = None, None

    def __len__(self):
        return self.steps

    def __getitem__(self, i):
        t = self.start + i
        epoch, j = divmod(t, self.per_epoch)
        if epoch != self._perm_epoch:
            self._perm = np.random.default_rng([self.seed, epoch]).permutation(len(self.x))
            self._perm_epoch = epoch
        idx = self._perm[j * self.batch_size:(j + 1) * self.batch_size]
        return self.x[idx], self.y[idx]


def loss_and_metric(model):
    """Logit outputs: 1 unit -> binary cross-entropy, else sparse categorical."""
    if model.output_shape[-1] == 1:
        return (keras.losses.BinaryCrossentropy(from_logits=True),
                keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy"))
    return (keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            keras.metrics.SparseCategoricalAccuracy(name="accuracy"))


def make_optimizer(hp):
    if hp.optimizer == "adam":
        return keras.optimizers.Adam(hp.learning_rate)
    return keras.optimizers.SGD(hp.learning_rate, momentum=0.9)


def total_iterations(hp, n_train):
    if hp.iterations is not None:
        return hp.iterations
    return hp.epochs * (n_train // hp.batch_size)


def eval_interval(hp, n_train):
    return hp.eval_every or max(n_train // hp.batch_size, 1)


class Trainer:
    """Trains one model for rounds of the same schedule; compiled once.

    Each round starts from a fresh optimizer state (the state right after the optimizer was
    built): compiling once and resetting the state avoids a new trace every round.
    """

    def __init__(self, model, data, hp, quiet=False, steps_per_execution=None):
        self.model, self.data, self.hp, self.quiet = model, data, hp, quiet
        loss, metric = loss_and_metric(model)
        self.optimizer = make_optimizer(hp)
        # Several optimizer steps per compiled call: less Python per step, same arithmetic.
        spe = steps_per_execution or int(os.environ.get("LTHKIT_STEPS_PER_EXECUTION", 10))
        model.compile(optimizer=self.optimizer, loss=loss, metrics=[metric],
                      steps_per_execution=spe)
        self.optimizer.build(model.trainable_variables)
        self._fresh_state = [np.array(v.numpy()) for v in self.optimizer.variables]
        n = len(data.x_train)
        self.iterations = total_iterations(hp, n)
        self.every = eval_interval(hp, n)
        self.steps_per_epoch = n // hp.batch_size

    def reset_optimizer(self):
        for v, value in zip(self.optimizer.variables, self._fresh_state):
            v.assign(value)

    def _evaluate(self, x, y):
        out = self.model.evaluate(x, y, batch_size=self.hp.eval_batch_size, verbose=0,
                                  return_dict=True)
        return float(out["loss"]), float(out["accuracy"])

    def train(self, data_seed, snapshot_at=(), desc="training"):
        """Train one round from the model's current weights.

        Returns (metrics, snapshots): metrics has the curves (per evaluation) and the
        early-stop summary; snapshots maps each iteration in `snapshot_at` to the weights
        after that many iterations (0 = before training).
        """
        self.reset_optimizer()
        d, total, start = self.data, self.iterations, time.perf_counter()
        evals = set(range(self.every, total + 1, self.every)) | {total}
        snaps = {int(s) for s in snapshot_at}
        too_late = [s for s in snaps if s > total]
        if too_late:
            from lthkit._errors import bad_param
            raise bad_param("rewind/mask_after", too_late[0],
                            f"at most the {total} iterations of a round")
        snapshots = {0: snapshot(self.model)} if 0 in snaps else {}
        curves = {k: [] for k in ("iteration", "train_loss", "val_loss", "val_accuracy",
                                  "test_loss", "test_accuracy")}
        done = 0
        with bar(total, desc, quiet=self.quiet, leave=False, unit="it") as pbar:
            for stop in sorted(evals | (snaps - {0})):
                stream = BatchStream(d.x_train, d.y_train, self.hp.batch_size, data_seed,
                                     start=done, steps=stop - done)
                history = self.model.fit(stream, epochs=1, verbose=0, shuffle=False)
                pbar.update(stop - done)
                done = stop
                if stop in snaps:
                    snapshots[stop] = snapshot(self.model)
                if stop in evals:
                    val_loss, val_acc = self._evaluate(d.x_val, d.y_val)
                    improved = not curves["val_loss"] or val_loss < min(curves["val_loss"])
                    test_loss = test_acc = None
                    if self.hp.test_curve or improved or stop == total:
                        test_loss, test_acc = self._evaluate(d.x_test, d.y_test)
                    for k, v in zip(curves, (stop, history.history["loss"][-1], val_loss,
                                             val_acc, test_loss, test_acc)):
                        curves[k].append(None if v is None else float(v))
                    pbar.set_postfix(val_loss=f"{val_loss:.4f}", refresh=False)
        enforce_masks(self.model)  # a no-op with a fresh optimizer; exact zeros regardless
        best = int(np.argmin(curves["val_loss"]))
        metrics = {
            "iterations": total,
            "test_accuracy": curves["test_accuracy"][-1],
            "val_loss": curves["val_loss"][-1],
            "early_stop_iteration": int(curves["iteration"][best]),
            "early_stop_test_accuracy": curves["test_accuracy"][best],
            "early_stop_val_loss": curves["val_loss"][best],
            "train_seconds": time.perf_counter() - start,
            "curves": curves,
        }
        return metrics, snapshots
