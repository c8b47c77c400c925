#!/usr/bin/env bash
# The worked pull requests of `make demo`: the bundled landscape copied into a
# temporary git repository, a VM requested on a branch with `platform new`, a VM
# retired on another with `platform retire`, and the plan a reviewer would see for
# each branch. Nothing outside the temporary folder is touched.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/.venv/bin"
work=$(mktemp -d "${TMPDIR:-/tmp}/platform-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

export GIT_AUTHOR_NAME="Demo Developer" GIT_AUTHOR_EMAIL="dev@dom-komfort.example"
export GIT_COMMITTER_NAME="Demo Developer" GIT_COMMITTER_EMAIL="dev@dom-komfort.example"
export GIT_CONFIG_NOSYSTEM=1

cp -R "$top/landscape" "$top/stacks" "$top/policies" "$top/schemas" "$work/"
mkdir -p "$work/.github" && cp "$top/.github/CODEOWNERS" "$work/.github/"
find "$work/policies" -name '__pycache__' -prune -exec rm -rf {} +
cd "$work"
git init -q -b main
git add -A
git commit -q -m "The Dom-Komfort landscape"

echo "== A developer of the call centre asks for a third PBX server on a branch"
echo "\$ platform new server --stack prod --team call-center --name pbx-3 --system telephony --cpu 4 --memory 8Gi --disk 100Gi --image ubuntu-24.04 --branch call-center/pbx-3"
"$bin/platform" new server --stack prod --team call-center --name pbx-3 --system telephony --cpu 4 \
  --memory 8Gi --disk 100Gi --image ubuntu-24.04 --branch call-center/pbx-3
echo
echo "== The plan a reviewer sees on the pull request"
echo "\$ platform plan --base main"
"$bin/platform" plan --base main --format text
echo
echo "== The analytics team retires its jump host: phase 1 stops it and keeps its disk"
git switch -q main
echo "\$ platform retire server/analytics-jump-1 --stack prod --reason \"analysts work in the DWH portal\" --branch analytics/retire-jump-1"
"$bin/platform" retire server/analytics-jump-1 --stack prod --reason "analysts work in the DWH portal" \
  --branch analytics/retire-jump-1
echo
echo "== Its plan: what stops and what is kept; deleting the file waits for keepDataUntil"
echo "\$ platform plan --base main"
"$bin/platform" plan --base main --format text
