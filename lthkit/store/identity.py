"""Identities: a hash of every setting that changes an experiment's numbers.

Two hashes name stored work:

- ``experiment_hash``: every setting of the experiment except how far it goes (rounds,
  replicates, controls) and its display name;
- ``dense_hash``: only what the dense round 0 depends on (model, data, training, seed).
  Experiments that differ only in pruning, mode, rewind point or ``mask_after`` share one
  dense network and its stored round 0.

A setting left at its dataclass default is not part of the identity. So a new field added
later (whose default keeps the old behaviour) does not change the hashes of stored runs; the
price is a rule: a field's default value never changes.
"""
from lthkit._io import canonical_json, digest

FORMAT = 2  # of the result store; bump (and migrate results/) when the layout changes
# How far a run goes, not what it computes: more rounds or replicates extend a stored run;
# nor where it trains (the GPUs a round asks for on Ray).
NOT_IDENTITY = {"search": ("rounds", "replicates", "controls", "levels", "gpus"),
                None: ("name",)}


def _sections(experiment):
    """to_dict() of the experiment without the fields that are at their dataclass default."""
    import dataclasses
    out = {}
    for section in ("model", "data", "train", "prune", "search"):
        part = getattr(experiment, section)
        fields = {}
        for f in dataclasses.fields(part):
            value = getattr(part, f.name)
            default = (f.default if f.default is not dataclasses.MISSING else
                       f.default_factory() if f.default_factory is not dataclasses.MISSING
                       else dataclasses.MISSING)
            if default is dataclasses.MISSING or canonical_json(value) != canonical_json(default):
                fields[f.name] = value
        out[section] = fields
    out["name"] = experiment.name
    return out


def identity(experiment):
    """The settings that define the experiment, as plain JSON-able data."""
    d = _sections(experiment)
    for key in NOT_IDENTITY[None]:
        d.pop(key, None)
    for section, keys in NOT_IDENTITY.items():
        if section is not None:
            for key in keys:
                d[section].pop(key, None)
    return d


def dense_identity(experiment):
    """What round 0 (the dense network) depends on."""
    d = _sections(experiment)
    return {"model": d["model"], "data": d["data"], "train": d["train"],
            "seed": experiment.search.seed}


def experiment_hash(experiment, length=12):
    """sha256 of the canonical JSON of `identity(experiment)`, first `length` hex digits."""
    return digest(identity(experiment), length)


def dense_hash(experiment, length=12):
    return digest(dense_identity(experiment), length)


def derived_seed(*parts):
    """A 32-bit seed from any JSON-able parts, e.g. derived_seed(3, "reinit", 5)."""
    import hashlib
    return int.from_bytes(hashlib.sha256(canonical_json(parts).encode()).digest()[:4], "little")
