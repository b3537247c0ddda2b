package snv

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/statetree"
)

// StateSource is a node serving proofs of names' records against its
// blocks' state roots (api/apiclient.Client is one). It is not trusted.
type StateSource interface {
	NameProof(ctx context.Context, name string, height int64) (*apitypes.NameProof, error)
}

// Record is a name's record as of the anchor's block, proved against the
// state root its consensus hash commits to.
type Record struct {
	Anchor Anchor
	// BlockHash is the Bitcoin block (as displayed) the anchor's
	// consensus hash was computed at, which it commits to.
	BlockHash string
	// Name is the name's record; nil: the name was not registered (or
	// was removed) as of the anchor.
	Name *apitypes.NameRecord
	// NamespaceExists says whether the name's namespace had a record
	// (revealed or ready).
	NamespaceExists bool
	// ProofBytes is the size of the two proofs as the node sent them.
	ProofBytes int
}

// VerifyRecord proves what name's record was as of anchor's block — or
// that it had none — from one answer of src: the block's commitment
// (checked against the anchor), and the records' bytes with their proofs
// against the block's state root. Unlike VerifyName it needs no history
// and shows that nothing happened since: a later operation would have
// changed the root.
func VerifyRecord(ctx context.Context, src StateSource, anchor Anchor, name string, firstBlock int64) (*Record, error) {
	p, err := src.NameProof(ctx, name, anchor.Height)
	if err != nil {
		return nil, fmt.Errorf("snv: proof of %s at block %d: %w", name, anchor.Height, err)
	}
	if err := check(&p.Block, anchor.Height, firstBlock, anchor.ConsensusHash); err != nil {
		return nil, err
	}
	var root statetree.Hash
	if n, err := hex.Decode(root[:], []byte(p.Block.StateRoot)); err != nil || n != len(root) {
		return nil, fmt.Errorf("%w: block %d's state root %q is not a hash", ErrMismatch, anchor.Height, p.Block.StateRoot)
	}
	out := &Record{Anchor: anchor, BlockHash: p.Block.BlockHash}
	ns := name[strings.LastIndexByte(name, '.')+1:]
	nameJSON, n, err := proveKey(root, consensus.NameKey(name), p.NameRecord, p.NameProof, "name "+name)
	if err != nil {
		return nil, err
	}
	out.ProofBytes += n
	nsJSON, n, err := proveKey(root, consensus.NamespaceKey(ns), p.NamespaceRecord, p.NamespaceProof, "namespace "+ns)
	if err != nil {
		return nil, err
	}
	out.ProofBytes += n
	out.NamespaceExists = nsJSON != nil
	if nameJSON != nil {
		var r apitypes.NameRecord
		d := json.NewDecoder(bytes.NewReader(nameJSON))
		if err := d.Decode(&r); err != nil {
			return nil, fmt.Errorf("%w: %s's proved record is not a record: %v", ErrMismatch, name, err)
		}
		if r.Name != name {
			return nil, fmt.Errorf("%w: the record proved under %s is %q's", ErrMismatch, name, r.Name)
		}
		out.Name = &r
	}
	return out, nil
}

// proveKey checks a record (nil: absent) against its proof (hex) under
// root, and returns the record's bytes and the proof's size.
func proveKey(root statetree.Hash, key []byte, record *string, proofHex, what string) ([]byte, int, error) {
	raw, err := hex.DecodeString(proofHex)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %s's proof is not hex", ErrMismatch, what)
	}
	var pr statetree.Proof
	if err := pr.UnmarshalBinary(raw); err != nil {
		return nil, 0, fmt.Errorf("%w: %s's proof: %v", ErrMismatch, what, err)
	}
	var rec []byte
	if record != nil {
		rec = []byte(*record)
	}
	if err := consensus.CheckRecord(root, key, rec, &pr); err != nil {
		return nil, 0, fmt.Errorf("%w: %s: %v", ErrMismatch, what, err)
	}
	return rec, len(raw), nil
}
