package bns

import (
	"math/rand"
	"reflect"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

func opsEqual(a, b Op) bool { return reflect.DeepEqual(a, b) }

const nameAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_"

func randString(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = nameAlphabet[r.Intn(len(nameAlphabet))]
	}
	return string(b)
}

func randNamespaceID(r *rand.Rand) string { return randString(r, 1+r.Intn(MaxNamespaceIDLen)) }

func randName(r *rand.Rand) string {
	ns := randNamespaceID(r)
	return randString(r, 1+r.Intn(MaxNameLen-len(ns)-1)) + "." + ns
}

func randBytes(r *rand.Rand, b []byte) { r.Read(b) }

func randHash160(r *rand.Rand) (h Hash160) { randBytes(r, h[:]); return h }
func randHash128(r *rand.Rand) (h Hash128) { randBytes(r, h[:]); return h }

func randP2PKH(r *rand.Rand, net *Network) *btcutil.AddressPubKeyHash {
	h := randHash160(r)
	a, err := btcutil.NewAddressPubKeyHash(h[:], net.Params)
	if err != nil {
		panic(err)
	}
	return a
}

// randAddress is a P2PKH or P2SH address: the recipients Blockstack allows.
func randAddress(r *rand.Rand, net *Network) btcutil.Address {
	if r.Intn(2) == 0 {
		return randP2PKH(r, net)
	}
	h := randHash160(r)
	a, err := btcutil.NewAddressScriptHashFromHash(h[:], net.Params)
	if err != nil {
		panic(err)
	}
	return a
}

func randFee(r *rand.Rand) int64 { return 1 + r.Int63n(21e14) }

// randOp returns a random valid operation of kind k (0–10, one per type).
func randOp(r *rand.Rand, k int, net *Network) Op {
	switch k {
	case 0:
		return &NamePreorder{PreorderHash: randHash160(r), ConsensusHash: randHash128(r),
			BurnAddress: randAddress(r, net), Fee: randFee(r)}
	case 1:
		return randRegistration(r, net)
	case 2:
		return &NameRenewal{NameRegistration: *randRegistration(r, net),
			BurnAddress: randAddress(r, net), Fee: randFee(r)}
	case 3:
		return &NameUpdate{NameConsensusHash: randHash128(r), ValueHash: randHash160(r)}
	case 4:
		return &NameTransfer{KeepData: r.Intn(2) == 0, NameHash128: randHash128(r),
			ConsensusHash: randHash128(r), Recipient: randAddress(r, net)}
	case 5:
		return &NameRevoke{Name: randName(r)}
	case 6:
		return &NameImport{Name: randName(r), Recipient: randAddress(r, net), ValueHash: randHash160(r)}
	case 7:
		return &NamespacePreorder{PreorderHash: randHash160(r), ConsensusHash: randHash128(r), Fee: randFee(r)}
	case 8:
		rev := &NamespaceReveal{
			NamespaceID: randNamespaceID(r),
			Lifetime:    r.Uint32(),
			PriceParams: PriceParams{Coeff: uint8(r.Intn(256)), Base: uint8(r.Intn(256)),
				NonalphaDiscount: uint8(1 + r.Intn(15)), NoVowelDiscount: uint8(1 + r.Intn(15))},
			Version:   uint16(1 + r.Intn(2)),
			Recipient: randP2PKH(r, net),
		}
		for i := range rev.Buckets {
			rev.Buckets[i] = uint8(r.Intn(16))
		}
		return rev
	case 9:
		return &NamespaceReady{NamespaceID: randNamespaceID(r)}
	default:
		return &Announce{MessageHash: randHash160(r)}
	}
}

const numOpKinds = 11

func randRegistration(r *rand.Rand, net *Network) *NameRegistration {
	reg := &NameRegistration{Name: randName(r), Recipient: randAddress(r, net)}
	if r.Intn(4) == 0 {
		reg.NameOnly = true
	} else {
		reg.ValueHash = randHash160(r)
	}
	return reg
}

// buildTx makes a transaction of layout as a wallet would: one input,
// the change paid back to the sender.
func buildTx(l *Layout, sender []byte, scriptSig []byte) *wire.MsgTx {
	tx := wire.NewMsgTx(wire.TxVersion)
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{1}, 0), scriptSig, nil))
	for i, out := range l.Outputs {
		if i == l.ChangeIndex {
			out = wire.NewTxOut(12345, sender)
		}
		tx.AddTxOut(out)
	}
	return tx
}

// TestRoundTrip: Encode then Decode gives back the operation, for random
// valid operations of every kind, on every network.
func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, net := range []Network{MainNet, TestNet, RegTest, DevNet} {
		for k := 0; k < numOpKinds; k++ {
			for i := 0; i < 300; i++ {
				op := randOp(r, k, &net)
				sender, err := payTo(randAddress(r, &net), &net, "sender")
				if err != nil {
					t.Fatal(err)
				}
				l, err := Encode(op, &net)
				if err != nil {
					t.Fatalf("encode %#v: %v", op, err)
				}
				if l.Outputs[l.ChangeIndex].PkScript != nil || l.Outputs[l.ChangeIndex].Value != 0 {
					t.Fatalf("%s: change output %d is filled in", op.OpName(), l.ChangeIndex)
				}
				d, err := Decode(buildTx(l, sender, nil), sender, &net)
				if err != nil {
					t.Fatalf("decode %#v: %v", op, err)
				}
				if !opsEqual(d.Op, op) {
					t.Fatalf("%s: decoded\n%#v\nwant\n%#v", op.OpName(), d.Op, op)
				}
				if string(d.Sender) != string(sender) || d.SenderAddress == nil {
					t.Fatalf("%s: sender %x %v", op.OpName(), d.Sender, d.SenderAddress)
				}

				// The payload alone round-trips too.
				payload, err := Payload(op, net.Magic)
				if err != nil {
					t.Fatal(err)
				}
				if len(payload) > MaxPayloadLen {
					t.Fatalf("%s: payload of %d bytes", op.OpName(), len(payload))
				}
				back, err := DecodePayload(payload, net.Magic)
				if err != nil {
					t.Fatalf("decode payload %x: %v", payload, err)
				}
				again, err := Payload(back, net.Magic)
				if err != nil || string(again) != string(payload) {
					t.Fatalf("payload %x re-encodes to %x, %v", payload, again, err)
				}
			}
		}
	}
}

// The magic bytes are the network's: another pair is not an operation.
func TestMagic(t *testing.T) {
	net := DevNet
	net.Magic = [2]byte{'x', 'y'}
	l, err := Encode(&NameRevoke{Name: "alice.id"}, &net)
	if err != nil {
		t.Fatal(err)
	}
	tx := buildTx(l, nil, nil)
	if _, err := Decode(tx, nil, &net); err != nil {
		t.Errorf("own magic: %v", err)
	}
	if _, err := Decode(tx, nil, &DevNet); !isKind(err, ErrNotOp) {
		t.Errorf("other magic: %v, want ErrNotOp", err)
	}
}
