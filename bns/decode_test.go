package bns

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
)

// isKind reports whether err is a *DecodeError of the given kind.
func isKind(err error, kind error) bool {
	var de *DecodeError
	return errors.As(err, &de) && errors.Is(err, kind)
}

func TestDecodePayloadRejects(t *testing.T) {
	magic := MainNet.Magic
	name37 := "abcdabcdabcdabcdabcdabcdabcdabcda.bcd"
	for _, tc := range []struct {
		desc    string
		payload string // hex, or text after "t:"
		kind    error
		field   string
		offset  int
	}{
		{"empty", "", ErrNotOp, "magic", 0},
		{"other magic", "t:xy?", ErrNotOp, "magic", 0},
		{"magic only", "t:id", ErrLength, "opcode", 2},
		{"unknown opcode", "t:id@", ErrUnknownOpcode, "opcode", 2},
		{"lower-case opcode", "t:idz", ErrUnknownOpcode, "opcode", 2},

		{"preorder short", "t:id?" + strings.Repeat("a", 35), ErrLength, "payload", 3},
		{"preorder long (token form)", "t:id?" + strings.Repeat("a", 37), ErrLength, "payload", 3},
		{"update short", "t:id+" + strings.Repeat("a", 35), ErrLength, "payload", 3},
		{"update long", "t:id+" + strings.Repeat("a", 37), ErrLength, "payload", 3},
		{"transfer short", "t:id>>" + strings.Repeat("a", 31), ErrLength, "payload", 3},
		{"transfer bad disposition", "t:id>A" + strings.Repeat("a", 32), ErrInvalidField, "disposition", 3},
		{"namespace preorder short", "t:id*" + strings.Repeat("a", 20), ErrLength, "payload", 3},
		{"announce long", "t:id#" + strings.Repeat("a", 21), ErrLength, "payload", 3},
		{"announce empty", "t:id#", ErrLength, "payload", 3},

		{"registration empty name", "t:id:", ErrInvalidName, "name", 3},
		{"registration bad character", "t:id:Alice.id", ErrInvalidName, "name", 3},
		{"registration no dot", "t:id:aliceid", ErrInvalidName, "name", 3},
		{"registration 38 bytes", "t:id:" + name37 + "x", ErrLength, "payload", 3},
		{"registration 56 bytes", "t:id:" + name37 + strings.Repeat("\x00", 19), ErrLength, "payload", 3},
		{"registration token form", "t:id:" + name37 + strings.Repeat("v", 20) + "STACKS", ErrLength, "payload", 3},
		{"registration NUL inside name", "t:id:ali\x00ce.id" + strings.Repeat("\x00", 28) + strings.Repeat("v", 20), ErrInvalidName, "name", 3},
		{"registration padded name-only", "t:id:alice.id\x00", ErrInvalidName, "name", 3},
		{"revoke too long", "t:id~" + name37 + "x", ErrLength, "name", 3},
		{"revoke two dots", "t:id~a.b.c", ErrInvalidName, "name", 3},
		{"import bad character", "t:id;a+b.c", ErrInvalidName, "name", 3},

		{"reveal short", "696426 0000cd73 04 04 6543210000000000 aa 0001", ErrLength, "payload", 3},
		{"reveal long id", "696426 0000cd73 04 04 6543210000000000 aa 0001" + strings.Repeat("61", 20), ErrLength, "payload", 3},
		{"reveal zero nonalpha discount", "696426 0000cd73 04 04 6543210000000000 0a 0001 68656c6c6f", ErrInvalidField, "nonalpha_discount", 17},
		{"reveal zero no-vowel discount", "696426 0000cd73 04 04 6543210000000000 a0 0001 68656c6c6f", ErrInvalidField, "no_vowel_discount", 17},
		{"reveal version 3", "696426 0000cd73 04 04 6543210000000000 aa 0003 68656c6c6f", ErrInvalidField, "version", 18},
		{"reveal version 0", "696426 0000cd73 04 04 6543210000000000 aa 0000 68656c6c6f", ErrInvalidField, "version", 18},
		{"reveal bad id", "696426 0000cd73 04 04 6543210000000000 aa 0001 48656c6c6f", ErrInvalidName, "namespace_id", 20},

		{"ready no dot", "t:id!hello", ErrInvalidField, "namespace_id", 3},
		{"ready only dot", "t:id!.", ErrLength, "payload", 3},
		{"ready long", "t:id!." + strings.Repeat("a", 20), ErrLength, "payload", 3},
		{"ready bad id", "t:id!.a.b", ErrInvalidName, "namespace_id", 4},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			var payload []byte
			if s, ok := strings.CutPrefix(tc.payload, "t:"); ok {
				payload = []byte(s)
			} else {
				payload = unhex(t, tc.payload)
			}
			op, err := DecodePayload(payload, magic)
			if err == nil {
				t.Fatalf("decoded %#v", op)
			}
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, tc.kind) {
				t.Fatalf("error %v (%T), want kind %v", err, err, tc.kind)
			}
			if de.Field != tc.field || de.Offset != tc.offset {
				t.Errorf("error at %s/%d, want %s/%d: %v", de.Field, de.Offset, tc.field, tc.offset, err)
			}
			if !strings.HasPrefix(err.Error(), "decode ") {
				t.Errorf("message %q", err)
			}
		})
	}
}

