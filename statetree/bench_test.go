package statetree

import (
	"fmt"
	"sync"
	"testing"
)

// The million-entry tree is built once per test binary.
var (
	bigOnce sync.Once
	big     *Tree
)

const bigN = 1_000_000

func bigTree(b *testing.B) *Tree {
	b.Helper()
	bigOnce.Do(func() {
		big = filled(bigN)
		big.Root()
	})
	return big
}

// BenchmarkBuild: a tree of 1M entries, set one by one, then its root.
func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		filled(bigN).Root()
	}
}

// BenchmarkBlock: a block's worth of changes (10 entries set) in a tree
// of 1M, and the new root.
func BenchmarkBlock(b *testing.B) {
	t := bigTree(b)
	i := 0
	for b.Loop() {
		for range 10 {
			k := fmt.Sprintf("k%d", (i*7919)%bigN)
			t.Set([]byte(k), val(fmt.Sprint(i)))
			i++
		}
		t.Root()
	}
}

// BenchmarkProve and BenchmarkVerify: one proof of a present key in a
// tree of 1M; the proof's wire size is reported.
func BenchmarkProve(b *testing.B) {
	t := bigTree(b)
	i, size := 0, 0
	for b.Loop() {
		pr := t.Prove(fmt.Appendf(nil, "k%d", (i*104729)%bigN))
		raw, _ := pr.MarshalBinary()
		size += len(raw)
		i++
	}
	b.ReportMetric(float64(size)/float64(i), "B/proof")
}

func BenchmarkVerify(b *testing.B) {
	t := bigTree(b)
	root := t.Root()
	proofs := make([]Proof, 1000)
	keys := make([][]byte, len(proofs))
	for i := range proofs {
		keys[i] = fmt.Appendf(nil, "k%d", (i*104729)%bigN)
		proofs[i] = t.Prove(keys[i])
	}
	i := 0
	for b.Loop() {
		if _, ok, err := proofs[i%len(proofs)].Verify(root, keys[i%len(keys)]); err != nil || !ok {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkBuildSorted: the same 1M entries through Build.
func BenchmarkBuildSorted(b *testing.B) {
	es := make([]Entry, bigN)
	for i := range es {
		k := fmt.Sprintf("k%d", i)
		es[i] = Entry{[]byte(k), val(k)}
	}
	for b.Loop() {
		Build(es).Root()
	}
}
