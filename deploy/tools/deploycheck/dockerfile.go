package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// checkDockerfile parses the Dockerfile with BuildKit's own parser and
// linter (what `docker build` would run) and checks the rules the image
// promises: no registry host in any image name, a final stage that runs as
// a non-root user with a shell-free HEALTHCHECK, ENTRYPOINT and CMD, and no
// ADD from a URL. With -print-build it prints the build stage's `go build`
// command so that the caller can run it.
func checkDockerfile(args []string) ([]string, error) {
	fs := flag.NewFlagSet("dockerfile", flag.ContinueOnError)
	printBuild := fs.Bool("print-build", false, "print the go build command of the build stage and nothing else")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 1 {
		return nil, errors.New("want one Dockerfile")
	}
	name := fs.Arg(0)
	stages, metaArgs, problems, err := parseDockerfile(name)
	if err != nil {
		return nil, err
	}
	if len(stages) < 2 {
		return append(problems, "want a multi-stage build (a build stage and a final stage)"), nil
	}
	stageProblems, build := checkStages(stages, argDefaults(metaArgs))
	problems = append(problems, stageProblems...)
	problems = append(problems, checkBuildCommand(build)...)
	problems = append(problems, checkFinalStage(stages[len(stages)-1])...)
	if *printBuild {
		if len(problems) == 0 {
			fmt.Println(build)
		}
		return problems, nil
	}
	if len(problems) == 0 {
		fmt.Printf("%s: %d stages; final stage from %s runs as a non-root user with HEALTHCHECK, ENTRYPOINT and CMD in exec form\n",
			name, len(stages), stages[len(stages)-1].BaseName)
	}
	return problems, nil
}

// parseDockerfile parses the Dockerfile name into its stages and global
// ARGs. The problems it returns are the parser's warnings, then the
// linter's; an error means the file could not be read or parsed.
func parseDockerfile(name string) ([]instructions.Stage, []instructions.ArgCommand, []string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	var problems []string
	for _, w := range res.Warnings {
		problems = append(problems, fmt.Sprintf("%s: parser: %s", name, w.Short))
	}
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		problems = append(problems, fmt.Sprintf("%s:%d: lint %s: %s", name, line, rule, msg))
	}})
	stages, metaArgs, err := instructions.Parse(res.AST, lint)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	return stages, metaArgs, problems, nil
}

// argDefaults returns the default values of the global ARGs (those before
// the first FROM), which FROM lines may use.
func argDefaults(metaArgs []instructions.ArgCommand) map[string]string {
	defaults := map[string]string{}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				defaults[kv.Key] = *kv.Value
			}
		}
	}
	return defaults
}

// checkStages checks every stage's base image and commands in order (a
// stage can only refer to the stages before it) and returns the problems
// and the last `go build` command any stage runs ("" if none).
func checkStages(stages []instructions.Stage, defaults map[string]string) (problems []string, build string) {
	stageNames := map[string]bool{} // the earlier stages' names, lower case
	for i, st := range stages {
		problems = append(problems, checkStageBase(i, st, defaults, stageNames)...)
		cmdProblems, stageBuild := checkStageCommands(i, st, stageNames)
		problems = append(problems, cmdProblems...)
		if stageBuild != "" {
			build = stageBuild
		}
		if st.Name != "" {
			stageNames[strings.ToLower(st.Name)] = true
		}
	}
	return problems, build
}

// checkStageBase checks that stage i's base image, unless it is scratch or
// an earlier stage, names no registry host.
func checkStageBase(i int, st instructions.Stage, defaults map[string]string, stageNames map[string]bool) []string {
	base := expandArgs(st.BaseName, defaults)
	if stageNames[strings.ToLower(base)] || base == "scratch" {
		return nil
	}
	if host := registryHost(base); host != "" {
		return []string{fmt.Sprintf("stage %d: image %q names the registry host %q; use the official image name only", i, base, host)}
	}
	return nil
}

