package ecies

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// The envelopes are flat JSON objects whose members are strings or
// booleans, and a 100 MiB file makes a 270 MB (base64) to 400 MB (hex)
// envelope. encoding/json reads such a document at a few hundred MB/s, which
// alone would cost more than the whole CPU budget, so members are read here
// by a small scanner that handles exactly what JSON.stringify writes
// (strings with \" and \\ escapes, true, false, null, any whitespace and
// member order) and hands anything else to encoding/json. A fuzz test
// checks that both agree wherever the fast path answers.

// member is one member value of a flat object.
type member struct {
	kind byte // 's' string, 't' true, 'f' false, 'n' null, 'o' anything else
	// str is a string's text. With esc it is still escaped, as the fast
	// path found it (only \" \\ and \/ escapes, printable ASCII), so that a
	// 400 MB envelope member is not copied just to drop a few backslashes.
	str []byte
	esc bool
}

// text is the member's unescaped string.
func (m member) text() []byte {
	if !m.esc {
		return m.str
	}
	out := make([]byte, 0, len(m.str))
	s := m.str
	for {
		i := bytes.IndexByte(s, '\\')
		if i < 0 {
			return append(out, s...)
		}
		out = append(append(out, s[:i]...), s[i+1])
		s = s[i+2:]
	}
}

// writeText writes the unescaped string to w without materialising it.
func (m member) writeText(w io.Writer) {
	s := m.str
	for m.esc {
		i := bytes.IndexByte(s, '\\')
		if i < 0 {
			break
		}
		w.Write(s[:i])
		w.Write(s[i+1 : i+2])
		s = s[i+2:]
	}
	w.Write(s)
}

// object is a flat JSON object: exact-case member names (JavaScript's
// lookup, unlike encoding/json's case-folding struct match), the last of
// duplicate names winning as in JSON.parse.
type object map[string]member

// parseObject reads one JSON object. printable says data is known to
// hold only printable ASCII, which lets the fast path look for quotes and
// backslashes alone. fast says the fast path read it: its string members
// are then printable ASCII too.
func parseObject(data []byte, printable bool) (o object, fast bool, err error) {
	if o, ok := parseObjectFast(data, printable, false); ok {
		return o, true, nil
	}
	o, err = parseObjectSlow(data)
	return o, false, err
}

func parseObjectSlow(data []byte) (object, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, malformed("not a JSON object: %v", err)
	}
	o := make(object, len(raw))
	for k, v := range raw {
		switch {
		case v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, malformed("member %q: %v", k, err)
			}
			o[k] = member{kind: 's', str: []byte(s)}
		case string(v) == "true":
			o[k] = member{kind: 't'}
		case string(v) == "false":
			o[k] = member{kind: 'f'}
		case string(v) == "null":
			o[k] = member{kind: 'n'}
		default:
			o[k] = member{kind: 'o'}
		}
	}
	return o, nil
}

// parseObjectFast reads the common case; ok is false for anything it does
// not handle, valid or not. With quoted, data is the escaped text of a JSON
// string member that the fast path read (printable ASCII with \" \\ \/
// escapes) and is parsed as the JSON it holds, where \" is a quote; it
// handles strings without escapes of their own, which is what
// JSON.stringify writes for a cipher object. This reads the inner object
// of a signed envelope in place.
func parseObjectFast(data []byte, printable, quoted bool) (object, bool) {
	p := fastParser{b: data, printable: printable || quoted, quoted: quoted, quote: -1}
	o := object{}
	if !p.byte('{') {
		return nil, false
	}
	if p.byte('}') {
		return o, p.end()
	}
	for {
		key, esc, ok := p.string()
		if !ok || !p.byte(':') {
			return nil, false
		}
		var m member
		p.space()
		switch {
		case p.atQuote():
			if m.str, m.esc, ok = p.string(); !ok {
				return nil, false
			}
			m.kind = 's'
		case p.literal("true"):
			m.kind = 't'
		case p.literal("false"):
			m.kind = 'f'
		case p.literal("null"):
			m.kind = 'n'
		default:
			return nil, false
		}
		o[string(member{str: key, esc: esc}.text())] = m
		if p.byte('}') {
			return o, p.end()
		}
		if !p.byte(',') {
			return nil, false
		}
	}
}

type fastParser struct {
	b []byte
	i int
	// printable: b is known to be printable ASCII, so strings need no
	// check for control characters and non-ASCII bytes.
	printable bool
	quoted    bool // see parseObjectFast
	quote     int  // index of the next '"' at or after i, if not below i
}

