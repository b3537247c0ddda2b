package statetree

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// End says where a key's path ends in the tree.
type End uint8

const (
	// EndLeaf: at the key's own leaf; the key is present.
	EndLeaf End = iota + 1
	// EndEmpty: at an empty subtree; the key is absent.
	EndEmpty
	// EndOther: at the leaf of another key whose path shares the key's
	// first bits; the key is absent.
	EndOther
)

func (e End) String() string {
	switch e {
	case EndLeaf:
		return "leaf"
	case EndEmpty:
		return "empty"
	case EndOther:
		return "other leaf"
	}
	return fmt.Sprintf("End(%d)", uint8(e))
}

// Proof shows, against a root, a key's value hash or its absence.
type Proof struct {
	// Siblings are the hashes beside the key's path, from the root down:
	// Siblings[i] is the other child at depth i.
	Siblings []Hash
	End      End
	// Value is the value hash of the leaf the path ends at (EndLeaf: the
	// key's; EndOther: the other key's), OtherPath that other key's path.
	Value, OtherPath Hash
}

// Errors of Verify and UnmarshalBinary; a failed verification wraps
// ErrInvalid.
var (
	ErrInvalid   = errors.New("statetree: proof does not verify")
	ErrMalformed = errors.New("statetree: malformed proof")
)

// Prove returns the proof of key's value hash or absence under Root.
func (t *Tree) Prove(key []byte) Proof {
	p := PathOf(key)
	t.Root() // every hash on the path fresh
	var pr Proof
	r := t.root
	for depth := 0; r != 0 && !r.isLeaf(); depth++ {
		n := &t.nodes[r.index()]
		b := bit(&p, depth)
		pr.Siblings = append(pr.Siblings, t.hash(n.child[1-b]))
		r = n.child[b]
	}
	switch {
	case r == 0:
		pr.End = EndEmpty
	case t.leaves[r.index()].path == p:
		pr.End, pr.Value = EndLeaf, t.leaves[r.index()].value
	default:
		l := &t.leaves[r.index()]
		pr.End, pr.Value, pr.OtherPath = EndOther, l.value, l.path
	}
	return pr
}

// Verify checks the proof against root for key, and returns what it
// proves: the key's value hash (present) or the key's absence.
func (pr *Proof) Verify(root Hash, key []byte) (value Hash, present bool, err error) {
	p := PathOf(key)
	d := len(pr.Siblings)
	if d > 256 {
		return Hash{}, false, fmt.Errorf("%w: %d siblings, a path has 256 bits", ErrInvalid, d)
	}
	var h Hash
	switch pr.End {
	case EndLeaf:
		h = leafHash(&p, &pr.Value)
	case EndEmpty:
	case EndOther:
		if pr.OtherPath == p || commonPrefix(&pr.OtherPath, &p) < d {
			return Hash{}, false, fmt.Errorf("%w: the other leaf's path does not lie on the key's path at depth %d", ErrInvalid, d)
		}
		h = leafHash(&pr.OtherPath, &pr.Value)
	default:
		return Hash{}, false, fmt.Errorf("%w: end %v", ErrInvalid, pr.End)
	}
	for i := d - 1; i >= 0; i-- {
		if bit(&p, i) == 0 {
			h = nodeHash(&h, &pr.Siblings[i])
		} else {
			h = nodeHash(&pr.Siblings[i], &h)
		}
	}
	if h != root {
		return Hash{}, false, fmt.Errorf("%w: it computes root %x, not %x", ErrInvalid, h, root)
	}
	if pr.End == EndLeaf {
		return pr.Value, true, nil
	}
	return Hash{}, false, nil
}

// proofVersion is the first byte of the wire format.
const proofVersion = 1

// MarshalBinary encodes the proof: version (1), end (1), depth (2, big
// endian), a bitmap of the siblings that are not empty (depth bits,
// padded with zeros to whole bytes, in paths' bit order), those siblings
// (32 bytes each, root first), then the value hash for EndLeaf, or the
// other path and its value hash for EndOther.
func (pr *Proof) MarshalBinary() ([]byte, error) {
	d := len(pr.Siblings)
	if d > 256 || pr.End < EndLeaf || pr.End > EndOther {
		return nil, fmt.Errorf("%w: depth %d, end %v", ErrMalformed, d, pr.End)
	}
	out := make([]byte, 4+(d+7)/8, 4+(d+7)/8+32*d+64)
	out[0], out[1] = proofVersion, byte(pr.End)
	binary.BigEndian.PutUint16(out[2:], uint16(d))
	for i := range pr.Siblings {
		if pr.Siblings[i] != (Hash{}) {
			out[4+i/8] |= 0x80 >> (i % 8)
			out = append(out, pr.Siblings[i][:]...)
		}
	}
	switch pr.End {
	case EndLeaf:
		out = append(out, pr.Value[:]...)
	case EndOther:
		out = append(append(out, pr.OtherPath[:]...), pr.Value[:]...)
	}
	return out, nil
}

// UnmarshalBinary decodes MarshalBinary's format, refusing any other
// encoding of the same proof (a marked sibling of 32 zero bytes, set
// padding bits, trailing bytes).
func (pr *Proof) UnmarshalBinary(b []byte) error {
	if len(b) < 4 || b[0] != proofVersion {
		return fmt.Errorf("%w: not a version %d proof", ErrMalformed, proofVersion)
	}
	end, d := End(b[1]), int(binary.BigEndian.Uint16(b[2:]))
	if end < EndLeaf || end > EndOther || d > 256 {
		return fmt.Errorf("%w: end %d, depth %d", ErrMalformed, b[1], d)
	}
	bitmap := b[4:]
	if len(bitmap) < (d+7)/8 {
		return fmt.Errorf("%w: %d bytes for a bitmap of %d bits", ErrMalformed, len(bitmap), d)
	}
	bitmap, rest := bitmap[:(d+7)/8], bitmap[(d+7)/8:]
	if d%8 != 0 && bitmap[len(bitmap)-1]&(0xff>>(d%8)) != 0 {
		return fmt.Errorf("%w: bitmap padding bits set", ErrMalformed)
	}
	tail := 0 // the bytes after the siblings
	switch end {
	case EndLeaf:
		tail = 32
	case EndOther:
		tail = 64
	}
	p := Proof{Siblings: make([]Hash, d), End: end}
	for i := range d {
		if bitmap[i/8]&(0x80>>(i%8)) == 0 {
			continue
		}
		if len(rest) < 32+tail {
			return fmt.Errorf("%w: truncated", ErrMalformed)
		}
		copy(p.Siblings[i][:], rest)
		if p.Siblings[i] == (Hash{}) {
			return fmt.Errorf("%w: sibling %d marked present but empty", ErrMalformed, i)
		}
		rest = rest[32:]
	}
	if len(rest) != tail {
		return fmt.Errorf("%w: %d bytes after the siblings, want %d", ErrMalformed, len(rest), tail)
	}
	switch end {
	case EndLeaf:
		copy(p.Value[:], rest)
	case EndOther:
		copy(p.OtherPath[:], rest)
		copy(p.Value[:], rest[32:])
	}
	*pr = p
	return nil
}
