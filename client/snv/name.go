package snv

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
)

// NameSource is a node answering for a name and serving blocks for SNV
// (api/apiclient.Client is one). It is not trusted.
type NameSource interface {
	Source
	Name(ctx context.Context, name string) (*apitypes.Name, error)
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
	Anchor Anchor
	// Owner and Zonefile are the operations that set the record's owner
	// and zone file hash (nil: the record has no zone file hash).
	Owner, Zonefile *Proved
	Fetches         int
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

// VerifyName proves, against anchor, the operations that gave the node's
// record of name its owner and its zone file hash: walking the name's
// accepted history from its last operation back to the latest one that
// set each, it proves each in its block by SNV and checks that it names
// the name and carries the record's value. It returns the record with the
// proof. It cannot prove that no operation after them changed the name:
// SNV shows what happened, not that nothing happened since.
func VerifyName(ctx context.Context, src NameSource, anchor Anchor, name string, firstBlock int64) (*apitypes.Name, *NameProof, error) {
	rec, err := src.Name(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	hist, err := src.NameHistory(ctx, name, false)
	if err != nil {
		return nil, nil, err
	}
	proof := &NameProof{Anchor: anchor}
	w := newWalker(src, anchor, firstBlock)
	for _, e := range hist {
		if e.Txid == rec.LastTxid && e.Block > anchor.Height {
			return nil, nil, fmt.Errorf("%w: the node's record of %s comes from block %d, above the anchor's block %d: give a later anchor", ErrUnproved, name, e.Block, anchor.Height)
		}
	}
	seenLast := false
	for i := len(hist) - 1; i >= 0 && (proof.Owner == nil || rec.ZonefileHash != "" && proof.Zonefile == nil); i-- {
		e := hist[i]
		seenLast = seenLast || e.Txid == rec.LastTxid
		_, setsOwner := ownerField[e.Opcode]
		_, setsValue := valueField[e.Opcode]
		if !seenLast || e.Block > anchor.Height || !setsOwner && !setsValue {
			continue
		}
		p, fetches, err := prove(ctx, w, e, name)
		proof.Fetches += fetches
		if err != nil {
			return nil, nil, err
		}
		if i, ok := ownerField[e.Opcode]; ok && proof.Owner == nil {
			if p.Op.Fields[i] != rec.Address {
				return nil, nil, fmt.Errorf("%w: the node says %s owns %s, but its %s in block %d (proved) gives it to %s", ErrUnproved, rec.Address, name, e.Opcode, e.Block, p.Op.Fields[i])
			}
			proof.Owner = p
		}
		if i, ok := valueField[e.Opcode]; ok && proof.Zonefile == nil && rec.ZonefileHash != "" {
			if p.Op.Fields[i] != rec.ZonefileHash {
				return nil, nil, fmt.Errorf("%w: the node says %s's zone file hash is %s, but its %s in block %d (proved) sets %s", ErrUnproved, name, rec.ZonefileHash, e.Opcode, e.Block, p.Op.Fields[i])
			}
			proof.Zonefile = p
		}
	}
	if proof.Owner == nil || rec.ZonefileHash != "" && proof.Zonefile == nil {
		return nil, nil, fmt.Errorf("%w: no operation at or below the anchor's block %d in %s's history sets its owner and zone file hash (last transaction %s)", ErrUnproved, anchor.Height, name, rec.LastTxid)
	}
	return rec, proof, nil
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
