package bns

import (
	"bytes"
	"fmt"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
)

// DustValue is the value Encode gives outputs that mark an address rather
// than pay it (recipients, NAME_IMPORT's value hash): blockstack.js's
// DUST_MINIMUM, comfortably above Bitcoin's relay dust limit.
const DustValue = 5500

// Layout is the output list of an operation's transaction, in order.
// Output 0 is the OP_RETURN. The wallet adds inputs, fills in the change
// output and signs; it must keep every output and their order, since the
// operation's meaning depends on positions and counts (a NAME_PREORDER has
// exactly three outputs, a renewal's fee is output 3).
type Layout struct {
	Outputs []*wire.TxOut
	// ChangeIndex is the sender's change output, left with a nil script
	// and zero value for the wallet. Its script is normally the sender's
	// own: for NAME_UPDATE, NAME_TRANSFER and NAME_REVOKE the sender is
	// the name's owner, and paying the change back keeps the owner's coins
	// with the owner key.
	ChangeIndex int
}

// Encode returns the outputs of a transaction carrying op on net: the
// OP_RETURN payload and the outputs the operation requires (recipient,
// fee, …) with the change output left for the wallet.
func Encode(op Op, net *Network) (*Layout, error) {
	payload, err := Payload(op, net.Magic)
	if err != nil {
		return nil, err
	}
	script, err := txscript.NullDataScript(payload)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", op.OpName(), err)
	}
	outs, change, err := op.appendOutputs([]*wire.TxOut{wire.NewTxOut(0, script)}, net)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", op.OpName(), err)
	}
	return &Layout{Outputs: outs, ChangeIndex: change}, nil
}

// Decoded is a name operation read from a transaction, with its sender.
type Decoded struct {
	Op Op
	// Sender is the scriptPubKey of the output spent by the first input:
	// the actor of the operation. Nil when the caller did not know it.
	Sender []byte
	// SenderAddress is Sender's address; nil when Sender is.
	SenderAddress btcutil.Address
	// SenderPubKey is the public key the first input's scriptSig reveals,
	// for a P2PKH sender whose key hashes to its address; nil otherwise.
	// NAMESPACE_REVEAL needs one (its sender must be P2PKH).
	SenderPubKey []byte
}

// Decode reads the name operation of tx on net. senderScript is the
// scriptPubKey of the output spent by tx's first input, which the caller
// looks up; nil decodes what the payload and outputs give and leaves the
// sender unknown.
//
// A ':' payload is a NAME_RENEWAL when the transaction has four or more
// outputs (the fourth pays the fee) and a NAME_REGISTRATION otherwise.
// A renewal of a name its sender does not own is not a renewal; the
// virtualchain, which knows, then takes the embedded NameRegistration.
//
// Change outputs are not inspected: they mean nothing to the operation.
func Decode(tx *wire.MsgTx, senderScript []byte, net *Network) (*Decoded, error) {
	if !IsNameOp(tx, net) {
		return nil, &DecodeError{Field: "output 0", Offset: -1, Err: ErrNotOp,
			Detail: fmt.Sprintf("not an OP_RETURN whose one data push starts with %q", net.Magic[:])}
	}
	// IsNameOp lets other opcodes beside the push through; a payload must
	// be the script's only item.
	payload, ok := nullData(tx.TxOut[0].PkScript)
	if !ok {
		return nil, &DecodeError{Field: "output 0", Offset: -1, Err: ErrNotOp, Detail: "not OP_RETURN followed by one data push"}
	}
	op, err := DecodePayload(payload, net.Magic)
	if err != nil {
		return nil, err
	}
	if reg, ok := op.(*NameRegistration); ok && len(tx.TxOut) >= 4 {
		op = &NameRenewal{NameRegistration: *reg}
	}
	if err := op.readOutputs(tx.TxOut, net); err != nil {
		return nil, err
	}
	d := &Decoded{Op: op}
	if senderScript == nil {
		return d, nil
	}
	addr, ok := standardAddress(senderScript, net)
	if !ok {
		// Blockstack v1 accepted P2PKH and P2SH senders only: the sender's
		// script is the name's owner, and owners are those types.
		return nil, &DecodeError{Op: op.OpName(), Field: "sender", Offset: -1, Err: ErrSender,
			Detail: fmt.Sprintf("script %x (%s) is neither P2PKH nor P2SH", senderScript, scriptType(senderScript))}
	}
	d.Sender, d.SenderAddress = senderScript, addr
	if pkh, ok := addr.(*btcutil.AddressPubKeyHash); ok && len(tx.TxIn) > 0 {
		d.SenderPubKey = revealedPubKey(tx.TxIn[0].SignatureScript, pkh.Hash160()[:])
	}
	return d, nil
}

