package virtualchain

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/namedb"
)

// Trusted is a consensus hash the user trusts (from a node of their own, a
// friend, a block explorer) and its height; a negative height accepts the
// hash at whatever height the snapshot holds it.
type Trusted struct {
	Height        int64
	ConsensusHash string
}

// ErrUntrusted is returned (wrapped) when a snapshot does not prove the
// trusted consensus hash.
var ErrUntrusted = errors.New("snapshot does not match the trusted consensus hash")

// ExportSnapshot writes a snapshot of db to path; it is the database
// itself, consistent as of one block.
func ExportSnapshot(ctx context.Context, db *namedb.DB, path string) (namedb.Block, error) {
	if _, ok, err := db.LastBlock(ctx); err != nil || !ok {
		return namedb.Block{}, errors.Join(errors.New("snapshot: nothing indexed yet"), err)
	}
	if err := db.Export(ctx, path); err != nil {
		return namedb.Block{}, err
	}
	// Blocks committed during the copy may be in it: report its own tip.
	snap, err := namedb.Open(path)
	if err != nil {
		return namedb.Block{}, err
	}
	defer snap.Close()
	tip, _, err := snap.LastBlock(ctx)
	if err != nil {
		return namedb.Block{}, err
	}
	return tip, nil
}

// VerifySnapshot checks a snapshot database before a node trusts it: the
// file is sound (SQLite's integrity check), it was built for cfg's network
// and first block, its blocks are contiguous from the first block, every
// block's ops hash is the Merkle root of the operations it records and
// every consensus hash follows from its block, ops hash, state root and
// skip list, the consensus hash at the trusted height is the trusted one,
// and the state tables have the last block's state root. Since each
// consensus hash commits to all before it, the trusted one vouches for
// every operation up to its height; and if it is the last block's, for
// the state tables too. It returns the snapshot's last block.
func VerifySnapshot(ctx context.Context, snap *namedb.DB, cfg Config, trusted Trusted) (namedb.Block, error) {
	if err := snap.IntegrityCheck(ctx); err != nil {
		return namedb.Block{}, err
	}
	for key, want := range map[string]string{metaNetwork: cfg.Network.Name, metaFirstBlock: strconv.FormatInt(cfg.FirstBlock, 10)} {
		got, err := snap.Meta(ctx, key)
		if err != nil {
			return namedb.Block{}, err
		}
		if got != want {
			return namedb.Block{}, fmt.Errorf("snapshot was built with %s %q, this node uses %q", key, got, want)
		}
	}
	var (
		last    namedb.Block
		seen    = map[int64]string{}
		proved  bool
		counted int64
	)
	err := snap.ForEachBlock(ctx, func(b namedb.Block, ops []string) error {
		want := cfg.FirstBlock + counted
		if b.Height != want {
			return fmt.Errorf("snapshot: block %d follows block %d", b.Height, want-1)
		}
		counted++
		if oh := consensus.OpsHash(ops); oh != b.OpsHash || len(ops) != b.Accepted {
			return fmt.Errorf("snapshot: block %d records ops hash %s for %d operations; its %d operations hash to %s",
				b.Height, b.OpsHash, b.Accepted, len(ops), oh)
		}
		var prior []string
		for _, h := range consensus.SkipHeights(b.Height, cfg.FirstBlock) {
			prior = append(prior, seen[h])
		}
		c := consensus.Commitment{Height: b.Height, BlockHash: b.Hash, OpsHash: b.OpsHash, StateRoot: b.StateRoot, Prior: prior}
		if ch, err := c.Hash(); err != nil || ch != b.ConsensusHash {
			return fmt.Errorf("snapshot: block %d records consensus hash %s; its block, operations, state root and history give %s (%v)", b.Height, b.ConsensusHash, ch, err)
		}
		seen[b.Height] = b.ConsensusHash
		if b.Height == trusted.Height || (trusted.Height < 0 && b.ConsensusHash == trusted.ConsensusHash) {
			if b.ConsensusHash != trusted.ConsensusHash {
				return fmt.Errorf("%w: block %d has %s, trusted %s", ErrUntrusted, b.Height, b.ConsensusHash, trusted.ConsensusHash)
			}
			proved = true
		}
		last = b
		return nil
	})
	if err != nil {
		return namedb.Block{}, err
	}
	if !proved {
		return namedb.Block{}, fmt.Errorf("%w: no block up to the snapshot's last, %d, has consensus hash %s at height %d",
			ErrUntrusted, last.Height, trusted.ConsensusHash, trusted.Height)
	}
	if err := snap.CheckState(ctx); err != nil {
		return namedb.Block{}, fmt.Errorf("snapshot: %w", err)
	}
	return last, nil
}

// ImportSnapshot verifies the snapshot at src and installs it as the name
// database at dst, which must not exist yet. Nothing is written at dst
// unless every check passes; the copy is renamed into place at the end, so
// an interrupted import leaves no half database.
func ImportSnapshot(ctx context.Context, src, dst string, cfg Config, trusted Trusted) (namedb.Block, error) {
	if _, err := os.Stat(dst); err == nil {
		return namedb.Block{}, fmt.Errorf("snapshot import: %s already exists; remove it (and its -wal, -shm files) first", dst)
	}
	if _, err := os.Stat(src); err != nil {
		return namedb.Block{}, fmt.Errorf("snapshot import: %w", err)
	}
	tmp := dst + ".import"
	os.Remove(tmp)
	defer os.Remove(tmp)
	in, err := namedb.Open(src)
	if err != nil {
		return namedb.Block{}, err
	}
	err = in.Export(ctx, tmp) // a private, compacted copy: src may change under us
	in.Close()
	if err != nil {
		return namedb.Block{}, err
	}
	snap, err := namedb.Open(tmp)
	if err != nil {
		return namedb.Block{}, err
	}
	last, err := VerifySnapshot(ctx, snap, cfg, trusted)
	if cerr := snap.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return namedb.Block{}, fmt.Errorf("snapshot %s: %w", src, err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return namedb.Block{}, fmt.Errorf("snapshot import: %w", err)
	}
	return last, nil
}
