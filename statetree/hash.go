package statetree

import "crypto/sha256"

// Hash is a SHA-256 digest: a path, a value hash, or a node's hash.
type Hash = [32]byte

// Domain prefixes of the two kinds of node (see the package doc).
const (
	leafPrefix     = 0x00
	internalPrefix = 0x01
)

// PathOf is the path of key: SHA-256(key).
func PathOf(key []byte) Hash { return sha256.Sum256(key) }

// leafHash is H(0x00 || path || value).
func leafHash(path, value *Hash) Hash {
	var b [1 + 32 + 32]byte
	b[0] = leafPrefix
	copy(b[1:], path[:])
	copy(b[33:], value[:])
	return sha256.Sum256(b[:])
}

// nodeHash is H(0x01 || left || right).
func nodeHash(left, right *Hash) Hash {
	var b [1 + 32 + 32]byte
	b[0] = internalPrefix
	copy(b[1:], left[:])
	copy(b[33:], right[:])
	return sha256.Sum256(b[:])
}

// bit is bit i of path: 0 goes left.
func bit(path *Hash, i int) int { return int(path[i/8]>>(7-i%8)) & 1 }

// commonPrefix is how many leading bits a and b share (256 if equal).
func commonPrefix(a, b *Hash) int {
	for i := range a {
		if x := a[i] ^ b[i]; x != 0 {
			n := i * 8
			for x&0x80 == 0 {
				x <<= 1
				n++
			}
			return n
		}
	}
	return 256
}
