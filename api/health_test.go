package api

import (
	"net/http"
	"testing"
	"time"
)

// TestHealth: /healthz is 200 while the node serves; /readyz is 200 only
// while the node is within the stale threshold of the chain's tip, and
// 503 with a reason when behind, when the chain cannot be seen, or before
// anything is indexed.
func TestHealth(t *testing.T) {
	s, _ := fixture(t) // indexed to block 20
	c := &fakeChain{start: time.Unix(1_700_000_000, 0), spacing: 10 * time.Minute}
	s = New(Config{DB: s.cfg.DB, Network: s.cfg.Network, Rules: s.cfg.Rules, FirstBlock: 1, Chain: c, StaleAfter: 3})
	for _, tc := range []struct {
		tip  int64
		down bool
		want int
	}{{20, false, 200}, {23, false, 200}, {24, false, 503}, {20, true, 503}} {
		c.tip.Store(tc.tip)
		c.down.Store(tc.down)
		if code, _, raw := do(t, s, "GET", "/healthz", ""); code != http.StatusOK {
			t.Errorf("healthz: %d %s", code, raw)
		}
		code, m, raw := do(t, s, "GET", "/readyz", "")
		if code != tc.want || (code == 503) != (m["reason"] != nil) {
			t.Errorf("tip %d (down %v): readyz %d %s, want %d", tc.tip, tc.down, code, raw, tc.want)
		}
	}
}
