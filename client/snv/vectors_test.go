package snv

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/statetree"
)

var updateVectors = flag.Bool("update-vectors", false, "rewrite testdata/record-vectors.json from this package's verifier")

// recordVectors is the file other implementations of VerifyRecord (the
// browser's, webapp/src/shared/snv.js) are tested against: answers of a
// node for names at one block, honest or changed, each with what this
// package's verifier makes of it.
const recordVectors = "testdata/record-vectors.json"

// Vector is one node answer and this package's verdict on it.
type Vector struct {
	What   string               `json:"what"`
	Name   string               `json:"name"`
	Anchor string               `json:"anchor"`
	Answer apitypes.NameProof   `json:"answer"`
	OK     bool                 `json:"ok"`
	Error  string               `json:"error,omitempty"`
	Record *apitypes.NameRecord `json:"record,omitempty"`
	// Status is the proved name's status as of the anchor's block
	// (rules.State.Status); NamespaceExists as Record's.
	Status          string `json:"status,omitempty"`
	NamespaceExists bool   `json:"namespace_exists,omitempty"`
	ProofBytes      int    `json:"proof_bytes,omitempty"`
}

// VectorFile is recordVectors' content.
type VectorFile struct {
	Comment    string   `json:"comment"`
	FirstBlock int64    `json:"first_block"`
	Vectors    []Vector `json:"vectors"`
}

// vectorState is the name state the vectors prove records of, at block
// 120 of a network whose first block is 100 (so that the block commits to
// four prior consensus hashes): names registered, without a zone file,
// expired, revoked and never expiring, and their namespace.
var vectorState = [][2]string{
	{"name:alice.test", `{"name":"alice.test","namespace_id":"test","address":"mkAlice1111111111111111111111111111","value_hash":"4a5b6c7d8e9f00112233445566778899aabbccdd","first_registered":102,"last_renewed":102,"expire_block":600,"revoked":false,"op":"NAME_UPDATE","txid":"` + strings.Repeat("a1", 32) + `","block_number":118}`},
	{"name:bob.test", `{"name":"bob.test","namespace_id":"test","address":"mkBob11111111111111111111111111111","value_hash":"","first_registered":103,"last_renewed":103,"expire_block":600,"revoked":false,"op":"NAME_REGISTRATION","txid":"` + strings.Repeat("b2", 32) + `","block_number":103}`},
	{"name:old.test", `{"name":"old.test","namespace_id":"test","address":"mkOld11111111111111111111111111111","value_hash":"","first_registered":101,"last_renewed":101,"expire_block":111,"revoked":false,"op":"NAME_REGISTRATION","txid":"` + strings.Repeat("c3", 32) + `","block_number":101}`},
	{"name:gone.test", `{"name":"gone.test","namespace_id":"test","address":"mkGone1111111111111111111111111111","value_hash":"","first_registered":104,"last_renewed":104,"expire_block":600,"revoked":true,"op":"NAME_REVOKE","txid":"` + strings.Repeat("d4", 32) + `","block_number":115}`},
	{"name:ever.test", `{"name":"ever.test","namespace_id":"test","address":"mkEver1111111111111111111111111111","value_hash":"0011223344556677889900112233445566778899","first_registered":105,"last_renewed":105,"expire_block":-1,"revoked":false,"op":"NAME_IMPORT","txid":"` + strings.Repeat("e5", 32) + `","block_number":105}`},
	{"namespace:test", `{"namespace_id":"test","ready":true,"lifetime":500}`},
}

const vectorFirst, vectorHeight = 100, 120

