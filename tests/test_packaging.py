"""Set-up files agree with each other: pyproject, environment.yml, Makefile, CI and README."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ ;\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_direct_dependencies_and_test_extras_as_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = pyproject["project"]
    deps = {_name(d): d for d in [*project["dependencies"], *project["optional-dependencies"]["test"]]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, {}
    for item in env["dependencies"]:
        if isinstance(item, dict):
            pip.update({_name(d): d for d in item["pip"] if not d.startswith("-e")})
        elif _name(item) not in ("python", "pip"):
            conda[_name(item)] = item
    assert set(conda) | set(pip) == set(deps)
    assert not set(conda) & set(pip)
    # Same minimum versions in both files.
    for name, spec in {**conda, **pip}.items():
        assert spec.replace(" ", "") == deps[name].replace(" ", ""), name
    assert any(d.startswith("-e") for item in env["dependencies"] if isinstance(item, dict) for d in item["pip"])


def test_python_floor_is_the_same_everywhere():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == ">=3.11"
    assert "python>=3.11" in (ROOT / "environment.yml").read_text()
    assert "(3, 11)" in (ROOT / "Makefile").read_text()


def test_ci_calls_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"^make test$", ci, re.M)
    assert "make demo" in readme and "make test" in readme
    assert readme.index("make demo") < readme.index("## "), "the two commands come first"


def test_console_script_points_at_the_cli():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["mentoring"] == "mentoring_lib.cli:main"


def test_notebooks_are_committed_without_outputs():
    import json

    for nb_path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            checked = "nbval-check-output" in cell.get("metadata", {}).get("tags", [])
            if not checked:
                assert not cell.get("outputs"), f"{nb_path.name} has a code cell with outputs"
                assert cell.get("execution_count") is None, f"{nb_path.name} has an execution count"


def test_every_notebook_follows_the_stage_contract():
    import json

    from mentoring_lib.pipeline import stages

    names = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    # 08_compare reads public summaries of several terms: a researcher's notebook, not a stage
    assert names == sorted([s.notebook for s in stages.STAGES] + ["08_compare.ipynb"])
    for st in stages.STAGES:
        nb = json.loads((ROOT / "notebooks" / st.notebook).read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert "parameters" in code[0]["metadata"].get("tags", []), st.notebook
        params = "".join(code[0]["source"])
        assert re.search(r'^config = "\.\./config/demo\.yml"$', params, re.M), st.notebook
        assert re.search(r"^output_dir = None$", params, re.M), st.notebook
        assert f'open_stage("{st.name}", config=config, output_dir=output_dir)' in "".join(code[1]["source"])
        assert "ctx.mark_done()" in "".join(code[-1]["source"]), st.notebook
        assert nb["cells"][0]["cell_type"] == "markdown"


def _make_recipe(target: str) -> str:
    """The recipe lines of a Makefile target."""
    text = (ROOT / "Makefile").read_text()
    match = re.search(rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n)+)", text, re.M)
    assert match, target
    return match.group(1)


def test_make_lint_type_checks_the_library_with_the_config_in_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["tool"]["mypy"]["files"] == ["mentoring_lib"]
    assert "mypy" in _make_recipe("lint") and "ruff check" in _make_recipe("lint")


def test_make_test_fast_leaves_out_slow_tests_and_make_test_runs_everything():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert any(m.startswith("slow:") for m in pyproject["tool"]["pytest"]["ini_options"]["markers"])
    assert '-m "not slow"' in _make_recipe("test-fast")
    assert "not slow" not in _make_recipe("test") and "pytest" in _make_recipe("test")
