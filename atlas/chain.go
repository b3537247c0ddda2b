package atlas

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/zonefile"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

// Chain is what a node needs of the chain: the zone file hashes it names
// in chain order (the inventory's index space, the same on every node
// that read the same chain), whether it names a hash (so the same value
// can open the store that Put checks against), and consensus hashes, by
// which nodes recognise peers that follow the same chain under the same
// rules. The name database implements it for a real node (NameDB); tests
// implement it over test data.
type Chain interface {
	store.NameSet
	// Inventory returns up to limit hashes from index from on (bit from
	// of the inventory; the first is 0), fewer at the end.
	Inventory(ctx context.Context, from, limit int) ([]zonefile.Hash, error)
	// Tip is the last processed block; Height is -1 before the first.
	Tip(ctx context.Context) (BlockID, error)
	// ConsensusAt is the consensus hash of the processed block at height,
	// or an error wrapping ErrUnknownBlock if there is none.
	ConsensusAt(ctx context.Context, height int64) (string, error)
}

// ErrUnknownBlock is wrapped by ConsensusAt for a height the chain view
// has not processed (or has rewound).
var ErrUnknownBlock = errors.New("block not processed")

// NameDB is the Chain of a node's name database.
func NameDB(db *namedb.DB) Chain { return nameDBChain{db} }

type nameDBChain struct{ db *namedb.DB }

func (c nameDBChain) Named(ctx context.Context, h zonefile.Hash) (bool, error) {
	return c.db.ZonefileNamed(ctx, h.String())
}

func (c nameDBChain) Inventory(ctx context.Context, from, limit int) ([]zonefile.Hash, error) {
	rows, err := c.db.ZonefileHashes(ctx, int64(from)+1, limit)
	if err != nil {
		return nil, err
	}
	out := make([]zonefile.Hash, len(rows))
	for i, r := range rows {
		// seq is dense from 1 (rewinds delete only the newest rows), so it
		// is the bit index plus one; a gap would shift every later bit.
		if want := int64(from + i + 1); r.Seq != want {
			return nil, fmt.Errorf("atlas: name database inventory has seq %d where %d was expected", r.Seq, want)
		}
		if out[i], err = zonefile.ParseHash(r.Hash); err != nil {
			return nil, fmt.Errorf("atlas: name database inventory seq %d: %w", r.Seq, err)
		}
	}
	return out, nil
}

func (c nameDBChain) Tip(ctx context.Context) (BlockID, error) {
	b, ok, err := c.db.LastBlock(ctx)
	if err != nil || !ok {
		return BlockID{Height: -1}, err
	}
	return BlockID{Height: b.Height, Consensus: b.ConsensusHash}, nil
}

func (c nameDBChain) ConsensusAt(ctx context.Context, height int64) (string, error) {
	b, err := c.db.BlockAt(ctx, height)
	if errors.Is(err, namedb.ErrNotFound) {
		return "", fmt.Errorf("atlas: block %d: %w", height, ErrUnknownBlock)
	}
	if err != nil {
		return "", err
	}
	return b.ConsensusHash, nil
}
