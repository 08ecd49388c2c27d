"""The Python end-to-end tests' one-line checks: 'ok   NAME' or 'FAIL NAME' (with what was seen),
and the closing 'N passed, N failed' line CI reads."""
import sys

_counts = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    _counts["passed" if ok else "failed"] += 1
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or detail == "" else f"\n     {detail}"),
          flush=True)


def finish():
    """Prints the closing line and exits 1 if any check failed."""
    print(f"{_counts['passed']} passed, {_counts['failed']} failed")
    sys.exit(1 if _counts["failed"] else 0)