// vectorBlock builds the block of state (vectorState with changes) at
// vectorHeight and its consensus hash.
func vectorBlock(state map[string]string, blockHash, opsHash string) (apitypes.SNVBlock, *statetree.Tree) {
	tree := statetree.New()
	for k, v := range state {
		tree.Set([]byte(k), consensus.RecordHash([]byte(v)))
	}
	root := tree.Root()
	b := apitypes.SNVBlock{Height: vectorHeight, BlockHash: blockHash, OpsHash: opsHash, StateRoot: hex.EncodeToString(root[:])}
	var prior []string
	for _, h := range consensus.SkipHeights(vectorHeight, vectorFirst) {
		ch := fmt.Sprintf("%032x", h*1_000_003)
		b.Prior = append(b.Prior, apitypes.PriorHash{Height: h, ConsensusHash: ch})
		prior = append(prior, ch)
	}
	c := consensus.Commitment{Height: b.Height, BlockHash: b.BlockHash, OpsHash: b.OpsHash, StateRoot: b.StateRoot, Prior: prior}
	var err error
	if b.ConsensusHash, err = c.Hash(); err != nil {
		panic(err)
	}
	return b, tree
}

// answerFor is the honest answer for name from block b over tree.
func answerFor(b apitypes.SNVBlock, tree *statetree.Tree, state map[string]string, name string) apitypes.NameProof {
	p := apitypes.NameProof{Block: b}
	p.Block.Prior = append([]apitypes.PriorHash(nil), b.Prior...)
	ns := name[strings.LastIndexByte(name, '.')+1:]
	for _, x := range []struct {
		key    []byte
		record **string
		proof  *string
	}{{consensus.NameKey(name), &p.NameRecord, &p.NameProof}, {consensus.NamespaceKey(ns), &p.NamespaceRecord, &p.NamespaceProof}} {
		if v, ok := state[string(x.key)]; ok {
			*x.record = &v
		}
		pr := tree.Prove(x.key)
		raw, err := pr.MarshalBinary()
		if err != nil {
			panic(err)
		}
		*x.proof = hex.EncodeToString(raw)
	}
	return p
}

