#!/usr/bin/env bash
# Build the real engine and the loopback control plane from Go modules, as pinned in pins.env.
#
#   scripts/e2e/build-tools.sh            build what is missing; prints the tools folder last
#   scripts/e2e/build-tools.sh --print    print the tools folder only (builds nothing)
#
# Everything goes to $PLATFORM_E2E_CACHE (default ~/.cache/platform-e2e):
#   gomod/ gobuild/          Go's module and build caches, shared by every set of pins
#   <pins hash>/bin/         pulumi, pulumi-resource-kubernetes,
#                            etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
#                            kubectl, kwok
#   <pins hash>/crds/        the operators' CRDs, taken from their Go modules
#   <pins hash>/kwok-stages.yaml
#   <pins hash>/logs/<step>.log   one log a step; a failed step prints the end of its log
#   <pins hash>/stamps/<step>.<recipe hash>   a step whose stamp exists is not built again;
#                            the recipe hash covers the step's function and the files it reads
# A second run with everything built takes about a second. Builds never download a
# prebuilt binary: the Go module proxy serves source, and `go build` compiles it here.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
pins="$here/pins.env"
# shellcheck source=pins.env
source "$pins"

cache="${PLATFORM_E2E_CACHE:-$HOME/.cache/platform-e2e}"
hash="$(grep -E '^[A-Z_]+=' "$pins" | sha256sum | cut -c1-16)"
root="$cache/$hash"
if [[ "${1:-}" == "--print" ]]; then
    echo "$root"
    exit 0
fi

bin="$root/bin" logs="$root/logs" stamps="$root/stamps" src="$root/src"
mkdir -p "$bin" "$logs" "$stamps" "$src" "$root/crds"

export GOTOOLCHAIN=local            # fail loudly rather than fetch another toolchain
export CGO_ENABLED=0                # static binaries, as upstream releases them
export GOFLAGS=-mod=mod
export GOMODCACHE="$cache/gomod" GOCACHE="$cache/gobuild"

started=$SECONDS
say() { printf '%s\n' "$*" >&2; }

# step NAME FUNCTION [FILE...]: run FUNCTION once, logging to logs/NAME.log; skip it when
# stamped. The stamp is keyed by the function's text and the FILEs, so editing a recipe
# rebuilds that step alone.
step() {
    local name=$1 fn=$2 t0=$SECONDS
    shift 2
    local stamp
    stamp="$stamps/$name.$( { declare -f "$fn"; cat "$@" /dev/null; } | sha256sum | cut -c1-12)"
    if [[ -e "$stamp" ]]; then
        say "  $name: built"
        return 0
    fi
    say "  $name: building (log: $logs/$name.log)"
    # Not under `if`: bash ignores errexit in a condition, even inside the subshell
    local rc=0
    set +e
    ( set -ex; "$fn" ) >"$logs/$name.log" 2>&1
    rc=$?
    set -e
    if ((rc != 0)); then
        say "  $name: FAILED after $((SECONDS - t0)) s; the end of its log:"
        tail -n 40 "$logs/$name.log" >&2
        exit 1
    fi
    rm -f "$stamps/$name".*
    touch "$stamp"
    say "  $name: done in $((SECONDS - t0)) s"
}

# module_dir MODULE@VERSION [FIELD]: download a module and print where it is (or FIELD of
# `go mod download -json`, e.g. GoMod); fails with the proxy's answer when it is refused.
module_dir() {
    go mod download -json "$1" | python3 -c '
import json, sys
info = json.load(sys.stdin)
if "Error" in info:
    sys.exit(info["Error"])
print(info[sys.argv[1]])' "${2:-Dir}"
}

# A wrapper module: `go install pkg@version` refuses modules whose go.mod has replace
# directives (pulumi, the language host, etcd, kubernetes), so each is built as a
# dependency of a throw-away main module of our own.
wrapper() {
    rm -rf "$src/$1" && mkdir -p "$src/$1" && cd "$src/$1"
    printf 'module local/%s-build\n\ngo 1.26\n' "$1" >go.mod
}

build_pulumi() {
    wrapper pulumi
    # pulumi's pkg/go.mod replaces atotto/clipboard with a fork (a Windows-only fix);
    # copy it so the build list matches upstream's.
    go mod edit -replace=github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
    go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION"
    go get "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
    # No Python language host: the proxy does not serve its module (it has no tags, and its
    # pseudo-versions answer 403). `platform up` runs the program inline through the
    # Automation API, whose Python SDK serves the language runtime in-process.
    local ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
    go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" -o "$bin/pulumi" \
        github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    "$bin/pulumi" version | grep -qx "$PULUMI_VERSION"
}

