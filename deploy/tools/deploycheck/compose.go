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
	if len(args) != 1 {
		return nil, errors.New("want the normalised compose model (JSON)")
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return nil, err
	}
	var p composeProject
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, err
	}
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	var replicas, databases, proxies []string
	for name, s := range p.Services {
		switch {
		case s.Build != nil && strings.HasSuffix(s.Build.Dockerfile, "deploy/Dockerfile"):
			replicas = append(replicas, name)
		case regexp.MustCompile(`^postgres:1[5-9]\b`).MatchString(s.Image):
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
	if len(replicas) < 2 {
		add("want at least two otpgate services built from deploy/Dockerfile, got %v", replicas)
	}
	if len(databases) != 1 {
		add("want one PostgreSQL 15 or later service, got %v", databases)
	}
	if len(proxies) != 1 {
		add("want one proxy publishing port 443, got %v", proxies)
	}
	if len(problems) > 0 {
		return problems, nil
	}
	db := p.Services[databases[0]]
	if db.Healthcheck == nil || len(db.Healthcheck.Test) == 0 {
		add("service %s: no healthcheck", databases[0])
	}
	if !hasNamedVolume(db, "/var/lib/postgresql/data") {
		add("service %s: /var/lib/postgresql/data is not a named volume", databases[0])
	}
	first := p.Services[replicas[0]]
	for _, name := range replicas {
		s := p.Services[name]
		if !reflect.DeepEqual(s.Environment, first.Environment) || s.Image != first.Image {
			add("service %s: image or environment differs from %s; replicas must share one configuration", name, replicas[0])
		}
		if len(s.Ports) > 0 {
			add("service %s: publishes a port; only the proxy should be reachable", name)
		}
		if !s.ReadOnly {
			add("service %s: read_only is not set", name)
		}
		if s.DependsOn[databases[0]].Condition != "service_healthy" {
			add("service %s: does not wait for %s to be healthy", name, databases[0])
		}
		if ctx := s.Build.Context; !exists(filepath.Join(ctx, "go.mod")) || !exists(filepath.Join(ctx, s.Build.Dockerfile)) {
			add("service %s: build context %s lacks go.mod or %s", name, ctx, s.Build.Dockerfile)
		}
		env := func(k string) string {
			if v := s.Environment[k]; v != nil {
				return *v
			}
			return ""
		}
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
	}
	for _, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type == "bind" && !exists(v.Source) {
				add("bind mount source %s does not exist", v.Source)
			}
		}
	}
	for name, sec := range p.Secrets {
		if !exists(filepath.Dir(sec.File)) {
			add("secret %s: directory of %s does not exist", name, sec.File)
		}
	}
	if len(problems) == 0 {
		fmt.Printf("compose: replicas %v share image and environment, wait for %s (healthy, named volume); %s publishes 443; secrets as files\n",
			replicas, databases[0], proxies[0])
	}
	return problems, nil
}

func hasNamedVolume(s composeService, target string) bool {
	for _, v := range s.Volumes {
		if v.Type == "volume" && v.Source != "" && v.Target == target {
			return true
		}
	}
	return false
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
