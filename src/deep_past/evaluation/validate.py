"""CLI: ``python -m deep_past.evaluation.validate SUBMISSION SAMPLE``: exit 1 on a problem."""

from __future__ import annotations

import argparse
import sys

from deep_past.evaluation.submission import submission_problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("submission", help="submission.csv to check")
    parser.add_argument("sample", help="the competition's sample_submission.csv")
    args = parser.parse_args(argv)
    problems = submission_problems(args.submission, args.sample)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{args.submission}: valid")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
