"""Copies the top-level data files (form specs, provincial extensions, built add-in, WPS add-in) into the wheel as xxgk/_data/.

Everything else about the package is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA = [("templates", "*.yaml"), ("templates/ext", "*.yaml"), ("addin", "xxgk.xlam"),  # folder, files (not recursive)
        ("addin/wps", "*.xml"), ("addin/wps", "*.html"), ("addin/wps/js", "*.js"), ("addin/wps/js", "*.css"),
        ("addin/wps/images", "*.svg")]


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        for folder, pattern in DATA:
            for src in sorted((ROOT / folder).glob(pattern)):
                dest = Path(self.build_lib) / "xxgk" / "_data" / folder / src.name
                self.mkpath(str(dest.parent))
                self.copy_file(str(src), str(dest))


setup(cmdclass={"build_py": BuildWithData})
