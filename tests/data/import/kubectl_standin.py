"""A stand-in for `kubectl` (copied to PATH as `kubectl`) for what `platform import
--from-cluster` asks: `kubectl [--context C] get namespace NS -o json` and `kubectl
[--context C] get -n NS TYPE -o json`.

It appends each call's arguments to `kubectl-calls.jsonl` beside itself and answers
from `cluster.json` beside itself: `{"namespaces": {"<ns>": [objects]}, "unserved":
["virtualmachines.v1.kubevirt.io"]}`. A namespace it does not hold is NotFound; a type
it does not serve fails as a CRD not installed does; objects are listed by their kind
(the plural lower-case resource name's singular, as TYPE names it)."""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    args = sys.argv[1:]
    with open(os.path.join(HERE, "kubectl-calls.jsonl"), "a", encoding="utf-8") as log:
        log.write(json.dumps({"args": args}) + "\n")
    with open(os.path.join(HERE, "cluster.json"), encoding="utf-8") as f:
        cluster = json.load(f)
    if "--context" in args:
        i = args.index("--context")
        args = args[:i] + args[i + 2 :]
    assert args[0] == "get" and args[-2:] == ["-o", "json"], args
    namespaces = cluster["namespaces"]
    if args[1] == "namespace":
        name = args[2]
        if name not in namespaces:
            sys.stderr.write(f'Error from server (NotFound): namespaces "{name}" not found\n')
            sys.exit(1)
        print(json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}))
        return
    namespace, kind = args[2], args[3]
    if kind in cluster.get("unserved", []):
        resource = kind.split(".")[0]
        sys.stderr.write(f'error: the server doesn\'t have a resource type "{resource}"\n')
        sys.exit(1)
    plural = kind.split(".")[0]
    items = [
        o
        for o in namespaces.get(namespace, [])
        if (o["kind"].lower() + "s") == plural
        or (o["kind"].lower() + "es") == plural
        or o["kind"].lower()[:-1] + "ies" == plural
    ]
    print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))


main()
