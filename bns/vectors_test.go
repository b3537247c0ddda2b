package bns

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
)

// Vectors computed independently of this code from Blockstack v1's
// construction (docs/bns.md); those marked (js) were also produced by
// blockstack.js.

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestB40ToBin(t *testing.T) {
	muneeb := new(big.Int).SetInt64(149190078205533).Bytes()
	for _, tc := range []struct {
		in   string
		want []byte
	}{
		{"alice.id", unhex(t, "0191eef45c5d")},
		{"muneeb.id", muneeb},
		{"", []byte{0}},
		{"0", []byte{0}},
		{"00a", []byte{10}},        // leading zero digits vanish
		{"+", []byte{39}},          // the last digit
		{"10", []byte{40}},         // one carry
		{"7+", []byte{0x01, 0x3f}}, // 7×40+39 = 319
	} {
		got, err := b40ToBin(tc.in)
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("b40ToBin(%q) = %x, %v; want %x", tc.in, got, err, tc.want)
		}
	}
	if _, err := b40ToBin("Alice"); err == nil {
		t.Error("b40ToBin accepted an upper-case letter")
	}
}

func TestNameSyntax(t *testing.T) {
	for _, name := range []string{
		"abcdabcdabcdabcdabcdabcdabcdabcda.bcd", // 37 bytes
		"a_b.c",
		"alice.id",
		"0-9.a-_",
		"a.abcdabcdabcdabcdabc", // 19-byte namespace
	} {
		if err := ValidName(name); err != nil {
			t.Errorf("ValidName(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range []string{
		"abcd", "abcd.", ".abcd", "Abcd.abcd", "a.b.c", "a+b.c",
		"abcdabcdabcdabcdabcdabcdabcdabcdab.bcd", // 38 bytes
		"a.abcdabcdabcdabcdabcd",                 // 20-byte namespace
		"", "a b.c", "a.b\x00", "ä.id",
	} {
		err := ValidName(name)
		if !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidName(%q) = %v, want ErrInvalidName", name, err)
		}
	}
	if err := ValidNamespaceID("abcdabcdabcdabcdabc"); err != nil {
		t.Errorf("19-byte namespace id: %v", err)
	}
	for _, id := range []string{"abcdabcdabcdabcdabcd", "", "a.b", "A", "a+"} {
		if err := ValidNamespaceID(id); !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidNamespaceID(%q) = %v, want ErrInvalidName", id, err)
		}
	}
	name, ns, err := SplitName("alice.id")
	if name != "alice" || ns != "id" || err != nil {
		t.Errorf("SplitName(alice.id) = %q, %q, %v", name, ns, err)
	}
}

func TestBurnAddress(t *testing.T) {
	if got := MainNet.BurnAddress().EncodeAddress(); got != "1111111111111111111114oLvT2" {
		t.Errorf("mainnet burn address %s", got)
	}
	for _, net := range []Network{MainNet, TestNet, RegTest, DevNet} {
		script, err := payTo(net.BurnAddress(), &net, "burn")
		if err != nil || !isBurn(script) {
			t.Errorf("%s burn script %x, %v", net.Name, script, err)
		}
	}
}

func TestNetworkByName(t *testing.T) {
	for _, name := range []string{"devnet", "regtest", "testnet", "mainnet"} {
		n, err := NetworkByName(name)
		if err != nil || n.Name != name || n.Magic != [2]byte{'i', 'd'} {
			t.Errorf("NetworkByName(%q) = %+v, %v", name, n, err)
		}
	}
	n, _ := NetworkByName("mainnet")
	n.Magic = [2]byte{'x', 'y'}
	if MainNet.Magic != [2]byte{'i', 'd'} {
		t.Error("NetworkByName returned the shared value")
	}
	if _, err := NetworkByName("simnet"); err == nil {
		t.Error("NetworkByName(simnet) succeeded")
	}
}

func TestPreorderHash(t *testing.T) {
	script := unhex(t, "76a914"+strings.Repeat("00", 20)+"88ac")
	h, err := PreorderHash("alice.id", script, nil)
	if err != nil || h.String() != "dac9c825ab1605afc1d2f38716676baf18c58d18" {
		t.Errorf("without register address: %s, %v", h, err)
	}
	addr, err := btcutil.DecodeAddress("1AotVNASQouiNiBtfxv49WWvSNcQUzGYuU", MainNet.Params)
	if err != nil {
		t.Fatal(err)
	}
	h, err = PreorderHash("alice.id", script, addr)
	if err != nil || h.String() != "83bb41a38ae122ad6e76bbed78b15ec5acacee7f" {
		t.Errorf("with register address: %s, %v", h, err)
	}
	if _, err := PreorderHash("Alice.id", script, addr); !errors.Is(err, ErrInvalidName) {
		t.Errorf("invalid name: %v", err)
	}
	// The namespace form hashes the id the same way.
	nh, err := NamespacePreorderHash("id", script, addr)
	want := btcutil.Hash160(append(append(unhex(t, "02dd"), script...), addr.EncodeAddress()...)) // b40("id") = 18×40+13 = 733
	if err != nil || !bytes.Equal(nh[:], want) {
		t.Errorf("namespace preorder hash %s, %v; want %x", nh, err, want)
	}
	if _, err := NamespacePreorderHash("a.b", script, addr); !errors.Is(err, ErrInvalidName) {
		t.Errorf("invalid namespace id: %v", err)
	}
}

