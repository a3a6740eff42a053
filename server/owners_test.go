package server

import "testing"

// A model is owned while any partition holds it, and the dispatcher hears
// of it only when this instance did not own it before.
func TestOwners(t *testing.T) {
	o := newOwners()
	woken := 0
	o.onTake(func() { woken++ })
	var released []string
	o.onRelease(func(m string) { released = append(released, m) })
	o.Take("m")
	o.Take("m") // a second partition with the same model
	if !o.Owns("m") || o.Owns("m2") || woken != 1 {
		t.Fatalf("owns m %v, m2 %v, woken %d; want true, false, 1", o.Owns("m"), o.Owns("m2"), woken)
	}
	o.Release("m")
	if !o.Owns("m") || len(released) != 0 {
		t.Fatalf("released by one of two partitions: owns %v, released %v; want still owned", o.Owns("m"), released)
	}
	o.Release("m")
	o.Release("m") // a partition closed twice does not go negative
	if o.Owns("m") || len(released) != 1 {
		t.Fatalf("released by both: owns %v, released %v; want not owned, released once", o.Owns("m"), released)
	}
	o.Take("m")
	if !o.Owns("m") || woken != 2 {
		t.Fatalf("taken again: owns %v, woken %d; want true, 2", o.Owns("m"), woken)
	}
}
