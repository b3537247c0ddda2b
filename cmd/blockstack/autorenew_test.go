package main

import (
	"errors"
	"path/filepath"
	"testing"
)

// TestRenewalLedger: a renewal is counted once per expiry it renews, in a
// ledger that outlives the process, and one that would take the total
// past the budget is refused without being entered.
func TestRenewalLedger(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.renewals.json")
	l, err := openRenewalLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name         string
		expire, sats int64
		over         bool
		total        int64
	}{
		{"a.test", 100, 400, false, 400},
		{"a.test", 100, 400, false, 400}, // the same renewal again (a restart): counted once
		{"b.test", 100, 500, false, 900},
		{"a.test", 200, 400, true, 900}, // the next renewal of a.test: past the budget of 1000
		{"c.test", 100, 100, false, 1000},
	} {
		err = l.enter(c.name, c.expire, c.sats, 1000)
		var over *budgetError
		if errors.As(err, &over) != c.over || !c.over && err != nil || l.total() != c.total {
			t.Fatalf("%s@%d: %v, total %d; want over %v, total %d", c.name, c.expire, err, l.total(), c.over, c.total)
		}
	}
	again, err := openRenewalLedger(path)
	if err != nil || again.total() != 1000 || len(again.Renewals) != 3 {
		t.Fatalf("reopened: %+v %v", again, err)
	}
}