// makeVectors builds the vectors and runs VerifyRecord on each.
func makeVectors() VectorFile {
	state := map[string]string{}
	for _, kv := range vectorState {
		state[kv[0]] = kv[1]
	}
	blockHash, opsHash := strings.Repeat("5e", 32), strings.Repeat("0f", 32)
	b, tree := vectorBlock(state, blockHash, opsHash)
	anchor := Anchor{Height: vectorHeight, ConsensusHash: b.ConsensusHash}
	honest := func(name string) apitypes.NameProof { return answerFor(b, tree, state, name) }
	str := func(s string) *string { return &s }
	replace := func(s *string, old, new string) *string {
		if !strings.Contains(*s, old) {
			panic(fmt.Sprintf("%q not in %s", old, *s))
		}
		return str(strings.Replace(*s, old, new, 1))
	}

	// Another state, without alice.test: its absence proof verifies only
	// under its own root.
	without := map[string]string{}
	for k, v := range state {
		if k != "name:alice.test" {
			without[k] = v
		}
	}
	wb, wtree := vectorBlock(without, blockHash, opsHash)

	// An unregistered name whose absence proof ends at another name's
	// leaf, and one whose ends at an empty subtree.
	absentAt := func(end statetree.End) string {
		for i := 0; ; i++ {
			name := fmt.Sprintf("nobody%d.test", i)
			if tree.Prove(consensus.NameKey(name)).End == end {
				return name
			}
		}
	}
	absentOther, absentEmpty := absentAt(statetree.EndOther), absentAt(statetree.EndEmpty)

	type lie struct {
		what string
		name string
		edit func(p *apitypes.NameProof)
	}
	var vs []Vector
	for _, name := range []string{"alice.test", "bob.test", "old.test", "gone.test", "ever.test", absentOther, absentEmpty, "x.nons"} {
		vs = append(vs, Vector{What: "honest: " + name, Name: name, Answer: honest(name)})
	}
	lies := []lie{
		{"another owner", "alice.test", func(p *apitypes.NameProof) { p.NameRecord = replace(p.NameRecord, "mkAlice", "mkEvil1") }},
		{"another zone file hash", "alice.test", func(p *apitypes.NameProof) { p.NameRecord = replace(p.NameRecord, "4a5b6c", "000000") }},
		{"an expired name shown live", "old.test", func(p *apitypes.NameProof) {
			p.NameRecord = replace(p.NameRecord, `"expire_block":111`, `"expire_block":600`)
		}},
		{"a revoked name shown live", "gone.test", func(p *apitypes.NameProof) {
			p.NameRecord = replace(p.NameRecord, `"revoked":true`, `"revoked":false`)
		}},
		{"the record's JSON written another way", "alice.test", func(p *apitypes.NameProof) { p.NameRecord = replace(p.NameRecord, `{"name"`, `{ "name"`) }},
		{"a registered name claimed unregistered", "alice.test", func(p *apitypes.NameProof) { p.NameRecord = nil }},
		{"a registered name claimed unregistered, with another state's absence proof", "alice.test", func(p *apitypes.NameProof) {
			p.NameRecord, p.NameProof = nil, answerFor(wb, wtree, without, "alice.test").NameProof
		}},
		{"a registered name claimed unregistered, with another state and its root", "alice.test", func(p *apitypes.NameProof) {
			w := answerFor(wb, wtree, without, "alice.test")
			p.NameRecord, p.NameProof, p.Block.StateRoot = nil, w.NameProof, w.Block.StateRoot
		}},
		{"an unregistered name claimed registered", absentOther, func(p *apitypes.NameProof) {
			p.NameRecord = replace(str(state["name:alice.test"]), "alice.test", absentOther)
		}},
		{"another name's record and proof", "alice.test", func(p *apitypes.NameProof) {
			bob := honest("bob.test")
			p.NameRecord, p.NameProof = bob.NameRecord, bob.NameProof
		}},
		{"the namespace claimed absent", "alice.test", func(p *apitypes.NameProof) { p.NamespaceRecord = nil }},
		{"a stale block", "alice.test", func(p *apitypes.NameProof) { p.Block.Height = vectorHeight - 1 }},
		{"another state root", "alice.test", func(p *apitypes.NameProof) { p.Block.StateRoot = strings.Repeat("0c", 32) }},
		{"a block of another fork", "alice.test", func(p *apitypes.NameProof) { p.Block.BlockHash = strings.Repeat("6f", 32) }},
		{"an operation dropped or added (another operations hash)", "alice.test", func(p *apitypes.NameProof) { p.Block.OpsHash = strings.Repeat("1f", 32) }},
		{"a prior consensus hash changed", "alice.test", func(p *apitypes.NameProof) { p.Block.Prior[2].ConsensusHash = strings.Repeat("77", 16) }},
		{"two prior consensus hashes swapped", "alice.test", func(p *apitypes.NameProof) {
			p.Block.Prior[0].ConsensusHash, p.Block.Prior[1].ConsensusHash = p.Block.Prior[1].ConsensusHash, p.Block.Prior[0].ConsensusHash
		}},
		{"a prior consensus hash left out", "alice.test", func(p *apitypes.NameProof) { p.Block.Prior = p.Block.Prior[:3] }},
		{"a prior consensus hash at another height", "alice.test", func(p *apitypes.NameProof) { p.Block.Prior[3].Height = 106 }},
		{"the state root in capitals", "alice.test", func(p *apitypes.NameProof) { p.Block.StateRoot = strings.ToUpper(p.Block.StateRoot) }},
		{"the state root cut short", "alice.test", func(p *apitypes.NameProof) { p.Block.StateRoot = p.Block.StateRoot[:62] }},
		{"a proof cut short", "alice.test", func(p *apitypes.NameProof) { p.NameProof = p.NameProof[:len(p.NameProof)-2] }},
		{"a proof with a byte more", "alice.test", func(p *apitypes.NameProof) { p.NameProof += "00" }},
		{"a proof that is not hex", "alice.test", func(p *apitypes.NameProof) { p.NameProof = "zz" + p.NameProof[2:] }},
		{"a proof of another version", "alice.test", func(p *apitypes.NameProof) { p.NameProof = "02" + p.NameProof[2:] }},
		{"a proof that ends elsewhere", "alice.test", func(p *apitypes.NameProof) { p.NameProof = p.NameProof[:2] + "02" + p.NameProof[4:] }},
		{"a proof with a sibling changed", "alice.test", func(p *apitypes.NameProof) {
			// The first sibling's first byte: after version, end, depth
			// and the bitmap.
			raw, _ := hex.DecodeString(p.NameProof)
			d := int(raw[2])<<8 | int(raw[3])
			raw[4+(d+7)/8] ^= 1
			p.NameProof = hex.EncodeToString(raw)
		}},
		{"a registered name claimed unregistered, its own leaf shown as another name's", "alice.test", func(p *apitypes.NameProof) {
			// EndLeaf to EndOther, with the name's own path as the other
			// path: the same root, but "absent".
			raw, _ := hex.DecodeString(p.NameProof)
			path := statetree.PathOf(consensus.NameKey("alice.test"))
			raw[1] = byte(statetree.EndOther)
			value := append([]byte(nil), raw[len(raw)-32:]...)
			raw = append(append(raw[:len(raw)-32], path[:]...), value...)
			p.NameRecord, p.NameProof = nil, hex.EncodeToString(raw)
		}},
		{"a proof of absence with its other leaf changed", absentOther, func(p *apitypes.NameProof) {
			raw, _ := hex.DecodeString(p.NameProof)
			raw[len(raw)-64] ^= 0x80
			p.NameProof = hex.EncodeToString(raw)
		}},
	}
	for _, l := range lies {
		p := honest(l.name)
		l.edit(&p)
		vs = append(vs, Vector{What: "lie: " + l.what, Name: l.name, Answer: p})
	}
	rl := rules.Rules{GracePeriod: 5000}
	for i := range vs {
		v := &vs[i]
		v.Anchor = anchor.String()
		r, err := VerifyRecord(context.Background(), oneAnswer{&v.Answer}, anchor, v.Name, vectorFirst)
		if err != nil {
			v.Error = err.Error()
			continue
		}
		v.OK, v.Record, v.NamespaceExists, v.ProofBytes = true, r.Name, r.NamespaceExists, r.ProofBytes
		if r.Name != nil {
			v.Status = rl.NameState(r.Name.Revoked, r.Name.ExpireBlock, anchor.Height).Status()
		}
	}
	return VectorFile{
		Comment: "Answers of a node for /v1/names/{name}/proof at one block, and package client/snv's verdict " +
			"(VerifyRecord, and the proved name's status) on each. Made by `go test ./client/snv -run Vectors -update-vectors`.",
		FirstBlock: vectorFirst,
		Vectors:    vs,
	}
}

// TestRecordVectors: the vectors file is what this verifier makes of the
// answers, every honest answer verifies and every changed one is refused,
// and the vectors cover both ways a proof shows absence.
func TestRecordVectors(t *testing.T) {
	f := makeVectors()
	ends := map[statetree.End]bool{}
	for _, v := range f.Vectors {
		honest := strings.HasPrefix(v.What, "honest: ")
		if v.OK != honest {
			t.Errorf("%s: ok %v (%s)", v.What, v.OK, v.Error)
		}
		if honest {
			raw, _ := hex.DecodeString(v.Answer.NameProof)
			ends[statetree.End(raw[1])] = true
		}
	}
	if !ends[statetree.EndLeaf] || !ends[statetree.EndEmpty] || !ends[statetree.EndOther] {
		t.Errorf("the honest vectors' proofs end %v; want each kind", ends)
	}
	got, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *updateVectors {
		if err := os.MkdirAll(filepath.Dir(recordVectors), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(recordVectors, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(recordVectors)
	if err != nil {
		t.Fatalf("%v (make it with -update-vectors)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not what this verifier makes of its answers: run go test ./client/snv -run Vectors -update-vectors and check the difference", recordVectors)
	}
}
