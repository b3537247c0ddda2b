package nameop

import (
	"errors"
	"testing"

	"github.com/go-blockstack/go-blockstack/rules"
)

// TestRejectedErrorKinds: a mined rejection matches ErrRejected always, and
// the refusal its code amounts to, so that callers branch alike on a
// refusal before broadcasting and a rejection by the chain.
func TestRejectedErrorKinds(t *testing.T) {
	for _, tc := range []struct {
		code rules.Code
		kind error // nil: none besides ErrRejected
	}{
		{rules.ErrNameTaken, ErrNameTaken},
		{rules.ErrNameNotRegistered, ErrNoSuchName},
		{rules.ErrNamespaceRevealed, ErrNamespaceTaken},
		{rules.ErrNamespaceLapsed, ErrNoSuchNamespace},
		{rules.ErrInGrace, ErrExpired},
		{rules.ErrRevoked, ErrRevoked},
		{rules.ErrQuota, ErrQuota},
		{rules.ErrNotRevealer, ErrNotOwner},
		{rules.ErrCollision, nil},
		{rules.ErrStaleConsensusHash, nil},
		{"", nil}, // a node that gives no code
	} {
		t.Run(string(tc.code), func(t *testing.T) {
			err := error(&RejectedError{Op: "NAME_REGISTRATION", Code: tc.code, Reason: "why"})
			if !errors.Is(err, ErrRejected) {
				t.Error("not ErrRejected")
			}
			if tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Errorf("not %v", tc.kind)
			}
			for _, other := range []error{ErrNameTaken, ErrNoSuchName, ErrNamespaceTaken, ErrNoSuchNamespace, ErrExpired, ErrRevoked, ErrQuota, ErrNotOwner, ErrPreorderExpired} {
				if other != tc.kind && errors.Is(err, other) {
					t.Errorf("matches %v too", other)
				}
			}
		})
	}
}
