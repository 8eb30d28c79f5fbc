"""Builds are reproducible: make, CI and the image install from hash-pinned locks, and the locks
hold every dependency pyproject.toml asks for, at a version it allows."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def pinned(lock):
    text = (ROOT / lock).read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", text, re.M))
    unhashed = [
        block.split("==")[0]
        for block in re.split(r"\n(?=[A-Za-z0-9])", text)
        if "==" in block and "--hash=sha256:" not in block
    ]
    return {name.lower().replace("_", "-"): version for name, version in pins.items()}, unhashed


@pytest.mark.parametrize("lock, extras", [("requirements.lock", []), ("requirements-test.lock", ["test"])])
def test_the_lock_pins_every_dependency_with_hashes(lock, extras):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + [d for extra in extras for d in project["optional-dependencies"][extra]]
    pins, unhashed = pinned(lock)
    assert unhashed == []
    for line in wanted:
        requirement = Requirement(line)
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not in {lock}: run make lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} in {lock}: run make lock"
        )


def test_make_and_the_image_install_from_the_locks():
    assert "--require-hashes -r requirements-test.lock" in (ROOT / "Makefile").read_text()
    assert re.search(r"--require-hashes -r \S*/requirements\.lock", (ROOT / "deploy" / "Dockerfile").read_text())