// txOf builds a transaction whose output 0 carries payload and whose
// other outputs have the given scripts and values.
func txOf(t testing.TB, payload []byte, outs ...*wire.TxOut) *wire.MsgTx {
	t.Helper()
	script, err := txscript.NullDataScript(payload)
	if err != nil {
		t.Fatal(err)
	}
	tx := wire.NewMsgTx(wire.TxVersion)
	tx.AddTxOut(wire.NewTxOut(0, script))
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	return tx
}

func TestDecodeRejects(t *testing.T) {
	net := &MainNet
	p2pkh := func(b byte) *wire.TxOut {
		return wire.NewTxOut(DustValue, append(append([]byte{0x76, 0xa9, 0x14}, make20(b)...), 0x88, 0xac))
	}
	p2wpkh := wire.NewTxOut(DustValue, append([]byte{0x00, 0x14}, make20(8)...))
	burn := func(v int64) *wire.TxOut { o := p2pkh(0); o.Value = v; return o }
	change := p2pkh(9)

	preorder := []byte("id?" + strings.Repeat("h", 36))
	registration := mustPayload(t, &NameRegistration{Name: "alice.id"})
	transfer := mustPayload(t, &NameTransfer{KeepData: true})
	imp := mustPayload(t, &NameImport{Name: "alice.id"})
	nsPreorder := []byte("id*" + strings.Repeat("h", 36))
	reveal := unhex(t, "696426 0000cd73 04 04 6543210000000000 aa 0001 68656c6c6f")

	for _, tc := range []struct {
		desc  string
		tx    *wire.MsgTx
		kind  error
		field string
	}{
		{"no outputs", wire.NewMsgTx(1), ErrNotOp, "output 0"},
		{"output 0 pays someone", &wire.MsgTx{TxOut: []*wire.TxOut{p2pkh(1)}}, ErrNotOp, "output 0"},
		{"OP_RETURN two pushes", &wire.MsgTx{TxOut: []*wire.TxOut{{PkScript: []byte{0x6a, 0x01, 'i', 0x02, 'd', '~'}}}}, ErrNotOp, "output 0"},
		{"OP_RETURN small int", &wire.MsgTx{TxOut: []*wire.TxOut{{PkScript: []byte{0x6a, 0x51}}}}, ErrNotOp, "output 0"},
		{"OP_RETURN truncated push", &wire.MsgTx{TxOut: []*wire.TxOut{{PkScript: []byte{0x6a, 0x05, 'i', 'd'}}}}, ErrNotOp, "output 0"},
		{"OP_RETURN payload then OP_1", &wire.MsgTx{TxOut: []*wire.TxOut{{PkScript: []byte{0x6a, 0x03, 'i', 'd', '?', 0x51}}}}, ErrNotOp, "output 0"},
		{"bad payload", txOf(t, []byte("id@")), ErrUnknownOpcode, "opcode"},

		{"preorder 2 outputs", txOf(t, preorder, change), ErrOutputs, "outputs"},
		{"preorder 4 outputs", txOf(t, preorder, change, burn(1000), change), ErrOutputs, "outputs"},
		{"preorder fee to segwit", txOf(t, preorder, change, p2wpkh), ErrOutputScript, "output 2 (burn)"},
		{"preorder zero fee", txOf(t, preorder, change, burn(0)), ErrBurn, "output 2 (burn)"},
		{"preorder negative fee", txOf(t, preorder, change, burn(-5)), ErrBurn, "output 2 (burn)"},

		{"registration no recipient", txOf(t, registration), ErrOutputs, "output 1 (recipient)"},
		{"registration segwit recipient", txOf(t, registration, p2wpkh, change), ErrOutputScript, "output 1 (recipient)"},
		{"registration OP_RETURN recipient", txOf(t, registration, txOf(t, []byte("x")).TxOut[0]), ErrOutputScript, "output 1 (recipient)"},
		{"renewal fee to segwit", txOf(t, registration, p2pkh(1), change, p2wpkh), ErrOutputScript, "output 3 (burn)"},
		{"renewal zero fee", txOf(t, registration, p2pkh(1), change, burn(0)), ErrBurn, "output 3 (burn)"},

		{"transfer no recipient", txOf(t, transfer), ErrOutputs, "output 1 (recipient)"},

		{"import no value hash", txOf(t, imp, p2pkh(1)), ErrOutputs, "output 2 (value hash)"},

		{"namespace preorder no burn", txOf(t, nsPreorder, change), ErrOutputs, "output 2 (burn)"},
		{"namespace preorder wrong burn address", txOf(t, nsPreorder, change, p2pkh(1)), ErrBurn, "output 2 (burn)"},
		{"namespace preorder burn via P2SH", txOf(t, nsPreorder, change, wire.NewTxOut(1e6, append(append([]byte{0xa9, 0x14}, make20(0)...), 0x87))), ErrBurn, "output 2 (burn)"},
		{"namespace preorder zero burn", txOf(t, nsPreorder, change, burn(0)), ErrBurn, "output 2 (burn)"},

		{"reveal 2 outputs", txOf(t, reveal, p2pkh(1)), ErrOutputs, "outputs"},
		{"reveal 4 outputs", txOf(t, reveal, p2pkh(1), change, change), ErrOutputs, "outputs"},
		{"reveal segwit revealer", txOf(t, reveal, p2wpkh, change), ErrOutputScript, "output 1 (reveal address)"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			d, err := Decode(tc.tx, nil, net)
			if err == nil {
				t.Fatalf("decoded %#v", d.Op)
			}
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, tc.kind) {
				t.Fatalf("error %v, want kind %v", err, tc.kind)
			}
			if de.Field != tc.field {
				t.Errorf("field %q, want %q: %v", de.Field, tc.field, err)
			}
		})
	}
}

