package tokenbucket

import (
	"testing"
	"time"
)

// TestBucket: a new bucket is full; it refills at its rate up to its
// burst; Wait says when the next token comes; a clock that goes back adds
// nothing.
func TestBucket(t *testing.T) {
	var b Bucket
	now := time.Unix(1_700_000_000, 0)
	const rate, burst = 2, 3
	if !b.Full(now, rate, burst) {
		t.Fatal("a new bucket is not full")
	}
	for i := range 3 {
		if !b.Take(now, rate, burst) {
			t.Fatalf("take %d of a full bucket of 3 refused", i)
		}
	}
	if b.Take(now, rate, burst) {
		t.Fatal("a fourth take at once allowed")
	}
	if w := b.Wait(rate); w != 500*time.Millisecond {
		t.Fatalf("wait %s, want 500ms at 2 a second", w)
	}
	if b.Take(now.Add(-time.Hour), rate, burst) {
		t.Fatal("a clock that went back refilled the bucket")
	}
	now = now.Add(500 * time.Millisecond)
	if !b.Take(now, rate, burst) || b.Take(now, rate, burst) {
		t.Fatal("half a second at 2 a second gave other than one token")
	}
	if b.Full(now.Add(time.Second), rate, burst) || !b.Full(now.Add(2*time.Second), rate, burst) {
		t.Fatal("refill to the burst takes 1.5 s from empty")
	}
	if got := b.At(now.Add(time.Hour), rate, burst); got != burst {
		t.Fatalf("an hour later: %v tokens, want the burst %d", got, burst)
	}
}
