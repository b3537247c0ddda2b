package rules

// State is where a name stands at a block.
type State int

const (
	// Registered: owned and live (or never expiring); its owner may
	// update, transfer, renew or revoke it.
	Registered State = iota
	// InGrace: expired less than GracePeriod blocks ago; its owner may
	// only renew it, and nobody may register it anew.
	InGrace
	// Expired: expired and past its grace period; anyone may register it
	// anew.
	Expired
	// Revoked: its owner revoked it; it can no longer change.
	Revoked
)

var stateNames = [...]string{Registered: "registered", InGrace: "in grace period", Expired: "expired", Revoked: "revoked"}

func (s State) String() string { return stateNames[s] }

// Status is the word Blockstack Core's /v1/names/{name} uses for a state:
// "registered", "revoked", or "expired" for a name in its grace period as
// for one past it (the answer's grace_period tells them apart).
func (s State) Status() string {
	if s == InGrace {
		return Expired.String()
	}
	return s.String()
}

// NameState is the state at height of a name that expires at expireBlock
// (-1: never) and is revoked or not. A revoked name is Revoked whatever its
// expiry: revocation is final.
func (r Rules) NameState(revoked bool, expireBlock, height int64) State {
	switch {
	case revoked:
		return Revoked
	case expireBlock < 0 || height < expireBlock:
		return Registered
	case height < r.RenewalDeadline(expireBlock):
		return InGrace
	}
	return Expired
}

// RenewalDeadline is the first block at which the owner of a name that
// expires at expireBlock can no longer renew it (-1: it never expires).
func (r Rules) RenewalDeadline(expireBlock int64) int64 {
	if expireBlock < 0 {
		return -1
	}
	return expireBlock + r.GracePeriod
}

// Registrable reports whether a name that exists and expires at
// expireBlock may be registered anew at height: only once its grace period
// is over. Revocation does not free a name sooner: as in Blockstack v1, a
// revoked name stays taken until it would have expired and its grace period
// ended.
func (r Rules) Registrable(expireBlock, height int64) bool {
	return r.NameState(false, expireBlock, height) == Expired
}

// CountsTowardQuota reports whether a name counts among its owner's names
// at height: revoked names and names past their grace period do not
// (Blockstack v1's namedb_get_names_owned_by_address frees their slots).
func (r Rules) CountsTowardQuota(revoked bool, expireBlock, height int64) bool {
	s := r.NameState(revoked, expireBlock, height)
	return s == Registered || s == InGrace
}

// QuotaFull reports whether an owner of owned names (counted as
// CountsTowardQuota does) may be given no more.
func (r Rules) QuotaFull(owned int) bool { return owned >= r.MaxNamesPerOwner }
