package main

import (
	"testing"
	"time"
)

// TestRun runs every phase at a small scale: stores through the client
// library, reads checked for status and size, both baselines.
func TestRun(t *testing.T) {
	if err := run(200*time.Millisecond, 40, t.TempDir()); err != nil {
		t.Fatal(err)
	}
}