// IsNameOp reports whether tx claims to be a name operation on net: its
// first output is an OP_RETURN whose one data push (other opcodes aside)
// starts with net's magic bytes. A virtualchain judges every transaction
// that claims so, recording why Decode refuses those that cannot be one,
// and ignores all others; Decode refuses the others with ErrNotOp.
func IsNameOp(tx *wire.MsgTx, net *Network) bool {
	if len(tx.TxOut) == 0 {
		return false
	}
	script := tx.TxOut[0].PkScript
	pushes, err := txscript.PushedData(script)
	return err == nil && len(script) > 0 && script[0] == txscript.OP_RETURN && len(pushes) == 1 &&
		bytes.HasPrefix(pushes[0], net.Magic[:])
}

// nullData returns the data of an OP_RETURN script that pushes exactly one
// item.
func nullData(script []byte) ([]byte, bool) {
	t := txscript.MakeScriptTokenizer(0, script)
	if !t.Next() || t.Opcode() != txscript.OP_RETURN {
		return nil, false
	}
	if !t.Next() || t.Opcode() > txscript.OP_PUSHDATA4 {
		return nil, false
	}
	data := t.Data()
	if t.Next() || t.Err() != nil {
		return nil, false
	}
	return data, true
}

// revealedPubKey returns the last push of a P2PKH scriptSig (<sig>
// <pubkey>) if it hashes to pkHash.
func revealedPubKey(scriptSig, pkHash []byte) []byte {
	var last []byte
	t := txscript.MakeScriptTokenizer(0, scriptSig)
	for t.Next() {
		last = t.Data()
	}
	if t.Err() != nil || last == nil || !bytes.Equal(btcutil.Hash160(last), pkHash) {
		return nil
	}
	return last
}

// standardAddress returns the address of a P2PKH or P2SH script: the only
// types Blockstack v1 accepted in an output an operation gives a role to
// (recipient, reveal address, fee, value hash) and as a sender. Its
// address extraction (virtualchain's btc_script_hex_to_address) also named
// P2WPKH and P2WSH outputs, as bech32 addresses, but every operation's
// tx_extract first passed the outputs it reads through
// check_tx_output_types, whose allowed types were P2PKH and P2SH ("this
// excludes bech32 outputs"), and before that gate existed the parser
// (pybitcoin) could name only P2PKH and P2SH. docs/v1-compatibility.md
// lists the sources.
func standardAddress(script []byte, net *Network) (btcutil.Address, bool) {
	switch {
	case isP2PKH(script):
		addr, err := btcutil.NewAddressPubKeyHash(script[3:23], net.Params)
		return addr, err == nil
	case len(script) == 23 && script[0] == txscript.OP_HASH160 && script[1] == txscript.OP_DATA_20 &&
		script[22] == txscript.OP_EQUAL:
		addr, err := btcutil.NewAddressScriptHashFromHash(script[2:22], net.Params)
		return addr, err == nil
	}
	return nil, false
}

