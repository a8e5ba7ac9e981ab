"""Wheels the GPU machine needs for benchmarks/gpu.py, downloaded into .whl/ (docs/gpu.md).

Usage: python benchmarks/gpu_wheels.py [--dest .whl] [--minimal]

The device image (Python 3.12, x86-64, no internet) has torch, transformers, peft, accelerate,
pandas and sacrebleu but no trl, datasets or bitsandbytes. This fetches those at the versions
pyproject.toml pins, the dependencies of theirs the image lacks (at the versions installed
here), and, unless --minimal, transformers and peft at the pinned versions too, so the device
runs the stack the tests run. It checks every wheel's requirements are met by the set or the
image, and that wheels plus the tracked working tree stay within the 64 MiB that may travel.
Prints one row per wheel; the last line is the total against that limit.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT_BYTES = 64 * 2**20  # the working tree plus carried paths, per device call
PLATFORMS = (  # the device's manylinux levels (pip matches each exactly)
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_24_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux1_x86_64",
)
MISSING = ("trl", "datasets", "bitsandbytes")  # pinned in pyproject.toml, absent on the device
PINNED_STACK = ("transformers", "peft")  # present there at other versions
# Needs of the wheels above that the image lacks; their versions are taken from this venv.
DEPENDENCIES = ("dill", "multiprocess")
# What the device image holds (the device README's package list), as far as the wheels need it.
ON_DEVICE = {
    "accelerate",
    "filelock",
    "fsspec",
    "huggingface-hub",
    "jinja2",
    "numpy",
    "packaging",
    "pandas",
    "psutil",
    "pyarrow",
    "pyyaml",
    "regex",
    "safetensors",
    "tokenizers",
    "torch",
    "tqdm",
    "typer",
    "xxhash",
}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    """name -> version from pyproject.toml's ``name==version`` dependencies."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = {}
    for spec in project["dependencies"]:
        if "==" in spec:
            name, version = spec.split("==")
            found[normalise(name)] = version.strip()
    return found


def wanted(minimal: bool) -> dict[str, str]:
    pinned = pins()
    names = MISSING if minimal else MISSING + PINNED_STACK
    missing = [n for n in names if n not in pinned]
    if missing:
        raise SystemExit(f"pyproject.toml pins no version of {missing}")
    found = {n: pinned[n] for n in names}
    for name in DEPENDENCIES:
        found[name] = importlib.metadata.version(name)
    return found


def download(packages: dict[str, str], dest: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--python-version", "3.12", "--implementation", "cp", "-d", str(dest)]
    for platform in PLATFORMS:
        cmd += ["--platform", platform]
    subprocess.run(cmd + [f"{n}=={v}" for n, v in packages.items()], check=True)


def wheel_name(path: Path) -> str:
    return normalise(path.name.split("-")[0])


def requirements(path: Path) -> list[str]:
    """Names a wheel requires (``extra`` requirements left out)."""
    with zipfile.ZipFile(path) as wheel:
        meta = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        lines = wheel.read(meta).decode().splitlines()
    needs = []
    for line in lines:
        if line.startswith("Requires-Dist:") and "extra ==" not in line:
            needs.append(normalise(re.split(r"[ ;<>=!~\[(]", line.split(":", 1)[1].strip())[0]))
    return needs


def tree_bytes() -> int:
    """Bytes of the tracked files: they travel with every call."""
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    paths = [ROOT / n.decode() for n in names if n]
    return sum(p.stat().st_size for p in paths if p.is_file())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dest", type=Path, default=ROOT / ".whl")
    parser.add_argument("--minimal", action="store_true", help="only what the device lacks")
    args = parser.parse_args(argv)
    packages = wanted(args.minimal)
    args.dest.mkdir(parents=True, exist_ok=True)
    for stale in args.dest.glob("*.whl"):  # one version of each: two stop the whole install
        if wheel_name(stale) not in packages or packages[wheel_name(stale)] not in stale.name:
            stale.unlink()
    download(packages, args.dest)
    wheels = sorted(args.dest.glob("*.whl"))
    have = {wheel_name(w) for w in wheels} | ON_DEVICE
    unmet = {w.name: sorted(set(requirements(w)) - have) for w in wheels}
    total, tree = sum(w.stat().st_size for w in wheels), tree_bytes()
    for w in wheels:
        needs = ", ".join(unmet[w.name])
        note = f"  needs {needs} (not in the set or the image)" if needs else ""
        print(f"{w.stat().st_size / 2**20:8.2f} MiB  {w.name}{note}")
    print(f"{tree / 2**20:8.2f} MiB  tracked working tree")
    print(
        f"wheels {total / 2**20:.2f} MiB + tree {tree / 2**20:.2f} MiB = "
        f"{(total + tree) / 2**20:.2f} MiB of {LIMIT_BYTES / 2**20:.0f} MiB; "
        f"ratio {(total + tree) / LIMIT_BYTES:.2f}"
    )
    if total + tree > LIMIT_BYTES or any(unmet.values()):
        raise SystemExit("the wheels do not fit the device's limit or miss a dependency")


if __name__ == "__main__":
    main()
