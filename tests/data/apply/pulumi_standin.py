"""A stand-in for the `pulumi` CLI (the test fixture copies it to PATH as `pulumi`).

It appends each call (arguments and the environment variables that matter) to
`calls.jsonl` beside itself, and replays the reply scripted for the command in
`replies.json` beside itself (`<command>@<stack>` first, then `<command>`): stdout,
stderr, exit code, and engine events written to the `--event-log` file, closed by a
cancel event as the real CLI does. A reply with `sleep` runs that long, as an update
waiting on a rollout does; a SIGINT then cancels it as the real CLI's first ^C does
(it says so, takes `cancel_seconds` to wind down, and fails with `update canceled`),
and each SIGINT is recorded in `calls.jsonl` as the command `signal`.
"""

import json
import os
import signal
import sys
import time

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


def record(entry):
    with open(os.path.join(HERE, "calls.jsonl"), "a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")


def cancelled(reply):
    record({"command": "signal", "args": ["SIGINT"], "env": {}})
    # A second SIGINT while winding down is recorded too, as the real CLI terminates
    signal.signal(
        signal.SIGINT,
        lambda signum, frame: record({"command": "signal", "args": ["SIGINT"], "env": {}}),
    )
    sys.stdout.write(
        "^C received; cancelling. If you would like to terminate immediately, press ^C again.\n"
    )
    sys.stdout.flush()
    time.sleep(reply.get("cancel_seconds", 2))
    sys.stderr.write("error: update canceled\n")
    sys.exit(255)


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
    if reply.get("sleep"):
        signal.signal(signal.SIGINT, lambda signum, frame: cancelled(reply))
        time.sleep(reply["sleep"])
    sys.stdout.write(reply.get("stdout", ""))
    sys.stderr.write(reply.get("stderr", ""))
    sys.exit(reply.get("code", 0))


main()
