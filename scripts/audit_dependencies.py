"""Check the installed Python packages against the known-vulnerability database (pip-audit).

Exit status: 0 when nothing is known to be vulnerable, or when the database cannot be reached (a
machine without internet: the audit is skipped, and the script says so in one line); 1 when a
package has a known vulnerability (each is listed with its fix version). Run it in the project's
virtualenv: ``python scripts/audit_dependencies.py``. CI runs it after installing.
"""
from __future__ import annotations

import json
import subprocess
import sys


def main() -> int:
    try:
        result = subprocess.run([sys.executable, "-m", "pip_audit", "--local", "--format", "json",
                                 "--progress-spinner", "off"], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"dependency audit skipped: pip-audit could not run ({type(exc).__name__})")
        return 0
    try:
        report = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        print("dependency audit skipped: pip-audit gave no report (" + (result.stderr.strip().splitlines() or ["?"])[-1] + ")")
        return 0
    packages = report.get("dependencies", [])
    audited = [p for p in packages if "skip_reason" not in p]
    if packages and not audited:
        print(f"dependency audit skipped: the vulnerability database is unreachable from here "
              f"({len(packages)} packages could not be looked up)")
        return 0
    found = [(p["name"], p["version"], v) for p in audited for v in p.get("vulns", [])]
    for name, version, vuln in found:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
        print(f"VULNERABLE {name} {version}: {vuln.get('id')} (fixed in {fixes})")
    skipped = len(packages) - len(audited)
    print(f"dependency audit: {len(audited)} packages checked, {len(found)} known vulnerabilities"
          + (f", {skipped} not found in the database" if skipped else ""))
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