build_provider() {
    cd "$src"
    local dir
    dir="$(module_dir "github.com/pulumi/pulumi-kubernetes/provider/v4@$PULUMI_KUBERNETES_PSEUDO")"
    rm -rf provider && cp -r "$dir" provider && chmod -R u+w provider && cd provider
    # provider/go.mod points the SDK at ../sdk, which the module zip lacks: use the published SDK.
    go mod edit -dropreplace=github.com/pulumi/pulumi-kubernetes/sdk/v4 \
        "-require=github.com/pulumi/pulumi-kubernetes/sdk/v4@v$PULUMI_KUBERNETES_VERSION"
    go mod tidy
    # The embedded schema files are generated (and gitignored upstream), as `make provider` does.
    (cd cmd/pulumi-resource-kubernetes && VERSION="$PULUMI_KUBERNETES_VERSION" go run ./generate.go)
    go build -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_KUBERNETES_VERSION" \
        -o "$bin/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
}

build_kubernetes() {
    wrapper kubernetes
    local gomod
    gomod="$(module_dir "k8s.io/kubernetes@$KUBERNETES_VERSION" GoMod)"
    # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with
    # ./staging/...; in our module they are replaced by their published tags instead.
    go mod edit -json "$gomod" | python3 "$here/staging_replaces.py" "$KUBERNETES_STAGING_VERSION" \
        | xargs go mod edit
    local cmds=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
    local c
    for c in "${cmds[@]}"; do go get -tool "k8s.io/kubernetes/cmd/$c@$KUBERNETES_VERSION"; done
    # Version stamping as hack/lib/version.sh does: without it the server says v0.0.0 and
    # the pulumi-kubernetes provider refuses the cluster.
    local minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
    local ldflags="-s -w" pkg kv
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        for kv in "gitVersion=$KUBERNETES_VERSION" gitMajor=1 "gitMinor=$minor" gitTreeState=clean \
                  buildDate=1970-01-01T00:00:00Z; do
            ldflags="$ldflags -X $pkg.$kv"
        done
    done
    for c in "${cmds[@]}"; do
        go build -trimpath -ldflags "$ldflags" -o "$bin/$c" "k8s.io/kubernetes/cmd/$c"
    done
    "$bin/kube-apiserver" --version | grep -qx "Kubernetes $KUBERNETES_VERSION"
}

build_etcd() {
    wrapper etcd
    go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    go build -trimpath -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3
    "$bin/etcd" --version | grep -q "etcd Version: ${ETCD_VERSION#v}"
}

build_kwok() {
    wrapper kwok
    go get -tool "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
    go build -trimpath -ldflags "-s -w" -o "$bin/kwok" sigs.k8s.io/kwok/cmd/kwok
    # The kwok binary ships no stages: take upstream's "fast" node and pod stages from its module.
    local stages="$GOMODCACHE/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
    {
        cat "$stages/node/fast/node-initialize.yaml"
        echo '---'; cat "$stages/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml"
        echo '---'; cat "$stages/pod/fast/pod-ready.yaml"
        echo '---'; cat "$stages/pod/fast/pod-complete.yaml"
        echo '---'; cat "$stages/pod/fast/pod-delete.yaml"
        # Our own: an address for every LoadBalancer Service (the file says why)
        echo '---'; cat "$here/kwok-load-balancer.yaml"
    } >"$root/kwok-stages.yaml"
}

build_crds() {
    # CloudNativePG and its Barman Cloud plugin publish their CRDs as YAML in their modules;
    # KubeVirt's and CDI's are generated from their API modules by crdgen.
    cd "$src"
    local dir
    dir="$(module_dir "github.com/cloudnative-pg/cloudnative-pg@$CLOUDNATIVE_PG_VERSION")"
    rm -f "$root"/crds/*.yaml
    cp "$dir"/config/crd/bases/postgresql.cnpg.io_*.yaml "$root/crds/"
    dir="$(module_dir "github.com/cloudnative-pg/plugin-barman-cloud@$PLUGIN_BARMAN_CLOUD_VERSION")"
    cp "$dir"/config/crd/bases/barmancloud.cnpg.io_objectstores.yaml "$root/crds/"
    rm -rf crdgen && mkdir crdgen && cd crdgen
    cp "$here/crdgen/main.go" .
    sed -e "s/@KUBEVIRT_VERSION@/$KUBEVIRT_VERSION/" -e "s/@CDI_API_VERSION@/$CDI_API_VERSION/" \
        "$here/crdgen/go.mod.in" >go.mod
    go mod tidy
    go run . "$root/crds"
    ls "$root"/crds/*.yaml
}

say "e2e tools: $root"
step etcd build_etcd
step kubernetes build_kubernetes "$here/staging_replaces.py"
step kwok build_kwok "$here/kwok-load-balancer.yaml"
step pulumi build_pulumi
step provider build_provider
step crds build_crds "$here/crdgen/main.go" "$here/crdgen/go.mod.in"
say "e2e tools ready in $((SECONDS - started)) s ($(du -sh "$root" | cut -f1) in $root, $(du -sh "$cache" | cut -f1) with Go's caches)"
echo "$root"
