package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/otpgate/otpgate"

// imports maps each package of the module (by import path) to what its
// non-test files import.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	out := map[string][]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		pkg := path.Join(module, filepath.ToSlash(rel))
		for _, imp := range f.Imports {
			v, _ := strconv.Unquote(imp.Path.Value)
			if !slices.Contains(out[pkg], v) {
				out[pkg] = append(out[pkg], v)
			}
		}
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ours(p string) bool { return p == module || strings.HasPrefix(p, module+"/") }

func under(pkg string, roots ...string) bool {
	for _, r := range roots {
		r = module + "/" + r
		if pkg == r || strings.HasPrefix(pkg, r+"/") {
			return true
		}
	}
	return false
}

// TestImportDirections fails when a package reaches in a direction the
// design forbids.
func TestImportDirections(t *testing.T) {
	all := imports(t)
	if len(all) < 10 {
		t.Fatalf("found only %d packages: the walk is broken", len(all))
	}
	rules := []struct {
		name   string
		breaks func(pkg, imp string) bool
	}{
		{"mfa, config and templates import nothing of ours", func(pkg, imp string) bool {
			return under(pkg, "mfa", "config", "templates") && ours(imp)
		}},
		{"only provider/store imports gorm", func(pkg, imp string) bool {
			return strings.HasPrefix(imp, "gorm.io/") && !under(pkg, "provider/store")
		}},
		{"only the web adapters import echo", func(pkg, imp string) bool {
			return strings.HasPrefix(imp, "github.com/labstack/echo") && !under(pkg, "cmd") &&
				pkg != module+"/provider" && !under(pkg, "provider/login", "provider/web", "provider/demo", "provider/adminapi",
				"provider/portal", "provider/console", "provider/account")
		}},
		{"the sign-in and admin rules import no web and no SQL", func(pkg, imp string) bool {
			return under(pkg, "provider/signin", "provider/admin") &&
				(strings.HasPrefix(imp, "github.com/labstack/echo") || strings.HasPrefix(imp, "gorm.io/") ||
					strings.HasPrefix(imp, "net/http") || strings.HasPrefix(imp, "database/sql"))
		}},
		{"the OpenID Connect adapter imports no web framework", func(pkg, imp string) bool {
			return under(pkg, "provider/protocol") && strings.HasPrefix(imp, "github.com/labstack/echo")
		}},
		{"nothing below cmd imports cmd", func(pkg, imp string) bool {
			return !under(pkg, "cmd") && under(imp, "cmd")
		}},
		{"production code does not import the test kit", func(pkg, imp string) bool {
			return under(imp, "internal/testkit") && !under(pkg, "internal/testkit", "cmd/otpgate-load")
		}},
		{"provider's packages do not import the provider wiring", func(pkg, imp string) bool {
			return imp == module+"/provider" && under(pkg, "provider") && pkg != module+"/provider"
		}},
	}
	for _, r := range rules {
		for pkg, imps := range all {
			for _, imp := range imps {
				if r.breaks(pkg, imp) {
					t.Errorf("%s: %s imports %s", r.name, strings.TrimPrefix(pkg, module+"/"), imp)
				}
			}
		}
	}
}

// TestImportRulesBite checks the walk sees the imports the rules are about.
func TestImportRulesBite(t *testing.T) {
	all := imports(t)
	for pkg, want := range map[string]string{
		"provider/store":    "gorm.io/gorm",
		"provider/login":    "github.com/labstack/echo/v4",
		"provider/signin":   module + "/provider/store",
		"provider/protocol": "github.com/zitadel/oidc/v3/pkg/op",
	} {
		if !slices.Contains(all[module+"/"+pkg], want) {
			t.Errorf("%s does not import %s: the walk misses imports", pkg, want)
		}
	}
}
