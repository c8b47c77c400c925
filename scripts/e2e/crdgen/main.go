// Command crdgen writes the CustomResourceDefinitions of KubeVirt's VirtualMachine and CDI's
// DataVolume into the directory given as its only argument, so that the e2e kube-apiserver
// validates our objects against the same structural schemas a cluster running the operators has.
//
// Sources, each the closest buildable one to what the operator installs:
//   - VirtualMachine: virt-operator's own constructor, components.NewVirtualMachineCrd from
//     kubevirt.io/kubevirt, with the schema KubeVirt generates at release time (controller-gen
//     over kubevirt.io/api core/v1, kept in validations_generated.go), so its markers such as
//     preserve-unknown-fields on template metadata and domain.clock come out as upstream's.
//   - DataVolume: the CDI operator module (kubevirt.io/containerized-data-importer) is not served
//     by the Go module proxy (403 "not available" for v1.61.0 to v1.63.0), so the CRDs it embeds
//     cannot be built here. CDI makes them by running controller-gen (crd:crdVersions=v1) over
//     the API module's pkg/apis/core and embedding the YAML unchanged; this runs the same
//     generator (sigs.k8s.io/controller-tools) as a library over the same package of
//     kubevirt.io/containerized-data-importer-api. Its annotation says version "(devel)", as
//     controller-tools reports the main module's version, which is ours.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"sigs.k8s.io/controller-tools/pkg/crd"
	"sigs.k8s.io/controller-tools/pkg/genall"
	"sigs.k8s.io/controller-tools/pkg/loader"

	// controller-tools loads this package from source with go/packages at run time; importing
	// it keeps its module, and everything it needs, in go.mod and go.sum.
	_ "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"
	"kubevirt.io/kubevirt/pkg/virt-operator/resource/generate/components"
)

const (
	cdiPackage = "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"
	dvFile     = "cdi.kubevirt.io_datavolumes.yaml"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: crdgen OUTDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "crdgen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	vm, err := components.NewVirtualMachineCrd()
	if err != nil {
		return err
	}
	// Written the way controller-gen writes a CRD, without the empty status and
	// creationTimestamp that a plain marshal would add.
	out := genall.GenerationContext{OutputRule: genall.OutputToDirectory(dir)}
	dropStatus := genall.WithTransform(func(obj map[string]any) error {
		delete(obj, "status")
		return nil
	})
	err = out.WriteYAML(vm.Spec.Group+"_"+vm.Spec.Names.Plural+".yaml", "", []any{vm},
		dropStatus, genall.WithTransform(genall.TransformRemoveCreationTimestamp))
	if err != nil {
		return err
	}

	// The package defines several CDI kinds; only the DataVolume file is kept.
	gen := genall.Generator(crd.Generator{})
	rt, err := genall.Generators{&gen}.ForRoots(cdiPackage)
	if err != nil {
		return err
	}
	rt.OutputRules = genall.OutputRules{Default: onlyFile{dvFile, genall.OutputToDirectory(dir)}}
	if rt.Run() {
		return fmt.Errorf("controller-gen failed on %s", cdiPackage)
	}
	if _, err := os.Stat(filepath.Join(dir, dvFile)); err != nil {
		return fmt.Errorf("controller-gen wrote no DataVolume CRD: %w", err)
	}
	return nil
}

// onlyFile passes one artifact through to its rule and discards the others.
type onlyFile struct {
	name string
	genall.OutputRule
}

func (o onlyFile) Open(pkg *loader.Package, path string) (io.WriteCloser, error) {
	if path != o.name {
		return genall.OutputToNothing.Open(pkg, path)
	}
	return o.OutputRule.Open(pkg, path)
}
