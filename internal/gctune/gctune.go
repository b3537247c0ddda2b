// Package gctune sets Go's garbage collector for a process that keeps the
// BNS state in memory (namedb's names, the indexer's view), unless the GOGC
// or GOMEMLIMIT environment variables say otherwise. It owns nothing but
// those two process-wide settings.
//
// The state is large (about 300 MiB of heap at a million operations, 800
// MiB at a million names) and the indexer allocates quickly while it
// catches up. Go's default (GOGC=100) collects whenever the heap has grown
// by as much as is live, so every cycle marks the whole state again for
// little garbage: at a million operations that was a quarter of the
// indexer's CPU. GCPercent lets the heap grow by four times the live heap
// between cycles, and a soft memory limit makes the collector run sooner
// when that would take the heap past MinLimit, keeping a node at a million
// operations under 1 GiB with SQLite's page cache.
//
// A fixed limit fails a larger state: with the live heap near or above it
// the collector runs all the time (Go lets it take half the CPU; API
// look-ups on a million names cost twice their CPU). So Adjust, called
// after each commit, keeps the limit at least LiveFactor times the live
// heap: a large state is collected as often as Go's default (GOGC=100)
// would, never continuously. (1.5 times measured worse for API latency on
// a million names: a collection every 1.6 s, marking 40% of the time.)
//
// Since namedb keeps its names without pointers, a cycle no longer marks
// them (at a million names: 1-2 ms of marking a cycle instead of about
// 500 ms), so the figures above were measured before that; the settings
// still bound how far the heap grows between cycles.
package gctune

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"

	"github.com/go-blockstack/go-blockstack/internal/locked"
)

const (
	GCPercent  = 400
	MinLimit   = 576 << 20
	LiveFactor = 2
)

var (
	mu    sync.Mutex
	limit int64 // the limit set by Tune and Adjust; 0: not ours to manage
)

// Tune applies GCPercent and MinLimit to the process, each unless its
// environment variable is set. Commands that hold the state call it once.
func Tune() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		locked.Do(&mu, func() {
			limit = MinLimit
			debug.SetMemoryLimit(limit)
		})
	}
}

// Adjust raises the memory limit set by Tune to LiveFactor times the heap
// that the last collection found live, if that is more. It does nothing
// in a process that did not call Tune, or whose GOMEMLIMIT is set. It
// costs about a microsecond.
func Adjust() {
	mu.Lock()
	defer mu.Unlock()
	if limit == 0 {
		return
	}
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	if want := int64(float64(s[0].Value.Uint64()) * LiveFactor); want > limit {
		limit = want
		debug.SetMemoryLimit(limit)
	}
}
