package ecies

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"slices"
)

// encoding/hex converts about 130 MB/s here (Go 1.26), which alone would
// take most of the CPU budget for a 100 MiB file's 200 MB of hex, so cipher
// texts are converted with tables, eight characters at a time.

const hexDigits = "0123456789abcdef"

var (
	// hexPair[b] is b's two lowercase digits, little-endian.
	hexPair [256]uint16
	// nibble[c] is the value of hex digit c (either case), or 0xff.
	nibble [256]byte
)

func init() {
	for i := range 256 {
		hexPair[i] = uint16(hexDigits[i>>4]) | uint16(hexDigits[i&15])<<8
		nibble[i] = 0xff
	}
	for i := range 16 {
		nibble[hexDigits[i]] = byte(i)
		if i >= 10 {
			nibble['A'+i-10] = byte(i)
		}
	}
}

// appendHex appends the lowercase hex of src.
func appendHex(dst, src []byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 2*len(src))[:n+2*len(src)]
	encodeHex(dst[n:], src)
	return dst
}

// encodeHex writes the hex of src into dst[:2*len(src)].
func encodeHex(dst, src []byte) {
	dst = dst[:2*len(src)]
	i := 0
	for ; i+4 <= len(src); i += 4 {
		binary.LittleEndian.PutUint64(dst[2*i:], uint64(hexPair[src[i]])|uint64(hexPair[src[i+1]])<<16|
			uint64(hexPair[src[i+2]])<<32|uint64(hexPair[src[i+3]])<<48)
	}
	for ; i < len(src); i++ {
		binary.LittleEndian.PutUint16(dst[2*i:], hexPair[src[i]])
	}
}

var errHex = errors.New("invalid hex")

// decodeHex decodes src (even length, digits of either case) into
// dst[:len(src)/2]. Eight digits at a time are checked and converted inside
// a 64-bit word: a byte below 0x80 is a digit when x+0x50 reaches 0x80 and
// x+0x46 does not (0x30 <= x <= 0x39), a letter when the same holds for
// x|0x20 with 0x1f and 0x19 (0x61 <= x|0x20 <= 0x66), and its value is its
// low nibble plus 9 for letters (bit 6). No addition carries into the next
// byte for bytes below 0x80, and a word with a byte above is refused.
func decodeHex(dst, src []byte) error {
	if len(src)%2 != 0 {
		return errors.New("odd length hex")
	}
	dst = dst[:len(src)/2]
	i := 0
	for ; i+8 <= len(src); i += 8 {
		w := binary.LittleEndian.Uint64(src[i:])
		l := w | ones*0x20
		digit := (w + ones*0x50) &^ (w + ones*0x46)
		letter := (l + ones*0x1f) &^ (l + ones*0x19)
		if w&highs != 0 || (digit|letter)&highs != highs {
			return errHex
		}
		v := w&(ones*0x0f) + 9*(w>>6&ones)
		t := (v<<4 | v>>8) & 0x00ff00ff00ff00ff
		t = (t | t>>8) & 0x0000ffff0000ffff
		binary.LittleEndian.PutUint32(dst[i/2:], uint32(t|t>>16))
	}
	var bad byte
	for ; i < len(src); i += 2 {
		a, b := nibble[src[i]], nibble[src[i+1]]
		bad |= a | b
		dst[i/2] = a<<4 | b
	}
	if bad&0xf0 != 0 {
		return errHex
	}
	return nil
}

// hexString is the lowercase hex of b (short values: encoding/hex is fine).
func hexString(b []byte) string { return hex.EncodeToString(b) }
