package main

import (
	"strings"
	"testing"
)

// A Dockerfile that passes every check; the cases below break it.
const okDockerfile = `FROM golang:1.26 AS build
RUN CGO_ENABLED=0 go build -trimpath -o /out/otpgate ./cmd/otpgate
FROM scratch
COPY --from=build /out/otpgate /otpgate
USER 65532:65532
EXPOSE 8080
HEALTHCHECK CMD ["/otpgate", "healthcheck"]
ENTRYPOINT ["/otpgate"]
CMD ["serve"]
`

// okDockerfileSummary is what checkDockerfile prints after the path of
// okDockerfile.
const okDockerfileSummary = ": 2 stages; final stage from scratch runs as a non-root user with HEALTHCHECK, ENTRYPOINT and CMD in exec form\n"

// dockerfileCases are Dockerfiles and the problems checkDockerfile finds in
// them, in order.
var dockerfileCases = []struct {
	name       string
	dockerfile string
	want       []string // $F stands for the Dockerfile's path
}{
	{"ok", okDockerfile, nil}, // prints okDockerfileSummary
	{"one stage", "FROM golang:1.26 AS Build\nRUN go build ./cmd/otpgate\n", []string{
		"$F:1: lint StageNameCasing: Stage name 'Build' should be lowercase",
		"want a multi-stage build (a build stage and a final stage)",
	}},
	{"parser warning", strings.Replace(okDockerfile, "RUN CGO_ENABLED=0", "RUN true \\\n\n && CGO_ENABLED=0", 1), []string{
		"$F: parser: Empty continuation line found in: RUN true  && CGO_ENABLED=0 go build -trimpath -o /out/otpgate ./cmd/otpgate",
	}},
	{"registry hosts", "ARG REG=ghcr.io\n" + strings.NewReplacer(
		"FROM golang:1.26", "FROM docker.io/library/golang:1.26",
		"FROM scratch", "FROM ${REG}/static AS final\nFROM build\nFROM scratch",
	).Replace(okDockerfile), []string{
		`stage 0: image "docker.io/library/golang:1.26" names the registry host "docker.io"; use the official image name only`,
		`stage 1: image "ghcr.io/static" names the registry host "ghcr.io"; use the official image name only`,
	}},
	{"stage commands", strings.Replace(okDockerfile, "FROM scratch\n",
		"ADD https://example.com/x.tgz git@example.com:x.git /tmp/\nCOPY --from=later /x /x\nFROM scratch AS later\n", 1), []string{
		"stage 0: ADD https://example.com/x.tgz fetches from the network; download in a RUN step with a checksum or COPY instead",
		"stage 0: ADD git@example.com:x.git fetches from the network; download in a RUN step with a checksum or COPY instead",
		"stage 0: COPY --from=later names no earlier stage",
	}},
	{"no go build", strings.Replace(okDockerfile, "RUN CGO_ENABLED=0 go build -trimpath -o /out/otpgate ./cmd/otpgate", "RUN make", 1), []string{
		"no stage runs `go build`",
	}},
	{"go build flags", strings.Replace(okDockerfile, "CGO_ENABLED=0 go build -trimpath -o /out/otpgate ./cmd/otpgate", "go build -o /out/otpgate .", 1), []string{
		"the go build command lacks CGO_ENABLED=0: go build -o /out/otpgate .",
		"the go build command lacks -trimpath: go build -o /out/otpgate .",
		"the go build command lacks ./cmd/otpgate: go build -o /out/otpgate .",
	}},
	{"final stage shell forms", strings.NewReplacer(
		`HEALTHCHECK CMD ["/otpgate", "healthcheck"]`, "RUN true\nHEALTHCHECK CMD /otpgate healthcheck",
		`ENTRYPOINT ["/otpgate"]`, "ENTRYPOINT /otpgate",
		`CMD ["serve"]`, "CMD serve",
		"USER 65532:65532", "USER root",
	).Replace(okDockerfile), []string{
		"final stage: RUN needs a shell, and a scratch image has none",
		"final stage: HEALTHCHECK must be CMD in exec form (the image has no shell)",
		"final stage: ENTRYPOINT must be in exec form (the image has no shell)",
		"final stage: CMD must be in exec form (the image has no shell)",
		"final stage: USER root is root",
		"final stage: no HEALTHCHECK",
	}},
	{"final stage missing lines", "FROM golang:1.26 AS build\nRUN CGO_ENABLED=0 go build -trimpath ./cmd/otpgate\nFROM scratch\nUSER nonroot\n", []string{
		"final stage: USER nonroot should be numeric (uid:gid) so runAsNonRoot can verify it",
		"final stage: no HEALTHCHECK",
		"final stage: no ENTRYPOINT",
		"final stage: no CMD",
		"final stage: no EXPOSE",
	}},
	{"no user", strings.Replace(okDockerfile, "USER 65532:65532\n", "", 1), []string{
		"final stage: no USER line; the image would run as root",
	}},
	{"uid 0", strings.Replace(okDockerfile, "USER 65532:65532", "USER 0:0", 1), []string{
		"final stage: USER 0:0 is root",
	}},
}

func TestCheckDockerfile(t *testing.T) {
	for _, tc := range dockerfileCases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTemp(t, "Dockerfile", tc.dockerfile)
			var got []string
			var err error
			stdout := captureStdout(t, func() { got, err = checkDockerfile([]string{path}) })
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, w := range tc.want {
				want = append(want, strings.ReplaceAll(w, "$F", path))
			}
			wantProblems(t, got, want)
			wantStdout := ""
			if len(want) == 0 {
				wantStdout = path + okDockerfileSummary
			}
			if stdout != wantStdout {
				t.Errorf("stdout %q, want %q", stdout, wantStdout)
			}
		})
	}
}

func TestCheckDockerfilePrintBuild(t *testing.T) {
	for _, tc := range []struct {
		name, dockerfile, stdout string
		problems                 int
	}{
		{"ok", okDockerfile, "CGO_ENABLED=0 go build -trimpath -o /out/otpgate ./cmd/otpgate\n", 0},
		{"a problem", strings.Replace(okDockerfile, "EXPOSE 8080\n", "", 1), "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTemp(t, "Dockerfile", tc.dockerfile)
			var got []string
			var err error
			stdout := captureStdout(t, func() { got, err = checkDockerfile([]string{"-print-build", path}) })
			if err != nil || len(got) != tc.problems || stdout != tc.stdout {
				t.Errorf("-print-build: problems %q, error %v, stdout %q; want %d problems, stdout %q", got, err, stdout, tc.problems, tc.stdout)
			}
		})
	}
}

func TestCheckDockerfileErrors(t *testing.T) {
	path := writeTemp(t, "Dockerfile", okDockerfile+"BOGUS x\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "want one Dockerfile"},
		{[]string{path}, path + ": dockerfile parse error on line 10: unknown instruction: BOGUS"},
	} {
		if _, err := checkDockerfile(tc.args); err == nil || err.Error() != tc.want {
			t.Errorf("checkDockerfile(%q) error = %v, want %s", tc.args, err, tc.want)
		}
	}
}
