package snv

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/statetree"
)

// oneAnswer serves one proof answer.
type oneAnswer struct{ p *apitypes.NameProof }

func (a oneAnswer) NameProof(context.Context, string, int64) (*apitypes.NameProof, error) {
	return a.p, nil
}

// honestAnswer is a node's answer for name at block 100 (the network's
// first), over a state of two names and their namespace, and the anchor
// that block's consensus hash makes.
func honestAnswer(t testing.TB, name string) (*apitypes.NameProof, Anchor) {
	t.Helper()
	records := map[string]string{
		"name:alice.test": `{"name":"alice.test","namespace_id":"test","address":"mkAlice","value_hash":"aa","expire_block":500}`,
		"name:bob.test":   `{"name":"bob.test","namespace_id":"test","address":"mkBob","expire_block":500}`,
		"namespace:test":  `{"namespace_id":"test","ready":true}`,
	}
	tree := statetree.New()
	for k, v := range records {
		tree.Set([]byte(k), consensus.RecordHash([]byte(v)))
	}
	root := tree.Root()
	b := apitypes.SNVBlock{Height: 100, BlockHash: strings.Repeat("0a", 32), OpsHash: strings.Repeat("0b", 32),
		StateRoot: hex.EncodeToString(root[:]), Prior: []apitypes.PriorHash{}, Operations: []string{}}
	c := consensus.Commitment{Height: 100, BlockHash: b.BlockHash, OpsHash: b.OpsHash, StateRoot: b.StateRoot}
	ch, err := c.Hash()
	if err != nil {
		t.Fatal(err)
	}
	b.ConsensusHash = ch
	p := &apitypes.NameProof{Block: b}
	for _, x := range []struct {
		key    string
		record **string
		proof  *string
	}{{"name:" + name, &p.NameRecord, &p.NameProof}, {"namespace:test", &p.NamespaceRecord, &p.NamespaceProof}} {
		if v, ok := records[x.key]; ok {
			*x.record = &v
		}
		pr := tree.Prove([]byte(x.key))
		raw, err := pr.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		*x.proof = hex.EncodeToString(raw)
	}
	return p, Anchor{Height: 100, ConsensusHash: ch}
}

// TestVerifyRecord: the honest answer proves a registered name's record
// and an unregistered name's absence; each change a node can make to it
// is refused.
func TestVerifyRecord(t *testing.T) {
	ctx := context.Background()
	p, anchor := honestAnswer(t, "alice.test")
	r, err := VerifyRecord(ctx, oneAnswer{p}, anchor, "alice.test", 100)
	if err != nil || r.Name == nil || r.Name.Address != "mkAlice" || !r.NamespaceExists {
		t.Fatalf("honest answer: %+v %v", r, err)
	}
	absent, anchor2 := honestAnswer(t, "carol.test")
	if r, err := VerifyRecord(ctx, oneAnswer{absent}, anchor2, "carol.test", 100); err != nil || r.Name != nil {
		t.Fatalf("an unregistered name: %+v %v", r, err)
	}
	bobs, _ := honestAnswer(t, "bob.test")
	for what, lie := range map[string]func(p *apitypes.NameProof){
		"another owner": func(p *apitypes.NameProof) {
			s := strings.Replace(*p.NameRecord, "mkAlice", "mkEve", 1)
			p.NameRecord = &s
		},
		"claimed unregistered":         func(p *apitypes.NameProof) { p.NameRecord = nil },
		"another name's answer":        func(p *apitypes.NameProof) { p.NameRecord, p.NameProof = bobs.NameRecord, bobs.NameProof },
		"another state root":           func(p *apitypes.NameProof) { p.Block.StateRoot = strings.Repeat("0c", 32) },
		"a proof cut short":            func(p *apitypes.NameProof) { p.NameProof = p.NameProof[:len(p.NameProof)-2] },
		"the namespace claimed absent": func(p *apitypes.NameProof) { p.NamespaceRecord = nil },
	} {
		c := *p
		lie(&c)
		if _, err := VerifyRecord(ctx, oneAnswer{&c}, anchor, "alice.test", 100); !errors.Is(err, ErrMismatch) {
			t.Errorf("%s: %v, want ErrMismatch", what, err)
		}
	}
}

// FuzzVerifyRecord: whatever a node answers, VerifyRecord does not panic,
// and an answer it accepts proves exactly the honest record.
func FuzzVerifyRecord(f *testing.F) {
	p, anchor := honestAnswer(f, "alice.test")
	honest, err := json.Marshal(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(honest)
	f.Fuzz(func(t *testing.T, answer []byte) {
		var got apitypes.NameProof
		if json.Unmarshal(answer, &got) != nil {
			return
		}
		r, err := VerifyRecord(context.Background(), oneAnswer{&got}, anchor, "alice.test", 100)
		if err != nil {
			return
		}
		if r.Name == nil || got.NameRecord == nil || *got.NameRecord != *p.NameRecord {
			t.Fatalf("accepted another record: %+v", got.NameRecord)
		}
	})
}
