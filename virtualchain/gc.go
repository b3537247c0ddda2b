package virtualchain

import (
	"os"
	"runtime/debug"
)

// The garbage collector's settings for a process that indexes, unless the
// GOGC or GOMEMLIMIT environment variables say otherwise (TuneGC).
//
// The indexer keeps the whole BNS state in memory (about 300 MiB of heap at
// a million operations) and allocates quickly while it catches up. Go's
// default (GOGC=100) collects whenever the heap has grown by as much as is
// live, so every cycle marks the whole state again for little garbage:
// at a million operations that was a quarter of the indexer's CPU.
// GCPercent lets the heap grow by four times the live heap between cycles,
// and MemoryLimit bounds the whole Go heap, so that the collector runs
// sooner (not later) when the state is large: the node's memory stays
// under 1 GiB with SQLite's page cache. A state that outgrows the limit
// makes the collector run more often (Go caps it at half the CPU); raise
// GOMEMLIMIT then.
const (
	GCPercent   = 400
	MemoryLimit = 576 << 20
)

// TuneGC applies GCPercent and MemoryLimit to the process, each unless
// its environment variable is set. Commands that index call it once.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryLimit)
	}
}
