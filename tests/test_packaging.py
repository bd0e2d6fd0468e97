"""What can be checked of the Docker image and the README without a Docker engine."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from bot.cli import build_parser
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def subcommands() -> set[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return set(action.choices)


def test_the_images_commands_exist_in_the_package() -> None:
    text = dockerfile()
    cmd = re.search(r"^CMD (.+)$", text, re.M).group(1)
    invoked = re.findall(r"maturity (\w+)", cmd)
    assert invoked == ["migrate", "serve"]
    assert set(invoked) <= subcommands()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["maturity"] == "bot.cli:main"


def test_the_image_runs_as_a_non_root_user_with_a_healthcheck() -> None:
    text = dockerfile()
    assert re.search(r"^FROM python:3\.1[1-9]-slim", text, re.M)
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and user[-1] not in ("root", "0")
    health = re.search(r"^HEALTHCHECK .*\n\s+CMD (.+)$", text, re.M)
    assert health and "/healthz" in health.group(1)


def test_the_image_copies_every_package() -> None:
    text = dockerfile()
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    copied = set(re.findall(r"^COPY (\w+) ", text, re.M))
    assert {p.rstrip("*") for p in packages} <= copied


def test_readme_opens_with_the_demo_and_the_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.+?)\n```", readme, re.S)
    assert "maturity demo" in blocks[0]
    assert blocks[1].endswith(".venv/bin/pytest")
    ci = (ROOT / ".ci" / "run").read_text()
    assert blocks[1] in ci  # CI calls the README's test command


def test_readme_compose_example_uses_real_settings() -> None:
    readme = (ROOT / "README.md").read_text()
    block = next(b for b in re.findall(r"```yaml\n(.+?)\n```", readme, re.S) if "services:" in b)
    compose = yaml.safe_load(block)
    env = compose["services"]["app"]["environment"]
    known = {name.upper() for name in Settings.model_fields}
    assert set(env) <= known
    assert env["DATABASE_URL"].startswith("postgresql://")


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in readme, name


def test_shell_commands_in_the_readme_name_real_subcommands() -> None:
    readme = (ROOT / "README.md").read_text()
    for line in re.findall(r"(?:^|&& )\.venv/bin/maturity ([a-z]+)", readme, re.M):
        assert line in subcommands(), line
