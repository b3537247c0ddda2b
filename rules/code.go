package rules

// Code says which rule an operation broke. It is stored with the
// operation's history and served by the API, so each value is a stable
// word; "" is no code (an accepted operation, or a rejection recorded
// before codes existed). Like subdomains.Reason it is a string rather than
// btcd's integer ErrorCode: a code read back from a database written by
// another version stays what it was, with no table to parse it through.
type Code string

func (c Code) String() string { return string(c) }

const (
	// ErrMalformed: the transaction carries the network's magic bytes but
	// its payload, outputs or sender cannot be a Blockstack v1 operation
	// (the description is the bns.DecodeError).
	ErrMalformed Code = "malformed"
	// ErrAnnounceUntrusted: ANNOUNCE is refused; this node trusts no
	// announcers.
	ErrAnnounceUntrusted Code = "announce-untrusted"
	// ErrStaleConsensusHash: the consensus hash the operation carries is
	// not one of the last ConsensusWindow blocks'.
	ErrStaleConsensusHash Code = "stale-consensus-hash"
	// ErrQuota: the recipient (or preorderer) already owns
	// MaxNamesPerOwner names.
	ErrQuota Code = "quota"
	// ErrPreorderPending: an unexpired preorder of the same hash exists.
	ErrPreorderPending Code = "preorder-pending"
	// ErrNoPreorder: no unexpired preorder by the sender, from an earlier
	// block, commits to what the operation reveals or registers.
	ErrNoPreorder Code = "no-preorder"
	// ErrPreorderBeforeReady: a name's preorder was mined before its
	// namespace became ready.
	ErrPreorderBeforeReady Code = "preorder-before-ready"
	// ErrRevealerKey: a NAMESPACE_REVEAL's sender is not a P2PKH address
	// whose public key the spending input reveals.
	ErrRevealerKey Code = "revealer-key"
	// ErrInvalidName: the name or namespace id is not valid BNS syntax.
	ErrInvalidName Code = "invalid-name"
	// ErrNamespaceRevealed: the namespace is revealed and has not lapsed.
	ErrNamespaceRevealed Code = "namespace-revealed"
	// ErrNamespaceReady: the namespace is ready already.
	ErrNamespaceReady Code = "namespace-ready"
	// ErrNamespaceNotRevealed: the namespace was never revealed.
	ErrNamespaceNotRevealed Code = "namespace-not-revealed"
	// ErrNamespaceLapsed: the namespace was not made ready within
	// NamespaceRevealExpire blocks of its reveal.
	ErrNamespaceLapsed Code = "namespace-lapsed"
	// ErrNamespaceNotReady: the name's namespace is not ready.
	ErrNamespaceNotReady Code = "namespace-not-ready"
	// ErrNotRevealer: only the namespace's reveal address may import
	// into it or make it ready.
	ErrNotRevealer Code = "not-revealer"
	// ErrFeeTooLow: the fee paid (or the preorder's burn) is below the
	// price.
	ErrFeeTooLow Code = "fee-too-low"
	// ErrFeeAddress: the fee went to another address than PaysCreator
	// says.
	ErrFeeAddress Code = "fee-address"
	// ErrNoRecipient: a registration has no recipient output.
	ErrNoRecipient Code = "no-recipient"
	// ErrNameTaken: the name is registered and not past its grace period.
	ErrNameTaken Code = "name-taken"
	// ErrNameNotRegistered: the name does not exist.
	ErrNameNotRegistered Code = "name-not-registered"
	// ErrNotOwner: the sender does not own the name.
	ErrNotOwner Code = "not-owner"
	// ErrRevoked: the name is revoked.
	ErrRevoked Code = "revoked"
	// ErrExpired: the name's grace period is over.
	ErrExpired Code = "expired"
	// ErrInGrace: the name is in its grace period, when only renewal is
	// allowed.
	ErrInGrace Code = "in-grace-period"
	// ErrNoMatchingName: the name hash of a NAME_UPDATE or NAME_TRANSFER
	// matches no name of the sender.
	ErrNoMatchingName Code = "no-matching-name"
	// ErrTransferToOwner: a transfer's recipient is the name's owner.
	ErrTransferToOwner Code = "transfer-to-owner"
	// ErrCollision: another operation of the same block claims the same
	// name, namespace or preorder; all of them are rejected.
	ErrCollision Code = "collision"
)

// RuleError is the rules' refusal of an operation: which rule (Code) and
// the particulars in words (Description), which the history keeps for
// people to read.
type RuleError struct {
	Code        Code
	Description string
}

func (e *RuleError) Error() string { return e.Description }
