package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"strings"
	"testing"
)

// runCLI runs args as the process would, with stdout and stderr captured.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// flagsOf lists the flags c registers, read from its flag set (not from
// its help).
func flagsOf(c *command) []string {
	fs, _ := c.flagSet(helpEnv())
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// TestHelp: every command's -h and --help print its help on stdout and
// exit 0; `help COMMAND` prints the same; an unknown flag prints the
// error and the same help on stderr and exits 2. The help has the usage
// line, a paragraph, and a line for every flag the command registers.
func TestHelp(t *testing.T) {
	if len(commands()) < 6 {
		t.Fatalf("%d commands, want serve, demo, replay, check, health and version at least", len(commands()))
	}
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			code, help, stderr := runCLI(t, c.name, "-h")
			if code != ExitOK || stderr != "" {
				t.Fatalf("%s -h: exit %d, stderr %q; want 0 and nothing", c.name, code, stderr)
			}
			if !strings.HasPrefix(help, "Usage: driftmon "+c.name) {
				t.Errorf("help does not start with its usage line:\n%s", help)
			}
			paragraph := strings.SplitN(help, "\n\n", 3)
			if len(paragraph) < 2 || len(strings.Fields(paragraph[1])) < 10 {
				t.Errorf("help has no paragraph after the usage line:\n%s", help)
			}
			for _, name := range flagsOf(c) {
				if !strings.Contains(help, "\n  --"+name+" ") {
					t.Errorf("help has no line for --%s:\n%s", name, help)
				}
			}
			// The last: help shows the defaults, not what was set.
			for _, args := range [][]string{{c.name, "--help"}, {c.name, "-help"}, {"help", c.name},
				{"--log-format", "json", c.name, "-h"}} {
				if code, out, _ := runCLI(t, args...); code != ExitOK || out != help {
					t.Errorf("%q: exit %d, output differs from -h's:\n%s", args, code, out)
				}
			}
			code, stdout, stderr := runCLI(t, c.name, "--no-such-flag")
			if code != ExitUsage || stdout != "" {
				t.Errorf("an unknown flag: exit %d, stdout %q; want 2 and nothing", code, stdout)
			}
			if !strings.HasPrefix(stderr, "flag provided but not defined: -no-such-flag\n\n") || !strings.HasSuffix(stderr, help) {
				t.Errorf("an unknown flag: stderr should be the error, then the help:\n%s", stderr)
			}
		})
	}
}

// TestUsage: the top-level usage lists every command with the flags it
// really takes; -h, --help and help print it on stdout and exit 0, no
// command prints it on stderr and exits 2.
func TestUsage(t *testing.T) {
	code, usage, _ := runCLI(t, "--help")
	if code != ExitOK {
		t.Fatalf("--help: exit %d", code)
	}
	for _, args := range [][]string{{"-h"}, {"help"}} {
		if code, out, _ := runCLI(t, args...); code != ExitOK || out != usage {
			t.Errorf("%q: exit %d, output differs from --help's:\n%s", args, code, out)
		}
	}
	if code, out, stderr := runCLI(t); code != ExitUsage || out != "" || stderr != usage {
		t.Errorf("no command: exit %d, stdout %q, stderr %q; want 2 and the usage on stderr", code, out, stderr)
	}
	for _, c := range commands() {
		if !strings.Contains(usage, "\n  "+strings.TrimPrefix(c.usageLine(helpEnv()), "driftmon ")+"\n") {
			t.Errorf("the usage does not list %s", c.name)
		}
	}
	// Written by hand from check's flags: --format takes html too.
	for _, want := range []string{
		"  check --reference FILE --current FILE [--format table|json|html] [flags]\n",
		"  serve [--config FILE] [--log-level LEVEL] [--log-format text|json]\n",
		"  --log-format text|json ",
		"  --version ",
	} {
		if !strings.Contains(usage, want) {
			t.Errorf("the usage lacks %q:\n%s", want, usage)
		}
	}
	code, _, stderr := runCLI(t, "frobnicate")
	if code != ExitUsage || !strings.HasPrefix(stderr, `driftmon: unknown command "frobnicate"`) || !strings.HasSuffix(stderr, usage) {
		t.Errorf("an unknown command: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "--no-such-flag", "version")
	if code != ExitUsage || !strings.HasPrefix(stderr, "flag provided but not defined: -no-such-flag\n\n") || !strings.HasSuffix(stderr, usage) {
		t.Errorf("an unknown global flag: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "help", "frobnicate"); code != ExitUsage || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Errorf("help of an unknown command: exit %d, stderr %q", code, stderr)
	}
}

// TestSynopsisNamesRealFlags: a synopsis that names a flag its command
// does not define panics when the usage is written; each command's
// synopsis is checked here, and a made-up one shows the check bites.
func TestSynopsisNamesRealFlags(t *testing.T) {
	e := helpEnv()
	for _, c := range commands() {
		c.usageLine(e) // panics on a flag c does not define
	}
	bad := &command{name: "x", synopsis: []string{"[nope]"}, define: func(*flag.FlagSet, *env) func(context.Context) int { return nil }}
	defer func() {
		if recover() == nil {
			t.Error("a synopsis naming an undefined flag did not panic")
		}
	}()
	bad.usageLine(e)
}

// TestStrayArgument: an argument no flag takes is a usage error.
func TestStrayArgument(t *testing.T) {
	code, _, stderr := runCLI(t, "health", "extra")
	if code != ExitUsage || !strings.HasPrefix(stderr, `driftmon health: unexpected argument "extra"`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestReadmeUsage: the README's command-line section shows each command's
// synopsis as the usage prints it.
func TestReadmeUsage(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	e := helpEnv()
	for _, c := range commands() {
		line := "\n  " + strings.TrimPrefix(c.usageLine(e), "driftmon ") + "\n"
		if !strings.Contains(string(b), line) {
			t.Errorf("README.md lacks the usage line %q (section \"The command line\")", strings.TrimSpace(line))
		}
	}
}
