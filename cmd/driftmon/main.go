// Command driftmon watches ML models in production for drift: `serve` runs
// the service, `demo` runs the whole pipeline on one machine, and `check`
// compares two files for a CI pipeline. The commands, their flags and
// their help live in internal/cli; main hands it the arguments.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/driftmon/driftmon/internal/cli"
)

// exitUsage is the exit code for usage and input errors.
const exitUsage = cli.ExitUsage

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command args name until it ends or the process is
// interrupted, and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cli.Run(ctx, args, stdout, stderr)
}
