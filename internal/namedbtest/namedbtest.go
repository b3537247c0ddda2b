// Package namedbtest writes blocks into a name database without a chain,
// committed with the consensus hashes the indexer would compute (block
// hash, operations hash, state root and prior hashes, package consensus),
// so that benchmarks and tests that build a database serve answers a
// light client can check.
package namedbtest

import (
	"context"
	"fmt"

	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/namedb"
)

// BlockHash is the Bitcoin block hash the blocks written here claim: the
// height, as 64 hex digits.
func BlockHash(height int64) string { return fmt.Sprintf("%064x", height) }

// Block applies change as the block at height, on a network whose first
// BNS block is first, whose accepted operations serialize to ops
// (consensus.SerializeOp), and commits it.
func Block(ctx context.Context, db *namedb.DB, height, first int64, ops []string, change func(*namedb.Tx) error) (namedb.Block, error) {
	tx, err := db.Begin(ctx, height)
	if err != nil {
		return namedb.Block{}, err
	}
	b, err := apply(ctx, db, tx, height, first, ops, change)
	if err != nil {
		tx.Rollback()
		return namedb.Block{}, fmt.Errorf("block %d: %w", height, err)
	}
	return b, tx.Commit(b, ops)
}

func apply(ctx context.Context, db *namedb.DB, tx *namedb.Tx, height, first int64, ops []string, change func(*namedb.Tx) error) (namedb.Block, error) {
	if err := change(tx); err != nil {
		return namedb.Block{}, err
	}
	prior, err := db.ConsensusHashes(ctx, consensus.SkipHeights(height, first))
	if err != nil {
		return namedb.Block{}, err
	}
	root, err := tx.StateRoot()
	if err != nil {
		return namedb.Block{}, err
	}
	b := namedb.Block{Height: height, Hash: BlockHash(height), OpsHash: consensus.OpsHash(ops), StateRoot: root, Accepted: len(ops)}
	c := consensus.Commitment{Height: height, BlockHash: b.Hash, OpsHash: b.OpsHash, StateRoot: root, Prior: prior}
	b.ConsensusHash, err = c.Hash()
	return b, err
}
