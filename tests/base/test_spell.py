"""The one edit distance (ibc.base.spell): near names for the compiler's hints and the
runtime's messages alike."""

from ibc.base.spell import closest, nearest


def test_near_spellings_ignore_case_and_underscores():
    assert nearest("n_estimator", ["n_estimators", "max_depth", "criterion"]) == ["n_estimators"]
    assert nearest("MaxDepth", ["max_depth", "min_samples"]) == ["max_depth"]


def test_at_most_half_of_the_letters_may_differ():
    assert nearest("abcd", ["abxy"]) == ["abxy"]
    assert nearest("abcd", ["axyz"]) == []


def test_best_first_then_alphabetical_and_limited():
    names = ["seed2", "seeds", "sed", "seed_", "zzz"]
    assert nearest("seed", names) == ["seed_", "sed", "seed2"]
    assert nearest("seed", names, limit=1) == ["seed_"]


def test_the_name_itself_is_never_suggested():
    assert nearest("alpha", ["alpha", "alpah"]) == ["alpah"]


def test_dotted_paths_by_their_last_part():
    paths = ["model.C", "model.max_iter", "seed"]
    assert nearest("C", paths) == []
    assert nearest("C", paths, dotted=True) == ["model.C"]
    assert nearest("model.max_iters", paths, dotted=True)[0] == "model.max_iter"


def test_closest():
    assert closest("aplha", ["alpha", "beta"]) == "alpha"
    assert closest("gamma", ["alpha", "beta"]) is None
