// Package c32 writes Stacks addresses (c32check, as the c32check npm
// package and @stacks/* write them): 'S', the version as one c32 digit,
// then the hash160 and a 4-byte checksum (double SHA-256 of the version
// byte and the hash160) as one big-endian number in c32 digits, with one
// '0' for each leading zero byte. @stacks/profile 7 compares a profile's
// signer with a name's owner in this form.
package c32

import (
	"crypto/sha256"
	"fmt"
	"math/big"

	"github.com/btcsuite/btcd/btcutil/base58"
)

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// MainnetSingleSig is the version of a mainnet single-signature address
// (SP...), the form @stacks/profile 7 derives from a public key.
const MainnetSingleSig = 22

// Address is the Stacks address of hash160 at version (0–31).
func Address(version byte, hash160 []byte) (string, error) {
	if version >= 32 || len(hash160) != 20 {
		return "", fmt.Errorf("c32: version %d, %d-byte hash: want 0-31 and 20 bytes", version, len(hash160))
	}
	first := sha256.Sum256(append([]byte{version}, hash160...))
	sum := sha256.Sum256(first[:])
	data := append(append([]byte(nil), hash160...), sum[:4]...)
	var digits []byte
	for n := new(big.Int).SetBytes(data); n.Sign() > 0; {
		var d big.Int
		n.DivMod(n, big.NewInt(32), &d)
		digits = append(digits, alphabet[d.Int64()])
	}
	for _, b := range data {
		if b != 0 {
			break
		}
		digits = append(digits, '0')
	}
	out := make([]byte, 0, 2+len(digits))
	out = append(out, 'S', alphabet[version])
	for i := len(digits) - 1; i >= 0; i-- {
		out = append(out, digits[i])
	}
	return string(out), nil
}

// FromBase58 is the Stacks address at version of a Bitcoin base58check
// address's hash160 (b58ToC32 with an explicit version).
func FromBase58(addr string, version byte) (string, error) {
	hash, _, err := base58.CheckDecode(addr)
	if err != nil || len(hash) != 20 {
		return "", fmt.Errorf("c32: %q is not a base58check address of a 20-byte hash", addr)
	}
	return Address(version, hash)
}
