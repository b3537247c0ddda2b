package bns

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
)

// fuzzTx builds a transaction from fuzz input: output 0 pushes payload,
// and each shape byte adds an output whose low two bits choose P2PKH,
// P2SH, the burn address or a nonstandard script, and whose high bits
// give the hash and the value (some of them zero or negative).
func fuzzTx(payload, shape []byte) (*wire.MsgTx, bool) {
	script, err := txscript.NewScriptBuilder().AddOp(txscript.OP_RETURN).AddData(payload).Script()
	if err != nil {
		return nil, false
	}
	tx := wire.NewMsgTx(wire.TxVersion)
	tx.AddTxOut(wire.NewTxOut(0, script))
	for i, b := range shape {
		if i == 8 {
			break
		}
		h := make20(b >> 2)
		var s []byte
		switch b & 3 {
		case 0:
			s = append(append([]byte{0x76, 0xa9, 0x14}, h...), 0x88, 0xac)
		case 1:
			s = append(append([]byte{0xa9, 0x14}, h...), 0x87)
		case 2:
			s = append(append([]byte{0x76, 0xa9, 0x14}, make20(0)...), 0x88, 0xac)
		default:
			s = []byte{b}
		}
		tx.AddTxOut(wire.NewTxOut(int64(b>>2)-1, s))
	}
	return tx, true
}

// FuzzDecode: decoding never panics, and whatever decodes re-encodes to
// the same payload and to a transaction that decodes the same.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"69647e616c6963652e6964",
		"6964212e68656c6c6f",
		"6964260000cd7304046543210000000000aa000168656c6c6f",
		"69643a616c6963652e6964",
	} {
		f.Add(unhex(f, s), []byte{4, 8, 12, 16}, byte(1))
	}
	r := rand.New(rand.NewSource(2))
	for k := 0; k < numOpKinds; k++ {
		op := randOp(r, k, &MainNet)
		l, err := Encode(op, &MainNet)
		if err != nil {
			f.Fatal(err)
		}
		payload, _ := Payload(op, MainNet.Magic)
		shape := make([]byte, len(l.Outputs)-1)
		for i := range shape {
			shape[i] = byte(4*(i+1)) | byte(i%2) // P2PKH, P2SH, …
		}
		f.Add(payload, shape, byte(k))
	}

	f.Fuzz(func(t *testing.T, payload, shape []byte, senderKind byte) {
		if op, err := DecodePayload(payload, MainNet.Magic); err == nil {
			again, err := Payload(op, MainNet.Magic)
			if err != nil || !bytes.Equal(again, payload) {
				t.Fatalf("payload %x decodes to %#v, re-encodes to %x, %v", payload, op, again, err)
			}
		}

		tx, ok := fuzzTx(payload, shape)
		if !ok {
			return
		}
		var sender []byte
		switch senderKind % 3 {
		case 1:
			sender = append(append([]byte{0x76, 0xa9, 0x14}, make20(senderKind)...), 0x88, 0xac)
		case 2:
			sender = append([]byte{0x00, 0x14}, make20(senderKind)...)
		}
		d, err := Decode(tx, sender, &MainNet)
		if err != nil {
			if _, ok := err.(*DecodeError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		again, err := Payload(d.Op, MainNet.Magic)
		if err != nil || !bytes.Equal(again, payload) {
			t.Fatalf("payload %x decodes to %#v, re-encodes to %x, %v", payload, d.Op, again, err)
		}
		l, err := Encode(d.Op, &MainNet)
		if err != nil {
			t.Fatalf("decoded %#v does not encode: %v", d.Op, err)
		}
		d2, err := Decode(buildTx(l, sender, nil), sender, &MainNet)
		if err != nil || !opsEqual(d2.Op, d.Op) {
			t.Fatalf("re-encoded %#v decodes to %#v, %v", d.Op, d2, err)
		}
	})
}

// BenchmarkDecodePayload decodes a mix of every operation's payload.
func BenchmarkDecodePayload(b *testing.B) {
	r := rand.New(rand.NewSource(3))
	var payloads [][]byte
	for k := 0; k < numOpKinds; k++ {
		p, err := Payload(randOp(r, k, &MainNet), MainNet.Magic)
		if err != nil {
			b.Fatal(err)
		}
		payloads = append(payloads, p)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := DecodePayload(payloads[i%len(payloads)], MainNet.Magic); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payloads/s")
}
