package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// composeProject is the part of a normalised Compose model (the JSON that
// compose-go prints after validating a file against the Compose
// Specification) that these checks read.
type composeProject struct {
	Services map[string]composeService `json:"services"`
	Secrets  map[string]struct {
		File string `json:"file"`
	} `json:"secrets"`
}

type composeService struct {
	Image string `json:"image"`
	Build *struct {
		Context    string `json:"context"`
		Dockerfile string `json:"dockerfile"`
	} `json:"build"`
	Environment map[string]*string `json:"environment"`
	Secrets     []struct {
		Source string `json:"source"`
		Target string `json:"target"`
	} `json:"secrets"`
	DependsOn map[string]struct {
		Condition string `json:"condition"`
	} `json:"depends_on"`
	Healthcheck *struct {
		Test []string `json:"test"`
	} `json:"healthcheck"`
	Volumes []struct {
		Type   string `json:"type"`
		Source string `json:"source"`
		Target string `json:"target"`
	} `json:"volumes"`
	Ports []struct {
		Target int `json:"target"`
	} `json:"ports"`
	ReadOnly bool `json:"read_only"`
}

// checkCompose checks the deployment the compose file describes: at least
// two otpgate replicas built from deploy/Dockerfile with one configuration,
// secrets passed as files named by *_FILE variables, PostgreSQL with a
// health check the replicas wait for and a named volume, and a proxy that
// alone publishes HTTPS.
func checkCompose(args []string) ([]string, error) {
	p, err := readComposeProject(args)
	if err != nil {
		return nil, err
	}
	replicas, databases, proxies := composeRoles(p)
	if problems := checkComposeRoles(replicas, databases, proxies); len(problems) > 0 {
		return problems, nil
	}
	db := databases[0]
	problems := checkComposeDatabase(db, p.Services[db])
	first := p.Services[replicas[0]]
	for _, name := range replicas {
		problems = append(problems, checkComposeReplica(name, p.Services[name], replicas[0], first, db)...)
	}
	problems = append(problems, checkComposeFiles(p)...)
	if len(problems) == 0 {
		fmt.Printf("compose: replicas %v share image and environment, wait for %s (healthy, named volume); %s publishes 443; secrets as files\n",
			replicas, db, proxies[0])
	}
	return problems, nil
}

// readComposeProject reads the normalised compose model (JSON) named by the
// only argument.
func readComposeProject(args []string) (composeProject, error) {
	var p composeProject
	if len(args) != 1 {
		return p, errors.New("want the normalised compose model (JSON)")
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return p, err
	}
	return p, nil
}

var postgresImage = regexp.MustCompile(`^postgres:1[5-9]\b`)

// composeRoles sorts the services into otpgate replicas (built from
// deploy/Dockerfile; sorted by name), PostgreSQL 15 or later databases, and
// proxies (any other service publishing port 443).
func composeRoles(p composeProject) (replicas, databases, proxies []string) {
	for name, s := range p.Services {
		switch {
		case s.Build != nil && strings.HasSuffix(s.Build.Dockerfile, "deploy/Dockerfile"):
			replicas = append(replicas, name)
		case postgresImage.MatchString(s.Image):
			databases = append(databases, name)
		default:
			for _, port := range s.Ports {
				if port.Target == 443 {
					proxies = append(proxies, name)
				}
			}
		}
	}
	sort.Strings(replicas)
	return replicas, databases, proxies
}

// checkComposeRoles checks the deployment's shape: at least two replicas,
// one database and one proxy. The other checks assume it.
func checkComposeRoles(replicas, databases, proxies []string) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if len(replicas) < 2 {
		add("want at least two otpgate services built from deploy/Dockerfile, got %v", replicas)
	}
	if len(databases) != 1 {
		add("want one PostgreSQL 15 or later service, got %v", databases)
	}
	if len(proxies) != 1 {
		add("want one proxy publishing port 443, got %v", proxies)
	}
	return problems
}

