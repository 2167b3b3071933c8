"""An experiment's identity: a hash of every setting that changes its numbers."""
import hashlib
import json

# How far a run goes, not what it computes: more rounds or replicates extend a stored run.
NOT_IDENTITY = {"search": ("rounds", "replicates", "controls"), None: ("name",)}


def identity(experiment):
    """The settings that define the experiment, as plain JSON-able data."""
    d = experiment.to_dict()
    for key in NOT_IDENTITY[None]:
        d.pop(key, None)
    for section, keys in NOT_IDENTITY.items():
        if section is not None:
            for key in keys:
                d[section].pop(key, None)
    return d


def canonical_json(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=list)


def experiment_hash(experiment, length=12):
    """sha256 of the canonical JSON of `identity(experiment)`, first `length` hex digits."""
    return hashlib.sha256(canonical_json(identity(experiment)).encode()).hexdigest()[:length]


def derived_seed(*parts):
    """A 32-bit seed from any JSON-able parts, e.g. derived_seed(3, "reinit", 5)."""
    return int.from_bytes(hashlib.sha256(canonical_json(parts).encode()).digest()[:4], "little")
