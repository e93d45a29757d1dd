"""The parts of `ibc why` that need no run (docs/running.md, "Why did this stage run?"):
stage sites are kept across code edits and changed by literal arguments, and a code change
is named by the first definition whose own hash differs, by a library's versions, or by what
a function started or stopped using. End-to-end cases are in tests/runs/test_build_why.py."""

from ibc.runtime import Graph, Ref, Scope
from ibc.runtime.explain import code_change, site

V1 = ("fit src/m.py:10 aaaaaaaaaaaa", "helper src/m.py:3 bbbbbbbbbbbb", "RATE src/m.py:1 cccc")


def builder():
    return Scope({}, Graph()).root


def fit(fingerprint="src:1", code=V1):
    return Ref("src.m", "fit", fingerprint=fingerprint, code=code)


def test_sites_ignore_code_and_locations_but_not_arguments():
    m = builder()
    load = Ref("src.m", "load", fingerprint="src:9")
    first = m.call(fit(), [m.call(load, [m.lit("a.csv")], at="m.ib:2:1")], at="m.ib:3:1")
    edited = m.call(
        fit("src:2"), [m.call(Ref("src.m", "load", fingerprint="src:8"), [m.lit("a.csv")])]
    )
    other = m.call(fit(), [m.call(load, [m.lit("b.csv")])])
    assert first.key != edited.key  # another stage key, the same stage
    assert site(first, {}) == site(edited, {}) != site(other, {})
    method = m.method(first, "predict", [m.lit(1)], fingerprint="src:class1")
    assert site(method, {}) == site(m.method(edited, "predict", [m.lit(1)]), {})


def test_code_changes_are_named():
    m = builder()
    x = m.lit(1)
    old = {"fingerprint": "src:1", "code": list(V1)}
    helper_edited = (V1[0], "helper src/m.py:4 dddddddddddd", V1[2])
    assert code_change(m.call(fit("src:2", helper_edited), [x]), old) == (
        "helper (src/m.py:4) changed"
    )
    grown = (*V1, "clip src/util.py:7 eeeeeeeeeeee")
    assert code_change(m.call(fit("src:3", grown), [x]), old) == "fit now uses clip (src/util.py:7)"
    assert code_change(m.call(fit("src:4", V1[:2]), [x]), old) == (
        "fit no longer uses RATE (src/m.py:1)"
    )
    lib = Ref("sklearn.linear_model", "Ridge", fingerprint="scikit-learn==1.5.0")
    assert code_change(m.call(lib, [x]), {"fingerprint": "scikit-learn==1.4.2"}) == (
        "scikit-learn changed from 1.4.2 to 1.5.0"
    )
    method = m.method(x, "fit", fingerprint="src:class2")
    assert code_change(method, {"fingerprint": "src:class1"}) == (
        "the code of the class of `.fit` changed"
    )
