package server_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/internal/testenv"
)

// TestTakeoverAfterBackToBackKills kills `driftmon serve` twice in a row on
// a real broker with the default group timings, the second time while its
// JoinGroup waits in the coordinator, and requires a third instance to hold
// every partition within two rebalance timeouts and a margin. The killed
// members cost what the timings say: the first stays in the group until its
// session expires; the second, killed mid-join, is counted as joined and
// handed partitions, and the broker drops it when it fails to sync, a
// rebalance timeout later. Under kafka-go's own defaults (30 s each) this
// took about a minute.
func TestTakeoverAfterBackToBackKills(t *testing.T) {
	b := testenv.StartKafka(t)
	const partitions = 8
	createTestTopics(t, b, partitions)
	bin := testenv.BuildBinary(t)
	dir := t.TempDir()
	began := time.Now()
	at := func() string { return fmt.Sprintf("%.1fs", time.Since(began).Seconds()) }
	serve := func(name string) (*os.Process, string) {
		// Each its own folder and embedded store: the group's assignment
		// is the point here, not what is stored.
		idir := filepath.Join(dir, name)
		if err := os.Mkdir(idir, 0o755); err != nil {
			t.Fatal(err)
		}
		cfgPath := writeTestConfig(t, idir, kafkaYAML(b),
			fmt.Sprintf("  backend: embedded\n  embedded: {path: %q}", filepath.Join(idir, "data")), "127.0.0.1:0", time.Minute)
		f := &faultStream{t: t, bin: bin, dir: idir, cfgPath: cfgPath}
		cmd, log := f.serve(name)
		t.Logf("%s: %s started", at(), name)
		return cmd.Process, log
	}
	kill := func(name string, p *os.Process) {
		if err := p.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		p.Wait()
		t.Logf("%s: %s killed", at(), name)
	}
	all := 2 * partitions // predictions and labels
	a, alog := serve("a")
	testenv.WaitFor(t, 30*time.Second, "a holding every partition", func() (bool, error) { return held(alog) == all, nil })
	kill("a", a)
	bp, blog := serve("b")
	logged(t, blog, "driftmon serving", 30*time.Second)
	time.Sleep(500 * time.Millisecond) // its JoinGroup waits for a's session to expire
	if held(blog) >= 0 {
		t.Fatalf("b joined before it was killed; the test wants it killed mid-join")
	}
	kill("b", bp)
	_, clog := serve("c")
	restarted := time.Now()
	limit := 2*config.DefaultRebalanceTimeout + 15*time.Second
	last := -1
	testenv.WaitFor(t, limit, "c holding every partition", func() (bool, error) {
		if n := held(clog); n != last {
			t.Logf("%s: c holds %d of %d partitions", at(), max(n, 0), all)
			last = n
		}
		return last == all, nil
	})
	t.Logf("c took every partition over %.1fs after it started", time.Since(restarted).Seconds())
}

var heldRE = regexp.MustCompile(`msg="joined consumer group".* partitions=(\d+)`)

// held is how many partitions the instance logging to path took in its
// latest generation, or -1 before it first joined.
func held(path string) int {
	b, _ := os.ReadFile(path)
	n := -1
	for _, line := range strings.Split(string(b), "\n") {
		if m := heldRE.FindStringSubmatch(line); m != nil {
			n, _ = strconv.Atoi(m[1])
		}
	}
	return n
}
