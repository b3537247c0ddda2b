package rules_test

import (
	"testing"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/rules"
)

// testRules: a grace period of 5 blocks, a quota of 3 names.
var testRules = rules.Rules{PreorderExpire: 10, NamespaceRevealExpire: 30, PayToCreatorBlocks: 30,
	GracePeriod: 5, ConsensusWindow: 24, LifetimeMultiplier: 2, MaxNamesPerOwner: 3}

// TestNameState walks a name expiring at block 100 (grace until 105), one
// that never expires, and revoked ones, through each rule that depends on
// a name's state.
func TestNameState(t *testing.T) {
	for _, tc := range []struct {
		desc        string
		revoked     bool
		expire      int64
		height      int64
		state       rules.State
		status      string
		registrable bool // anew, by anyone
		counts      bool // toward its owner's quota
	}{
		{"live", false, 100, 99, rules.Registered, "registered", false, true},
		{"at its expire block", false, 100, 100, rules.InGrace, "expired", false, true},
		{"last block of grace", false, 100, 104, rules.InGrace, "expired", false, true},
		{"grace over", false, 100, 105, rules.Expired, "expired", true, false},
		{"never expires", false, -1, 1 << 40, rules.Registered, "registered", false, true},
		{"revoked, live", true, 100, 99, rules.Revoked, "revoked", false, false},
		{"revoked, in grace: still taken", true, 100, 102, rules.Revoked, "revoked", false, false},
		{"revoked, grace over", true, 100, 105, rules.Revoked, "revoked", true, false},
		{"revoked, never expires: taken for good", true, -1, 1 << 40, rules.Revoked, "revoked", false, false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			s := testRules.NameState(tc.revoked, tc.expire, tc.height)
			if s != tc.state || s.Status() != tc.status {
				t.Errorf("NameState = %v (status %q), want %v (%q)", s, s.Status(), tc.state, tc.status)
			}
			if got := testRules.Registrable(tc.expire, tc.height); got != tc.registrable {
				t.Errorf("Registrable = %v, want %v", got, tc.registrable)
			}
			if got := testRules.CountsTowardQuota(tc.revoked, tc.expire, tc.height); got != tc.counts {
				t.Errorf("CountsTowardQuota = %v, want %v", got, tc.counts)
			}
		})
	}
}

// TestDeadlines: the blocks at which names, preorders and reveals run out,
// and the quota's edge.
func TestDeadlines(t *testing.T) {
	for _, tc := range []struct {
		desc      string
		got, want int64
	}{
		{"renewal deadline", testRules.RenewalDeadline(100), 105},
		{"renewal deadline of a name that never expires", testRules.RenewalDeadline(-1), -1},
		{"expiry: lifetime × 2 after the last renewal", testRules.ExpireBlock(10, 50, 60), 80},
		{"expiry: imported names count from the ready block", testRules.ExpireBlock(10, 50, 40), 70},
		{"expiry: infinite lifetime", testRules.ExpireBlock(rules.LifetimeInfinite, 50, 60), -1},
		{"preorder expires", testRules.PreorderExpiresAt(20), 30},
		{"reveal lapses", testRules.RevealLapsesAt(20), 50},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %d, want %d", tc.desc, tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		desc      string
		got, want bool
	}{
		{"preorder usable the block before", testRules.PreorderExpired(20, 29), false},
		{"preorder used up at its expiry", testRules.PreorderExpired(20, 30), true},
		{"reveal alive the block before", testRules.RevealLapsed(20, 49), false},
		{"reveal lapsed at its deadline", testRules.RevealLapsed(20, 50), true},
		{"quota: room for a third name", testRules.QuotaFull(2), false},
		{"quota: full at three", testRules.QuotaFull(3), true},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.desc, tc.got, tc.want)
		}
	}
}

// TestPaysCreator: a version-2 namespace revealed at block 100 takes name
// fees paid up to block 130; version 1 never does.
func TestPaysCreator(t *testing.T) {
	for _, tc := range []struct {
		desc    string
		version uint16
		paidAt  int64
		want    bool
	}{
		{"v2 at the reveal", bns.NamespaceVersionPayToCreator, 100, true},
		{"v2 last block of the period", bns.NamespaceVersionPayToCreator, 130, true},
		{"v2 after the period", bns.NamespaceVersionPayToCreator, 131, false},
		{"v1", bns.NamespaceVersionPayToBurn, 100, false},
	} {
		if got := testRules.PaysCreator(tc.version, 100, tc.paidAt); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.desc, got, tc.want)
		}
	}
}
