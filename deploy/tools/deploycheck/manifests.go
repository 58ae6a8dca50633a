package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// checkManifests reads `helm template` output and decodes every object
// strictly into its Kubernetes API type (an unknown or misspelt field is an
// error, as it is for `kubectl apply --validate=strict`), then checks what
// the chart promises: N replicas, startup, liveness and readiness probes, a
// graceful stop, a locked-down security context, secrets mounted as files
// named by *_FILE variables, a PodDisruptionBudget and a Service that select
// the pods, and no Secret object.
func checkManifests(args []string) ([]string, error) {
	fs := flag.NewFlagSet("manifests", flag.ContinueOnError)
	replicas := fs.Int("replicas", 2, "replicas the Deployment must ask for")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 1 {
		return nil, errors.New("want one file of rendered manifests")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return nil, err
	}
	var (
		problems []string
		deps     []appsv1.Deployment
		svcs     []corev1.Service
		pdbs     []policyv1.PodDisruptionBudget
		ings     []networkingv1.Ingress
	)
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	kinds := map[string]int{}
	for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			add("document %d: %v", i, err)
			continue
		}
		kinds[meta.Kind]++
		var err error
		switch meta.APIVersion + " " + meta.Kind {
		case "apps/v1 Deployment":
			var d appsv1.Deployment
			err = yaml.UnmarshalStrict([]byte(doc), &d)
			deps = append(deps, d)
		case "v1 Service":
			var s corev1.Service
			err = yaml.UnmarshalStrict([]byte(doc), &s)
			svcs = append(svcs, s)
		case "policy/v1 PodDisruptionBudget":
			var p policyv1.PodDisruptionBudget
			err = yaml.UnmarshalStrict([]byte(doc), &p)
			pdbs = append(pdbs, p)
		case "networking.k8s.io/v1 Ingress":
			var in networkingv1.Ingress
			err = yaml.UnmarshalStrict([]byte(doc), &in)
			ings = append(ings, in)
		case "v1 Secret":
			add("the chart creates a Secret; secrets must come from Secrets the operator makes")
		default:
			add("document %d: unexpected object %s %s", i, meta.APIVersion, meta.Kind)
		}
		if err != nil {
			add("%s (document %d): %v", meta.Kind, i, err)
		}
	}
	if len(deps) != 1 || len(svcs) != 1 || len(pdbs) != 1 {
		add("want one Deployment, one Service and one PodDisruptionBudget, got %v", kinds)
		return problems, nil
	}
	d, svc, pdb := deps[0], svcs[0], pdbs[0]
	podLabels := d.Spec.Template.Labels
	if d.Spec.Replicas == nil || int(*d.Spec.Replicas) != *replicas {
		add("Deployment: want replicas: %d", *replicas)
	}
	if d.Spec.Selector == nil || !selects(d.Spec.Selector.MatchLabels, podLabels) {
		add("Deployment: the selector does not match the pod template's labels")
	}
	problems = append(problems, checkPod(d.Spec.Template.Spec)...)
	if !selects(svc.Spec.Selector, podLabels) {
		add("Service %s: the selector does not match the pods", svc.Name)
	}
	if pdb.Spec.Selector == nil || !selects(pdb.Spec.Selector.MatchLabels, podLabels) {
		add("PodDisruptionBudget %s: the selector does not match the pods", pdb.Name)
	}
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() < 1 {
		add("PodDisruptionBudget %s: want minAvailable of at least 1", pdb.Name)
	}
	for _, in := range ings {
		for _, r := range in.Spec.Rules {
			for _, p := range r.HTTP.Paths {
				if p.Backend.Service == nil || p.Backend.Service.Name != svc.Name {
					add("Ingress %s: a path does not lead to Service %s", in.Name, svc.Name)
				}
			}
		}
	}
	if len(problems) == 0 {
		fmt.Printf("manifests: %v decode strictly; %d replicas with startup, liveness and readiness probes; PodDisruptionBudget minAvailable %s; no Secret\n",
			kinds, *d.Spec.Replicas, pdb.Spec.MinAvailable.String())
	}
	return problems, nil
}

