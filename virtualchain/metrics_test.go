package virtualchain_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/internal/metrics/metricstest"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/virtualchain"
)

// TestIndexerMetrics: the height follows the blocks applied, and goes
// back with a rewind; the tip and the lag are read from the chain at
// scrape time; each block applied is timed.
func TestIndexerMetrics(t *testing.T) {
	ctx := context.Background()
	c := openDevchain(t)
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	reg := prometheus.NewRegistry()
	ix, err := virtualchain.New(ctx, db, c, virtualchain.Config{Network: &bns.DevNet, Rules: rules.DevnetRules, FirstBlock: 1, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	tip, err := ix.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check := func(height, chainTip, applied float64) {
		t.Helper()
		m := metricstest.ScrapeRegistry(t, reg)
		for _, c := range []struct {
			name string
			want float64
		}{
			{"blockstack_indexer_height", height},
			{"blockstack_indexer_chain_tip_height", chainTip},
			{"blockstack_indexer_lag_blocks", chainTip - height},
			{"blockstack_indexer_block_apply_seconds", applied},
		} {
			if got := m.Value(t, c.name); got != c.want {
				t.Errorf("%s = %v, want %v", c.name, got, c.want)
			}
		}
	}
	h := float64(tip.Height)
	check(h, h, h)
	if _, err := c.Mine(ctx, 3); err != nil {
		t.Fatal(err)
	}
	check(h, h+3, h) // the tip moved; nothing applied yet
	if err := ix.Rewind(ctx, tip.Height-2); err != nil {
		t.Fatal(err)
	}
	check(h-2, h+3, h)
	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	check(h+3, h+3, h+5)
}
