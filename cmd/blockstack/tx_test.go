package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/bns"
)

// run executes the command line args with stdin as the binary would, on
// mainnet.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCmd()
	cmd.SetArgs(append([]string{"--network", "mainnet"}, args...))
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

// specTx builds a mainnet transaction carrying op, its change paid to
// sender, and returns it in hex.
func specTx(t *testing.T, op bns.Op, sender []byte) string {
	t.Helper()
	l, err := bns.Encode(op, &bns.MainNet)
	if err != nil {
		t.Fatal(err)
	}
	tx := wire.NewMsgTx(wire.TxVersion)
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{7}, 1), nil, nil))
	for i, out := range l.Outputs {
		if i == l.ChangeIndex {
			out = wire.NewTxOut(10_000, sender)
		}
		tx.AddTxOut(out)
	}
	var b bytes.Buffer
	if err := tx.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b.Bytes())
}

func TestTxDecodeRevokeVector(t *testing.T) {
	sender := append(append([]byte{0x76, 0xa9, 0x14}, make([]byte, 20)...), 0x88, 0xac)
	txHex := specTx(t, &bns.NameRevoke{Name: "alice.id"}, sender)
	// The spec's NAME_REVOKE payload is in output 0.
	if !strings.Contains(txHex, "69647e616c6963652e6964") {
		t.Fatal("payload vector missing from the transaction")
	}

	out, stderr, err := run(t, "", "tx", "decode", txHex)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err = json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	for k, want := range map[string]any{"op": "id~", "opcode": "NAME_REVOKE", "name": "alice.id",
		"namespace_id": "id", "sender": nil} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	if !strings.Contains(stderr, "sender unknown") {
		t.Errorf("stderr %q does not say the sender is unknown", stderr)
	}

	// From stdin, with the sender.
	out, stderr, err = run(t, txHex+"\n", "tx", "decode", "-", "--sender-script", hex.EncodeToString(sender))
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got["address"] != "1111111111111111111114oLvT2" || got["sender"] != hex.EncodeToString(sender) || stderr != "" {
		t.Errorf("sender fields %v %v, stderr %q", got["address"], got["sender"], stderr)
	}
}

func TestTxDecodeRevealVector(t *testing.T) {
	revealer, err := btcutil.DecodeAddress("1AotVNASQouiNiBtfxv49WWvSNcQUzGYuU", bns.MainNet.Params)
	if err != nil {
		t.Fatal(err)
	}
	op := &bns.NamespaceReveal{NamespaceID: "hello", Lifetime: 52595, Version: 1, Recipient: revealer,
		PriceParams: bns.PriceParams{Coeff: 4, Base: 4, Buckets: [16]uint8{6, 5, 4, 3, 2, 1},
			NonalphaDiscount: 10, NoVowelDiscount: 10}}
	sender, _ := txscript.PayToAddrScript(revealer)
	txHex := specTx(t, op, sender)
	if !strings.Contains(txHex, "6964260000cd7304046543210000000000aa000168656c6c6f") {
		t.Fatal("payload vector missing from the transaction")
	}
	out, _, err := run(t, "", "tx", "decode", txHex, "--sender-script", hex.EncodeToString(sender))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Opcode, NamespaceID, RecipientAddress, PreorderHash string
		Lifetime, Coeff, Base, Version                      int
		Buckets                                             []int
		Nonalpha                                            int `json:"nonalpha_discount"`
		NoVowel                                             int `json:"no_vowel_discount"`
	}
	if err := json.Unmarshal([]byte(strings.NewReplacer(`"namespace_id"`, `"NamespaceID"`,
		`"recipient_address"`, `"RecipientAddress"`, `"preorder_hash"`, `"PreorderHash"`).Replace(out)), &got); err != nil {
		t.Fatal(err)
	}
	want, _ := bns.NamespacePreorderHash("hello", sender, revealer)
	if got.Opcode != "NAMESPACE_REVEAL" || got.NamespaceID != "hello" || got.Lifetime != 52595 ||
		got.Coeff != 4 || got.Base != 4 || got.Version != 1 || got.Nonalpha != 10 || got.NoVowel != 10 ||
		len(got.Buckets) != 16 || got.Buckets[0] != 6 || got.Buckets[5] != 1 ||
		got.RecipientAddress != revealer.EncodeAddress() || got.PreorderHash != want.String() {
		t.Errorf("decoded %+v from\n%s", got, out)
	}
}

