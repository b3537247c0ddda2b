package subdomains

import "fmt"

// judge applies the rules of docs/subdomains.md to r, given cur, the subdomain's
// last accepted record before r in chain order (nil if none). It returns
// the reason r is rejected (Accepted if it is not) and the reason in
// words. r.signer must be set.
//
// The checks and their order are v1's: for a first record,
// check_initial_subdomain (seqn 0, carried by the parent's zone file, no
// signature needed); for a later one, check_subdomain_transition (seqn is
// the current one + 1, then a valid signature by the current owner, then
// an independent record may not change the owner).
func judge(cur, r *Record) (Reason, string) {
	if r.Reason == ReasonDuplicate {
		return ReasonDuplicate, r.Why // decided by its zone file alone
	}
	if cur == nil {
		if r.Seq != 0 {
			return ReasonNotCreated, fmt.Sprintf("%s does not exist and seqn is %d (a creation has seqn 0)", r.Name, r.Seq)
		}
		if r.Independent() {
			return ReasonCreatedOutsideParent, fmt.Sprintf("creation of %s in the zone file of %s, not of %s", r.Name, r.Domain, r.Parent)
		}
		return Accepted, ""
	}
	switch {
	case r.Seq <= cur.Seq:
		return ReasonSeqnReplay, fmt.Sprintf("seqn %d, but %s is at %d already", r.Seq, r.Name, cur.Seq)
	case r.Seq > cur.Seq+1:
		return ReasonSeqnGap, fmt.Sprintf("seqn %d, but %s is at %d (want %d)", r.Seq, r.Name, cur.Seq, cur.Seq+1)
	}
	want, err := ownerKey(cur.Owner)
	switch {
	case err != nil:
		return ReasonBadSignature, fmt.Sprintf("the owner %q is not a P2PKH or P2SH address: nobody can sign for it", cur.Owner)
	case r.signer == "":
		return ReasonBadSignature, fmt.Sprintf("no valid signature (the owner is %s)", cur.Owner)
	case r.signer != want:
		return ReasonBadSignature, fmt.Sprintf("signed by another key than the owner %s's", cur.Owner)
	}
	if r.Independent() {
		if k, err := ownerKey(r.Owner); err != nil || k != want {
			return ReasonIndependentTransfer, fmt.Sprintf("the zone file of %s may update %s but not give it to %s", r.Domain, r.Name, r.Owner)
		}
	}
	return Accepted, ""
}
