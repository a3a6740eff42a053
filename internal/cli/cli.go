package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"
)

// Exit codes.
const (
	ExitOK = 0
	// ExitFailure is a run that failed (a broker never answered, the
	// service stopped on an error).
	ExitFailure = 1
	// ExitDrift is check's verdict: drift or a failed quality check, for
	// a CI step to gate on.
	ExitDrift = 1
	// ExitUsage is a usage or input error: a bad flag, a bad config.
	ExitUsage = 2
)

// env is what a command runs with: the streams and the global flags.
type env struct {
	stdout, stderr io.Writer
	// logFormat is --log-format, text or json.
	logFormat *choice
	// terminal says stderr is a terminal, where check shows its progress.
	terminal bool
	// progress starts the ticks on which check prints its progress; the
	// default waits progressAfter, then ticks each progressEvery. Tests
	// drive it by hand.
	progress func() (ticks <-chan time.Time, stop func())
}

// command is one subcommand.
type command struct {
	name string
	// synopsis names the flags the one-line usage shows, in order, each
	// rendered from the flag itself (so the usage cannot name a flag that
	// is not there, or values a flag does not take); "[...]" marks an
	// optional one, "name=ARG" names the flag's value for a flag whose
	// usage does not, and "[flags]" stands for the rest.
	synopsis []string
	// summary is the line under the command in the top-level usage; doc
	// the paragraph of its help.
	summary, doc string
	// define registers the command's flags on fs and returns what runs
	// once they are parsed.
	define func(fs *flag.FlagSet, e *env) func(ctx context.Context) int
}

// commands are driftmon's subcommands, in the order the usage lists them.
func commands() []*command {
	return []*command{serveCommand, demoCommand, replayCommand, checkCommand, healthCommand, versionCommand}
}

func lookup(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// Run parses args (without the program name) and runs the command they
// name, writing to stdout and stderr; it returns the process's exit code.
// Help asked for (-h, --help, help) goes to stdout and exits 0; help after
// a usage error goes to stderr and exits 2.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, logFormat: newChoice("text", "text", "json"),
		terminal: isTerminal(stderr), progress: progressTicks}
	return e.run(ctx, args)
}

func (e *env) run(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("driftmon", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {}
	showVersion := globalFlags(fs, e)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(e.stdout)
			return ExitOK
		}
		fmt.Fprintln(e.stderr)
		usage(e.stderr)
		return ExitUsage
	}
	if *showVersion {
		return writeVersion(e.stdout)
	}
	args = fs.Args()
	if len(args) == 0 {
		usage(e.stderr)
		return ExitUsage
	}
	name, args := args[0], args[1:]
	if name == "help" {
		if len(args) == 0 {
			usage(e.stdout)
			return ExitOK
		}
		if c := lookup(args[0]); c != nil {
			c.help(e.stdout)
			return ExitOK
		}
		name = args[0]
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(e.stderr, "driftmon: unknown command %q\n\n", name)
		usage(e.stderr)
		return ExitUsage
	}
	cfs, body := c.flagSet(e)
	if err := cfs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.help(e.stdout)
			return ExitOK
		}
		// The flag package has written what is wrong.
		fmt.Fprintln(e.stderr)
		c.help(e.stderr)
		return ExitUsage
	}
	if cfs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "driftmon %s: unexpected argument %q\n\n", c.name, cfs.Arg(0))
		c.help(e.stderr)
		return ExitUsage
	}
	return body(ctx)
}

// globalFlags registers the flags given before the command. --log-format
// is also a flag of every command that logs, so that it may follow the
// command too.
func globalFlags(fs *flag.FlagSet, e *env) (version *bool) {
	fs.Var(e.logFormat, "log-format", "format of the logs on stderr: text (key=value) or json (one object per line)")
	return fs.Bool("version", false, "print the version, the commit it was built from, and exit")
}

// flagSet is c's flags, defined afresh, and the command's body.
func (c *command) flagSet(e *env) (*flag.FlagSet, func(context.Context) int) {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	// Help is printed by run, to stdout when asked for and to stderr
	// after an error, in the one format help has.
	fs.Usage = func() {}
	return fs, c.define(fs, e)
}

