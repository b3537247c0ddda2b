package atlas

// bitvec is an inventory: bit i says whether zone file i (in chain order)
// is present. The layout is Blockstack v1's, big-endian in bits: bit i is
// in byte i/8 under mask 0x80>>(i%8), and the padding bits of the last
// byte are 0. Unlike v1, every offset and count is in bits.
type bitvec struct {
	n int    // length in bits
	b []byte // ceil(n/8) bytes
}

func bytesFor(bits int) int { return (bits + 7) / 8 }

// Len is the length in bits.
func (v *bitvec) Len() int { return v.n }

// Get reports bit i; bits past the end are 0.
func (v *bitvec) Get(i int) bool {
	return i >= 0 && i < v.n && v.b[i/8]&(0x80>>(i%8)) != 0
}

// Set sets or clears bit i, which must be inside the vector.
func (v *bitvec) Set(i int, on bool) {
	if on {
		v.b[i/8] |= 0x80 >> (i % 8)
	} else {
		v.b[i/8] &^= 0x80 >> (i % 8)
	}
}

// Resize grows the vector with 0 bits or cuts it to n bits.
func (v *bitvec) Resize(n int) {
	nb := bytesFor(n)
	switch {
	case nb > cap(v.b):
		b := make([]byte, nb, nb+nb/4)
		copy(b, v.b)
		v.b = b
	case nb > len(v.b):
		old := len(v.b)
		v.b = v.b[:nb]
		clear(v.b[old:])
	default:
		v.b = v.b[:nb]
	}
	v.n = n
	if r := n % 8; r != 0 {
		v.b[nb-1] &= 0xff << (8 - r) // cutting must not leave stale padding
	}
}

// Count is the number of set bits.
func (v *bitvec) Count() int {
	c := 0
	for _, x := range v.b {
		for ; x != 0; x &= x - 1 {
			c++
		}
	}
	return c
}

// clip bounds a range [off, off+count) to the vector.
func (v *bitvec) clip(off, count int) int {
	if off < 0 || count <= 0 || off >= v.n {
		return 0
	}
	return min(count, v.n-off)
}

// Slice packs bits [off, off+count), clipped to the vector, from bit 0 of
// the result, and returns them with the clipped count.
func (v *bitvec) Slice(off, count int) ([]byte, int) {
	count = v.clip(off, count)
	out := make([]byte, bytesFor(count))
	if count == 0 {
		return out, 0 // off may be anywhere, even past the end
	}
	if off%8 == 0 {
		copy(out, v.b[off/8:])
		if r := count % 8; r != 0 {
			out[len(out)-1] &= 0xff << (8 - r)
		}
		return out, count
	}
	for i := range count {
		if v.Get(off + i) {
			out[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out, count
}

// Write replaces bits [off, off+count), clipped to the vector, with the
// first count bits of data (which must hold them); or (merge) sets the
// bits data has set and leaves the others.
func (v *bitvec) Write(off, count int, data []byte, merge bool) {
	count = v.clip(off, count)
	for i := range count {
		on := data[i/8]&(0x80>>(i%8)) != 0
		if on || !merge {
			v.Set(off+i, on)
		}
	}
}

// Lacking calls f with each bit inside the vector that data, as bits
// [off, off+count), sets and the vector does not.
func (v *bitvec) Lacking(off, count int, data []byte, f func(i int)) {
	count = v.clip(off, count)
	for i := range count {
		if data[i/8]&(0x80>>(i%8)) != 0 && !v.Get(off+i) {
			f(off + i)
		}
	}
}

// Zeros calls f with each 0 bit's index, in order, until f returns false.
func (v *bitvec) Zeros(f func(i int) bool) {
	for bi, x := range v.b {
		if x == 0xff {
			continue
		}
		for j := range 8 {
			i := bi*8 + j
			if i >= v.n {
				return
			}
			if x&(0x80>>j) == 0 && !f(i) {
				return
			}
		}
	}
}