func make20(b byte) []byte {
	h := make([]byte, 20)
	for i := range h {
		h[i] = b
	}
	return h
}

func mustPayload(t testing.TB, op Op) []byte {
	t.Helper()
	b, err := Payload(op, MainNet.Magic)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRegistrationOrRenewal(t *testing.T) {
	owner := wire.NewTxOut(DustValue, append(append([]byte{0x76, 0xa9, 0x14}, make20(1)...), 0x88, 0xac))
	change := wire.NewTxOut(1000, append(append([]byte{0x76, 0xa9, 0x14}, make20(2)...), 0x88, 0xac))
	burn := wire.NewTxOut(40_000, append(append([]byte{0x76, 0xa9, 0x14}, make20(0)...), 0x88, 0xac))
	payload := mustPayload(t, &NameRegistration{Name: "alice.id", ValueHash: Hash160{1}})

	for n, want := range map[int]string{2: "NAME_REGISTRATION", 3: "NAME_REGISTRATION", 4: "NAME_RENEWAL", 5: "NAME_RENEWAL"} {
		outs := []*wire.TxOut{owner, change, burn, change}[:n-1]
		d, err := Decode(txOf(t, payload, outs...), nil, &MainNet)
		if err != nil {
			t.Fatalf("%d outputs: %v", n, err)
		}
		if d.Op.OpName() != want || d.Op.Opcode() != ':' {
			t.Errorf("%d outputs: %s", n, d.Op.OpName())
		}
		if ren, ok := d.Op.(*NameRenewal); ok {
			if ren.Fee != 40_000 || ren.BurnAddress.EncodeAddress() != "1111111111111111111114oLvT2" ||
				ren.Name != "alice.id" || ren.ValueHash != (Hash160{1}) {
				t.Errorf("renewal %+v", ren)
			}
		}
	}
}

// The old registration form, the bare name, decodes and re-encodes as it
// was.
func TestOldRegistration(t *testing.T) {
	payload := []byte("id:alice.id")
	op, err := DecodePayload(payload, MainNet.Magic)
	if err != nil {
		t.Fatal(err)
	}
	reg := op.(*NameRegistration)
	if reg.Name != "alice.id" || !reg.NameOnly || reg.ValueHash != (Hash160{}) {
		t.Errorf("%+v", reg)
	}
	if again := mustPayload(t, reg); string(again) != string(payload) {
		t.Errorf("re-encoded %q", again)
	}
	// New registrations use the 37+20 form, even with a zero value hash.
	b := mustPayload(t, &NameRegistration{Name: "alice.id"})
	if len(b) != 3+37+20 || string(b[3:11]) != "alice.id" || strings.Trim(string(b[11:]), "\x00") != "" {
		t.Errorf("new form %q", b)
	}
}

func TestDecodeSender(t *testing.T) {
	key, err := btcec.NewPrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := key.PubKey().SerializeCompressed()
	addr, _ := btcutil.NewAddressPubKeyHash(btcutil.Hash160(pub), MainNet.Params)
	sender, _ := txscript.PayToAddrScript(addr)
	l, err := Encode(&NameRevoke{Name: "alice.id"}, &MainNet)
	if err != nil {
		t.Fatal(err)
	}
	scriptSig, _ := txscript.NewScriptBuilder().AddData(make([]byte, 71)).AddData(pub).Script()

	d, err := Decode(buildTx(l, sender, scriptSig), sender, &MainNet)
	if err != nil {
		t.Fatal(err)
	}
	if string(d.SenderPubKey) != string(pub) || d.SenderAddress.EncodeAddress() != addr.EncodeAddress() {
		t.Errorf("sender %x %v", d.SenderPubKey, d.SenderAddress)
	}

	// A key that is not the sender's is not revealed.
	other, _ := txscript.NewScriptBuilder().AddData(make([]byte, 71)).AddData(make([]byte, 33)).Script()
	if d, err := Decode(buildTx(l, sender, other), sender, &MainNet); err != nil || d.SenderPubKey != nil {
		t.Errorf("foreign key: %x, %v", d.SenderPubKey, err)
	}
	// P2SH senders are fine but reveal no key.
	p2sh := append(append([]byte{0xa9, 0x14}, make20(3)...), 0x87)
	if d, err := Decode(buildTx(l, p2sh, scriptSig), p2sh, &MainNet); err != nil || d.SenderPubKey != nil || d.SenderAddress == nil {
		t.Errorf("P2SH sender: %+v, %v", d, err)
	}
	// Unknown sender.
	if d, err := Decode(buildTx(l, sender, scriptSig), nil, &MainNet); err != nil || d.Sender != nil || d.SenderAddress != nil || d.SenderPubKey != nil {
		t.Errorf("unknown sender: %+v, %v", d, err)
	}
	// Other sender types are refused.
	for _, s := range [][]byte{append([]byte{0x00, 0x14}, make20(4)...), {0x51}, {}} {
		if _, err := Decode(buildTx(l, sender, scriptSig), s, &MainNet); !isKind(err, ErrSender) {
			t.Errorf("sender %x: %v, want ErrSender", s, err)
		}
	}
}

func TestEncodeRejects(t *testing.T) {
	mainAddr := func(s string) btcutil.Address {
		a, err := btcutil.DecodeAddress(s, MainNet.Params)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	alice := mainAddr("1AotVNASQouiNiBtfxv49WWvSNcQUzGYuU")
	segwit, _ := btcutil.NewAddressWitnessPubKeyHash(make20(6), MainNet.Params)
	testnetAddr, _ := btcutil.NewAddressPubKeyHash(make20(1), TestNet.Params)
	reveal := func(f func(*NamespaceReveal)) *NamespaceReveal {
		r := &NamespaceReveal{NamespaceID: "hello", Lifetime: 1, Version: 1, Recipient: alice,
			PriceParams: PriceParams{NonalphaDiscount: 1, NoVowelDiscount: 1}}
		f(r)
		return r
	}
	for _, tc := range []struct {
		desc string
		op   Op
		want string
	}{
		{"bad name", &NameRevoke{Name: "Alice.id"}, "invalid name"},
		{"long name", &NameImport{Name: "abcdabcdabcdabcdabcdabcdabcdabcdab.bcd", Recipient: alice}, "invalid name"},
		{"bad namespace", &NamespaceReady{NamespaceID: ""}, "invalid name"},
		{"no recipient", &NameRegistration{Name: "alice.id"}, "recipient: no address"},
		{"segwit recipient", &NameTransfer{Recipient: segwit}, "neither P2PKH nor P2SH"},
		{"testnet recipient on mainnet", &NameRegistration{Name: "alice.id", Recipient: testnetAddr}, "not a mainnet address"},
		{"zero fee", &NamePreorder{BurnAddress: MainNet.BurnAddress()}, "fee 0 is not positive"},
		{"no burn address", &NamePreorder{Fee: 1}, "burn: no address"},
		{"renewal zero fee", &NameRenewal{NameRegistration: NameRegistration{Name: "alice.id", Recipient: alice}, BurnAddress: alice}, "fee 0"},
		{"namespace zero fee", &NamespacePreorder{}, "fee 0"},
		{"segwit revealer", reveal(func(r *NamespaceReveal) { r.Recipient = segwit }), "neither P2PKH nor P2SH"},
		{"bucket 16", reveal(func(r *NamespaceReveal) { r.Buckets[3] = 16 }), "buckets[3]"},
		{"discount 0", reveal(func(r *NamespaceReveal) { r.NoVowelDiscount = 0 }), "no_vowel_discount"},
		{"discount 16", reveal(func(r *NamespaceReveal) { r.NonalphaDiscount = 16 }), "nonalpha_discount"},
		{"version 3", reveal(func(r *NamespaceReveal) { r.Version = 3 }), "version"},
	} {
		l, err := Encode(tc.op, &MainNet)
		if err == nil {
			t.Errorf("%s: encoded %v", tc.desc, l)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "encode "+tc.op.OpName()) {
			t.Errorf("%s: %v, want %q", tc.desc, err, tc.want)
		}
	}
}

func TestDecodeErrorMessage(t *testing.T) {
	_, err := DecodePayload([]byte("id>A"+strings.Repeat("a", 32)), MainNet.Magic)
	want := `decode NAME_TRANSFER: disposition at byte 3: invalid field: 'A' (0x41) is neither '>' (keep value hash) nor '~' (clear it)`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	tx := txOf(t, []byte("id*"+strings.Repeat("h", 36)), wire.NewTxOut(1, nil))
	_, err = Decode(tx, nil, &MainNet)
	want = `decode NAMESPACE_PREORDER: output 2 (burn): wrong number of outputs: transaction has 2 outputs`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

// TestIsNameOp: which transactions claim to be name operations, and so
// are judged (and, if Decode refuses them, recorded as rejected) rather
// than ignored.
func TestIsNameOp(t *testing.T) {
	script := func(b ...byte) *wire.MsgTx { return &wire.MsgTx{TxOut: []*wire.TxOut{{PkScript: b}}} }
	for _, tc := range []struct {
		desc string
		tx   *wire.MsgTx
		want bool
	}{
		{"no outputs", wire.NewMsgTx(1), false},
		{"output 0 pays someone", script(append(append([]byte{0x76, 0xa9, 0x14}, make20(1)...), 0x88, 0xac)...), false},
		{"magic payload", txOf(t, []byte("id?")), true},
		{"magic only", txOf(t, []byte("id")), true},
		{"other network's magic", txOf(t, []byte("xy?")), false},
		{"empty OP_RETURN", script(0x6a), false},
		{"payload then OP_1: claims, but Decode refuses it", script(0x6a, 0x03, 'i', 'd', '?', 0x51), true},
		{"two pushes", script(0x6a, 0x02, 'i', 'd', 0x01, '?'), false},
		{"payload not after OP_RETURN", script(0x03, 'i', 'd', '?'), false},
		{"truncated push", script(0x6a, 0x05, 'i', 'd'), false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if got := IsNameOp(tc.tx, &MainNet); got != tc.want {
				t.Errorf("IsNameOp = %v, want %v", got, tc.want)
			}
		})
	}
}
