package zonefile

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestHash(t *testing.T) {
	profile, err := os.ReadFile("testdata/npm/fixtures/profile.v1.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		data []byte
		want string
	}{
		// Well-known hash160 of the empty string.
		{nil, "b472a266d0bd89c13706a4132ccfb16f7c3b9fcb"},
		// Computed with node's crypto (sha256, then ripemd160).
		{profile, "48ba10f182b8d1594fd88dfdb20dc7717cf8df99"},
	}
	for _, tt := range tests {
		h := HashOf(tt.data)
		if h.String() != tt.want {
			t.Errorf("HashOf = %s, want %s", h, tt.want)
		}
		back, err := ParseHash(strings.ToUpper(tt.want))
		if err != nil || back != h {
			t.Errorf("ParseHash(upper case) = %s, %v", back, err)
		}
	}
}

func TestParseHashErrors(t *testing.T) {
	for _, s := range []string{"", "abc", strings.Repeat("0", 39), strings.Repeat("0", 41), strings.Repeat("g", 40)} {
		if _, err := ParseHash(s); err == nil {
			t.Errorf("ParseHash(%q) accepted", s)
		}
	}
}

func TestHashJSON(t *testing.T) {
	h := HashOf([]byte("x"))
	b, err := json.Marshal(map[string]Hash{"h": h})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"h":"` + h.String() + `"}`; string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	var back map[string]Hash
	if err := json.Unmarshal(b, &back); err != nil || back["h"] != h {
		t.Errorf("round trip %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"h":"zz"}`), &back); err == nil {
		t.Error("bad hex accepted")
	}
}
