package bns

import (
	"bytes"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/wire"
)

// nameFieldLen is the NUL-padded name field of NAME_REGISTRATION.
const nameFieldLen = MaxNameLen

// NamePreorder (NAME_PREORDER, '?') commits to a name without revealing
// it. Outputs: exactly three; 1: the sender's change, 2: the fee.
type NamePreorder struct {
	// PreorderHash is PreorderHash(name, sender script, register address).
	PreorderHash  Hash160
	ConsensusHash Hash128
	// BurnAddress receives the fee (output 2). It is the burn address,
	// or for a namespace of version 2 its creator's address; the
	// preorder hides the namespace, so only the registration can check.
	BurnAddress btcutil.Address
	// Fee is the value of output 2, in satoshis.
	Fee int64
}

func (*NamePreorder) Opcode() byte   { return OpcodeNamePreorder }
func (*NamePreorder) OpName() string { return "NAME_PREORDER" }

func (p *NamePreorder) appendFields(b []byte) ([]byte, error) {
	return append(append(b, p.PreorderHash[:]...), p.ConsensusHash[:]...), nil
}

func (p *NamePreorder) parseFields(payload []byte) error {
	if err := wantLen(p, payload, len(p.PreorderHash)+len(p.ConsensusHash)); err != nil {
		return err
	}
	copy(p.PreorderHash[:], payload[3:23])
	copy(p.ConsensusHash[:], payload[23:39])
	return nil
}

func (p *NamePreorder) appendOutputs(outs []*wire.TxOut, net *Network) ([]*wire.TxOut, int, error) {
	fee, err := feeOutput(p.BurnAddress, p.Fee, net)
	if err != nil {
		return nil, 0, err
	}
	return append(outs, changeOutput(), fee), 1, nil
}

func (p *NamePreorder) readOutputs(outs []*wire.TxOut, net *Network) error {
	if err := wantOutputs(p, outs, 3); err != nil {
		return err
	}
	var err error
	p.BurnAddress, p.Fee, err = readFee(p, outs, 2, net)
	return err
}

// NameRegistration (NAME_REGISTRATION, ':') reveals a preordered name and
// gives it to Recipient. Outputs: 1: the new owner, [2: change]; a fourth
// output makes the transaction a NameRenewal.
type NameRegistration struct {
	Name string
	// ValueHash is the hash of the name's zone file.
	ValueHash Hash160
	// NameOnly marks the old payload form, the bare name without a value
	// hash (from when OP_RETURN held 40 bytes); ValueHash is then zero and
	// means nothing, and a renewal keeps the name's current value hash.
	// Decode accepts it; new transactions use the 37+20-byte form.
	NameOnly bool
	// Recipient is output 1, the new owner. The register address mixed
	// into the preorder hash is this address.
	Recipient btcutil.Address
}

func (*NameRegistration) Opcode() byte   { return OpcodeNameRegistration }
func (*NameRegistration) OpName() string { return "NAME_REGISTRATION" }

func (r *NameRegistration) appendFields(b []byte) ([]byte, error) {
	if err := ValidName(r.Name); err != nil {
		return nil, err
	}
	if r.NameOnly {
		return append(b, r.Name...), nil
	}
	b = append(b, r.Name...)
	b = append(b, make([]byte, nameFieldLen-len(r.Name))...)
	return append(b, r.ValueHash[:]...), nil
}

func (r *NameRegistration) parseFields(payload []byte) error {
	fields := payload[headerLen:]
	var name []byte
	switch {
	case len(fields) == nameFieldLen+len(r.ValueHash):
		name = bytes.TrimRight(fields[:nameFieldLen], "\x00")
		copy(r.ValueHash[:], fields[nameFieldLen:])
	case len(fields) <= MaxNameLen:
		name = fields
		r.NameOnly = true
	default:
		// Longer forms carry token (Stacks) payments, which this
		// project does not implement.
		return payloadError(r, "payload", headerLen, ErrLength,
			"%d bytes after the opcode, want a name of at most %d bytes, or %d (NUL-padded name, value_hash)",
			len(fields), MaxNameLen, nameFieldLen+len(r.ValueHash))
	}
	var err error
	r.Name, err = parseName(r, name, headerLen)
	return err
}

func (r *NameRegistration) appendOutputs(outs []*wire.TxOut, net *Network) ([]*wire.TxOut, int, error) {
	owner, err := addressOutput(r.Recipient, DustValue, net, "recipient")
	if err != nil {
		return nil, 0, err
	}
	return append(outs, owner, changeOutput()), 2, nil
}