// checkPod checks the otpgate container and its volumes.
func checkPod(pod corev1.PodSpec) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if len(pod.Containers) != 1 {
		add("pod: want one container, got %d", len(pod.Containers))
		return problems
	}
	c := pod.Containers[0]
	probe := func(name string, p *corev1.Probe, path string) {
		switch {
		case p == nil:
			add("container %s: no %s probe", c.Name, name)
		case p.HTTPGet == nil || p.HTTPGet.Path != path:
			add("container %s: the %s probe should GET %s", c.Name, name, path)
		}
	}
	probe("startup", c.StartupProbe, "/healthz")
	probe("liveness", c.LivenessProbe, "/healthz")
	probe("readiness", c.ReadinessProbe, "/readyz")
	grace := int64(30)
	if pod.TerminationGracePeriodSeconds != nil {
		grace = *pod.TerminationGracePeriodSeconds
	}
	var sleep int64
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		if c.Lifecycle.PreStop.Sleep == nil {
			add("container %s: preStop must use the sleep action (the image has no shell)", c.Name)
		} else {
			sleep = c.Lifecycle.PreStop.Sleep.Seconds
		}
	}
	if grace < sleep+20 {
		add("pod: terminationGracePeriodSeconds %d leaves less than 20 s after the %d s preStop sleep", grace, sleep)
	}
	psc, sc := pod.SecurityContext, c.SecurityContext
	if (psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot) && (sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot) {
		add("pod: runAsNonRoot is not set")
	}
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		add("container %s: readOnlyRootFilesystem is not set", c.Name)
	}
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		add("container %s: allowPrivilegeEscalation is not false", c.Name)
	}
	if sc == nil || sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		add("container %s: capabilities are not dropped (drop: [ALL])", c.Name)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	mounts := map[string]corev1.Volume{} // mount path -> volume
	for _, m := range c.VolumeMounts {
		v, ok := volumes[m.Name]
		if !ok {
			add("container %s: mount %s names no volume", c.Name, m.Name)
			continue
		}
		mounts[m.MountPath] = v
	}
	if v, ok := mounts["/tmp"]; !ok || v.EmptyDir == nil {
		add("container %s: /tmp is not an emptyDir (the root file system is read-only)", c.Name)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			add("container %s: %s takes a secret as an environment variable; mount it as a file and name it with *_FILE", c.Name, e.Name)
		}
		if !strings.HasSuffix(e.Name, "_FILE") {
			continue
		}
		dir, file := e.Value[:strings.LastIndex(e.Value, "/")+1], e.Value[strings.LastIndex(e.Value, "/")+1:]
		v, ok := mounts[strings.TrimSuffix(dir, "/")]
		switch {
		case !ok || v.Secret == nil:
			add("container %s: %s=%s is not in a mounted Secret volume", c.Name, e.Name, e.Value)
		case v.Secret.SecretName == "":
			add("volume %s: no secretName", v.Name)
		case !hasItem(v.Secret.Items, file):
			add("container %s: %s=%s: Secret volume %s does not project %s", c.Name, e.Name, e.Value, v.Name, file)
		}
	}
	for _, name := range []string{"OTPGATE_ISSUER", "OTPGATE_LISTEN", "OTPGATE_ENCRYPTION_KEY_FILE", "OTPGATE_DATABASE_FILE"} {
		if env[name] == "" {
			add("container %s: %s is not set", c.Name, name)
		}
	}
	if !strings.HasPrefix(env["OTPGATE_ISSUER"], "https://") {
		add("container %s: OTPGATE_ISSUER %q is not https", c.Name, env["OTPGATE_ISSUER"])
	}
	return problems
}

func hasItem(items []corev1.KeyToPath, path string) bool {
	if len(items) == 0 {
		return true // the whole Secret is projected
	}
	for _, it := range items {
		if it.Path == path {
			return true
		}
	}
	return false
}

// selects reports whether a non-empty selector matches the labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
