"""``footcore.analysis`` is core: it imports and runs without Hypothesis, its ``__all__``
names what it holds, and the testing kit re-exports the very same objects."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import footcore.analysis
import footcore.testing

NO_HYPOTHESIS = textwrap.dedent("""
    import sys

    class Refuse:  # as if Hypothesis were not installed
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "hypothesis":
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Refuse())
""")


def test_analysis_imports_and_runs_without_hypothesis() -> None:
    code = NO_HYPOTHESIS + textwrap.dedent("""
        import footcore
        import footcore.analysis as analysis

        rulebook = footcore.load_rulebook()
        report = analysis.prove(rulebook)
        print(report.ok, len(report.results), len(analysis.lint(rulebook)),
              len(analysis.safety(rulebook)))
        loaded = sorted(name for name in sys.modules if name.split(".")[0] == "hypothesis")
        print(loaded or "none")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", str(len(footcore.analysis.PROVABLE)), "0", "0",
                                   "none"]


def test_the_guard_does_refuse_hypothesis() -> None:
    code = NO_HYPOTHESIS + "from footcore.testing import checkins\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode != 0
    assert "needs Hypothesis" in done.stderr


def test_every_public_name_is_there_and_documented() -> None:
    assert footcore.analysis.__doc__
    assert sorted(footcore.analysis.__all__) == sorted(set(footcore.analysis.__all__))
    for name in footcore.analysis.__all__:
        value = getattr(footcore.analysis, name)
        if callable(value):
            assert value.__doc__, f"footcore.analysis.{name} has no docstring"


def test_the_kit_re_exports_the_same_objects() -> None:
    shared = set(footcore.analysis.__all__) & set(footcore.testing.__all__)
    assert {"prove", "ProofReport", "INVARIANTS", "check_reachable"} <= shared
    for name in shared:
        assert getattr(footcore.testing, name) is getattr(footcore.analysis, name), name