func TestNameHashes(t *testing.T) {
	var ch Hash128
	copy(ch[:], unhex(t, "d2c6a1b9e2cd4a2fe3e5c0c4d1b0a2f1"))
	if got := NameConsensusHash("alice.id", ch).String(); got != "091ffda8e052d8e80690d0d175a48419" {
		t.Errorf("name_consensus_hash %s", got)
	}
	if got := NameHash128("alice.id").String(); got != "470d0b026fbd12a1744c795ea97e97a7" {
		t.Errorf("name_hash128 %s", got)
	}
}

func TestPayloadVectors(t *testing.T) {
	reveal := &NamespaceReveal{
		NamespaceID: "hello",
		Lifetime:    52595,
		PriceParams: PriceParams{Coeff: 4, Base: 4, Buckets: [16]uint8{6, 5, 4, 3, 2, 1},
			NonalphaDiscount: 10, NoVowelDiscount: 10},
		Version: 1,
	}
	for _, tc := range []struct {
		op   Op
		want string
	}{
		{&NameRevoke{Name: "alice.id"}, "69647e616c6963652e6964"},
		{&NamespaceReady{NamespaceID: "hello"}, "6964212e68656c6c6f"},
		{reveal, "696426 0000cd73 04 04 6543210000000000 aa 0001 68656c6c6f"},
	} {
		got, err := Payload(tc.op, MainNet.Magic)
		if err != nil || !bytes.Equal(got, unhex(t, tc.want)) {
			t.Errorf("%s payload %x, %v; want %s", tc.op.OpName(), got, err, tc.want)
			continue
		}
		back, err := DecodePayload(got, MainNet.Magic)
		if err != nil {
			t.Errorf("%s: decode: %v", tc.op.OpName(), err)
		} else if !opsEqual(back, tc.op) {
			t.Errorf("%s: decoded %+v, want %+v", tc.op.OpName(), back, tc.op)
		}
	}
}

func TestNamePrice(t *testing.T) {
	id := PriceParams{Coeff: 250, Base: 4, Buckets: [16]uint8{6, 5, 4, 3, 2, 1},
		NonalphaDiscount: 10, NoVowelDiscount: 10}
	for _, tc := range []struct {
		name string
		want int64
	}{
		{"a", 10_240_000},
		{"ab", 2_560_000},
		{"alice", 40_000},
		{"bcd", 64_000},
		{"x9", 256_000},
		// The spec's "a 21-char name → 250" holds for a discounted one
		// (no vowel or a non-alpha character); with vowels and letters
		// only, the same bucket costs 2,500.
		{"bcdfghjklmnpqrstvwxzb", 250},
		{"abcdefghijklmnopqrstu", 2_500},
		{"abcdefghijklmnopqrst1", 250},
	} {
		if got := id.NamePrice(tc.name); got != tc.want {
			t.Errorf("NamePrice(%q) = %d, want %d", tc.name, got, tc.want)
		}
	}

	// The floor of 100 satoshis applies before the final ÷ 10.
	cheap := PriceParams{Coeff: 1, Base: 1, NonalphaDiscount: 15, NoVowelDiscount: 15}
	if got := cheap.NamePrice("b1"); got != 10 {
		t.Errorf("floor: %d, want 10", got)
	}
	// Integer division truncates: 7 × 100 ÷ 3 = 233, ÷ 10 = 23.
	third := PriceParams{Coeff: 7, Base: 2, NonalphaDiscount: 3, NoVowelDiscount: 1}
	if got := third.NamePrice("a1"); got != 23 {
		t.Errorf("truncation: %d, want 23", got)
	}
	// A zero discount (not revealable) never divides by zero.
	zero := PriceParams{Coeff: 1, Base: 2, Buckets: [16]uint8{3}}
	if got := zero.NamePrice("b"); got != 80 {
		t.Errorf("zero discount: %d, want 80", got)
	}
	// Absurd parameters clamp instead of overflowing.
	huge := PriceParams{Coeff: 255, Base: 255, Buckets: [16]uint8{15}, NonalphaDiscount: 1, NoVowelDiscount: 1}
	if got := huge.NamePrice("a"); got != 1<<63-1 {
		t.Errorf("huge: %d", got)
	}
}

func TestNamespacePrice(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want int64
	}{
		{"a", 4_000_000_000}, {"ab", 400_000_000}, {"abc", 400_000_000},
		{"abcd", 40_000_000}, {"abcdefg", 40_000_000},
		{"abcdefgh", 4_000_000}, {"abcdabcdabcdabcdabc", 4_000_000},
	} {
		if got, err := NamespacePrice(tc.id); got != tc.want || err != nil {
			t.Errorf("NamespacePrice(%q) = %d, %v; want %d", tc.id, got, err, tc.want)
		}
	}
	for _, id := range []string{"", "abcdabcdabcdabcdabcd", "a.b"} {
		if _, err := NamespacePrice(id); !errors.Is(err, ErrInvalidName) {
			t.Errorf("NamespacePrice(%q) = %v, want ErrInvalidName", id, err)
		}
	}
}
