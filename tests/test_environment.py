"""environment.yml (conda) and requirements.txt (pip) install the same pinned packages."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pip_requirements():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def conda_pip_section():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    [pip] = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    return {p for p in pip if not p.startswith("-e")}


def test_conda_and_pip_list_the_same_pinned_packages():
    assert conda_pip_section() == pip_requirements()


def test_every_requirement_is_pinned_and_in_the_constraints():
    constraints = (ROOT / "constraints.txt").read_text().lower()
    for req in pip_requirements():
        assert "==" in req, f"{req} is not pinned"
        name, version = req.split("==")
        name = name.split("[")[0].lower()
        assert f"{name}=={version}" in constraints.replace("_", "-") or \
            f"{name.replace('-', '_')}=={version}" in constraints, f"{req} not in constraints.txt"
