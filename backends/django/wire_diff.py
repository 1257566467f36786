"""The differential wire test: one list of requests (wire/cases.py) against the reference
server and the bundled Django, comparing status, JSON body (tokens and timestamps
normalised), and the headers that matter (wire/client.py).

    python wire_diff.py --reference target/debug/interceptor-server [--only NAME]

Prints one line per case, `same` or `DIFF` with both sides; a difference is accepted only if
server/DEVIATIONS.md lists the case, and a listed case that no longer differs must leave the
list. Exits 1 on anything else.
"""

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from wire.cases import Case, Profile
from wire.profiles import PROFILES
from wire.client import Api, Observed
from wire.deviations import read_deviations
from wire.servers import DJANGO, REFERENCE, reference_supports, running_pair

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Outcome:
    case: str
    same: bool
    reference: list[Observed]
    django: list[Observed]
    remarks: str

    def first_difference(self) -> tuple[str, str]:
        for ours, theirs in zip(self.reference, self.django):
            if not ours.matches(theirs):
                return ours.brief(), theirs.brief()
        return (f"{len(self.reference)} responses", f"{len(self.django)} responses")


def run_side(case: Case, api: Api) -> None:
    api.observed.clear()
    api.remarks.clear()
    api.cookies.clear()  # each case starts as a fresh browser
    try:
        case.run(api)
    except Exception as error:  # a broken case shows as a difference, not a crash
        api.observed.append(Observed(-1, (), f"{type(error).__name__}: {error}"))


def run_case(case: Case, apis: dict[str, Api], pool: ThreadPoolExecutor) -> Outcome:
    """Runs the case on both servers at once (they share nothing) and compares."""
    list(pool.map(lambda api: run_side(case, api), apis.values()))
    reference, django = apis[REFERENCE], apis[DJANGO]
    remarks = ""
    if reference.remarks or django.remarks:
        remarks = f"reference: {', '.join(reference.remarks)}; django: {', '.join(django.remarks)}"
    same = len(reference.observed) == len(django.observed) and all(
        ours.matches(theirs) for ours, theirs in zip(reference.observed, django.observed)
    )
    return Outcome(case.name, same, list(reference.observed), list(django.observed), remarks)


def report(outcome: Outcome, deviations: dict[str, str]) -> bool:
    """Prints the case's line; whether it is acceptable."""
    remarks = f"  ({outcome.remarks})" if outcome.remarks else ""
    if outcome.same:
        if outcome.case in deviations:
            print(
                f"STALE {outcome.case}: the same on both now; remove it from server/DEVIATIONS.md"
            )
            return False
        print(f"same  {outcome.case}{remarks}")
        return True
    known = outcome.case in deviations
    reference, django = outcome.first_difference()
    print(f"DIFF  {outcome.case}  {'(known deviation)' if known else '(UNEXPECTED)'}{remarks}")
    print(f"        reference: {reference}")
    print(f"        django:    {django}")
    return known


def run_profile(
    profile: Profile, args: argparse.Namespace, deviations: dict[str, str]
) -> tuple[int, int]:
    cases = [case for case in profile.cases if not args.only or args.only in case.name]
    if not cases:
        return 0, 0
    print(f"-- {profile.name}: {' '.join(profile.flags) or 'default settings'}")
    passed = failed = 0
    with running_pair(args.reference, args.django, profile.flags) as (reference, django):
        apis = {REFERENCE: Api(reference.base_url), DJANGO: Api(django.base_url)}
        with ThreadPoolExecutor(2) as pool:
            for case in cases:
                if report(run_case(case, apis, pool), deviations):
                    passed += 1
                else:
                    failed += 1
    return passed, failed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reference", type=Path, required=True, help="the interceptor-server binary"
    )
    parser.add_argument(
        "--django",
        type=Path,
        default=REPO / "scripts" / "django",
        help="the script that starts Django (scripts/django)",
    )
    parser.add_argument(
        "--deviations",
        type=Path,
        default=REPO / "server" / "DEVIATIONS.md",
        help="the known deviations (server/DEVIATIONS.md)",
    )
    parser.add_argument("--only", help="run only the cases whose name contains this")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    deviations = read_deviations(args.deviations)
    names = [case.name for profile in PROFILES for case in profile.cases]
    duplicates = {name for name in names if names.count(name) > 1}
    unknown = set(deviations) - set(names)
    if duplicates or unknown:
        print(
            f"case names used twice: {sorted(duplicates)}; "
            f"deviations naming no case: {sorted(unknown)}",
            file=sys.stderr,
        )
        return 1

    started = time.monotonic()
    passed = failed = skipped = 0
    for profile in PROFILES:
        if profile.needs_flag and not reference_supports(args.reference, profile.needs_flag):
            print(f"-- {profile.name}: skipped, the reference server has no {profile.needs_flag}")
            skipped += len(profile.cases)
            continue
        profile_passed, profile_failed = run_profile(profile, args, deviations)
        passed += profile_passed
        failed += profile_failed
    print(
        f"\n{passed + failed} cases in {time.monotonic() - started:.0f} s; "
        f"{len(deviations)} known deviations listed; {skipped} skipped"
    )
    print(f"wire-diff: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
