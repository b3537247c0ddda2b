package bnsgen_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/go-blockstack/go-blockstack/internal/bnsgen"
	"github.com/go-blockstack/go-blockstack/namedb"
)

// benchConfig is the full benchmark (bench/bnsindex) at 1/50 scale.
func benchConfig() bnsgen.Config {
	cfg := bnsgen.DefaultConfig()
	cfg.Blocks, cfg.Ops = 2000, 20000
	return cfg
}

var benchChain struct {
	once sync.Once
	dir  string
	c    *bnsgen.Chain
	err  error
}

// sharedChain generates the benchmark chain once per test binary.
func sharedChain(b *testing.B) *bnsgen.Chain {
	benchChain.once.Do(func() {
		if benchChain.dir, benchChain.err = os.MkdirTemp("", "bnsgen-bench-"); benchChain.err != nil {
			return
		}
		path := filepath.Join(benchChain.dir, "chain")
		if _, benchChain.err = bnsgen.Generate(context.Background(), benchConfig(), path, bnsgen.Options{}); benchChain.err != nil {
			return
		}
		benchChain.c, benchChain.err = bnsgen.Open(path)
	})
	if benchChain.err != nil {
		b.Fatal(benchChain.err)
	}
	return benchChain.c
}

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(crashChild())
	}
	code := m.Run()
	if benchChain.c != nil {
		benchChain.c.Close()
	}
	if benchChain.dir != "" {
		os.RemoveAll(benchChain.dir)
	}
	os.Exit(code)
}

// BenchmarkIndex indexes 2,000 blocks holding 20,000 valid and about 1,050
// invalid name operations from scratch into a fresh name database, per
// iteration.
func BenchmarkIndex(b *testing.B) {
	c := sharedChain(b)
	ctx := context.Background()
	ops := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := namedb.Open(filepath.Join(b.TempDir(), "names.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		st, err := bnsgen.Index(ctx, c, db, nil)
		b.StopTimer()
		db.Close()
		if err != nil {
			b.Fatal(err)
		}
		if st.Mismatches > 0 {
			b.Fatalf("%d blocks differ from the generator's record; first: %s", st.Mismatches, st.First)
		}
		ops += st.Ops()
		b.StartTimer()
	}
	b.ReportMetric(float64(ops)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(int64(b.N)*c.Meta().Tip)/b.Elapsed().Seconds(), "blocks/s")
}

// BenchmarkDecodeBaseline is the parsing floor beside BenchmarkIndex:
// reading the same blocks and decoding each operation with bns.Decode.
func BenchmarkDecodeBaseline(b *testing.B) {
	c := sharedChain(b)
	ops := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st, err := bnsgen.DecodeBaseline(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		ops += st.Ops
	}
	b.ReportMetric(float64(ops)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkGenerate measures the generator itself.
func BenchmarkGenerate(b *testing.B) {
	cfg := benchConfig()
	ops := 0
	for i := 0; i < b.N; i++ {
		m, err := bnsgen.Generate(context.Background(), cfg, filepath.Join(b.TempDir(), "chain"), bnsgen.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ops += m.Valid + m.Invalid
	}
	b.ReportMetric(float64(ops)/b.Elapsed().Seconds(), "ops/s")
}
