package bns

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/wire"
)

// Output scripts of every type a transaction may carry, by name.
var outputScripts = map[string][]byte{
	"P2PKH":         append(append([]byte{0x76, 0xa9, 0x14}, make20(0x11)...), 0x88, 0xac),
	"P2SH":          append(append([]byte{0xa9, 0x14}, make20(0x22)...), 0x87),
	"P2WPKH":        append([]byte{0x00, 0x14}, make20(0x33)...),
	"P2WSH":         append([]byte{0x00, 0x20}, bytes.Repeat([]byte{0x44}, 32)...),
	"P2TR":          append([]byte{0x51, 0x20}, bytes.Repeat([]byte{0x55}, 32)...),
	"P2PK":          append(append([]byte{0x21, 0x02}, bytes.Repeat([]byte{0x66}, 32)...), 0xac),
	"bare multisig": append(append([]byte{0x51, 0x21, 0x02}, bytes.Repeat([]byte{0x77}, 32)...), 0x51, 0xae),
	"OP_RETURN":     {0x6a, 0x01, 0x78},
	"nonstandard":   {0x51},
}

// TestOutputScriptTypes decodes each operation with each script type in
// each output it gives a role to: only P2PKH and P2SH are accepted there,
// as Blockstack v1 accepted (docs/v1-compatibility.md), the reveal address
// included; a namespace's burn must be the burn address itself.
func TestOutputScriptTypes(t *testing.T) {
	p2pkh := func(b byte) *wire.TxOut {
		return wire.NewTxOut(DustValue, append(append([]byte{0x76, 0xa9, 0x14}, make20(b)...), 0x88, 0xac))
	}
	change := p2pkh(9)
	fee := func(s []byte) *wire.TxOut { return wire.NewTxOut(1e6, s) }
	role := func(s []byte) *wire.TxOut { return wire.NewTxOut(DustValue, s) }

	registration := mustPayload(t, &NameRegistration{Name: "alice.id"})
	transfer := mustPayload(t, &NameTransfer{KeepData: true})
	imp := mustPayload(t, &NameImport{Name: "alice.id"})
	preorder := []byte("id?" + strings.Repeat("h", 36))
	reveal := unhex(t, "696426 0000cd73 04 04 6543210000000000 aa 0001 68656c6c6f")

	accepted := []string{"P2PKH", "P2SH"}
	for _, tc := range []struct {
		desc  string
		field string
		tx    func(s []byte) *wire.MsgTx
	}{
		{"NAME_PREORDER fee", "output 2 (burn)", func(s []byte) *wire.MsgTx { return txOf(t, preorder, change, fee(s)) }},
		{"NAME_REGISTRATION recipient", "output 1 (recipient)", func(s []byte) *wire.MsgTx { return txOf(t, registration, role(s), change) }},
		{"NAME_RENEWAL recipient", "output 1 (recipient)", func(s []byte) *wire.MsgTx {
			return txOf(t, registration, role(s), change, fee(outputScripts["P2PKH"]))
		}},
		{"NAME_RENEWAL fee", "output 3 (burn)", func(s []byte) *wire.MsgTx { return txOf(t, registration, p2pkh(1), change, fee(s)) }},
		{"NAME_TRANSFER recipient", "output 1 (recipient)", func(s []byte) *wire.MsgTx { return txOf(t, transfer, role(s), change) }},
		{"NAME_IMPORT recipient", "output 1 (recipient)", func(s []byte) *wire.MsgTx { return txOf(t, imp, role(s), p2pkh(2), change) }},
		{"NAME_IMPORT value hash", "output 2 (value hash)", func(s []byte) *wire.MsgTx { return txOf(t, imp, p2pkh(1), role(s), change) }},
		{"NAMESPACE_REVEAL reveal address", "output 1 (reveal address)", func(s []byte) *wire.MsgTx { return txOf(t, reveal, role(s), change) }},
	} {
		for typ, script := range outputScripts {
			want := typ == accepted[0] || typ == accepted[1]
			t.Run(tc.desc+"/"+typ, func(t *testing.T) {
				d, err := Decode(tc.tx(script), nil, &MainNet)
				if want {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				var de *DecodeError
				if !errors.As(err, &de) || !errors.Is(err, ErrOutputScript) || de.Field != tc.field {
					t.Fatalf("got %v (op %#v), want ErrOutputScript at %s", err, d, tc.field)
				}
			})
		}
	}

	// The value hash is the 20 bytes the output pays to, whichever type.
	d, err := Decode(txOf(t, imp, p2pkh(1), role(outputScripts["P2SH"]), change), nil, &MainNet)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Op.(*NameImport).ValueHash; !bytes.Equal(got[:], make20(0x22)) {
		t.Errorf("value hash %x from a P2SH output", got)
	}
	// A P2SH reveal address comes back as the P2SH address.
	d, err = Decode(txOf(t, reveal, role(outputScripts["P2SH"]), change), nil, &MainNet)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Op.(*NamespaceReveal).Recipient.EncodeAddress(); got[0] != '3' {
		t.Errorf("reveal address %s, want a P2SH address", got)
	}
}

// TestRealSegwitReveal decodes a real NAMESPACE_REVEAL whose reveal output
// is P2WPKH (from ../shared/real-data/txs.json; a parser test of the
// Stacks 2 node, which reads it as bc1qsgynkc…). Blockstack v1 refused
// it, and so does Decode, naming the output.
func TestRealSegwitReveal(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "real-data", "txs.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("real v1 data %s is absent: this check of a real segwit NAMESPACE_REVEAL needs ../shared/real-data beside the repository", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	var txs struct {
		Transactions []struct {
			ID  string `json:"id"`
			Hex string `json:"hex"`
		} `json:"transactions"`
	}
	if err := json.Unmarshal(data, &txs); err != nil {
		t.Fatal(err)
	}
	const id = "stacks-fixture-8b8a1290"
	for _, e := range txs.Transactions {
		if e.ID != id {
			continue
		}
		raw, err := hex.DecodeString(e.Hex)
		if err != nil {
			t.Fatal(err)
		}
		var tx wire.MsgTx
		if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
		if got := tx.TxOut[1].PkScript; len(got) != 22 || got[0] != 0x00 || got[1] != 0x14 {
			t.Fatalf("output 1 is %x, not the P2WPKH script this test is about", got)
		}
		op, err := DecodePayload(tx.TxOut[0].PkScript[2:], MainNet.Magic)
		if err != nil || op.(*NamespaceReveal).NamespaceID != "test" {
			t.Fatalf("payload: %#v, %v", op, err)
		}
		_, err = Decode(&tx, nil, &MainNet)
		var de *DecodeError
		if !errors.As(err, &de) || !errors.Is(err, ErrOutputScript) || de.Field != "output 1 (reveal address)" {
			t.Fatalf("got %v, want ErrOutputScript at output 1 (reveal address)", err)
		}
		if !strings.Contains(err.Error(), "P2WPKH") {
			t.Errorf("error does not name the script type: %v", err)
		}
		return
	}
	t.Fatalf("%s has no transaction %s", path, id)
}
