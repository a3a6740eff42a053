package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Broker is a Kafka broker an integration test talks to over TCP: kfake in
// this process, or a real Apache Kafka (3.9.1, KRaft) that
// scripts/kafka.sh runs. kfake keeps nothing on disk and cannot restart; a
// real broker restarts, moves leaders and runs groups with its own
// coordinator, which is what the same test on both finds out.
type Broker struct {
	// Kind is "kfake" or "kafka", the name of a subtest on it.
	Kind string
	// Addr is the host:port clients bootstrap from.
	Addr string
	// suffix makes topic and group names the test's own on a broker other
	// tests use too.
	suffix          string
	maxMessageBytes int
	// state is scripts/kafka.sh's state file of a broker the test started
	// for itself, which it may stop and start again.
	state string
}

// BrokerKind opens a broker of one kind for a test.
type BrokerKind struct {
	Name string
	Open func(t testing.TB, opts ...BrokerOption) *Broker
}

// Brokers are the kinds every Kafka integration test runs on, as subtests
// named after them: kfake, and the real broker scripts/test.sh starts
// (DRIFTMON_KAFKA_ADDR; without it that subtest skips, or fails under
// DRIFTMON_REQUIRE_INTEGRATION).
func Brokers() []BrokerKind {
	return []BrokerKind{{"kfake", Kfake}, {"kafka", SharedKafka}}
}

// OwnBrokers are Brokers, except that the real broker is the test's own
// (StartKafka): for tests that need the plain topic names, which a shared
// broker cannot give every test.
func OwnBrokers() []BrokerKind {
	return []BrokerKind{{"kfake", Kfake}, {"kafka", StartKafka}}
}

// BrokerOption changes how a broker takes the test's records.
type BrokerOption func(*Broker)

// MessageMaxBytes lets the broker take records of up to n bytes, as a
// deployment whose topics allow large records would: kfake's
// message.max.bytes, or max.message.bytes on every topic CreateTopics makes
// on a real broker (whose broker-wide setting other tests share).
func MessageMaxBytes(n int) BrokerOption { return func(b *Broker) { b.maxMessageBytes = n } }

