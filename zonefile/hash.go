package zonefile

import (
	"encoding/hex"
	"fmt"

	"github.com/btcsuite/btcd/btcutil"
)

// Hash is a zone file's hash as the chain commits it (a name operation's
// value hash): RIPEMD160(SHA256(bytes)).
type Hash [20]byte

// HashOf returns the hash of a zone file's bytes, exactly as stored: the
// hash covers the text as written, comments and spacing included, so only
// the original bytes (not a re-Format of them) match the chain.
func HashOf(data []byte) Hash {
	var h Hash
	copy(h[:], btcutil.Hash160(data))
	return h
}

// ParseHash reads a hash from its 40 hex digits (either case).
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*len(h) {
		return h, fmt.Errorf("zonefile: hash %q is %d characters, want %d hex digits", s, len(s), 2*len(h))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("zonefile: hash %q: %w", s, err)
	}
	return h, nil
}

// String returns the hash in lowercase hex, as Blockstack prints it (and as
// namedb stores it).
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText encodes the hash as lowercase hex, so that JSON carries it as
// Blockstack's RPCs do.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText decodes 40 hex digits.
func (h *Hash) UnmarshalText(b []byte) error {
	p, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = p
	return nil
}
