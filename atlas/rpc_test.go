package atlas

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodeRequest(t *testing.T) {
	for _, tc := range []struct {
		body, method, peer, err string
	}{
		{`{"method":"ping"}`, "ping", "", ""},
		{`{"method":"getinfo","peer":"LOCALHOST:6264","params":{"height":5}}`, "getinfo", "127.0.0.1:6264", ""},
		{`{"method":"get_zonefiles","peer":"[::1]:6264","params":{"hashes":[]}}`, "get_zonefiles", "[::1]:6264", ""},
		{`{"method":"getinfo","peer":"node.example.org:6264"}`, "getinfo", "node.example.org:6264", ""},
		{`{"method":"nope"}`, "", "", "unknown method"},
		{`{"method":"ping","extra":1}`, "", "", "unknown field"},
		{`{"method":"ping"} {}`, "", "", "data after"},
		{`{"method":"ping","peer":"no-port"}`, "", "", "peer"},
		{`{"method":"ping","peer":"a:0"}`, "", "", "port must be"},
		{`{"method":"ping","peer":"bad_host!:1"}`, "", "", "neither an IP"},
		{`[1]`, "", "", "bad request"},
		{``, "", "", "bad request"},
	} {
		req, err := decodeRequest([]byte(tc.body))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one containing %q", tc.body, err, tc.err)
			}
			continue
		}
		if err != nil || req.Method != tc.method || req.Peer != tc.peer {
			t.Errorf("%s: %+v, %v; want method %s peer %s", tc.body, req, err, tc.method, tc.peer)
		}
	}
}

func TestDecodeParams(t *testing.T) {
	h := strings.Repeat("ab", 20)
	for _, tc := range []struct {
		raw  string
		into any
		err  string
	}{
		{``, &getInfoParams{}, ""},
		{`{"hashes":["` + h + `"]}`, &getParams{}, ""},
		{`{"hashes":["` + h[:38] + `"]}`, &getParams{}, "40 hex"},
		{`{"hashes":["` + strings.Repeat("zz", 20) + `"]}`, &getParams{}, "invalid byte"},
		{`{"offset":1,"count":2,"x":3}`, &inventoryParams{}, "unknown field"},
		{`{"zonefiles":["!!"]}`, &putParams{}, "illegal base64"},
		{`{"ranges":[{"offset":0,"count":3,"inv":"oA=="}]}`, &announceParams{}, ""},
	} {
		err := decodeParams(json.RawMessage(tc.raw), tc.into)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: error %v, want %q", tc.raw, err, tc.err)
		}
	}
}

func TestFragmentCheck(t *testing.T) {
	for _, tc := range []struct {
		f   fragment
		err string
	}{
		{fragment{0, 3, []byte{0xa0}}, ""},
		{fragment{9, 0, []byte{}}, ""},
		{fragment{0, MaxInventoryBits, make([]byte, MaxInventoryBits/8)}, ""},
		{fragment{-1, 3, []byte{0xa0}}, "offset"},
		{fragment{maxOffset + 1, 0, nil}, "offset"},
		{fragment{0, MaxInventoryBits + 1, make([]byte, MaxInventoryBits/8+1)}, "count"},
		{fragment{0, 3, []byte{0xa0, 0}}, "has 2 bytes"},
		{fragment{0, 3, []byte{0xb0}}, "padding"},
	} {
		err := tc.f.check()
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%+v: error %v, want %q", tc.f, err, tc.err)
		}
	}
}

func TestCanonAddr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"127.0.0.1:6264", "127.0.0.1:6264"},
		{"localhost:6264", "127.0.0.1:6264"},
		{"Node.Example.ORG:06264", "node.example.org:6264"},
		{"[::FFFF:10.0.0.1]:1", "10.0.0.1:1"},
		{"[2001:DB8::1]:6264", "[2001:db8::1]:6264"},
		{"[fe80::1%eth0]:6264", ""},
		{"10.0.0.1:65536", ""},
		{"10.0.0.1", ""},
		{":6264", ""},
		{"-bad.example:1", ""},
		{strings.Repeat("a", 64) + ".example:1", ""},
	} {
		got, err := canonAddr(tc.in)
		if tc.want == "" && err == nil || tc.want != "" && got != tc.want {
			t.Errorf("canonAddr(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestIdentify(t *testing.T) {
	for _, tc := range []struct {
		remote, claimed string
		want            caller
	}{
		{"10.0.0.1:5555", "10.0.0.1:6264", caller{"10.0.0.1:6264", "10.0.0.1:6264"}},
		{"10.0.0.1:5555", "10.0.0.2:6264", caller{"10.0.0.1", ""}},     // someone else's address
		{"10.0.0.1:5555", "node.example:6264", caller{"10.0.0.1", ""}}, // unverifiable
		{"127.0.0.1:5555", "[::1]:6264", caller{"[::1]:6264", "[::1]:6264"}},
		{"[::ffff:10.0.0.1]:5555", "10.0.0.1:6264", caller{"10.0.0.1:6264", "10.0.0.1:6264"}},
		{"10.0.0.1:5555", "", caller{"10.0.0.1", ""}},
	} {
		if got := identify(tc.remote, tc.claimed); got != tc.want {
			t.Errorf("identify(%s, %s) = %+v, want %+v", tc.remote, tc.claimed, got, tc.want)
		}
	}
}

// FuzzDecodeRequest feeds arbitrary bodies through the server's parsing:
// the envelope, then each method's params and their checks. Nothing may
// panic, and what is accepted must encode back to something accepted.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"method":"ping"}`,
		`{"method":"getinfo","params":{"height":7}}`,
		`{"method":"get_zonefile_inventory","peer":"127.0.0.1:1","params":{"offset":3,"count":9}}`,
		`{"method":"get_zonefiles","params":{"hashes":["` + strings.Repeat("0f", 20) + `"]}}`,
		`{"method":"put_zonefiles","params":{"zonefiles":["aGVsbG8="]}}`,
		`{"method":"announce","params":{"ranges":[{"offset":1,"count":9,"inv":"/4A="}]}}`,
		`{"method":"peer_exchange","peer":"[::1]:9"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeRequest(body)
		if err != nil {
			return
		}
		var params any
		switch req.Method {
		case methodGetInfo:
			params = &getInfoParams{}
		case methodInventory:
			params = &inventoryParams{}
		case methodGet:
			params = &getParams{}
		case methodPut:
			params = &putParams{}
		case methodAnnounce:
			params = &announceParams{}
		default:
			params = &struct{}{}
		}
		if decodeParams(req.Params, params) != nil {
			return
		}
		switch p := params.(type) {
		case *inventoryParams:
			_ = p.check()
		case *announceParams:
			for _, fr := range p.Ranges {
				_ = fr.check()
			}
		}
		again, err := json.Marshal(request{Method: req.Method, Peer: req.Peer, Params: mustJSON(t, params)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeRequest(again); err != nil {
			t.Fatalf("re-encoded request %s refused: %v", again, err)
		}
	})
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func FuzzCanonAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:6264", "localhost:1", "[::1]:65535", "a.b.c:80", "x:0", "[fe80::1%lo]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := canonAddr(s)
		if err != nil {
			return
		}
		// Canonical forms are fixed points.
		if b, err := canonAddr(a); err != nil || b != a {
			t.Fatalf("canonAddr(%q) = %q, but canonAddr(%q) = %q, %v", s, a, a, b, err)
		}
	})
}