func (r *NameRegistration) readOutputs(outs []*wire.TxOut, net *Network) error {
	var err error
	r.Recipient, err = readAddress(r, outs, 1, "recipient", net)
	return err
}

// NameRenewal (NAME_RENEWAL, ':' like NAME_REGISTRATION) extends a name's
// life and may give it a new owner and value hash. Outputs: 1: the owner
// (possibly new), 2: change, 3: the fee.
type NameRenewal struct {
	NameRegistration
	// BurnAddress receives the fee (output 3): the burn address, or the
	// creator of a version-2 namespace; the virtualchain checks which.
	BurnAddress btcutil.Address
	// Fee is the value of output 3, in satoshis.
	Fee int64
}

func (*NameRenewal) OpName() string { return "NAME_RENEWAL" }

func (r *NameRenewal) appendOutputs(outs []*wire.TxOut, net *Network) ([]*wire.TxOut, int, error) {
	outs, change, err := r.NameRegistration.appendOutputs(outs, net)
	if err != nil {
		return nil, 0, err
	}
	fee, err := feeOutput(r.BurnAddress, r.Fee, net)
	if err != nil {
		return nil, 0, err
	}
	return append(outs, fee), change, nil
}

func (r *NameRenewal) readOutputs(outs []*wire.TxOut, net *Network) error {
	var err error
	if r.Recipient, err = readAddress(r, outs, 1, "recipient", net); err != nil {
		return err
	}
	r.BurnAddress, r.Fee, err = readFee(r, outs, 3, net)
	return err
}

// NameUpdate (NAME_UPDATE, '+') sets a name's value hash. The name is not
// in the payload, only NameConsensusHash(name, consensus hash). Outputs:
// 1: change.
type NameUpdate struct {
	NameConsensusHash Hash128
	ValueHash         Hash160
}

func (*NameUpdate) Opcode() byte   { return OpcodeNameUpdate }
func (*NameUpdate) OpName() string { return "NAME_UPDATE" }

func (u *NameUpdate) appendFields(b []byte) ([]byte, error) {
	return append(append(b, u.NameConsensusHash[:]...), u.ValueHash[:]...), nil
}

func (u *NameUpdate) parseFields(payload []byte) error {
	if err := wantLen(u, payload, len(u.NameConsensusHash)+len(u.ValueHash)); err != nil {
		return err
	}
	copy(u.NameConsensusHash[:], payload[3:19])
	copy(u.ValueHash[:], payload[19:39])
	return nil
}

func (u *NameUpdate) appendOutputs(outs []*wire.TxOut, _ *Network) ([]*wire.TxOut, int, error) {
	return append(outs, changeOutput()), 1, nil
}

func (*NameUpdate) readOutputs([]*wire.TxOut, *Network) error { return nil }

// Disposition bytes of NAME_TRANSFER.
const (
	transferKeepData  = '>'
	transferClearData = '~'
)

// NameTransfer (NAME_TRANSFER, '>') gives a name to Recipient. The name is
// not in the payload, only NameHash128(name). Outputs: 1: the new owner,
// 2: change.
type NameTransfer struct {
	// KeepData keeps the name's value hash (disposition '>'); false
	// clears it (disposition '~').
	KeepData      bool
	NameHash128   Hash128
	ConsensusHash Hash128
	Recipient     btcutil.Address
}

func (*NameTransfer) Opcode() byte   { return OpcodeNameTransfer }
func (*NameTransfer) OpName() string { return "NAME_TRANSFER" }

// Disposition is the disposition byte: '>' keep the value hash, '~' clear it.
func (t *NameTransfer) Disposition() byte {
	if t.KeepData {
		return transferKeepData
	}
	return transferClearData
}

func (t *NameTransfer) appendFields(b []byte) ([]byte, error) {
	b = append(b, t.Disposition())
	return append(append(b, t.NameHash128[:]...), t.ConsensusHash[:]...), nil
}

func (t *NameTransfer) parseFields(payload []byte) error {
	if err := wantLen(t, payload, 1+len(t.NameHash128)+len(t.ConsensusHash)); err != nil {
		return err
	}
	switch payload[3] {
	case transferKeepData:
		t.KeepData = true
	case transferClearData:
	default:
		return payloadError(t, "disposition", 3, ErrInvalidField,
			"%q (0x%02x) is neither '>' (keep value hash) nor '~' (clear it)", payload[3], payload[3])
	}
	copy(t.NameHash128[:], payload[4:20])
	copy(t.ConsensusHash[:], payload[20:36])
	return nil
}

