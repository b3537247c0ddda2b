package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/client/snv"
)

// measureProofs measures GET /v1/names/{name}/proof beside the plain
// lookup of the same names, alternated in rounds as run does, and what a
// light client spends on one: the answer's bytes, the proofs' bytes, and
// the CPU time of checking it (snv.VerifyRecord: the block's commitment
// against the anchor, both proofs against the state root).
func measureProofs(s server, names int, duration time.Duration, nethttp bool) error {
	fmt.Printf("\n| endpoint | connections | requests/s | p50 | p99 | CPU/request | allocated/request | vs lookup |\n|---|---|---|---|---|---|---|---|\n")
	rounds := max(1, int(duration/time.Second))
	for _, conns := range []int{1, 64} {
		var look, prove sample
		for range rounds {
			look.add(load(s, conns, duration/time.Duration(rounds), nethttp, func(r *rand.Rand) string { return "/v1/names/" + nameOf(r.IntN(names)) }))
			prove.add(load(s, conns, duration/time.Duration(rounds), nethttp, func(r *rand.Rand) string { return "/v1/names/" + nameOf(r.IntN(names)) + "/proof" }))
		}
		for _, m := range []struct {
			what string
			s    sample
		}{{"/v1/names/{name} (baseline)", look}, {"/v1/names/{name}/proof", prove}} {
			fmt.Printf("| %s | %d | %.0f | %s | %s | %s | %d B | %.2f× |\n", m.what, conns, m.s.rate(), m.s.percentile(50), m.s.percentile(99),
				m.s.cpuPer(), m.s.allocPer(), m.s.rate()/look.rate())
		}
		if prove.fails > 0 {
			return fmt.Errorf("%d failed proofs at %d connections", prove.fails, conns)
		}
	}

	// What a client gets and checks, over answers fetched once.
	ctx := context.Background()
	node, err := apiclient.New("http://"+s.addr, nil)
	if err != nil {
		return err
	}
	const n = 1000
	rng := rand.New(rand.NewPCG(1, 2))
	answers := make([]*apitypes.NameProof, n)
	var answerBytes, proofBytes int
	for i := range answers {
		p, err := node.NameProof(ctx, nameOf(rng.IntN(names)), 0)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(p)
		answerBytes += len(raw)
		proofBytes += (len(p.NameProof) + len(p.NamespaceProof)) / 2
		answers[i] = p
	}
	start := time.Now()
	cpu0 := cpuTime()
	for _, p := range answers {
		b := p.Block
		c := snv.CommitmentOf(&b)
		ch, err := c.Hash()
		if err != nil {
			return err
		}
		var rec apitypes.NameRecord
		if err := json.Unmarshal([]byte(*p.NameRecord), &rec); err != nil {
			return err
		}
		if _, err := snv.VerifyRecord(ctx, answered{p}, snv.Anchor{Height: b.Height, ConsensusHash: ch}, rec.Name, 1); err != nil {
			return err
		}
	}
	took, cpu := time.Since(start), cpuTime()-cpu0
	fmt.Printf("\n| a light client's proof of a name's record | figure |\n|---|---|\n")
	fmt.Printf("| answer (JSON: records, proofs, the block's commitment) | %d B |\n", answerBytes/n)
	fmt.Printf("| the two proofs (name and namespace) | %d B |\n", proofBytes/n)
	fmt.Printf("| checking one (commitment, both proofs, the record's JSON) | %s wall, %s CPU |\n", took/n, cpu/n)
	return nil
}

// answered serves one fetched proof answer, as a node would.
type answered struct{ p *apitypes.NameProof }

func (a answered) NameProof(context.Context, string, int64) (*apitypes.NameProof, error) {
	return a.p, nil
}
