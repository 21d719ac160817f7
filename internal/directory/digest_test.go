package directory

import "testing"

// TestDigestIgnoresOrderAndPlaces: a directory server may answer in another order each time, and
// a duplicate key's reason names the other entries by their place in that answer; the digest a
// held run is confirmed against must not change with either, and must change with a key or a
// field.
func TestDigestIgnoresOrderAndPlaces(t *testing.T) {
	a := Record{Line: 1, Key: "k1", FirstName: "Ann"}
	b := Record{Line: 2, Key: "k2", FirstName: "Bob"}
	dupA := Problem{Line: 3, Key: "k3", Reason: "duplicate key: employeeNumber k3 is also on entry 4"}
	dupB := Problem{Line: 4, Key: "k3", Reason: "duplicate key: employeeNumber k3 is also on entry 3"}
	first := digest([]Record{a, b}, []Problem{dupA, dupB})
	b2, a2 := b, a
	b2.Line, a2.Line = 1, 2
	dupB2, dupA2 := dupB, dupA
	dupB2.Line, dupB2.Reason = 3, "duplicate key: employeeNumber k3 is also on entry 1"
	dupA2.Line, dupA2.Reason = 1, "duplicate key: employeeNumber k3 is also on entry 3"
	if again := digest([]Record{b2, a2}, []Problem{dupB2, dupA2}); again != first {
		t.Errorf("the same answer in another order gives another digest: %s, %s", first, again)
	}
	changed := b
	changed.FirstName = "Robert"
	if d := digest([]Record{a, changed}, []Problem{dupA, dupB}); d == first {
		t.Error("a changed field gives the same digest")
	}
	other := dupA
	other.Key = "k9"
	if d := digest([]Record{a, b}, []Problem{other, dupB}); d == first {
		t.Error("a problem with another key gives the same digest")
	}
}
