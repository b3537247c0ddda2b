package snv

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
)

// NameSource is a node serving state proofs, names' histories and blocks
// for SNV (api/apiclient.Client is one). It is not trusted.
type NameSource interface {
	Source
	StateSource
	NameHistory(ctx context.Context, name string, withRejected bool) ([]apitypes.HistoryEntry, error)
}

// Proved is an operation on a name that SNV proved accepted.
type Proved struct {
	Block  int64
	Txid   string
	Opcode string
	Op     Op
}

// NameProof is what VerifyName proved of a name's record.
type NameProof struct {
	*Record
	// Owner and Zonefile are the operations that set the record's owner
	// and zone file hash (nil: the record has no zone file hash, or the
	// name none at all).
	Owner, Zonefile *Proved
	// Fetches counts the blocks SNV fetched, after the one answer of the
	// state proof.
	Fetches int
}

// ErrUnproved is returned when the node's record cannot be tied to
// operations of the trusted history.
var ErrUnproved = errors.New("snv: the node's record is not proved")

// Fields of the serialized operations (the indexer's SerializeOp calls):
// sender script, txid, vtxindex, then the name and, for these opcodes,
// the owner (recipient) and the zone file (value) hash at these indexes.
const fieldTxid = 1

var (
	ownerField = map[string]int{"NAME_REGISTRATION": 4, "NAME_RENEWAL": 4, "NAME_TRANSFER": 4, "NAME_IMPORT": 4}
	valueField = map[string]int{"NAME_REGISTRATION": 5, "NAME_RENEWAL": 5, "NAME_UPDATE": 5, "NAME_IMPORT": 5}
)

// VerifyName proves name's record as of anchor's block (VerifyRecord: or
// that it has none), then the operations that gave it its owner and its
// zone file hash: walking the name's accepted history from the record's
// last operation back to the latest one that set each, it proves each in
// its block by SNV and checks that it names the name and carries the
// record's value. The state proof shows the record is the latest word;
// SNV shows which transactions made it so.
func VerifyName(ctx context.Context, src NameSource, anchor Anchor, name string, firstBlock int64) (*NameProof, error) {
	state, err := VerifyRecord(ctx, src, anchor, name, firstBlock)
	if err != nil {
		return nil, err
	}
	proof := &NameProof{Record: state}
	rec := state.Name
	if rec == nil {
		return proof, nil
	}
	hist, err := src.NameHistory(ctx, name, false)
	if err != nil {
		return nil, err
	}
	w := newWalker(src, anchor, firstBlock)
	seenLast := false
	for i := len(hist) - 1; i >= 0 && (proof.Owner == nil || rec.ValueHash != "" && proof.Zonefile == nil); i-- {
		e := hist[i]
		seenLast = seenLast || e.Txid == rec.Txid
		_, setsOwner := ownerField[e.Opcode]
		_, setsValue := valueField[e.Opcode]
		if !seenLast || e.Block > anchor.Height || !setsOwner && !setsValue {
			continue
		}
		p, fetches, err := prove(ctx, w, e, name)
		proof.Fetches += fetches
		if err != nil {
			return nil, err
		}
		if i, ok := ownerField[e.Opcode]; ok && proof.Owner == nil {
			if p.Op.Fields[i] != rec.Address {
				return nil, fmt.Errorf("%w: %s's proved record gives it to %s, but its %s in block %d (proved) gives it to %s", ErrUnproved, name, rec.Address, e.Opcode, e.Block, p.Op.Fields[i])
			}
			proof.Owner = p
		}
		if i, ok := valueField[e.Opcode]; ok && proof.Zonefile == nil && rec.ValueHash != "" {
			if p.Op.Fields[i] != rec.ValueHash {
				return nil, fmt.Errorf("%w: %s's proved zone file hash is %s, but its %s in block %d (proved) sets %s", ErrUnproved, name, rec.ValueHash, e.Opcode, e.Block, p.Op.Fields[i])
			}
			proof.Zonefile = p
		}
	}
	if proof.Owner == nil || rec.ValueHash != "" && proof.Zonefile == nil {
		return nil, fmt.Errorf("%w: no operation at or below the anchor's block %d in the node's history of %s sets its proved owner and zone file hash (last transaction %s)", ErrUnproved, anchor.Height, name, rec.Txid)
	}
	return proof, nil
}

// prove proves history entry e of name by SNV: its block's operations are
// verified and one of them is e's transaction, on name.
func prove(ctx context.Context, w *walker, e apitypes.HistoryEntry, name string) (*Proved, int, error) {
	b, err := w.block(ctx, e.Block)
	if err != nil {
		return nil, 0, err
	}
	for _, s := range b.Operations {
		op, err := ParseOp(s)
		if err != nil {
			return nil, b.Fetches, fmt.Errorf("%w: %v", ErrMismatch, err)
		}
		if len(op.Fields) > fieldTxid && op.Fields[fieldTxid] == e.Txid && len(op.Fields) > 3 && op.Fields[3] == name {
			need := max(ownerField[e.Opcode], valueField[e.Opcode])
			if len(op.Fields) <= need {
				return nil, b.Fetches, fmt.Errorf("%w: %s's %s in block %d has %d fields", ErrMismatch, name, e.Opcode, e.Block, len(op.Fields))
			}
			return &Proved{Block: e.Block, Txid: e.Txid, Opcode: e.Opcode, Op: op}, b.Fetches, nil
		}
	}
	return nil, b.Fetches, fmt.Errorf("%w: block %d (proved) holds no operation of transaction %s on %s, which the node lists in the name's history", ErrUnproved, e.Block, e.Txid, name)
}
