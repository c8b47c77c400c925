"""A stand-in for `kubectl` (the test fixture copies it to PATH as `kubectl`), for the
one question `platform up` asks it: `kubectl [--context C] get [-n NS] TYPE/NAME...
--ignore-not-found -o name`.

It appends each call's arguments to `kubectl-calls.jsonl` beside itself, and answers
from `kubectl.json` beside itself: `{"exists": {"<namespace or ''>": ["configmap/x",
"deployment.apps/y"]}, "unserved": ["virtualmachine.kubevirt.io"], "code": 0,
"stderr": ""}`; a type it does not serve fails the call, as a CRD not installed does. It prints the requested objects that
exist, named as the real `kubectl get -o name` names them (`kind.group/name`, the kind
in lower case), and nothing for the others, as --ignore-not-found does.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def named(argument):
    kind_version_group, _, name = argument.partition("/")
    kind, _, rest = kind_version_group.partition(".")
    group = rest.partition(".")[2]
    return f"{kind.lower()}.{group}/{name}" if group else f"{kind.lower()}/{name}"


def main():
    args = sys.argv[1:]
    with open(os.path.join(HERE, "kubectl-calls.jsonl"), "a", encoding="utf-8") as log:
        log.write(json.dumps({"args": args}) + "\n")
    path = os.path.join(HERE, "kubectl.json")
    reply = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            reply = json.load(f)
    if reply.get("code"):
        sys.stderr.write(reply.get("stderr", ""))
        sys.exit(reply["code"])
    unserved = set(reply.get("unserved", []))
    for argument in args:
        kind = named(argument).partition("/")[0] if "/" in argument else ""
        if kind in unserved:
            sys.stderr.write(
                f'error: the server doesn\'t have a resource type "{kind.split(".")[0]}"\n'
            )
            sys.exit(1)
    namespace = args[args.index("-n") + 1] if "-n" in args else ""
    exists = set(reply.get("exists", {}).get(namespace, []))
    for argument in args:
        if "/" in argument and named(argument) in exists:
            sys.stdout.write(named(argument) + "\n")


main()
