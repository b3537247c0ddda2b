package main

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"time"
)

// measureSearch measures GET /v1/search beside the plain lookup, alternated
// in rounds as run does, with two kinds of query a search box sends: a
// substring of three to six characters from anywhere in a random name's
// number (the trigram lists' intersection, then a check of each candidate),
// and a prefix of two to five characters ("n0" matches every name: the
// worst case, a whole posting list ranked).
func measureSearch(s server, names int, duration time.Duration, nethttp bool) error {
	substring := func(r *rand.Rand) string {
		n := nameOf(r.IntN(names)) // "n0001234.bench"
		k := 3 + r.IntN(4)
		at := 1 + r.IntN(8-k)
		return "/v1/search?query=" + url.QueryEscape(n[at:at+k])
	}
	prefix := func(r *rand.Rand) string {
		return "/v1/search?query=" + nameOf(r.IntN(names))[:2+r.IntN(4)]
	}
	fmt.Printf("\n| endpoint | connections | requests/s | p50 | p99 | CPU/request | allocated/request | vs lookup |\n|---|---|---|---|---|---|---|---|\n")
	rounds := max(1, int(duration/time.Second))
	for _, conns := range []int{1, 16} {
		var look, sub, pre sample
		for range rounds {
			d := duration / time.Duration(rounds)
			look.add(load(s, conns, d, nethttp, func(r *rand.Rand) string { return "/v1/names/" + nameOf(r.IntN(names)) }))
			sub.add(load(s, conns, d, nethttp, substring))
			pre.add(load(s, conns, d, nethttp, prefix))
		}
		for _, m := range []struct {
			what string
			s    sample
		}{{"/v1/names/{name} (baseline)", look}, {"/v1/search, substring of 3-6", sub}, {"/v1/search, prefix of 2-5", pre}} {
			fmt.Printf("| %s | %d | %.0f | %s | %s | %s | %d B | %.2f× |\n", m.what, conns, m.s.rate(), m.s.percentile(50), m.s.percentile(99),
				m.s.cpuPer(), m.s.allocPer(), m.s.rate()/look.rate())
			if m.s.fails > 0 {
				return fmt.Errorf("%d failed requests of %s at %d connections", m.s.fails, m.what, conns)
			}
		}
	}
	return nil
}