// checkStageCommands checks stage i's commands: no ADD from the network and
// no COPY --from a stage that is not an earlier one. It also returns the
// last RUN command of the stage that runs `go build` ("" if none).
func checkStageCommands(i int, st instructions.Stage, stageNames map[string]bool) (problems []string, build string) {
	for _, cmd := range st.Commands {
		switch c := cmd.(type) {
		case *instructions.AddCommand:
			for _, src := range c.SourcePaths {
				if strings.Contains(src, "://") || strings.HasPrefix(src, "git@") {
					problems = append(problems, fmt.Sprintf("stage %d: ADD %s fetches from the network; download in a RUN step with a checksum or COPY instead", i, src))
				}
			}
		case *instructions.CopyCommand:
			if c.From != "" && !stageNames[strings.ToLower(c.From)] {
				problems = append(problems, fmt.Sprintf("stage %d: COPY --from=%s names no earlier stage", i, c.From))
			}
		case *instructions.RunCommand:
			line := strings.Join(c.CmdLine, " ")
			if strings.Contains(line, "go build") {
				build = line
			}
		}
	}
	return problems, build
}

// checkBuildCommand checks that some stage runs `go build` and that the
// command builds ./cmd/otpgate statically (CGO_ENABLED=0) with -trimpath.
func checkBuildCommand(build string) []string {
	if build == "" {
		return []string{"no stage runs `go build`"}
	}
	var problems []string
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/otpgate"} {
		if !strings.Contains(build, want) {
			problems = append(problems, fmt.Sprintf("the go build command lacks %s: %s", want, build))
		}
	}
	return problems
}

// checkFinalStage checks the stage that becomes the image.
func checkFinalStage(st instructions.Stage) []string {
	var problems []string
	var user string
	var health, entrypoint, cmd, expose bool
	for _, c := range st.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.HealthCheckCommand:
			health = c.Health != nil && len(c.Health.Test) > 1 && c.Health.Test[0] == "CMD"
			if !health {
				problems = append(problems, "final stage: HEALTHCHECK must be CMD in exec form (the image has no shell)")
			}
		case *instructions.EntrypointCommand:
			entrypoint = true
			if c.PrependShell {
				problems = append(problems, "final stage: ENTRYPOINT must be in exec form (the image has no shell)")
			}
		case *instructions.CmdCommand:
			cmd = true
			if c.PrependShell {
				problems = append(problems, "final stage: CMD must be in exec form (the image has no shell)")
			}
		case *instructions.ExposeCommand:
			expose = true
		case *instructions.RunCommand:
			if st.BaseName == "scratch" {
				problems = append(problems, "final stage: RUN needs a shell, and a scratch image has none")
			}
		}
	}
	uid, _, _ := strings.Cut(user, ":")
	switch {
	case user == "":
		problems = append(problems, "final stage: no USER line; the image would run as root")
	case uid == "0" || uid == "root":
		problems = append(problems, fmt.Sprintf("final stage: USER %s is root", user))
	case !regexp.MustCompile(`^[1-9][0-9]*(:[1-9][0-9]*)?$`).MatchString(user):
		// Kubernetes' runAsNonRoot can only verify a numeric user.
		problems = append(problems, fmt.Sprintf("final stage: USER %s should be numeric (uid:gid) so runAsNonRoot can verify it", user))
	}
	if !health {
		problems = append(problems, "final stage: no HEALTHCHECK")
	}
	if !entrypoint {
		problems = append(problems, "final stage: no ENTRYPOINT")
	}
	if !cmd {
		problems = append(problems, "final stage: no CMD")
	}
	if !expose {
		problems = append(problems, "final stage: no EXPOSE")
	}
	return problems
}

var argRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

// expandArgs substitutes global ARG defaults into a FROM image name.
func expandArgs(s string, defaults map[string]string) string {
	return argRef.ReplaceAllStringFunc(s, func(ref string) string {
		return defaults[argRef.FindStringSubmatch(ref)[1]]
	})
}

// registryHost returns the registry host an image reference names, or "".
// As in Docker's reference grammar, the first path component is a host when
// it contains a dot or a colon or is "localhost".
func registryHost(image string) string {
	first, _, found := strings.Cut(image, "/")
	if !found {
		return ""
	}
	if strings.ContainsAny(first, ".:") || first == "localhost" {
		return first
	}
	return ""
}
