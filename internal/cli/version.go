package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// buildTime is when the binary was built, set at link time:
//
//	go build -ldflags "-X github.com/driftmon/driftmon/internal/cli.buildTime=$(date -u +%FT%TZ)"
//
// Go records no build time itself, so that the same source builds the
// same binary; the commit and its time come from the build information.
var buildTime string

var versionCommand = &command{
	name:    "version",
	summary: "print the version and the commit it was built from (also: driftmon --version)",
	doc: `Prints the module version, the VCS commit the binary was built from,
whether the working tree had uncommitted changes (modified), the commit's
time, the build time when the build set one, and the Go version. The Go
toolchain records these when it builds inside a git clone; a binary built
otherwise (go run, a linked git worktree, a copy of the source without
.git) says so.`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context) int {
		return func(context.Context) int { return writeVersion(e.stdout) }
	},
}

// version is what the binary knows of its own origin.
type version struct {
	// Module is the main module's version: a tag (v1.2.0), a
	// pseudo-version, "+dirty" when the tree was modified, or "(devel)".
	Module string
	// Commit is the VCS revision, CommitTime its time (RFC 3339, UTC);
	// Modified says the tree had uncommitted changes.
	Commit, CommitTime string
	Modified           bool
	// BuildTime is buildTime; Go is the toolchain and platform.
	BuildTime, Go string
}

// readVersion reads the build information the Go toolchain stamped into
// the binary.
func readVersion(bi *debug.BuildInfo, ok bool) version {
	v := version{Module: "unknown", BuildTime: buildTime, Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}
	if !ok {
		return v
	}
	if bi.Main.Version != "" {
		v.Module = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.CommitTime = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// write prints v, one "key: value" line each after the first, for people
// and for scripts that grep.
func (v version) write(w io.Writer) {
	fmt.Fprintf(w, "driftmon %s\n", v.Module)
	if v.Commit == "" {
		fmt.Fprintln(w, "commit: unknown (built without VCS information)")
	} else {
		fmt.Fprintf(w, "commit: %s\nmodified: %t\ncommit time: %s\n", v.Commit, v.Modified, v.CommitTime)
	}
	if v.BuildTime != "" {
		fmt.Fprintf(w, "build time: %s\n", v.BuildTime)
	}
	fmt.Fprintf(w, "go: %s\n", v.Go)
}

func writeVersion(w io.Writer) int {
	readVersion(debug.ReadBuildInfo()).write(w)
	return ExitOK
}
