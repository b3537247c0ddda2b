package search

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

var benchNames = flag.Int("search-bench-names", 200_000, "names in BenchmarkQuery's index")

// BenchmarkQuery measures a page's cost by query, page and the share of
// live names: a query reads every matching name it meets until it has
// its page, and skipping expired ones is work too, so a short query's
// late pages among mostly expired names cost the most.
//
//	go test -run - -bench Query ./search -search-bench-names=1000000
func BenchmarkQuery(b *testing.B) {
	syllables := strings.Fields("an ba ce do el fi go ha in jo ka li mo na or pa qu ra si to un vi wa xe yo za er th ing st")
	r := rand.New(rand.NewPCG(1, 2))
	ix := NewIndex()
	err := ix.load(func(put func(string, Kind, int64, bool)) error {
		for range *benchNames {
			var sb strings.Builder
			for range 2 + r.IntN(3) {
				sb.WriteString(syllables[r.IntN(len(syllables))])
			}
			if r.IntN(2) == 0 {
				fmt.Fprint(&sb, r.IntN(100))
			}
			put(sb.String()+".id", Name, int64(r.IntN(1000)), false)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, live := range []struct {
		name string
		f    func(int64, bool) bool
	}{{"all-live", allLive}, {"1%-live", func(expire int64, _ bool) bool { return expire < 10 }}} {
		for _, q := range []string{"a", "an", "ing", "1.id"} {
			for _, page := range []int{0, 49} {
				b.Run(fmt.Sprintf("%s/q=%s/page=%d", live.name, q, page), func(b *testing.B) {
					for b.Loop() {
						ix.Query(q, page*20, 20, live.f)
					}
				})
			}
		}
	}
}