// usageLine is "driftmon NAME" and the synopsis, each flag shown as it is
// defined.
func (c *command) usageLine(e *env) string {
	fs, _ := c.flagSet(e)
	parts := []string{"driftmon", c.name}
	for _, s := range c.synopsis {
		if s == "[flags]" {
			parts = append(parts, s)
			continue
		}
		name, arg, named := strings.Cut(strings.Trim(s, "[]"), "=")
		f := fs.Lookup(name)
		if f == nil {
			panic(fmt.Sprintf("cli: the synopsis of %s names --%s, which it does not define", c.name, name))
		}
		shown := flagName(f)
		if named {
			shown = "--" + name + " " + arg
		}
		if strings.HasPrefix(s, "[") {
			shown = "[" + shown + "]"
		}
		parts = append(parts, shown)
	}
	return strings.Join(parts, " ")
}

// helpEnv is the env help is written from: the flags' defaults, not what
// this command line set.
func helpEnv() *env { return &env{logFormat: newChoice("text", "text", "json")} }

// help writes c's help: the usage line, the paragraph, and each flag on
// one line.
func (c *command) help(w io.Writer) {
	e := helpEnv()
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", c.usageLine(e), strings.TrimSpace(c.doc))
	fs, _ := c.flagSet(e)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		writeFlags(w, fs)
	}
}

// usage writes the top-level usage: every command with its synopsis.
func usage(w io.Writer) {
	fmt.Fprint(w, "driftmon: drift and data-quality monitoring for ML models in production.\n\n")
	fmt.Fprint(w, "Usage: driftmon [global flags] COMMAND [flags]\n\nCommands:\n")
	he := helpEnv()
	for _, c := range commands() {
		fmt.Fprintf(w, "  %s\n      %s\n", strings.TrimPrefix(c.usageLine(he), "driftmon "), c.summary)
	}
	fmt.Fprint(w, "\nGlobal flags:\n")
	fs := flag.NewFlagSet("driftmon", flag.ContinueOnError)
	globalFlags(fs, he)
	writeFlags(w, fs)
	fmt.Fprint(w, "\nRun \"driftmon COMMAND -h\" for a command's flags.\n")
}

// flagName is "--name VALUE": VALUE is the flag's choices, or the
// back-quoted word of its usage, or its type; a bool flag takes none.
func flagName(f *flag.Flag) string {
	if c, ok := f.Value.(*choice); ok {
		return "--" + f.Name + " " + strings.Join(c.allowed, "|")
	}
	arg, _ := flag.UnquoteUsage(f)
	if arg == "" {
		return "--" + f.Name
	}
	return "--" + f.Name + " " + arg
}

// writeFlags writes one line per flag: the flag, its usage and its
// default when it has one, the usages aligned.
func writeFlags(w io.Writer, fs *flag.FlagSet) {
	type line struct{ name, usage string }
	var lines []line
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		_, u := flag.UnquoteUsage(f)
		if d := f.DefValue; d != "" && d != "false" && d != "0" {
			u += fmt.Sprintf(" (default %s)", d)
		}
		n := flagName(f)
		lines = append(lines, line{n, u})
		width = max(width, len(n))
	})
	// A very long flag name takes its own width rather than pushing every
	// usage to the right.
	width = min(width, 30)
	for _, l := range lines {
		fmt.Fprintf(w, "  %-*s  %s\n", width, l.name, l.usage)
	}
}

// choice is a string flag that takes one of a few values, listed in the
// help and the synopsis.
type choice struct {
	value   string
	allowed []string
}

func newChoice(def string, allowed ...string) *choice {
	return &choice{value: def, allowed: allowed}
}

func (c *choice) String() string {
	if c == nil {
		return ""
	}
	return c.value
}

func (c *choice) Set(s string) error {
	for _, a := range c.allowed {
		if s == a {
			c.value = s
			return nil
		}
	}
	return fmt.Errorf("want %s", or(c.allowed))
}

// or lists xs as "a, b or c".
func or(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// logFlags registers --log-level and --log-format on a command that logs.
func logFlags(fs *flag.FlagSet, e *env, defLevel string) (level *string) {
	level = fs.String("log-level", defLevel, "the least severe `LEVEL` logged: debug, info, warn or error")
	// The same value as the global flag: either place sets it.
	fs.Var(e.logFormat, "log-format", "format of the logs on stderr: text (key=value) or json (one object per line)")
	return level
}

// newLogger is the logger of --log-level and --log-format, writing to w.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	o := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return slog.New(slog.NewTextHandler(w, o)), nil
}

// isTerminal says w is a terminal (a character device: /dev/null is one
// too, where what is printed is lost anyway). A pipe, a file or a buffer
// is not.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
