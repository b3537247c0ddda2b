package zonefile

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// SyntaxError is a parse error at a position in the text. Line and Col
// count from 1; Col is a byte offset within the line.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("zonefile: line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

// Parse reads a zone file. It accepts what RFC 1035 §5 allows for the
// supported directives and record types: comments, parentheses spanning
// lines, quoted and unquoted strings with \X and \DDD escapes, a blank
// owner meaning the previous record's, TTL and class in either order,
// TTLs with BIND units ("1h30m"), and CRLF line ends. Only class IN exists.
// $ORIGIN and $TTL may each appear once; $INCLUDE and $GENERATE are not
// supported. Input over MaxSize is refused before it is read.
//
// The first error stops parsing and is a *SyntaxError (or wraps
// ErrTooLarge): a zone file that does not parse is not partly used.
func Parse(data []byte) (*File, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("zonefile: %d bytes: %w (limit %d)", len(data), ErrTooLarge, MaxSize)
	}
	lines, err := lex(data)
	if err != nil {
		return nil, err
	}
	p := parser{f: &File{}}
	for _, l := range lines {
		if err := p.line(l); err != nil {
			return nil, err
		}
	}
	return p.f, nil
}

type token struct {
	text      string
	quoted    bool
	escaped   bool // an unquoted word that contained a backslash escape
	line, col int
}

func (t token) errorf(format string, args ...any) error {
	return &SyntaxError{Line: t.line, Col: t.col, Msg: fmt.Sprintf(format, args...)}
}

// logicalLine is one entry: the tokens of a line, or of several lines
// joined by parentheses.
type logicalLine struct {
	toks     []token
	indented bool // began with a blank: no owner field
}

type lexer struct {
	data      []byte
	pos       int
	line, col int
}