func (t *NameTransfer) appendOutputs(outs []*wire.TxOut, net *Network) ([]*wire.TxOut, int, error) {
	owner, err := addressOutput(t.Recipient, DustValue, net, "recipient")
	if err != nil {
		return nil, 0, err
	}
	return append(outs, owner, changeOutput()), 2, nil
}

func (t *NameTransfer) readOutputs(outs []*wire.TxOut, net *Network) error {
	var err error
	t.Recipient, err = readAddress(t, outs, 1, "recipient", net)
	return err
}

// NameRevoke (NAME_REVOKE, '~') freezes a name: it stays registered but
// resolves to nothing and can no longer change. Outputs: 1: change.
type NameRevoke struct {
	Name string
}

func (*NameRevoke) Opcode() byte   { return OpcodeNameRevoke }
func (*NameRevoke) OpName() string { return "NAME_REVOKE" }

func (r *NameRevoke) appendFields(b []byte) ([]byte, error) {
	if err := ValidName(r.Name); err != nil {
		return nil, err
	}
	return append(b, r.Name...), nil
}

func (r *NameRevoke) parseFields(payload []byte) error {
	var err error
	r.Name, err = parseVariableName(r, payload)
	return err
}

func (r *NameRevoke) appendOutputs(outs []*wire.TxOut, _ *Network) ([]*wire.TxOut, int, error) {
	return append(outs, changeOutput()), 1, nil
}

func (*NameRevoke) readOutputs([]*wire.TxOut, *Network) error { return nil }

// NameImport (NAME_IMPORT, ';') puts a name into a revealed namespace that
// is not ready yet, on behalf of its creator. Outputs: 1: the recipient,
// 2: a P2PKH (or, read, P2SH) output whose hash160 is the value hash,
// 3: change.
type NameImport struct {
	Name      string
	Recipient btcutil.Address
	// ValueHash is carried by output 2, not by the payload.
	ValueHash Hash160
}

func (*NameImport) Opcode() byte   { return OpcodeNameImport }
func (*NameImport) OpName() string { return "NAME_IMPORT" }

func (im *NameImport) appendFields(b []byte) ([]byte, error) {
	if err := ValidName(im.Name); err != nil {
		return nil, err
	}
	return append(b, im.Name...), nil
}

func (im *NameImport) parseFields(payload []byte) error {
	var err error
	im.Name, err = parseVariableName(im, payload)
	return err
}

func (im *NameImport) appendOutputs(outs []*wire.TxOut, net *Network) ([]*wire.TxOut, int, error) {
	owner, err := addressOutput(im.Recipient, DustValue, net, "recipient")
	if err != nil {
		return nil, 0, err
	}
	// Cannot fail: the hash has the right length.
	valueAddr, _ := btcutil.NewAddressPubKeyHash(im.ValueHash[:], net.Params)
	value, err := addressOutput(valueAddr, DustValue, net, "value hash")
	if err != nil {
		return nil, 0, err
	}
	return append(outs, owner, value, changeOutput()), 3, nil
}

func (im *NameImport) readOutputs(outs []*wire.TxOut, net *Network) error {
	var err error
	if im.Recipient, err = readAddress(im, outs, 1, "recipient", net); err != nil {
		return err
	}
	if len(outs) <= 2 {
		return outputError(im, 2, "value hash", ErrOutputs, "transaction has %d outputs", len(outs))
	}
	// v1 took the hash160 of output 2's address (b58check_decode), so a
	// P2SH output carries a value hash as a P2PKH one does; a bech32
	// address has no such hash and was refused.
	addr, err := readAddress(im, outs, 2, "value hash", net)
	if err != nil {
		return err
	}
	copy(im.ValueHash[:], addr.ScriptAddress())
	return nil
}

// parseVariableName reads the payload of NAME_REVOKE and NAME_IMPORT: the
// bare name, as long as it is.
func parseVariableName(op Op, payload []byte) (string, error) {
	if n := len(payload) - headerLen; n > MaxNameLen {
		return "", payloadError(op, "name", headerLen, ErrLength, "%d bytes, want at most %d", n, MaxNameLen)
	}
	return parseName(op, payload[headerLen:], headerLen)
}
