package atlas

import (
	"bytes"
	"testing"
)

// vec builds a vector from a string of '0' and '1'.
func vec(s string) *bitvec {
	v := &bitvec{}
	v.Resize(len(s))
	for i, c := range s {
		v.Set(i, c == '1')
	}
	return v
}

func (v *bitvec) String() string {
	b := make([]byte, v.Len())
	for i := range b {
		b[i] = '0'
		if v.Get(i) {
			b[i] = '1'
		}
	}
	return string(b)
}

// TestBitvecLayout pins v1's encoding (A.4): the earliest zone file is the
// most significant bit of byte 0, and padding bits are 0.
func TestBitvecLayout(t *testing.T) {
	for _, tc := range []struct {
		bits string
		want []byte
	}{
		{"", []byte{}},
		{"101", []byte{0xa0}},
		{"000000001", []byte{0x00, 0x80}},
		{"11111111", []byte{0xff}},
		{"0111111110", []byte{0x7f, 0x80}},
	} {
		v := vec(tc.bits)
		got, count := v.Slice(0, v.Len())
		if !bytes.Equal(got, tc.want) || count != len(tc.bits) {
			t.Errorf("%q: %x (%d bits), want %x", tc.bits, got, count, tc.want)
		}
		if v.Count() != bytes.Count([]byte(tc.bits), []byte("1")) {
			t.Errorf("%q: Count %d", tc.bits, v.Count())
		}
	}
}

// TestBitvecRanges: offsets and counts are in bits, aligned or not, and
// clipped at the end.
func TestBitvecRanges(t *testing.T) {
	v := vec("1011001110001111")
	for _, tc := range []struct {
		off, count int
		want       string
	}{
		{0, 16, "1011001110001111"},
		{3, 5, "10011"},
		{8, 8, "10001111"},
		{13, 10, "111"}, // clipped
		{16, 4, ""},     // past the end
		{-1, 4, ""},
		{5, 0, ""},
	} {
		data, count := v.Slice(tc.off, tc.count)
		got := &bitvec{}
		got.Resize(count)
		got.Write(0, count, data, false)
		if got.String() != tc.want {
			t.Errorf("Slice(%d, %d) = %s, want %s", tc.off, tc.count, got, tc.want)
		}
	}
}

func TestBitvecWrite(t *testing.T) {
	for _, tc := range []struct {
		start      string
		off, count int
		data       []byte
		merge      bool
		want       string
	}{
		{"0000000000", 3, 4, []byte{0xa0}, false, "0001010000"},
		{"1111111111", 3, 4, []byte{0xa0}, false, "1111010111"},
		{"1111111111", 3, 4, []byte{0xa0}, true, "1111111111"},
		{"0000000000", 3, 4, []byte{0xa0}, true, "0001010000"},
		{"0000000000", 8, 8, []byte{0xff}, false, "0000000011"}, // clipped
		{"0000000000", 10, 8, []byte{0xff}, false, "0000000000"},
	} {
		v := vec(tc.start)
		v.Write(tc.off, tc.count, tc.data, tc.merge)
		if v.String() != tc.want {
			t.Errorf("%s.Write(%d, %d, %x, %v) = %s, want %s", tc.start, tc.off, tc.count, tc.data, tc.merge, v, tc.want)
		}
	}
}

func TestBitvecResizeClearsPadding(t *testing.T) {
	v := vec("1111111111")
	v.Resize(3)
	v.Resize(10)
	if v.String() != "1110000000" {
		t.Fatalf("shrink then grow: %s", v)
	}
}

func TestBitvecZerosAndLacking(t *testing.T) {
	v := vec("1101111110")
	var zeros []int
	v.Zeros(func(i int) bool { zeros = append(zeros, i); return true })
	if len(zeros) != 2 || zeros[0] != 2 || zeros[1] != 9 {
		t.Fatalf("Zeros = %v, want [2 9]", zeros)
	}
	var lack []int
	v.Lacking(1, 9, []byte{0xff, 0x80}, func(i int) { lack = append(lack, i) })
	if len(lack) != 2 || lack[0] != 2 || lack[1] != 9 {
		t.Fatalf("Lacking = %v, want [2 9]", lack)
	}
}

// FuzzFragment: whatever arrives as an inventory fragment either fails
// its check or round-trips through a vector bit for bit.
func FuzzFragment(f *testing.F) {
	f.Add(0, 3, []byte{0xa0})
	f.Add(7, 9, []byte{0xff, 0x80})
	f.Add(5, 9, []byte{0xff, 0x81})
	f.Add(-1, 8, []byte{0})
	f.Add(1, MaxInventoryBits+1, []byte{})
	f.Fuzz(func(t *testing.T, off, count int, data []byte) {
		fr := fragment{Offset: off, Count: count, Inv: data}
		if fr.check() != nil {
			return
		}
		if off > 1<<20 {
			off %= 1 << 20 // keep the vector small; the check already passed
		}
		v := &bitvec{}
		v.Resize(off + count)
		v.Write(off, count, data, false)
		got, n := v.Slice(off, count)
		if n != count || !bytes.Equal(got, data) {
			t.Fatalf("fragment (%d, %d, %x) came back as (%d, %x)", off, count, data, n, got)
		}
		if v.Count() != (&bitvec{n: count, b: data}).Count() {
			t.Fatalf("bits outside the fragment were set")
		}
	})
}
