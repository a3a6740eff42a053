package demo

import (
	"bytes"
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's demo output block with this run's output")

// readmeMarker precedes the README's block of the demo's output.
const readmeMarker = "<!-- driftmon demo output: TestReadmeDemoOutput checks it; regenerate with go test ./internal/demo -run TestReadmeDemoOutput -update -->"

// TestReadmeDemoOutput runs `driftmon demo` as the README's quick start
// does and compares what it prints with the README's block, which must be
// one real run's output. What varies from run to run is pinned or set
// aside: the demo's clock moves only when the demo lets time pass (the
// silence is 6 s on it, however slow the machine); the loopback ports are
// masked; and the lines that come when the service's background work
// does (a window's concept line, as its labels land at a checkpoint; an
// alert and its deliveries; the freshness lines, on a tick) are compared
// as a set, while every other line (the windows, their quality and
// estimates, the summary) must come in the README's order.
func TestReadmeDemoOutput(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runCLI(nil, &out, &errOut); code != 0 {
		t.Fatalf("demo exited %d\nstderr:\n%s", code, errOut.String())
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	start, end, err := readmeBlock(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		next := string(readme[:start]) + out.String() + string(readme[end:])
		if err := os.WriteFile("../../README.md", []byte(next), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	gotFixed, gotFloating := splitDemoLines(out.String())
	wantFixed, wantFloating := splitDemoLines(string(readme[start:end]))
	if !slices.Equal(gotFixed, wantFixed) || !slices.Equal(gotFloating, wantFloating) {
		t.Errorf("the README's demo output is not what the demo prints; regenerate it with\n"+
			"  go test ./internal/demo -run TestReadmeDemoOutput -update\nthe demo printed:\n%s", out.String())
	}
}

// readmeBlock returns where the text inside the fenced block after
// readmeMarker starts and ends.
func readmeBlock(readme string) (start, end int, err error) {
	i := strings.Index(readme, readmeMarker)
	if i < 0 {
		return 0, 0, errMissing("the marker " + readmeMarker)
	}
	open := strings.Index(readme[i:], "\n```\n")
	if open < 0 {
		return 0, 0, errMissing("a ``` block after the marker")
	}
	start = i + open + len("\n```\n")
	closing := strings.Index(readme[start:], "```\n")
	if closing < 0 {
		return 0, 0, errMissing("the end of the block after the marker")
	}
	return start, start + closing, nil
}

type errMissing string

func (e errMissing) Error() string { return "README.md has no " + string(e) }

var loopbackPort = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)

// splitDemoLines masks the ports of a demo's text output and parts its
// lines into those whose order is the demo's own (fixed) and those that
// come when the service's background work does (floating, sorted).
func splitDemoLines(s string) (fixed, floating []string) {
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		l = loopbackPort.ReplaceAllString(l, "127.0.0.1:PORT")
		switch {
		case strings.HasPrefix(l, "concept "), strings.HasPrefix(l, "alert "), strings.HasPrefix(l, "receiver "),
			strings.HasPrefix(l, "  quality: ") && strings.Contains(l, "freshness_seconds"):
			floating = append(floating, l)
		default:
			fixed = append(fixed, l)
		}
	}
	slices.Sort(floating)
	return fixed, floating
}
