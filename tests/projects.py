"""A project folder for tests that plan a changed copy of the project: the program, Pulumi.yaml, copies of
committed stack files and stack files of the test's own."""

import shutil
from pathlib import Path

from finplatform import ROOT


def project(folder: Path, stacks: list[str], extra: dict[str, str] | None = None) -> Path:
    """``folder`` holding the program, Pulumi.yaml, copies of ``stacks``' files and ``extra`` stack files (stack
    name -> the file's text)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ["Pulumi.yaml", "__main__.py", *(f"Pulumi.{s}.yaml" for s in stacks)]:
        shutil.copy(ROOT / name, folder / name)
    for stack, text in (extra or {}).items():
        (folder / f"Pulumi.{stack}.yaml").write_text(text, encoding="utf-8")
    return folder


def committed_stack_text(stack: str) -> str:
    """A committed stack file's text, for a test to extend."""
    return (ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")
