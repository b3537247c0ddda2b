package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/go-blockstack/go-blockstack/api"
	"github.com/go-blockstack/go-blockstack/internal/namedbtest"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// openDB opens (building it if empty) a database of names filler names
// and the reader's name, owned by owner's address, with zone file zf.
func openDB(ctx context.Context, path string, names int, owner *btcec.PrivateKey, zf []byte) (*namedb.DB, namedb.Block, error) {
	db, err := namedb.Open(path)
	if err != nil {
		return nil, namedb.Block{}, err
	}
	last, ok, err := db.LastBlock(ctx)
	if err != nil {
		db.Close()
		return nil, namedb.Block{}, err
	}
	height := last.Height
	if !ok {
		height = 0
	}
	const perBlock = 10_000
	for i := 0; !ok && i <= names; i += perBlock {
		height++
		err := block(ctx, db, height, func(tx *namedb.Tx) error {
			if height == 1 {
				if err := tx.PutNamespace(&namedb.NamespaceRecord{NamespaceID: "bench", Ready: true, ReadyBlock: 1, Lifetime: 1_000_000}); err != nil {
					return err
				}
			}
			for j := i; j < min(i+perBlock, names); j++ {
				if err := tx.PutName(&namedb.NameRecord{Name: fmt.Sprintf("n%07d.bench", j), NamespaceID: "bench", Address: fmt.Sprintf("mkBench%027d", j),
					ValueHash: fmt.Sprintf("%040x", j), FirstRegistered: height, LastRenewed: height, ExpireBlock: 2_000_000, BlockNumber: height}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			db.Close()
			return nil, namedb.Block{}, err
		}
	}
	// The reader's name, each run (its owner's key is new), with the
	// history entry by which the node serves its zone file by hash.
	addr, err := btcutil.NewAddressPubKeyHash(btcutil.Hash160(owner.PubKey().SerializeCompressed()), &chaincfg.RegressionNetParams)
	if err != nil {
		db.Close()
		return nil, namedb.Block{}, err
	}
	height++
	rec := &namedb.NameRecord{Name: reader, NamespaceID: "bench", Address: addr.EncodeAddress(), ValueHash: zonefile.HashOf(zf).String(),
		FirstRegistered: height, LastRenewed: height, ExpireBlock: 2_000_000, Op: "NAME_REGISTRATION", Txid: fmt.Sprintf("%064x", height), BlockNumber: height}
	err = block(ctx, db, height, func(tx *namedb.Tx) error {
		raw, err := namedb.MarshalRecord(rec)
		if err != nil {
			return err
		}
		if err := tx.PutName(rec); err != nil {
			return err
		}
		return tx.AddHistory(namedb.HistoryEntry{Block: height, Txid: rec.Txid, Op: rec.Op, Subject: reader, Accepted: true, Record: raw})
	})
	if err != nil {
		db.Close()
		return nil, namedb.Block{}, err
	}
	last, _, err = db.LastBlock(ctx)
	return db, last, err
}

// block applies change as the block at height and commits it, with the
// consensus hash the indexer would give it.
func block(ctx context.Context, db *namedb.DB, height int64, change func(*namedb.Tx) error) error {
	_, err := namedbtest.Block(ctx, db, height, 1, nil, change)
	return err
}

// keepIndexing commits a block of 100 new names every 100 ms, as a node
// following the chain does, until stop is closed.
func keepIndexing(ctx context.Context, db *namedb.DB, height int64, stop <-chan struct{}) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for n := 0; ; n += 100 {
		select {
		case <-stop:
			return nil
		case <-t.C:
		}
		height++
		err := block(ctx, db, height, func(tx *namedb.Tx) error {
			for j := n; j < n+100; j++ {
				if err := tx.PutName(&namedb.NameRecord{Name: fmt.Sprintf("new%07d-%d.bench", j, height), NamespaceID: "bench", Address: "mkNew", ExpireBlock: -1}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
}

// memZonefiles serves the reader's zone file by hash.
type memZonefiles map[string][]byte

func (z memZonefiles) Get(_ context.Context, hash string) ([]byte, error) {
	if b, ok := z[hash]; ok {
		return b, nil
	}
	return nil, api.ErrZonefileNotFound
}

func (memZonefiles) Put(context.Context, []byte) (string, error) {
	return "", errors.New("read-only")
}