func TestTxDecodePreorderFields(t *testing.T) {
	sender := append(append([]byte{0x76, 0xa9, 0x14}, bytes.Repeat([]byte{3}, 20)...), 0x88, 0xac)
	op := &bns.NamePreorder{PreorderHash: bns.Hash160{0xaa, 1}, ConsensusHash: bns.Hash128{0xbb, 2},
		BurnAddress: bns.MainNet.BurnAddress(), Fee: 40_000}
	out, _, err := run(t, "", "tx", "decode", specTx(t, op, sender), "--sender-script", hex.EncodeToString(sender))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	for k, want := range map[string]any{
		"op": "id?", "opcode": "NAME_PREORDER",
		"preorder_hash":  "aa01" + strings.Repeat("00", 18),
		"consensus_hash": "bb02" + strings.Repeat("00", 14),
		"burn_address":   "1111111111111111111114oLvT2",
		"op_fee":         float64(40_000),
		"sender":         hex.EncodeToString(sender),
	} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
}

func TestTxDecodeErrors(t *testing.T) {
	// A plain payment: output 0 is no OP_RETURN.
	tx := wire.NewMsgTx(wire.TxVersion)
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{7}, 1), nil, nil))
	tx.AddTxOut(wire.NewTxOut(1000, append(append([]byte{0x76, 0xa9, 0x14}, make([]byte, 20)...), 0x88, 0xac)))
	var b bytes.Buffer
	_ = tx.Serialize(&b)
	payment := hex.EncodeToString(b.Bytes())

	// Transactions whose OP_RETURN carries a broken operation: the error
	// names the operation, the field and its byte in the payload (magic
	// bytes counted), or the output, and the rule.
	opTx := func(payload string, outs ...*wire.TxOut) string {
		script, err := txscript.NullDataScript([]byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		tx := wire.NewMsgTx(wire.TxVersion)
		tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{7}, 1), nil, nil))
		tx.AddTxOut(wire.NewTxOut(0, script))
		for _, o := range outs {
			tx.AddTxOut(o)
		}
		var b bytes.Buffer
		if err := tx.Serialize(&b); err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(b.Bytes())
	}
	p2pkh := func(b byte, value int64) *wire.TxOut {
		return wire.NewTxOut(value, append(append([]byte{0x76, 0xa9, 0x14}, bytes.Repeat([]byte{b}, 20)...), 0x88, 0xac))
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"decode", opTx("id>A" + strings.Repeat("h", 32))},
			`decode NAME_TRANSFER: disposition at byte 3: invalid field: 'A' (0x41) is neither '>' (keep value hash) nor '~' (clear it)`},
		{[]string{"decode", opTx("id~Alice.id", p2pkh(1, 1000))},
			`decode NAME_REVOKE: name at byte 3: invalid name: "Alice.id": byte 0 ('A') is not one of a-z 0-9 - _`},
		{[]string{"decode", opTx("id@")}, `decode name operation: opcode at byte 2: unknown opcode: '@' (0x40)`},
		{[]string{"decode", opTx("id?" + strings.Repeat("h", 35))},
			`decode NAME_PREORDER: payload at byte 3: wrong payload length: 35 bytes after the opcode, want 36`},
		{[]string{"decode", opTx("id*"+strings.Repeat("h", 36), p2pkh(1, 1000), p2pkh(2, 4_000_000))},
			`decode NAMESPACE_PREORDER: output 2 (burn): bad burn output: script 76a914` + strings.Repeat("02", 20) + `88ac does not pay the burn address 1111111111111111111114oLvT2`},
		{[]string{"decode", opTx("id?"+strings.Repeat("h", 36), p2pkh(1, 1000), p2pkh(0, 0))},
			`decode NAME_PREORDER: output 2 (burn): bad burn output: pays 0 satoshis`},
		{[]string{"decode", opTx("id?"+strings.Repeat("h", 36), p2pkh(1, 1000))},
			`decode NAME_PREORDER: outputs: wrong number of outputs: transaction has 2 outputs, want exactly 3`},
		{[]string{"decode", payment}, "output 0: not a name operation"},
		{[]string{"decode", "zz"}, "transaction hex"},
		{[]string{"decode", payment + "00"}, "1 bytes left over"},
		{[]string{"decode", payment, "--sender-script", "0014" + strings.Repeat("00", 20)}, "output 0: not a name operation"},
		{[]string{"decode", specTx(t, &bns.NameRevoke{Name: "alice.id"}, nil), "--sender-script", "0014" + strings.Repeat("00", 20)}, "unsupported sender script"},
	} {
		_, _, err := run(t, "", append([]string{"tx"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestPrice(t *testing.T) {
	price := func(args ...string) (int64, error) {
		out, _, err := run(t, "", append([]string{"price"}, args...)...)
		if err != nil {
			return 0, err
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			return 0, err
		}
		// Satoshis, and BTC said as such (not satoshis labelled "BTC").
		sats, _ := got["satoshis"].(float64)
		if btc, _ := got["btc"].(string); len(got) != 2 || btc != strconv.FormatFloat(sats/1e8, 'f', -1, 64) {
			t.Errorf("price output %s", out)
		}
		return int64(sats), nil
	}
	if got, err := price("namespace", "id"); got != 400_000_000 || err != nil {
		t.Errorf("namespace id: %d, %v", got, err)
	}
	idRules := []string{"--coeff", "250", "--base", "4", "--buckets", "6,5,4,3,2,1,0,0,0,0,0,0,0,0,0,0",
		"--nonalpha-discount", "10", "--no-vowel-discount", "10"}
	for name, want := range map[string]int64{"alice.id": 40_000, "a.id": 10_240_000, "x9.id": 256_000} {
		if got, err := price(append([]string{"name", name}, idRules...)...); got != want || err != nil {
			t.Errorf("%s: %d, %v; want %d", name, got, err, want)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"namespace", "Hello"}, "invalid name"},
		{append([]string{"name", "alice"}, idRules...), "no namespace"},
		{[]string{"name", "alice.id", "--coeff", "250"}, "required flag"},
		{[]string{"name", "alice.id", "--coeff", "250", "--base", "4", "--buckets", "6,5,4",
			"--nonalpha-discount", "10", "--no-vowel-discount", "10"}, "3 values, want 16"},
		{[]string{"name", "alice.id", "--coeff", "250", "--base", "4", "--buckets", "6,5,4,3,2,1,0,0,0,0,0,0,0,0,0,16",
			"--nonalpha-discount", "10", "--no-vowel-discount", "10"}, "value 16"},
		{append(append([]string{"name", "alice.id"}, idRules[:6]...), "--nonalpha-discount", "0", "--no-vowel-discount", "10"), "--nonalpha-discount: 0"},
	} {
		if _, err := price(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}

// TestTxDecodeLookupSender: with --lookup-sender, tx decode reads the
// sender from the node (the output the first input spends) and reports
// it with its address: here a NAMESPACE_PREORDER sent on a devnet from the
// wallet's payment key.
func TestTxDecodeLookupSender(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel() // its devnet is on free ports
	bin := buildBinary(t)
	addrs := startDevnetWith(t, bin, t.TempDir(), "--block-interval", "200ms")
	wf := filepath.Join(t.TempDir(), "wallet.json")
	cli := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"--rpc", addrs.rpc, "--node", addrs.api}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("blockstack %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	cli("wallet", "create", "--wallet", wf)
	paid := regexp.MustCompile(`paid \d+ sat to (\S+) in`).FindStringSubmatch(cli("wallet", "faucet", "--wallet", wf, "100000000"))
	if paid == nil {
		t.Fatal("faucet named no address")
	}
	cli("namespace", "preorder", "test", "--wallet", wf, "--poll-interval", "100ms")

	data, err := os.ReadFile(strings.TrimSuffix(wf, ".json") + ".journal.json")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`"raw_tx": "([0-9a-f]+)"`).FindStringSubmatch(string(data))
	if m == nil {
		t.Fatalf("no raw transaction in the journal:\n%s", data)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(cli("tx", "decode", "--lookup-sender", m[1])), &got); err != nil {
		t.Fatal(err)
	}
	if got["opcode"] != "NAMESPACE_PREORDER" || got["sender"] == nil || got["address"] != paid[1] {
		t.Fatalf("decoded %v: want a NAMESPACE_PREORDER sent by %s (the payment key the faucet paid)", got, paid[1])
	}
	if out, err := exec.Command(bin, "--rpc", "127.0.0.1:1", "tx", "decode", "--lookup-sender", m[1]).CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "sender") {
		t.Errorf("lookup without a node: %v\n%s", err, out)
	}
}
