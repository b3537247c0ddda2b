package nameop

import (
	"errors"
	"fmt"

	"github.com/go-blockstack/go-blockstack/rules"
)

// Kinds of refusal. The runner checks an operation against the node's state
// before it broadcasts anything, and refuses with an error matching one of
// these (errors.Is) when the rules would reject it; callers branch on them.
var (
	ErrNameTaken         = errors.New("name already registered")
	ErrNoSuchName        = errors.New("name not registered")
	ErrNamespaceTaken    = errors.New("namespace already revealed")
	ErrNoSuchNamespace   = errors.New("namespace not revealed")
	ErrNamespaceNotReady = errors.New("namespace not ready")
	ErrNamespaceReady    = errors.New("namespace already ready")
	ErrNotOwner          = errors.New("not a key of this wallet")
	ErrExpired           = errors.New("name expired")
	ErrRevoked           = errors.New("name revoked")
	ErrQuota             = errors.New("owner has the most names allowed")
	ErrPreorderExpired   = errors.New("preorder expired")
	// ErrStale: the node has not indexed the chain's tip, so its state
	// cannot be trusted to check an operation.
	ErrStale = errors.New("node behind the chain")
	// ErrJournalConflict: the journal holds an unfinished operation of the
	// same kind on the same subject, started with other parameters.
	ErrJournalConflict = errors.New("another operation is under way")
	// ErrStepMissing: a low-level command was run before the step it
	// builds on (a reveal without a preorder).
	ErrStepMissing = errors.New("earlier step not done")
	// ErrRejected matches a *RejectedError.
	ErrRejected = errors.New("rejected by the BNS rules")
)

// refusal is an error of one of the kinds above with the particulars.
type refusal struct {
	kind error
	msg  string
}

func (e *refusal) Error() string { return e.msg }
func (e *refusal) Unwrap() error { return e.kind }

func refuse(kind error, format string, args ...any) error {
	return &refusal{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// RejectedError is a transaction that was mined but refused by the BNS
// rules: its fees are spent. The journal forgets the step, so that a new run
// checks the state again and builds it anew.
type RejectedError struct {
	Op     string // e.g. NAME_REGISTRATION
	Txid   string
	Block  int64
	Code   rules.Code // the rule it broke ("" from a node that gives none)
	Reason string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("%s %s was rejected in block %d: %s", e.Op, e.Txid, e.Block, e.Reason)
}

// kinds are the refusals of this package that the rules' codes amount
// to: a caller branching on ErrNameTaken, say, gets it whether the check
// before broadcasting refused or the chain did. Codes with no kind here
// (a collision, a stale consensus hash) say nothing about the state a new
// run would meet.
var kinds = map[rules.Code]error{
	rules.ErrNameTaken:            ErrNameTaken,
	rules.ErrNameNotRegistered:    ErrNoSuchName,
	rules.ErrNamespaceRevealed:    ErrNamespaceTaken,
	rules.ErrNamespaceNotRevealed: ErrNoSuchNamespace,
	rules.ErrNamespaceLapsed:      ErrNoSuchNamespace,
	rules.ErrNamespaceNotReady:    ErrNamespaceNotReady,
	rules.ErrNamespaceReady:       ErrNamespaceReady,
	rules.ErrNotOwner:             ErrNotOwner,
	rules.ErrNotRevealer:          ErrNotOwner,
	rules.ErrExpired:              ErrExpired,
	rules.ErrInGrace:              ErrExpired,
	rules.ErrRevoked:              ErrRevoked,
	rules.ErrQuota:                ErrQuota,
}

// Is makes errors.Is(err, ErrRejected) hold, and errors.Is(err, kind) for
// the kind its code amounts to.
func (e *RejectedError) Is(target error) bool {
	kind, ok := kinds[e.Code]
	return target == ErrRejected || ok && target == kind
}
