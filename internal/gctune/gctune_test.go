package gctune

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestAdjustFollowsLiveHeap: after Tune, a live heap past MinLimit/LiveFactor
// raises the limit to LiveFactor times it; without Tune, Adjust leaves the
// limit alone.
func TestAdjustFollowsLiveHeap(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	oldPercent, oldLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	defer func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
		mu.Lock()
		limit = 0
		mu.Unlock()
	}()

	Adjust() // not tuned: nothing to do
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("Adjust without Tune set the limit to %d", got)
	}
	Tune()
	if got := debug.SetGCPercent(-1); got != GCPercent {
		t.Errorf("GC percent %d, want %d", got, GCPercent)
	}
	debug.SetGCPercent(GCPercent)
	if got := debug.SetMemoryLimit(-1); got != MinLimit {
		t.Fatalf("limit %d after Tune, want %d", got, MinLimit)
	}
	state := make([]byte, MinLimit) // live: more than MinLimit/LiveFactor
	runtime.GC()
	Adjust()
	got := debug.SetMemoryLimit(-1)
	if got < int64(float64(len(state))*LiveFactor) {
		t.Errorf("limit %d with %d bytes live, want at least %.0f", got, len(state), float64(len(state))*LiveFactor)
	}
	runtime.KeepAlive(state)
}
