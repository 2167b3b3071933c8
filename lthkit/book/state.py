"""The running chapter's state (profile, backend, clock), shared by setup and the renderer."""
from types import SimpleNamespace

RUN = SimpleNamespace(profile=None, backend=None, started=None, notes=[])


def profile_of(spec):
    """(profile, source) of a chart spec: its ``label`` or else the running chapter's profile."""
    meta = (spec.get("usermeta") or {}).get("lthkit") or {}
    return meta.get("profile") or RUN.profile, meta.get("source")