// Kfake runs an in-process Kafka-protocol broker on a loopback port until
// the test ends. It has no topics until CreateTopics.
func Kfake(t testing.TB, opts ...BrokerOption) *Broker {
	t.Helper()
	b := &Broker{Kind: "kfake"}
	for _, o := range opts {
		o(b)
	}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	kopts := []kfake.Opt{kfake.NumBrokers(1), kfake.Ports(port)}
	if b.maxMessageBytes > 0 {
		kopts = append(kopts, kfake.BrokerConfigs(map[string]string{"message.max.bytes": strconv.Itoa(b.maxMessageBytes)}))
	}
	c, err := kfake.NewCluster(kopts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	b.Addr = c.ListenAddrs()[0]
	return b
}

// SharedKafka is the real broker scripts/test.sh started for every test
// (DRIFTMON_KAFKA_ADDR). Other tests use it too: topics and groups get
// names of this test's own through Topic, and the test must not stop it.
func SharedKafka(t testing.TB, opts ...BrokerOption) *Broker {
	t.Helper()
	addr := RequireEnv(t, "DRIFTMON_KAFKA_ADDR", "an Apache Kafka broker (eval \"$(scripts/kafka.sh start)\")")
	b := &Broker{Kind: "kafka", Addr: addr, suffix: uniqueSuffix(t)}
	for _, o := range opts {
		o(b)
	}
	return b
}

// StartKafka starts a real broker for this test alone, with scripts/kafka.sh
// and a state file of the test's own, and stops it (removing its data) when
// the test ends. Stop, Kill and Start take it down and bring it back on
// the same data. It needs what the shared broker needs (Java and Kafka's
// jars, which are there when DRIFTMON_KAFKA_ADDR is set), and costs a few
// seconds of JVM start.
func StartKafka(t testing.TB, opts ...BrokerOption) *Broker {
	t.Helper()
	RequireEnv(t, "DRIFTMON_KAFKA_ADDR", "Java and Kafka's jars, as scripts/kafka.sh start provides them")
	b := &Broker{Kind: "kafka", state: filepath.Join(t.TempDir(), "kafka.env")}
	for _, o := range opts {
		o(b)
	}
	t.Cleanup(func() {
		if out, err := b.script("stop"); err != nil {
			t.Errorf("scripts/kafka.sh stop: %v\n%s", err, out)
		}
	})
	out, err := b.script("start")
	if err != nil {
		t.Fatalf("scripts/kafka.sh start: %v\n%s", err, out)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(out), "export DRIFTMON_KAFKA_ADDR=")
	if !ok {
		t.Fatalf("scripts/kafka.sh start printed %q, not the export line", out)
	}
	b.Addr = addr
	return b
}

// Stop shuts the broker down cleanly (SIGTERM), keeping its data; Start
// brings it back.
func (b *Broker) Stop(t testing.TB) { t.Helper(); b.run(t, "down") }

// Kill stops the broker with SIGKILL, keeping its data: Start recovers its
// logs as after a crash.
func (b *Broker) Kill(t testing.TB) { t.Helper(); b.run(t, "down", "--kill") }

// Start brings a stopped broker back on its data and ports, and returns
// once it takes connections.
func (b *Broker) Start(t testing.TB) { t.Helper(); b.run(t, "up") }

func (b *Broker) run(t testing.TB, args ...string) {
	t.Helper()
	if b.state == "" {
		t.Fatalf("the %s broker at %s is not this test's own: it cannot be stopped or started", b.Kind, b.Addr)
	}
	if out, err := b.script(args...); err != nil {
		t.Fatalf("scripts/kafka.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// script runs scripts/kafka.sh on the broker's state file and returns its
// standard output, or on failure its standard error too.
func (b *Broker) script(args ...string) (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate scripts/kafka.sh")
	}
	cmd := exec.Command(filepath.Join(filepath.Dir(file), "..", "..", "scripts", "kafka.sh"), args...)
	cmd.Env = append(os.Environ(), "DRIFTMON_KAFKA_STATE="+b.state)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// Topic is the test's name for a topic or a consumer group: name itself,
// except on the shared broker, where a suffix keeps other tests' records
// and groups apart.
func (b *Broker) Topic(name string) string { return name + b.suffix }

// CreateTopics creates topics of n partitions through the controller (as a
// deployment creates them before consumers join: kafka-go groups can stall
// on topics created after they joined), and waits until every partition
// has a leader.
func (b *Broker) CreateTopics(t testing.TB, partitions int, topics ...string) {
	t.Helper()
	if err := b.createTopics(partitions, topics); err != nil {
		t.Fatalf("create topics %v on the %s broker at %s: %v", topics, b.Kind, b.Addr, err)
	}
}

func (b *Broker) createTopics(partitions int, topics []string) error {
	conn, err := kafka.DialContext(context.Background(), "tcp", b.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctrl, err := conn.Controller()
	if err != nil {
		return fmt.Errorf("controller: %w", err)
	}
	cc, err := kafka.Dial("tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
	if err != nil {
		return fmt.Errorf("controller: %w", err)
	}
	defer cc.Close()
	var cfgs []kafka.TopicConfig
	for _, topic := range topics {
		tc := kafka.TopicConfig{Topic: topic, NumPartitions: partitions, ReplicationFactor: 1}
		if b.maxMessageBytes > 0 && b.Kind != "kfake" {
			tc.ConfigEntries = []kafka.ConfigEntry{{ConfigName: "max.message.bytes", ConfigValue: strconv.Itoa(b.maxMessageBytes)}}
		}
		cfgs = append(cfgs, tc)
	}
	if err := cc.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return err
	}
	if err := cc.CreateTopics(cfgs...); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := topicsLed(conn, partitions, topics)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// AddPartitions grows topics to n partitions while consumers run, and
// waits until every partition has a leader.
func (b *Broker) AddPartitions(t testing.TB, n int, topics ...string) {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(b.Addr), Timeout: 30 * time.Second}
	req := &kafka.CreatePartitionsRequest{}
	for _, topic := range topics {
		req.Topics = append(req.Topics, kafka.TopicPartitionsConfig{Name: topic, Count: int32(n)})
	}
	resp, err := c.CreatePartitions(context.Background(), req)
	if err == nil {
		for _, e := range resp.Errors {
			err = errors.Join(err, e)
		}
	}
	if err != nil {
		t.Fatalf("add partitions to %v on the %s broker at %s: %v", topics, b.Kind, b.Addr, err)
	}
	conn, err := kafka.Dial("tcp", b.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := topicsLed(conn, n, topics)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// topicsLed reports whether every partition of the topics has a leader.
func topicsLed(conn *kafka.Conn, partitions int, topics []string) error {
	if err := conn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	ps, err := conn.ReadPartitions(topics...)
	if err != nil {
		return err
	}
	led := map[string]int{}
	for _, p := range ps {
		if p.Leader.Host != "" && p.Leader.ID >= 0 {
			led[p.Topic]++
		}
	}
	for _, topic := range topics {
		if led[topic] != partitions {
			return fmt.Errorf("topic %s: %d of %d partitions have a leader", topic, led[topic], partitions)
		}
	}
	return nil
}

var unsafeTopicChars = regexp.MustCompile(`[^A-Za-z0-9-]+`)

// uniqueSuffix names a test's topics on a broker that outlives it: its
// name, for whoever reads the broker, and the time, for a second run.
// Only dashes join them: Kafka refuses a topic whose name differs from
// another only by "." against "_".
func uniqueSuffix(t testing.TB) string {
	name := unsafeTopicChars.ReplaceAllString(t.Name(), "-")
	if len(name) > 150 {
		name = name[:150]
	}
	return fmt.Sprintf("-%s-%d", name, time.Now().UnixNano()%1e9)
}
