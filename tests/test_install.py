"""Build the wheel, install it in a fresh virtual environment and run it elsewhere.

This keeps packaging honest: the dictionaries and models must ship inside the
wheel, because the source tree is not there when an analyst runs textmine.
"""

import csv
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
         "--wheel-dir", str(folder), str(ROOT)],
        check=True, capture_output=True,
    )
    return next(folder.glob("textmine-*.whl"))


def test_wheel_ships_dictionaries_and_models(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for required in ["textmine/dictionaries/user_dict.txt", "textmine/dictionaries/stopwords.txt",
                     "textmine/dictionaries/synonyms.txt", "textmine/dictionaries/taxonomy.tsv",
                     "textmine/cli/__init__.py", "textmine/store/schema.py"]:
        assert required in names
    assert any(name.startswith("textmine/models/") and not name.endswith(".py") for name in names)


def environment_with_the_wheel(folder, wheel):
    """A virtual environment whose textmine comes only from ``wheel``; its python and the env to run it in.

    The dependencies are the running interpreter's: its site-packages folders are
    listed in a .pth file of the new environment, after the wheel's own folder.
    (``system_site_packages=True`` would not do: inside a virtual environment it
    shows the base interpreter's packages, not the environment's.) A plain path
    line runs none of the .pth files there, so an editable textmine stays out.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, capture_output=True)
    python = folder / "bin" / "python"
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True, env=env).stdout.strip()
    outer = site.getsitepackages() + ([site.getusersitepackages()] if site.ENABLE_USER_SITE else [])
    Path(purelib, "outer_site_packages.pth").write_text(
        "".join(f"{path}\n" for path in outer if os.path.isdir(path)), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                    "--force-reinstall", "--quiet", str(wheel)], check=True, capture_output=True)
    return python, env


@pytest.mark.slow
def test_installed_wheel_annotates_a_gb18030_export_from_another_folder(wheel, tmp_path):
    environment = tmp_path / "venv"
    python, env = environment_with_the_wheel(environment, wheel)
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "export.csv").write_bytes((FIXTURES / "gb18030.csv").read_bytes())
    completed = subprocess.run([str(environment / "bin" / "textmine"), "annotate", "export.csv", "-o", "out.csv"],
                               cwd=work, capture_output=True, text=True, env=env)
    assert completed.returncode == 0, completed.stderr
    with open(work / "out.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    assert rows[0]["categories"] == "coverage"
    location = subprocess.run([str(python), "-c", "import textmine; print(textmine.__file__)"],
                              cwd=work, capture_output=True, text=True, env=env).stdout
    assert str(environment) in location
