// Package waitfor is the one way tests wait for a condition that another
// process or goroutine makes true and that gives no signal of its own (a
// server starting to listen, a node indexing a block): poll it, and fail
// the test, saying what did not happen, once a bound has passed. Where the
// code under test can signal (a channel, a callback), tests wait on that
// instead.
package waitfor

import (
	"testing"
	"time"
)

// every is the polling period: short next to any bound a test gives.
const every = 20 * time.Millisecond

// True polls cond until it holds, or fails the test with what after within.
func True(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Poll(within, cond) {
		t.Fatalf("%s: not after %s", what, within)
	}
}

// Poll polls cond until it holds (true) or within has passed (false), for
// callers that have no test to fail (a TestMain).
func Poll(within time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(within); !cond(); time.Sleep(every) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}
