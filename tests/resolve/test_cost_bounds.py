"""What checking costs is bounded by the input (docs/errors.md, E0201): near-name hints are
given to the first unknown names only, since each scans every name in scope."""

from __future__ import annotations

from ibc.driver import check_file
from ibc.resolve.names import MAX_SUGGESTED


def test_only_the_first_unknown_names_get_near_name_hints(tmp_path):
    count = MAX_SUGGESTED + 50
    lines = [f"value_{i} = {i}" for i in range(count)]
    lines += [f"use_{i} = valu_{i} + 1" for i in range(count)]  # each near `value_i`
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "main.ib").write_text("\n".join(lines) + "\n")
    result = check_file(tmp_path / "main.ib")
    unknown = [d for d in result.diagnostics if d.code == "E0201"]
    assert len(unknown) == count  # every error is reported
    hinted = [d for d in unknown if d.args.get("suggestions")]
    assert len(hinted) == MAX_SUGGESTED
    assert hinted[0].args["suggestions"][0] == "value_0"
