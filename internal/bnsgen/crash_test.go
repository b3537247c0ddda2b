package bnsgen_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/bnsgen"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/virtualchain"
)

// The crash test's child is this test binary, re-run with these variables:
// it indexes the chain file into the database and exits.
const (
	crashChildEnv = "BNSGEN_CRASH_CHILD"
	crashChainEnv = "BNSGEN_CRASH_CHAIN"
	crashDBEnv    = "BNSGEN_CRASH_DB"
)

func crashChild() int {
	ctx := context.Background()
	c, err := bnsgen.Open(os.Getenv(crashChainEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	db, err := namedb.Open(os.Getenv(crashDBEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// Commits every 50 ms, so that kills land between many of them.
	ix, err := virtualchain.New(ctx, db, c, virtualchain.Config{Network: c.Network(), Rules: c.Rules(),
		FirstBlock: c.FirstBlock(), BatchTime: 50 * time.Millisecond})
	if err == nil {
		_, err = ix.Sync(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// checkDB opens the database a killed indexer left, checks SQLite's
// integrity and that every block it holds is the one the generator meant
// (consensus hash and operation counts); it returns the last height.
func checkDB(t *testing.T, c *bnsgen.Chain, path string) int64 {
	t.Helper()
	ctx := context.Background()
	db, err := namedb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	last := c.FirstBlock() - 1
	err = db.ForEachBlock(ctx, func(b namedb.Block, _ []string) error {
		ch, acc, rej, _ := c.Expected(b.Height)
		if b.Height != last+1 || b.ConsensusHash != ch || b.Accepted != acc || b.Rejected != rej {
			return fmt.Errorf("block %d (after %d): %+v; the generator recorded %s, %d, %d", b.Height, last, b, ch, acc, rej)
		}
		last = b.Height
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return last
}

// TestIndexerSurvivesSIGKILL kills a real indexing process (SIGKILL) at 20
// random points while it syncs a chain of tens of thousands of name
// operations; after each kill the database is sound and holds only whole,
// correct blocks, and the restarted indexer goes on to the same final
// consensus hashes as a clean run.
func TestIndexerSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a chain and runs indexing processes")
	}
	cfg := bnsgen.DefaultConfig()
	cfg.Blocks, cfg.Ops = 2000, 20000 // long enough that every kill lands mid-sync, even without -race
	chainPath := filepath.Join(t.TempDir(), "chain")
	meta, err := bnsgen.Generate(context.Background(), cfg, chainPath, bnsgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := bnsgen.Open(chainPath)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dbPath := filepath.Join(t.TempDir(), "names.db")
	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"=1", crashChainEnv+"="+chainPath, crashDBEnv+"="+dbPath)
		cmd.Stderr = os.Stderr
		return cmd
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	kills, progress := 0, []int64{}
	for kills < 20 {
		cmd := child()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("indexer failed: %v", err)
			}
			// It finished before we could kill it: start over, so
			// that every kill lands mid-sync.
			os.Remove(dbPath)
			os.Remove(dbPath + "-wal")
			os.Remove(dbPath + "-shm")
			continue
		case <-time.After(time.Duration(50+r.IntN(500)) * time.Millisecond):
		}
		cmd.Process.Kill()
		<-exited
		kills++
		progress = append(progress, checkDB(t, c, dbPath))
	}
	if err := child().Run(); err != nil {
		t.Fatalf("final indexing run: %v", err)
	}
	if last := checkDB(t, c, dbPath); last != meta.Tip {
		t.Fatalf("after 20 kills and a last run the database ends at block %d, the chain at %d", last, meta.Tip)
	}
	t.Logf("killed at blocks %v of %d; final state equals the clean run's", progress, meta.Tip)
}
