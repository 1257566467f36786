"""Reads the known deviations, the one list of them: the table in server/DEVIATIONS.md, one
row per case, `| \\`case\\` | Django | reference server | why |`."""

import re
from pathlib import Path

ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|(.*)\|\s*$")


def read_deviations(path: Path) -> dict[str, str]:
    """Case name to the reason it may differ; every row must give a reason."""
    deviations: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = ROW.match(line)
        if not match:
            continue
        case, cells = match[1], [cell.strip() for cell in match[2].split("|")]
        if len(cells) != 3 or not all(cells):
            raise ValueError(
                f"{path}:{number}: a deviation row needs Django, reference server and why"
            )
        if case in deviations:
            raise ValueError(f"{path}:{number}: {case} is listed twice")
        deviations[case] = cells[-1]
    return deviations
