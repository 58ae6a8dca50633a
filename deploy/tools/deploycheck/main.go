// Command deploycheck validates otpgate's deploy artifacts where no container
// engine or Kubernetes cluster is at hand. .ci/validate-deploy runs it; it is
// a module of its own (deploy/tools/go.mod) so that its dependencies (the
// BuildKit Dockerfile parser, the Kubernetes API types) stay out of
// otpgate's go.mod and out of `go test ./...`.
//
// Usage:
//
//	deploycheck yaml FILE...
//	deploycheck dockerfile [-print-build] FILE
//	deploycheck context ROOT IGNOREFILE DEST
//	deploycheck manifests [-replicas N] FILE
//	deploycheck compose FILE
//
// Each subcommand prints what it checked and exits 1 with one line per
// problem.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	args := os.Args[2:]
	var problems []string
	var err error
	switch os.Args[1] {
	case "yaml":
		problems, err = checkYAML(args)
	case "dockerfile":
		problems, err = checkDockerfile(args)
	case "context":
		err = copyContext(args)
	case "manifests":
		problems, err = checkManifests(args)
	case "compose":
		problems, err = checkCompose(args)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "deploycheck %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	for _, p := range problems {
		fmt.Fprintf(os.Stderr, "deploycheck %s: %s\n", os.Args[1], p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: deploycheck yaml|dockerfile|context|manifests|compose ARGS (see the package comment)")
	os.Exit(2)
}
