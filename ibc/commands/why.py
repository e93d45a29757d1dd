"""`ibc why FILE [TARGET…]`: for each stage of the targets that would run, why
(docs/running.md "Why did this stage run?"); nothing runs.

The program is the one `ibc run` would run (compiled with the same `-s` overrides, or
reused); `ibc.runtime.explain.plan` computes every stage's key against the project's store
without running anything, and compares each stage that would run with its last recorded run
(the stage logs under `.ibc/runs/`): no entry yet, `--force`, an input whose content changed
(by its `.ib` location), or the first function of its code whose source changed (by file and
line). Stages that stay cached are counted in one line, with those that stay cached only if
the stages they read give the same values again (early cutoff). `ibc run --explain` prints
the same reasons after a run, for the stages that ran.
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_USAGE = 0, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Run nothing; for each stage of the targets that would run, say why: no entry yet, "
        "--force, an input whose content changed (by its .ib location), or the first function "
        "of its code whose source changed since its last recorded run (by file and line). "
        "Cached stages are counted in one line. `ibc run --explain` says why after a run."
    )
    parser.add_argument(
        "targets", nargs="*", metavar="TARGET", help="experiments to explain (default: all)"
    )
    parser.add_argument(
        "--store",
        metavar="PATH",
        help="the store folder (default: $IBC_STORE, else .ibc in the project root)",
    )
    parser.add_argument("--force", action="store_true", help="explain a run with --force")


def main(args, program) -> int:
    """Print why each stage of `args.targets` of `program` would run; the exit code."""
    from ibc.runtime.explain import Explainer, plan
    from ibc.runtime.hashing import FileHashes
    from ibc.runtime.program import Usage
    from ibc.runtime.runlog import store_root
    from ibc.runtime.store import DiskStore

    try:
        names = program.parse(list(args.targets)).names
    except Usage as usage:
        print(f"error: {usage}", file=sys.stderr)
        return EXIT_USAGE
    program.activate()
    root = store_root(program.project_root, args.store)
    files = FileHashes(root / "files.json")
    planner, history = plan(program, names, DiskStore(root), root, args.force, files)
    lines = Explainer(planner, history, args.force).lines(before=True)
    sys.stdout.write("".join(line + "\n" for line in lines))
    return EXIT_OK
