"""`%load_ext ibc` in a real Jupyter kernel: a notebook made here (nbformat) executed by
nbclient on an ipykernel kernel that runs this interpreter, as Jupyter runs it. The cell
labels in errors and in `%ib_params` must be the numbers Jupyter shows beside the cells
(`In [3]`), also after a cell is executed again.

The kernel's spec is written into a temporary Jupyter data folder, and every Jupyter and
IPython folder points into the test's temporary folder, so nothing reaches `~/.local` or
`~/.ipython`; nothing goes over the network (the kernel talks over local ZeroMQ sockets)."""

from __future__ import annotations

import json
import sys

import pytest

nbformat = pytest.importorskip("nbformat", reason="the `test` extra installs nbformat")
nbclient = pytest.importorskip("nbclient", reason="the `test` extra installs nbclient")
pytest.importorskip("ipykernel", reason="the `test` extra installs ipykernel")

from tests.notebook.conftest import WORK  # noqa: E402

KERNEL = "ibc-test-python"

DECLS = "%%ib\nfrom work import load, total, boom\nn = 5\nxs = load(n)\n"
BAD = "%%ib\nm = 1\nexperiment bad = {s = total(n)}\n"  # total(n): n is an Int, not a list
GOOD = "%%ib\nexperiment a = {s = total(xs)}\n"
PARAMS = 'rows = %ib_params\nprint(rows.to_json(orient="records"))\n'


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """Jupyter's and IPython's folders in `tmp_path`, with a kernel spec that starts
    `sys.executable -m ipykernel_launcher` (this interpreter, with this PYTHONPATH)."""
    data = tmp_path / "jupyter-data"
    spec = data / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python (ibc tests)",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(data))
    monkeypatch.setenv("JUPYTER_PATH", str(data))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "jupyter-config"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "jupyter-runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("IBC_STORE", str(tmp_path / "store"))
    return tmp_path


@pytest.fixture
def folder(kernel_env):
    work = kernel_env / "nb"
    work.mkdir()
    (work / "ibc.toml").write_text("")
    (work / "work.py").write_text(WORK)
    return work


def _notebook(*sources: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python (ibc tests)"}
    return nb


def _client(nb, folder):
    return nbclient.NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=120,
        startup_timeout=120,
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    )


def _error(cell) -> str:
    errors = [out for out in cell.outputs if out.output_type == "error"]
    assert errors, cell.outputs
    return "\n".join(errors[0].traceback)


def _stdout(cell) -> str:
    return "".join(
        out.text for out in cell.outputs if out.output_type == "stream" and out.name == "stdout"
    )


def test_a_notebook_names_its_cells_as_jupyter_numbers_them(folder):
    nb = _notebook("%load_ext ibc", DECLS, BAD, GOOD, PARAMS)
    client = _client(nb, folder)
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        assert [cell.execution_count for cell in nb.cells] == [1, 2, 3, 4, 5]
        # the error of cell [3] names In[3] (line 1 is the `%%ib` line)
        report = _error(nb.cells[2])
        assert "In[3]:3:29" in report, report
        assert "In[4]" not in report and "Traceback" not in report
        # cell [4] ran its experiment: a table with the value
        shown = nb.cells[3].outputs
        assert any("10.0" in out.get("data", {}).get("text/plain", "") for out in shown), shown
        rows = {row["path"]: row for row in json.loads(_stdout(nb.cells[4]))}
        assert rows["n"]["where"] == "In[2]:3:1"

        # Cell [2] executed again with a new value: Jupyter shows it as [6]; a following
        # error names In[7], the parameters In[6].
        nb.cells[1].source = DECLS.replace("n = 5", "n = 3")
        client.execute_cell(nb.cells[1], 1)
        assert nb.cells[1].execution_count == 6
        client.execute_cell(nb.cells[2], 2)
        assert nb.cells[2].execution_count == 7
        report = _error(nb.cells[2])
        assert "In[7]:3:29" in report, report
        client.execute_cell(nb.cells[4], 4)
        rows = {row["path"]: row for row in json.loads(_stdout(nb.cells[4]))}
        assert (rows["n"]["value"], rows["n"]["where"]) == ("3", "In[6]:3:1")


def test_a_whole_notebook_run_stops_at_the_failing_cell(folder):
    """`nbclient` running the notebook as "Run all" does (errors not allowed): it stops at
    cell [3] with the Iterbuild message, labelled with that cell's number."""
    nb = _notebook("%load_ext ibc", DECLS, BAD, GOOD)
    client = _client(nb, folder)
    client.allow_errors = False
    with pytest.raises(nbclient.exceptions.CellExecutionError) as caught:
        client.execute()
    assert "In[3]:3:29" in str(caught.value)
    assert nb.cells[3].execution_count is None  # never ran
