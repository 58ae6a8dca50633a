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
	objs, problems := decodeManifests(string(data))
	if len(objs.deps) != 1 || len(objs.svcs) != 1 || len(objs.pdbs) != 1 {
		problems = append(problems, fmt.Sprintf("want one Deployment, one Service and one PodDisruptionBudget, got %v", objs.kinds))
		return problems, nil
	}
	d, pdb := objs.deps[0], objs.pdbs[0]
	problems = append(problems, checkDeployment(d, *replicas)...)
	problems = append(problems, checkPod(d.Spec.Template.Spec)...)
	problems = append(problems, checkServiceBudgetIngress(objs, d.Spec.Template.Labels)...)
	if len(problems) == 0 {
		fmt.Printf("manifests: %v decode strictly; %d replicas with startup, liveness and readiness probes; PodDisruptionBudget minAvailable %s; no Secret\n",
			objs.kinds, *d.Spec.Replicas, pdb.Spec.MinAvailable.String())
	}
	return problems, nil
}

// manifestObjects are the objects of a rendering that the checks read, by
// kind, and how many objects of each kind it holds.
type manifestObjects struct {
	kinds map[string]int
	deps  []appsv1.Deployment
	svcs  []corev1.Service
	pdbs  []policyv1.PodDisruptionBudget
	ings  []networkingv1.Ingress
}

var documentSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// decodeManifests splits a rendering into its YAML documents and decodes
// each with decodeManifest, skipping documents that are empty or only
// comments.
func decodeManifests(data string) (manifestObjects, []string) {
	objs := manifestObjects{kinds: map[string]int{}}
	var problems []string
	for i, doc := range documentSeparator.Split(data, -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		problems = append(problems, objs.decodeManifest(i, doc)...)
	}
	return objs, problems
}

// decodeManifest decodes document i strictly into its Kubernetes API type
// and adds it to objs. A Secret and any kind the chart should not render
// are problems.
func (objs *manifestObjects) decodeManifest(i int, doc string) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
		add("document %d: %v", i, err)
		return problems
	}
	objs.kinds[meta.Kind]++
	var err error
	switch meta.APIVersion + " " + meta.Kind {
	case "apps/v1 Deployment":
		var d appsv1.Deployment
		err = yaml.UnmarshalStrict([]byte(doc), &d)
		objs.deps = append(objs.deps, d)
	case "v1 Service":
		var s corev1.Service
		err = yaml.UnmarshalStrict([]byte(doc), &s)
		objs.svcs = append(objs.svcs, s)
	case "policy/v1 PodDisruptionBudget":
		var p policyv1.PodDisruptionBudget
		err = yaml.UnmarshalStrict([]byte(doc), &p)
		objs.pdbs = append(objs.pdbs, p)
	case "networking.k8s.io/v1 Ingress":
		var in networkingv1.Ingress
		err = yaml.UnmarshalStrict([]byte(doc), &in)
		objs.ings = append(objs.ings, in)
	case "v1 Secret":
		add("the chart creates a Secret; secrets must come from Secrets the operator makes")
	default:
		add("document %d: unexpected object %s %s", i, meta.APIVersion, meta.Kind)
	}
	if err != nil {
		add("%s (document %d): %v", meta.Kind, i, err)
	}
	return problems
}

// checkDeployment checks that the Deployment asks for the given number of
// replicas and that its selector matches its pod template.
func checkDeployment(d appsv1.Deployment, replicas int) []string {
	var problems []string
	if d.Spec.Replicas == nil || int(*d.Spec.Replicas) != replicas {
		problems = append(problems, fmt.Sprintf("Deployment: want replicas: %d", replicas))
	}
	if d.Spec.Selector == nil || !selects(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		problems = append(problems, "Deployment: the selector does not match the pod template's labels")
	}
	return problems
}

// checkServiceBudgetIngress checks that the Service and the PodDisruptionBudget (one of
// each) select the pods, which carry podLabels, that the budget keeps at
// least one pod, and that every Ingress path leads to the Service.
func checkServiceBudgetIngress(objs manifestObjects, podLabels map[string]string) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	svc, pdb := objs.svcs[0], objs.pdbs[0]
	if !selects(svc.Spec.Selector, podLabels) {
		add("Service %s: the selector does not match the pods", svc.Name)
	}
	if pdb.Spec.Selector == nil || !selects(pdb.Spec.Selector.MatchLabels, podLabels) {
		add("PodDisruptionBudget %s: the selector does not match the pods", pdb.Name)
	}
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() < 1 {
		add("PodDisruptionBudget %s: want minAvailable of at least 1", pdb.Name)
	}
	for _, in := range objs.ings {
		for _, r := range in.Spec.Rules {
			for _, p := range r.HTTP.Paths {
				if p.Backend.Service == nil || p.Backend.Service.Name != svc.Name {
					add("Ingress %s: a path does not lead to Service %s", in.Name, svc.Name)
				}
			}
		}
	}
	return problems
}