// checkComposeDatabase checks that the PostgreSQL service has a health check
// (which the replicas wait for) and keeps its data in a named volume.
func checkComposeDatabase(name string, db composeService) []string {
	var problems []string
	if db.Healthcheck == nil || len(db.Healthcheck.Test) == 0 {
		problems = append(problems, fmt.Sprintf("service %s: no healthcheck", name))
	}
	if !hasNamedVolume(db, "/var/lib/postgresql/data") {
		problems = append(problems, fmt.Sprintf("service %s: /var/lib/postgresql/data is not a named volume", name))
	}
	return problems
}

// checkComposeReplica checks one otpgate replica: the configuration of the
// first replica (named firstName), no published port, a read-only root,
// waiting for the database db to be healthy, a build context holding the
// module and the Dockerfile, and the settings checkReplicaEnvironment checks.
func checkComposeReplica(name string, s composeService, firstName string, first composeService, db string) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if !reflect.DeepEqual(s.Environment, first.Environment) || s.Image != first.Image {
		add("service %s: image or environment differs from %s; replicas must share one configuration", name, firstName)
	}
	if len(s.Ports) > 0 {
		add("service %s: publishes a port; only the proxy should be reachable", name)
	}
	if !s.ReadOnly {
		add("service %s: read_only is not set", name)
	}
	if s.DependsOn[db].Condition != "service_healthy" {
		add("service %s: does not wait for %s to be healthy", name, db)
	}
	if ctx := s.Build.Context; !exists(filepath.Join(ctx, "go.mod")) || !exists(filepath.Join(ctx, s.Build.Dockerfile)) {
		add("service %s: build context %s lacks go.mod or %s", name, ctx, s.Build.Dockerfile)
	}
	return append(problems, checkReplicaEnvironment(name, s)...)
}

// checkReplicaEnvironment checks a replica's environment: an https issuer, a
// PostgreSQL database (replicas cannot share SQLite), and every *_FILE
// variable naming one of the service's secrets.
func checkReplicaEnvironment(name string, s composeService) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	env := func(k string) string { return serviceEnv(s, k) }
	if !strings.HasPrefix(env("OTPGATE_ISSUER"), "https://") {
		add("service %s: OTPGATE_ISSUER %q is not https", name, env("OTPGATE_ISSUER"))
	}
	if env("OTPGATE_DATABASE_FILE") == "" && !strings.HasPrefix(env("OTPGATE_DATABASE"), "postgres") {
		add("service %s: no PostgreSQL database; replicas cannot share SQLite", name)
	}
	targets := map[string]bool{}
	for _, sec := range s.Secrets {
		targets[sec.Target] = true
	}
	for k := range s.Environment {
		if strings.HasSuffix(k, "_FILE") && !targets[env(k)] {
			add("service %s: %s=%s is not one of its secrets' targets", name, k, env(k))
		}
	}
	return problems
}

// serviceEnv returns the value of a service's environment variable, or "".
func serviceEnv(s composeService, k string) string {
	if v := s.Environment[k]; v != nil {
		return *v
	}
	return ""
}

// checkComposeFiles checks that the host files the project names exist: the
// sources of bind mounts and the directories of secret files.
func checkComposeFiles(p composeProject) []string {
	var problems []string
	for _, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type == "bind" && !exists(v.Source) {
				problems = append(problems, fmt.Sprintf("bind mount source %s does not exist", v.Source))
			}
		}
	}
	for name, sec := range p.Secrets {
		if !exists(filepath.Dir(sec.File)) {
			problems = append(problems, fmt.Sprintf("secret %s: directory of %s does not exist", name, sec.File))
		}
	}
	return problems
}

// hasNamedVolume reports whether the service mounts a named volume at target.
func hasNamedVolume(s composeService, target string) bool {
	for _, v := range s.Volumes {
		if v.Type == "volume" && v.Source != "" && v.Target == target {
			return true
		}
	}
	return false
}

// exists reports whether path names an existing file or directory.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