func (p *fastParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// byte skips whitespace and then c, if c is next.
func (p *fastParser) byte(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *fastParser) literal(s string) bool {
	if bytes.HasPrefix(p.b[p.i:], []byte(s)) {
		p.i += len(s)
		return true
	}
	return false
}

func (p *fastParser) end() bool {
	p.space()
	return p.i == len(p.b)
}

func (p *fastParser) atQuote() bool {
	if p.quoted {
		return bytes.HasPrefix(p.b[p.i:], []byte(`\"`))
	}
	return p.i < len(p.b) && p.b[p.i] == '"'
}

// string reads a string of printable ASCII with \" \\ and \/ escapes and
// returns it as a slice of the input, escaped if esc.
func (p *fastParser) string() (s []byte, esc, ok bool) {
	p.space()
	if !p.atQuote() {
		return nil, false, false
	}
	if p.quoted {
		p.i += 2
		n := bytes.IndexByte(p.b[p.i:], '\\')
		if n < 0 || p.i+n+1 >= len(p.b) || p.b[p.i+n+1] != '"' {
			return nil, false, false
		}
		s = p.b[p.i : p.i+n]
		p.i += n + 2
		return s, false, true
	}
	p.i++
	start := p.i
	for {
		// The next quote is found once and kept while the escapes before it
		// are read, so that many escapes cost linear time, not quadratic.
		if p.quote < p.i {
			q := bytes.IndexByte(p.b[p.i:], '"')
			if q < 0 {
				return nil, false, false
			}
			p.quote = p.i + q
		}
		seg := p.b[p.i:p.quote]
		if k := bytes.IndexByte(seg, '\\'); k >= 0 {
			seg = seg[:k]
		}
		if !p.printable && printablePrefix(seg) < len(seg) {
			return nil, false, false // a control character or non-ASCII byte
		}
		p.i += len(seg)
		if p.i == p.quote {
			p.i++
			return p.b[start : p.i-1], esc, true
		}
		// A backslash.
		if p.i+1 >= len(p.b) {
			return nil, false, false
		}
		if c := p.b[p.i+1]; c != '"' && c != '\\' && c != '/' {
			return nil, false, false
		}
		esc = true
		p.i += 2
	}
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// printablePrefix is the length of b's prefix of printable ASCII (0x20 to
// 0x7f), tested 32 bytes at a time: a byte is outside that range exactly
// when x-0x20 or x has its top bit set, and the first such byte in a word
// borrows from no lower byte, so the word test is exact.
func printablePrefix(b []byte) int {
	i := 0
	for ; i+32 <= len(b); i += 32 {
		w0, w1 := binary.LittleEndian.Uint64(b[i:]), binary.LittleEndian.Uint64(b[i+8:])
		w2, w3 := binary.LittleEndian.Uint64(b[i+16:]), binary.LittleEndian.Uint64(b[i+24:])
		if ((w0-ones*0x20)|w0|(w1-ones*0x20)|w1|(w2-ones*0x20)|w2|(w3-ones*0x20)|w3)&highs != 0 {
			break
		}
	}
	for ; i < len(b) && b[i] >= 0x20 && b[i] < 0x80; i++ {
	}
	return i
}

// plainPrefix is the length of b's prefix of bytes that may appear in a JSON
// string as themselves and need no further look: printable ASCII other
// than '"' and '\\'. It tests eight bytes at a time (the exact "has a byte
// less than n" and "has a zero byte" word tricks), as hex and base64 cipher
// texts are hundreds of megabytes of such bytes.
func plainPrefix(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		q := w ^ (ones * '"')
		s := w ^ (ones * '\\')
		if ((w-ones*0x20)&^w|(q-ones)&^q|(s-ones)&^s|w)&highs != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			break
		}
	}
	return i
}

// appendString appends s as a JSON string the way JSON.stringify writes it:
// '"' and '\\' escaped, control characters as \b \t \n \f \r or \u00xx,
// everything else (including '/', '<', '>', '&' and non-ASCII) as is.
func appendString(dst, s []byte) []byte {
	return append(appendEscaped(append(dst, '"'), s), '"')
}

// appendEscaped appends the inside of appendString's quotes.
func appendEscaped(dst, s []byte) []byte {
	for len(s) > 0 {
		n := plainPrefix(s)
		dst = append(dst, s[:n]...)
		s = s[n:]
		if len(s) == 0 {
			break
		}
		switch c := s[0]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\b':
			dst = append(dst, `\b`...)
		case c == '\t':
			dst = append(dst, `\t`...)
		case c == '\n':
			dst = append(dst, `\n`...)
		case c == '\f':
			dst = append(dst, `\f`...)
		case c == '\r':
			dst = append(dst, `\r`...)
		case c < 0x20:
			dst = fmt.Appendf(dst, `\u%04x`, c)
		default:
			dst = append(dst, c)
		}
		s = s[1:]
	}
	return dst
}

// str returns member name's unescaped string; required members must be
// present.
func (o object) str(name string, required bool) ([]byte, bool, error) {
	m, present, err := o.strMember(name, required)
	if err != nil || !present {
		return nil, present, err
	}
	return m.text(), true, nil
}

// strMember is str without unescaping (a copy, for an escaped member).
func (o object) strMember(name string, required bool) (member, bool, error) {
	m, ok := o[name]
	switch {
	case !ok || m.kind == 'n':
		if required {
			return member{}, false, malformed("member %q is missing", name)
		}
		return member{}, false, nil
	case m.kind != 's':
		return member{}, false, malformed("member %q is not a string", name)
	}
	return m, true, nil
}
