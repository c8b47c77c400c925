"""Print the `go mod edit` arguments that let a module of ours build k8s.io/kubernetes.

Reads `go mod edit -json` of k8s.io/kubernetes's go.mod on stdin. That go.mod requires its
staging modules (k8s.io/api, k8s.io/apiserver, ...) at v0.0.0 and replaces them with
./staging/src/...; a dependent module must replace them with their published tags instead.
Any other replace and the godebug settings are copied as they are. One argument a line,
for xargs.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    staging_version = sys.argv[1]
    gomod = json.load(sys.stdin)
    args = []
    for replace in gomod.get("Replace") or []:
        old, new = replace["Old"]["Path"], replace["New"]
        if new["Path"].startswith("./staging/"):
            args.append(f"-replace={old}={old}@{staging_version}")
        elif new.get("Version"):
            args.append(f"-replace={old}={new['Path']}@{new['Version']}")
        else:
            sys.exit(f"k8s.io/kubernetes replaces {old} with a local path: {new['Path']}")
    for godebug in gomod.get("Godebug") or []:
        args.append(f"-godebug={godebug['Key']}={godebug['Value']}")
    args.append(f"-go={gomod['Go']}")
    print("\n".join(args))


if __name__ == "__main__":
    main()
