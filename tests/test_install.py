"""Build the wheel, install it in a fresh virtual environment and run it elsewhere.

This keeps packaging honest: the dictionaries and models must ship inside the
wheel, because the source tree is not there when an analyst runs textmine.
"""

import csv
import subprocess
import sys
import venv
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
                     "textmine/cli.py", "textmine/store/schema.py"]:
        assert required in names
    assert any(name.startswith("textmine/models/") and not name.endswith(".py") for name in names)


@pytest.mark.slow
def test_installed_wheel_annotates_a_gb18030_export_from_another_folder(wheel, tmp_path):
    environment = tmp_path / "venv"
    # The dependencies come from the running interpreter's site-packages; the
    # textmine under test comes only from the wheel.
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(environment)
    python = environment / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                    "--force-reinstall", "--quiet", str(wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "export.csv").write_bytes((FIXTURES / "gb18030.csv").read_bytes())
    completed = subprocess.run([str(environment / "bin" / "textmine"), "annotate", "export.csv", "-o", "out.csv"],
                               cwd=work, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    with open(work / "out.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    assert rows[0]["categories"] == "coverage"
    location = subprocess.run([str(python), "-c", "import textmine; print(textmine.__file__)"],
                              cwd=work, capture_output=True, text=True).stdout
    assert str(environment) in location
