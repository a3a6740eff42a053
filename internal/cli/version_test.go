package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionFields: the build information's fields land on their lines.
func TestVersionFields(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/driftmon/driftmon", Version: "v1.2.3+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
			{Key: "vcs.modified", Value: "true"}, {Key: "-trimpath", Value: "true"}}}
	var b strings.Builder
	readVersion(bi, true).write(&b)
	want := "driftmon v1.2.3+dirty\ncommit: 0123abcd\nmodified: true\ncommit time: 2026-01-02T03:04:05Z\n" +
		"go: " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	readVersion(nil, false).write(&b)
	if !strings.HasPrefix(b.String(), "driftmon unknown\ncommit: unknown (built without VCS information)\n") {
		t.Errorf("without build information:\n%s", b.String())
	}
}

// TestVersionCommand: `version` and `--version` print the same.
func TestVersionCommand(t *testing.T) {
	code, a, _ := runCLI(t, "version")
	code2, b, _ := runCLI(t, "--version")
	if code != ExitOK || code2 != ExitOK || a != b || !strings.HasPrefix(a, "driftmon ") {
		t.Errorf("version: exit %d %q; --version: exit %d %q", code, a, code2, b)
	}
}

// TestVersionOfABuild builds driftmon with `go build` in this checkout
// (the packages are compiled already, for this test; only the link is
// new) and checks what `driftmon version` prints against what git says of
// the checkout: the commit, its time, whether the tree is modified, and
// the version Go derives from them; and the build time the ldflag sets.
func TestVersionOfABuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	git := func(args ...string) (string, error) {
		cmd := exec.Command(gitBin, args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "TZ=UTC")
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err
	}
	commit, err := git("rev-parse", "HEAD")
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	// The go command looks for a .git directory; in a linked worktree
	// (.git is a file) it records no VCS information at all.
	if fi, err := os.Stat(filepath.Join(root, ".git")); err != nil || !fi.IsDir() {
		t.Skip("Go records VCS information only where .git is a directory, and this checkout is a linked git worktree")
	}
	commitTime, err := git("log", "-1", "--format=%cd", "--date=format-local:%Y-%m-%dT%H:%M:%SZ")
	if err != nil {
		t.Fatal(err)
	}
	status, err := git("status", "--porcelain")
	if err != nil {
		t.Fatal(err)
	}
	modified := status != ""

	bin := filepath.Join(t.TempDir(), "driftmon")
	cmd := exec.Command("go", "build", "-buildvcs=true", "-o", bin,
		"-ldflags", "-X github.com/driftmon/driftmon/internal/cli.buildTime=2026-01-03T00:00:00Z", "./cmd/driftmon")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("driftmon version: %v", err)
	}
	got := string(out)
	for _, want := range []string{"\ncommit: " + commit + "\n", fmt.Sprintf("\nmodified: %t\n", modified),
		"\ncommit time: " + commitTime + "\n", "\nbuild time: 2026-01-03T00:00:00Z\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q not in\n%s", want, got)
		}
	}
	// Go names the version after a tag on the commit, else a
	// pseudo-version holding the commit's first 12 digits; "+dirty" when
	// modified.
	first, _, _ := strings.Cut(got, "\n")
	v := strings.TrimPrefix(first, "driftmon ")
	if strings.HasSuffix(v, "+dirty") != modified {
		t.Errorf("version %q: +dirty should say modified=%t", v, modified)
	}
	if tag, err := git("describe", "--exact-match", "--tags"); err == nil {
		if !strings.HasPrefix(v, tag) {
			t.Errorf("version %q, want the tag %s", v, tag)
		}
	} else if !strings.Contains(v, commit[:12]) {
		t.Errorf("version %q does not hold the commit %s", v, commit[:12])
	}
}