func (l *lexer) errorf(line, col int, format string, args ...any) error {
	return &SyntaxError{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (l *lexer) peek() (byte, bool) {
	if l.pos >= len(l.data) {
		return 0, false
	}
	return l.data[l.pos], true
}

func (l *lexer) advance() {
	if l.data[l.pos] == '\n' {
		l.line, l.col = l.line+1, 1
	} else {
		l.col++
	}
	l.pos++
}

func lex(data []byte) ([]logicalLine, error) {
	l := &lexer{data: data, line: 1, col: 1}
	var out []logicalLine
	var cur logicalLine
	inParens := false
	var parenLine, parenCol int
	lineStart := true
	for {
		c, ok := l.peek()
		if !ok {
			break
		}
		if lineStart {
			lineStart = false
			if !inParens {
				cur.indented = c == ' ' || c == '\t'
			}
		}
		switch c {
		case '\n':
			l.advance()
			lineStart = true
			if !inParens {
				if len(cur.toks) > 0 {
					out = append(out, cur)
				}
				cur = logicalLine{}
			}
		case ' ', '\t', '\r':
			l.advance()
		case ';':
			for c, ok := l.peek(); ok && c != '\n'; c, ok = l.peek() {
				l.advance()
			}
		case '(':
			if inParens {
				return nil, l.errorf(l.line, l.col, "nested '(' (the '(' on line %d is still open)", parenLine)
			}
			inParens, parenLine, parenCol = true, l.line, l.col
			l.advance()
		case ')':
			if !inParens {
				return nil, l.errorf(l.line, l.col, "')' without '('")
			}
			inParens = false
			l.advance()
		case '"':
			t, err := l.quoted()
			if err != nil {
				return nil, err
			}
			cur.toks = append(cur.toks, t)
		default:
			t, err := l.word()
			if err != nil {
				return nil, err
			}
			cur.toks = append(cur.toks, t)
		}
	}
	if inParens {
		return nil, l.errorf(parenLine, parenCol, "'(' is never closed")
	}
	if len(cur.toks) > 0 {
		out = append(out, cur)
	}
	return out, nil
}

// quoted reads a "..." string. It may not span lines, and it must end
// where a token can end.
func (l *lexer) quoted() (token, error) {
	t := token{quoted: true, line: l.line, col: l.col}
	l.advance()
	var b []byte
	for {
		c, ok := l.peek()
		switch {
		case !ok || c == '\n':
			return t, l.errorf(t.line, t.col, "quoted string is not closed on its line")
		case c == '"':
			l.advance()
			if c, ok := l.peek(); ok && !isDelim(c) {
				return t, l.errorf(l.line, l.col, "%q right after a closing quote (separate tokens with a blank)", c)
			}
			t.text = string(b)
			return t, nil
		case c == '\\':
			e, err := l.escape()
			if err != nil {
				return t, err
			}
			b = append(b, e)
		default:
			b = append(b, c)
			l.advance()
		}
	}
}

// word reads an unquoted token.
func (l *lexer) word() (token, error) {
	t := token{line: l.line, col: l.col}
	var b []byte
	for {
		c, ok := l.peek()
		if !ok || isDelim(c) {
			break
		}
		switch c {
		case '"':
			return t, l.errorf(l.line, l.col, "quote inside a word (quote the whole string)")
		case '\\':
			e, err := l.escape()
			if err != nil {
				return t, err
			}
			b = append(b, e)
			t.escaped = true
		default:
			b = append(b, c)
			l.advance()
		}
	}
	t.text = string(b)
	return t, nil
}

// isDelim reports whether c ends a token.
func isDelim(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ';', '(', ')':
		return true
	}
	return false
}

// escape reads \X (the character X) or \DDD (the byte with decimal value
// DDD) at the backslash.
func (l *lexer) escape() (byte, error) {
	line, col := l.line, l.col
	l.advance()
	c, ok := l.peek()
	if !ok || c == '\n' || c == '\r' {
		return 0, l.errorf(line, col, "backslash at the end of a line")
	}
	if !isDigit(c) {
		l.advance()
		return c, nil
	}
	v := 0
	for range 3 {
		c, ok := l.peek()
		if !ok || !isDigit(c) {
			return 0, l.errorf(line, col, `\DDD escape needs exactly three digits`)
		}
		v = v*10 + int(c-'0')
		l.advance()
	}
	if v > 255 {
		return 0, l.errorf(line, col, `\%03d is more than 255`, v)
	}
	return byte(v), nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

type parser struct {
	f                   *File
	originLine, ttlLine int // where $ORIGIN and $TTL were, 0 if not yet
	prevOwner           string
	prevOwnerSet        bool
}

func (p *parser) line(l logicalLine) error {
	first := l.toks[0]
	if !first.quoted && strings.HasPrefix(first.text, "$") {
		if l.indented {
			return first.errorf("%s must start at the beginning of the line", first.text)
		}
		return p.directive(first, l.toks[1:])
	}
	toks := l.toks
	var owner string
	if l.indented {
		if !p.prevOwnerSet {
			return first.errorf("the line starts with a blank (no owner name) but there is no previous record to take the owner from")
		}
		owner = p.prevOwner
	} else if _, isType := rdataParsers[first.text]; isType && !first.quoted {
		// RFC 1035 would make this word the owner, but v1's parser
		// (blockstack_zones add_default_name) read a line that starts with
		// an upper-case type as a record of "@", and so do we.
		owner = "@"
	} else {
		if err := nameToken(first, "owner name"); err != nil {
			return err
		}
		owner, toks = first.text, toks[1:]
	}
	r, err := record(owner, first, toks)
	if err != nil {
		return err
	}
	p.prevOwner, p.prevOwnerSet = owner, true
	p.f.Records = append(p.f.Records, r)
	return nil
}

func (p *parser) directive(d token, args []token) error {
	name := strings.ToUpper(d.text)
	switch name {
	case "$ORIGIN", "$TTL":
	case "$INCLUDE", "$GENERATE":
		return d.errorf("%s is not supported in a Blockstack zone file", name)
	default:
		return d.errorf("unknown directive %s", d.text)
	}
	if len(args) != 1 {
		return d.errorf("%s takes one argument, not %d", name, len(args))
	}
	a := args[0]
	if name == "$ORIGIN" {
		if p.originLine != 0 {
			return d.errorf("second $ORIGIN (the first is on line %d; only one is supported)", p.originLine)
		}
		if err := nameToken(a, "$ORIGIN"); err != nil {
			return err
		}
		if err := checkOrigin(a.text); err != nil {
			return a.errorf("$ORIGIN: %v", err)
		}
		p.originLine, p.f.Origin = d.line, a.text
		return nil
	}
	if p.ttlLine != 0 {
		return d.errorf("second $TTL (the first is on line %d; only one is supported)", p.ttlLine)
	}
	ttl, isTTL, err := parseTTL(a)
	if err != nil {
		return err
	}
	if !isTTL || a.quoted {
		return a.errorf("$TTL %q is not a TTL (seconds, or BIND units such as 1h30m)", a.text)
	}
	p.ttlLine, p.f.TTL, p.f.HasTTL = d.line, ttl, true
	return nil
}

// record reads "[ttl] [class] type rdata" (TTL and class in either order)
// after the owner. at is the line's first token, for errors about a
// missing type.
func record(owner string, at token, toks []token) (Record, error) {
	r := Record{Name: owner}
	haveClass := false
	for len(toks) > 0 && !toks[0].quoted {
		t := toks[0]
		ttl, isTTL, err := parseTTL(t)
		if err != nil {
			return r, err
		}
		if isTTL && !r.HasTTL {
			r.TTL, r.HasTTL = ttl, true
			toks = toks[1:]
			continue
		}
		class := strings.ToUpper(t.text)
		if class == "IN" && !haveClass {
			haveClass = true
			toks = toks[1:]
			continue
		}
		if class == "CH" || class == "HS" || class == "CS" || class == "ANY" || class == "NONE" {
			return r, t.errorf("class %s is not supported (only IN)", t.text)
		}
		break
	}
	if len(toks) == 0 {
		return r, at.errorf("record for %q has no type", owner)
	}
	typ := toks[0]
	parse, ok := rdataParsers[strings.ToUpper(typ.text)]
	if typ.quoted || !ok {
		return r, typ.errorf("unknown record type %q (supported: A AAAA CNAME MX NS PTR SOA SPF SRV TXT URI)", typ.text)
	}
	d, err := parse(typ, toks[1:])
	if err != nil {
		return r, err
	}
	if err := d.check(); err != nil {
		return r, typ.errorf("%s record: %v", d.Type(), err)
	}
	r.Data = d
	return r, nil
}

// rdataParsers read each type's fields; typ is the type token, for errors.
var rdataParsers = map[string]func(typ token, args []token) (RData, error){
	"A": func(typ token, args []token) (RData, error) {
		a, err := addrArg(typ, args)
		return A{a}, err
	},
	"AAAA": func(typ token, args []token) (RData, error) {
		a, err := addrArg(typ, args)
		return AAAA{a}, err
	},
	"CNAME": func(typ token, args []token) (RData, error) {
		n, err := nameArg(typ, args, "target")
		return CNAME{n}, err
	},
	"NS": func(typ token, args []token) (RData, error) {
		n, err := nameArg(typ, args, "host")
		return NS{n}, err
	},
	"PTR": func(typ token, args []token) (RData, error) {
		n, err := nameArg(typ, args, "target")
		return PTR{n}, err
	},
	"MX": func(typ token, args []token) (RData, error) {
		if err := arity(typ, args, "preference", "exchange"); err != nil {
			return nil, err
		}
		pref, err := uint16Arg(typ, args[0], "preference")
		if err != nil {
			return nil, err
		}
		return MX{pref, args[1].text}, nameToken(args[1], "MX exchange")
	},
	"SRV": func(typ token, args []token) (RData, error) {
		if err := arity(typ, args, "priority", "weight", "port", "target"); err != nil {
			return nil, err
		}
		var v [3]uint16
		for i, field := range []string{"priority", "weight", "port"} {
			var err error
			if v[i], err = uint16Arg(typ, args[i], field); err != nil {
				return nil, err
			}
		}
		return SRV{v[0], v[1], v[2], args[3].text}, nameToken(args[3], "SRV target")
	},
	"URI": func(typ token, args []token) (RData, error) {
		if err := arity(typ, args, "priority", "weight", "target"); err != nil {
			return nil, err
		}
		prio, err := uint16Arg(typ, args[0], "priority")
		if err != nil {
			return nil, err
		}
		weight, err := uint16Arg(typ, args[1], "weight")
		if err != nil {
			return nil, err
		}
		return URI{prio, weight, args[2].text}, nil
	},
	"TXT": func(typ token, args []token) (RData, error) {
		return TXT{stringArgs(args)}, nil
	},
	"SPF": func(typ token, args []token) (RData, error) {
		return SPF{stringArgs(args)}, nil
	},
	"SOA": func(typ token, args []token) (RData, error) {
		if err := arity(typ, args, "mname", "rname", "serial", "refresh", "retry", "expire", "minimum"); err != nil {
			return nil, err
		}
		for i, field := range []string{"SOA mname", "SOA rname"} {
			if err := nameToken(args[i], field); err != nil {
				return nil, err
			}
		}
		serial, err := uintArg(typ, args[2], "serial", 32)
		if err != nil {
			return nil, err
		}
		soa := SOA{MName: args[0].text, RName: args[1].text, Serial: uint32(serial)}
		// The timers are durations, so BIND units are allowed as in TTLs.
		timers := []struct {
			field string
			dst   *uint32
		}{{"refresh", &soa.Refresh}, {"retry", &soa.Retry}, {"expire", &soa.Expire}, {"minimum", &soa.Minimum}}
		for i, tm := range timers {
			t := args[3+i]
			v, ok, err := parseTTL(t)
			if err != nil {
				return nil, err
			}
			if !ok || t.quoted {
				return nil, t.errorf("SOA %s %q is not a number of seconds", tm.field, t.text)
			}
			*tm.dst = v
		}
		return soa, nil
	},
}

func arity(typ token, args []token, fields ...string) error {
	if len(args) != len(fields) {
		return typ.errorf("%s record needs %d fields (%s), found %d", strings.ToUpper(typ.text), len(fields), strings.Join(fields, " "), len(args))
	}
	return nil
}

func addrArg(typ token, args []token) (netip.Addr, error) {
	if err := arity(typ, args, "address"); err != nil {
		return netip.Addr{}, err
	}
	a, err := netip.ParseAddr(args[0].text)
	if err != nil || args[0].quoted || args[0].escaped {
		return a, args[0].errorf("%s record: %q is not an IP address", strings.ToUpper(typ.text), args[0].text)
	}
	return a, nil
}

// nameArg reads the single name field of CNAME, NS and PTR.
func nameArg(typ token, args []token, field string) (string, error) {
	if err := arity(typ, args, field); err != nil {
		return "", err
	}
	return args[0].text, nameToken(args[0], strings.ToUpper(typ.text)+" "+field)
}

// nameToken checks that t is a name written plainly: unquoted, without
// escapes, and valid by checkName.
func nameToken(t token, what string) error {
	if t.quoted || t.escaped {
		return t.errorf("%s %q must be written without quotes or escapes", what, t.text)
	}
	if err := checkName(t.text); err != nil {
		if strings.ContainsAny(t.text, "{}") {
			// makeZoneFile's default template keeps its SOA placeholders
			// when given no SOA; v1's parser could not read that either.
			return t.errorf("%s: %v (an unfilled npm zone-file template placeholder?)", what, err)
		}
		return t.errorf("%s: %v", what, err)
	}
	return nil
}

func stringArgs(args []token) []string {
	ss := make([]string, len(args))
	for i, a := range args {
		ss[i] = a.text
	}
	return ss
}

func uint16Arg(typ token, t token, field string) (uint16, error) {
	v, err := uintArg(typ, t, field, 16)
	return uint16(v), err
}

func uintArg(typ token, t token, field string, bits int) (uint64, error) {
	v, err := strconv.ParseUint(t.text, 10, bits)
	if err != nil || t.quoted || t.escaped {
		return 0, t.errorf("%s %s %q is not a number from 0 to %d", strings.ToUpper(typ.text), field, t.text, uint64(1)<<bits-1)
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// parseTTL reads a TTL: decimal seconds, or BIND's number-unit groups
// ("1w2d", "1h30m"; s m h d w, either case). isTTL says whether t has that
// shape at all; err is set when it does but exceeds MaxTTL.
func parseTTL(t token) (ttl uint32, isTTL bool, err error) {
	s := t.text
	if t.escaped || s == "" || !isDigit(s[0]) {
		return 0, false, nil
	}
	if allDigits(s) {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v > MaxTTL {
			return 0, true, t.errorf("TTL %s is more than %d", s, MaxTTL)
		}
		return uint32(v), true, nil
	}
	var total uint64
	for s != "" {
		n := 0
		for n < len(s) && isDigit(s[n]) {
			n++
		}
		if n == 0 || n == len(s) || n > 10 {
			return 0, false, nil
		}
		unit, ok := ttlUnits[s[n]|0x20]
		if !ok {
			return 0, false, nil
		}
		v, _ := strconv.ParseUint(s[:n], 10, 64) // at most 10 digits: no overflow
		if total += v * unit; total > MaxTTL {
			return 0, true, t.errorf("TTL %s is more than %d seconds", t.text, MaxTTL)
		}
		s = s[n+1:]
	}
	return uint32(total), true, nil
}

var ttlUnits = map[byte]uint64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