// scriptType names a script's type for errors (P2WPKH, P2TR, …).
func scriptType(script []byte) string {
	switch class := txscript.GetScriptClass(script); class {
	case txscript.WitnessV0PubKeyHashTy:
		return "P2WPKH"
	case txscript.WitnessV0ScriptHashTy:
		return "P2WSH"
	case txscript.WitnessV1TaprootTy:
		return "P2TR"
	case txscript.PubKeyTy:
		return "P2PK"
	default:
		return class.String()
	}
}

func isP2PKH(script []byte) bool {
	return len(script) == 25 && script[0] == txscript.OP_DUP && script[1] == txscript.OP_HASH160 &&
		script[2] == txscript.OP_DATA_20 && script[23] == txscript.OP_EQUALVERIFY && script[24] == txscript.OP_CHECKSIG
}

// isBurn reports whether script pays the burn address. The P2PKH script of
// the zero hash is the same on every network.
func isBurn(script []byte) bool {
	return isP2PKH(script) && bytes.Equal(script[3:23], make([]byte, 20))
}

// payTo returns the script paying addr, which must be a P2PKH or P2SH
// address of net; role names the output in errors.
func payTo(addr btcutil.Address, net *Network, role string) ([]byte, error) {
	switch addr.(type) {
	case *btcutil.AddressPubKeyHash, *btcutil.AddressScriptHash:
	case nil:
		return nil, fmt.Errorf("%s: no address", role)
	default:
		return nil, fmt.Errorf("%s: %s is neither P2PKH nor P2SH", role, addr)
	}
	if !addr.IsForNet(net.Params) {
		return nil, fmt.Errorf("%s: %s is not a %s address", role, addr, net.Name)
	}
	return txscript.PayToAddrScript(addr)
}

// readAddress reads output i, which must exist and be P2PKH or P2SH.
func readAddress(op Op, outs []*wire.TxOut, i int, role string, net *Network) (btcutil.Address, error) {
	if len(outs) <= i {
		return nil, outputError(op, i, role, ErrOutputs, "transaction has %d outputs", len(outs))
	}
	addr, ok := standardAddress(outs[i].PkScript, net)
	if !ok {
		return nil, outputError(op, i, role, ErrOutputScript, "script %x (%s) is neither P2PKH nor P2SH",
			outs[i].PkScript, scriptType(outs[i].PkScript))
	}
	return addr, nil
}

// readFee reads the fee output i: its address and a positive value.
func readFee(op Op, outs []*wire.TxOut, i int, net *Network) (btcutil.Address, int64, error) {
	addr, err := readAddress(op, outs, i, "burn", net)
	if err != nil {
		return nil, 0, err
	}
	if v := outs[i].Value; v <= 0 {
		// No price is below 10 satoshis, so a fee of nothing can never
		// pay for anything.
		return nil, 0, outputError(op, i, "burn", ErrBurn, "pays %d satoshis", v)
	}
	return addr, outs[i].Value, nil
}

// wantOutputs checks the exact output count of operations whose spec says
// "exactly".
func wantOutputs(op Op, outs []*wire.TxOut, n int) error {
	if len(outs) != n {
		return &DecodeError{Op: op.OpName(), Field: "outputs", Offset: -1, Err: ErrOutputs,
			Detail: fmt.Sprintf("transaction has %d outputs, want exactly %d", len(outs), n)}
	}
	return nil
}

// Output constructors for appendOutputs.

func changeOutput() *wire.TxOut { return &wire.TxOut{} }

func addressOutput(addr btcutil.Address, value int64, net *Network, role string) (*wire.TxOut, error) {
	script, err := payTo(addr, net, role)
	if err != nil {
		return nil, err
	}
	return wire.NewTxOut(value, script), nil
}

func feeOutput(addr btcutil.Address, fee int64, net *Network) (*wire.TxOut, error) {
	if fee <= 0 {
		return nil, fmt.Errorf("burn: fee %d is not positive", fee)
	}
	return addressOutput(addr, fee, net, "burn")
}
