// Package cli is driftmon's command line: the subcommands, their flags,
// their help, the global flags (--log-format, --version) and the exit
// codes, so that cmd/driftmon only hands it the arguments and the standard
// streams. The commands' work lives in the packages below (server, check,
// internal/demo); cli parses, dispatches and reports, and nothing imports
// it but cmd/driftmon.
package cli
