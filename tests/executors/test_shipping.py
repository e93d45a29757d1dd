"""What the dask executor ships (ibc.runtime.shipping): the project zip imports a namespace
`src/` in a fresh interpreter, is named by its content, and replaces an older one without
leaving its modules behind; snapshots are found in a pickled call and served without git."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
import zipfile

import pytest

from ibc.runtime import shipping
from ibc.runtime.values import Ref


def _project(root, factor="2.0"):
    (root / "src" / "deep").mkdir(parents=True, exist_ok=True)
    (root / "src" / "util.py").write_text(f"def factor():\n    return {factor}\n")
    (root / "src" / "deep" / "leaf.py").write_text(
        "from src.util import factor\n\ndef f(x):\n    return x * factor()\n"
    )
    (root / "top.py").write_text("X = 1\n")
    return root


def test_the_zip_imports_a_namespace_src_in_a_fresh_interpreter(tmp_path):
    root = _project(tmp_path / "p")
    name, data = shipping.project_archive(str(root))
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names == ["src/", "src/deep/", "src/deep/leaf.py", "src/util.py", "top.py"]
    zipped = tmp_path / name
    zipped.write_bytes(data)
    code = (
        f"import sys; sys.path.insert(0, {str(zipped)!r})\n"
        "import src.deep.leaf as m, top\n"
        "print(m.f(3), m.__file__.startswith(sys.path[0]), top.X)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.stdout.split() == ["6.0", "True", "1"], done.stderr


def test_the_zip_name_follows_the_content(tmp_path):
    root = _project(tmp_path / "p")
    first = shipping.project_archive(str(root))
    assert shipping.project_archive(str(root)) == first  # deterministic bytes and name
    _project(root, factor="5.0")
    second = shipping.project_archive(str(root))
    assert second[0] != first[0] and second[0].startswith("ibc_project_")


def test_a_new_zip_replaces_the_old_one_and_its_modules(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    root = _project(tmp_path / "p")
    sources = shipping.WorkerSources()
    folder = str(tmp_path / "worker")
    sources.use(folder, shipping.project_archive(str(root)), ())
    try:
        import src.deep.leaf

        assert src.deep.leaf.f(1) == 2.0
        old = sources.project
        _project(root, factor="5.0")
        sources.use(folder, shipping.project_archive(str(root)), ())
        assert old not in sys.path and sys.path[0] == sources.project != old
        assert not any(n == "src" or n.startswith("src.") for n in sys.modules)
        import src.deep.leaf  # noqa: F811 - imported again, from the new zip

        assert src.deep.leaf.f(1) == 5.0
        assert src.deep.leaf.__file__.startswith(sources.project)
    finally:
        for name in [n for n in sys.modules if n == "src" or n.startswith("src.")]:
            del sys.modules[name]
        if sources.project:
            shipping.forget(sources.project)


def test_commits_are_found_in_a_pickled_call():
    a, b = "a" * 40, "0123456789" * 4
    payload = pickle.dumps(
        [Ref(f"_ibc_rev_{a}.src.features", "clean", revision=a), {"k": f"_ibc_rev_{b}.src"}]
    )
    assert shipping.commits_in(payload) == {a, b}
    assert shipping.commits_in(pickle.dumps(["_ibc_rev_nothex", "_ibc_rev_" + "a" * 39])) == set()


def test_an_outcome_that_knows_its_worker_survives_pickle():
    pytest.importorskip("distributed")
    from ibc.runtime.dask_executor import _placed
    from ibc.runtime.executors import Outcome

    placed = _placed(Outcome(value=[1, 2], seconds=0.5, stdout="hi\n"), "tcp://10.0.0.7:4000")
    again = pickle.loads(pickle.dumps(placed))
    assert (again.value, again.seconds, again.stdout, again.where) == (
        [1, 2],
        0.5,
        "hi\n",
        "tcp://10.0.0.7:4000",
    )
