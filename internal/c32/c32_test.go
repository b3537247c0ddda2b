package c32

import (
	"bytes"
	"testing"
)

// TestAddress: the vectors are the c32check npm package's answers
// (c32address and b58ToC32 with version 22).
func TestAddress(t *testing.T) {
	for _, c := range []struct{ b58, want string }{
		{"1FzTxL9Mxnm2fdmnQEArfhzJHevwbvcH6d", "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7"},
		{"mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx", "SP2YM60ATVPJ6D6P22BE3QDPYGXDS4DXPV0WQ76GS"},
		{"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "SP2T758K6T2YRKG9Q0TJ16B6FP5QQREWZSESRS0PY"},
		{"1111111111111111111114oLvT2", "SP000000000000000000002Q6VF78"},
	} {
		if got, err := FromBase58(c.b58, MainnetSingleSig); err != nil || got != c.want {
			t.Errorf("%s: %s %v, want %s", c.b58, got, err, c.want)
		}
	}
	for _, c := range []struct {
		hash []byte
		want string
	}{
		{bytes.Repeat([]byte{0xff}, 20), "SP3ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZW9P3P0G"},
		{append(make([]byte, 19), 0xff), "SP0000000000000000000ZYXB42J8"},
	} {
		if got, err := Address(MainnetSingleSig, c.hash); err != nil || got != c.want {
			t.Errorf("%x: %s %v, want %s", c.hash, got, err, c.want)
		}
	}
	if _, err := FromBase58("1FzTxL9Mxnm2fdmnQEArfhzJHevwbvcH6e", MainnetSingleSig); err == nil {
		t.Error("a bad checksum was read")
	}
	if _, err := Address(32, make([]byte, 20)); err == nil {
		t.Error("version 32 was written")
	}
}