// checkPod checks the otpgate container and its volumes.
func checkPod(pod corev1.PodSpec) []string {
	if len(pod.Containers) != 1 {
		return []string{fmt.Sprintf("pod: want one container, got %d", len(pod.Containers))}
	}
	c := pod.Containers[0]
	problems := checkProbes(c)
	problems = append(problems, checkGracefulStop(pod, c)...)
	problems = append(problems, checkSecurityContext(pod, c)...)
	mounts, mountProblems := containerMounts(pod, c)
	problems = append(problems, mountProblems...)
	if v, ok := mounts["/tmp"]; !ok || v.EmptyDir == nil {
		problems = append(problems, fmt.Sprintf("container %s: /tmp is not an emptyDir (the root file system is read-only)", c.Name))
	}
	return append(problems, checkContainerEnv(c, mounts)...)
}

// checkProbes checks that the container has startup and liveness probes
// that GET /healthz and a readiness probe that GETs /readyz.
func checkProbes(c corev1.Container) []string {
	var problems []string
	probe := func(name string, p *corev1.Probe, path string) {
		switch {
		case p == nil:
			problems = append(problems, fmt.Sprintf("container %s: no %s probe", c.Name, name))
		case p.HTTPGet == nil || p.HTTPGet.Path != path:
			problems = append(problems, fmt.Sprintf("container %s: the %s probe should GET %s", c.Name, name, path))
		}
	}
	probe("startup", c.StartupProbe, "/healthz")
	probe("liveness", c.LivenessProbe, "/healthz")
	probe("readiness", c.ReadinessProbe, "/readyz")
	return problems
}

// checkGracefulStop checks that a preStop hook uses the sleep action and
// that the termination grace period (30 s unless set) leaves at least 20 s
// after that sleep for in-flight requests.
func checkGracefulStop(pod corev1.PodSpec, c corev1.Container) []string {
	var problems []string
	grace := int64(30)
	if pod.TerminationGracePeriodSeconds != nil {
		grace = *pod.TerminationGracePeriodSeconds
	}
	var sleep int64
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		if c.Lifecycle.PreStop.Sleep == nil {
			problems = append(problems, fmt.Sprintf("container %s: preStop must use the sleep action (the image has no shell)", c.Name))
		} else {
			sleep = c.Lifecycle.PreStop.Sleep.Seconds
		}
	}
	if grace < sleep+20 {
		problems = append(problems, fmt.Sprintf("pod: terminationGracePeriodSeconds %d leaves less than 20 s after the %d s preStop sleep", grace, sleep))
	}
	return problems
}

// checkSecurityContext checks that the pod or the container runs as
// non-root and that the container has a read-only root file system, no
// privilege escalation and drops all capabilities.
func checkSecurityContext(pod corev1.PodSpec, c corev1.Container) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
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
	return problems
}

// containerMounts returns the pod's volumes by the path the container mounts
// them at; a mount that names no volume is a problem.
func containerMounts(pod corev1.PodSpec, c corev1.Container) (map[string]corev1.Volume, []string) {
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	var problems []string
	mounts := map[string]corev1.Volume{} // mount path -> volume
	for _, m := range c.VolumeMounts {
		v, ok := volumes[m.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("container %s: mount %s names no volume", c.Name, m.Name))
			continue
		}
		mounts[m.MountPath] = v
	}
	return mounts, problems
}

// checkContainerEnv checks the container's environment: no secret taken as
// a variable, every *_FILE variable naming a file that a mounted Secret
// volume projects, the settings otpgate needs set, and an https issuer.
func checkContainerEnv(c corev1.Container, mounts map[string]corev1.Volume) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			add("container %s: %s takes a secret as an environment variable; mount it as a file and name it with *_FILE", c.Name, e.Name)
		}
		if strings.HasSuffix(e.Name, "_FILE") {
			problems = append(problems, checkSecretFile(c, e, mounts)...)
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

// checkSecretFile checks that the file a *_FILE variable e names is in a
// directory where a Secret volume with a secretName is mounted, and that the
// volume projects that file.
func checkSecretFile(c corev1.Container, e corev1.EnvVar, mounts map[string]corev1.Volume) []string {
	slash := strings.LastIndex(e.Value, "/")
	dir, file := e.Value[:slash+1], e.Value[slash+1:]
	v, ok := mounts[strings.TrimSuffix(dir, "/")]
	switch {
	case !ok || v.Secret == nil:
		return []string{fmt.Sprintf("container %s: %s=%s is not in a mounted Secret volume", c.Name, e.Name, e.Value)}
	case v.Secret.SecretName == "":
		return []string{fmt.Sprintf("volume %s: no secretName", v.Name)}
	case !hasItem(v.Secret.Items, file):
		return []string{fmt.Sprintf("container %s: %s=%s: Secret volume %s does not project %s", c.Name, e.Name, e.Value, v.Name, file)}
	}
	return nil
}

// hasItem reports whether a Secret volume's items project path (no items
// project every key).
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

// stripComments removes the comment lines of a YAML document.
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
