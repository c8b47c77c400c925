"""A stand-in for the `pulumi` CLI (the test fixture copies it to PATH as `pulumi`).

It appends each call (arguments and the environment variables that matter) to
`calls.jsonl` beside itself, and replays the reply scripted for the command in
`replies.json` beside itself (`<command>@<stack>` first, then `<command>`): stdout,
stderr, exit code, and engine events written to the `--event-log` file, closed by a
cancel event as the real CLI does.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ENV_KEYS = ("PULUMI_BACKEND_URL", "PLATFORM_COMMIT_SHA", "PULUMI_CONFIG_PASSPHRASE")
DEFAULTS = {
    "version": {"stdout": "v3.200.0\n"},
    "stack output": {"stdout": "{}\n"},
    # A stack whose state holds nothing yet
    "stack export": {"stdout": json.dumps({"version": 3, "deployment": {"resources": []}})},
    "stack history": {
        "stdout": json.dumps(
            [
                {
                    "kind": "update",
                    "startTime": "2026-01-01T00:00:00.000000Z",
                    "endTime": "2026-01-01T00:00:01.000000Z",
                    "message": "",
                    "environment": {},
                    "config": {},
                    "result": "succeeded",
                    "resourceChanges": {"same": 1},
                }
            ]
        )
    },
}


def command(args):
    words = [a for a in args if a != "--non-interactive"]
    if words and words[0] in ("stack", "config") and len(words) > 1:
        return f"{words[0]} {words[1]}"
    return words[0] if words else ""


def main():
    args = sys.argv[1:]
    key = command(args)
    with open(os.path.join(HERE, "calls.jsonl"), "a", encoding="utf-8") as log:
        env = {k: os.environ[k] for k in ENV_KEYS if k in os.environ}
        log.write(json.dumps({"command": key, "args": args, "env": env}) + "\n")
    with open(os.path.join(HERE, "replies.json"), encoding="utf-8") as f:
        replies = json.load(f)
    # A reply for one stack only: "<command>@<stack>"
    stack = args[args.index("--stack") + 1] if "--stack" in args else ""
    reply = replies.get(f"{key}@{stack}", replies.get(key, DEFAULTS.get(key, {})))
    if "--event-log" in args:
        path = args[args.index("--event-log") + 1]
        events = [*reply.get("events", []), {"cancelEvent": {}}]
        with open(path, "a", encoding="utf-8") as out:
            for number, event in enumerate(events):
                out.write(json.dumps({"sequence": number, "timestamp": 0, **event}) + "\n")
    sys.stdout.write(reply.get("stdout", ""))
    sys.stderr.write(reply.get("stderr", ""))
    sys.exit(reply.get("code", 0))


main()
