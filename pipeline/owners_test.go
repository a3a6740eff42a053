package pipeline_test

import (
	"context"
	"slices"
	"testing"

	"github.com/driftmon/driftmon/pipeline"
)

// takes records what the pipeline tells its Owners, in order.
type takes []string

func (t *takes) Take(model string)    { *t = append(*t, "+"+model) }
func (t *takes) Release(model string) { *t = append(*t, "-"+model) }

// A partition takes a model at its first event, once; releases it on
// close; and, reopened from its checkpoint, takes it again before any event
// arrives, so that the instance it moved to sends what is pending.
func TestOwnersFollowThePartition(t *testing.T) {
	e := newEnv(t, newFixture(t, 0, 0))
	var got takes
	pl := e.pipeline(func(c *pipeline.Config) { c.Owners = &got })
	p, _ := e.open(pl, predsTopic, 0, wall)
	feed(t, p, events("m", 1, 2, 3), 0, 3)
	if err := p.Checkpoint(context.Background(), 3, wallAt(3)); err != nil {
		t.Fatal(err)
	}
	p.Close()
	if want := (takes{"+m", "-m"}); !slices.Equal(got, want) {
		t.Fatalf("first owner: %v, want %v", got, want)
	}
	got = nil
	e.open(pl, predsTopic, 0, wallAt(4)) // revoked, then assigned here again
	if want := (takes{"+m"}); !slices.Equal(got, want) {
		t.Fatalf("restored from the checkpoint: %v, want %v", got, want)
	}
	// A labels partition owns nothing: labels do not make windows or
	// alerts.
	got = nil
	lp, _ := e.open(pl, labelsTopic, 0, wall)
	lp.Close()
	if len(got) != 0 {
		t.Errorf("labels partition: %v, want nothing", got)
	}
}
