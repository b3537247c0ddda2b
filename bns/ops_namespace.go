package bns

import (
	"encoding/binary"
	"fmt"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/wire"
)

// Namespace versions: where the names' fees go.
const (
	// NamespaceVersionPayToBurn: fees go to the burn address.
	NamespaceVersionPayToBurn = 1
	// NamespaceVersionPayToCreator: fees go to the namespace creator
	// for a while after the reveal, then to the burn address.
	NamespaceVersionPayToCreator = 2
)

// NamespacePreorder (NAMESPACE_PREORDER, '*') commits to a namespace id
// without revealing it. Outputs: 1: change, 2: the fee, to the burn
// address.
type NamespacePreorder struct {
	// PreorderHash is NamespacePreorderHash(id, sender script, reveal
	// address).
	PreorderHash  Hash160
	ConsensusHash Hash128
	// Fee is the value of output 2, in satoshis.
	Fee int64
}

func (*NamespacePreorder) Opcode() byte   { return OpcodeNamespacePreorder }
func (*NamespacePreorder) OpName() string { return "NAMESPACE_PREORDER" }

func (p *NamespacePreorder) appendFields(b []byte) ([]byte, error) {
	return append(append(b, p.PreorderHash[:]...), p.ConsensusHash[:]...), nil
}

func (p *NamespacePreorder) parseFields(payload []byte) error {
	if err := wantLen(p, payload, len(p.PreorderHash)+len(p.ConsensusHash)); err != nil {
		return err
	}
	copy(p.PreorderHash[:], payload[3:23])
	copy(p.ConsensusHash[:], payload[23:39])
	return nil
}

func (p *NamespacePreorder) appendOutputs(outs []*wire.TxOut, net *Network) ([]*wire.TxOut, int, error) {
	fee, err := feeOutput(net.BurnAddress(), p.Fee, net)
	if err != nil {
		return nil, 0, err
	}
	return append(outs, changeOutput(), fee), 1, nil
}

func (p *NamespacePreorder) readOutputs(outs []*wire.TxOut, net *Network) error {
	if len(outs) <= 2 {
		return outputError(p, 2, "burn", ErrOutputs, "transaction has %d outputs", len(outs))
	}
	// Unlike a name's fee, a namespace's always burns: there is no
	// creator to pay yet.
	if !isBurn(outs[2].PkScript) {
		return outputError(p, 2, "burn", ErrBurn, "script %x does not pay the burn address %s",
			outs[2].PkScript, net.BurnAddress())
	}
	var err error
	_, p.Fee, err = readFee(p, outs, 2, net)
	return err
}

// NamespaceReveal (NAMESPACE_REVEAL, '&') reveals a preordered namespace
// and its rules. Outputs: exactly three; 1: the reveal address, 2: change.
type NamespaceReveal struct {
	NamespaceID string
	// Lifetime is how many blocks a registration lasts (0xffffffff:
	// forever).
	Lifetime uint32
	PriceParams
	// Version is NamespaceVersionPayToBurn or NamespaceVersionPayToCreator.
	Version uint16
	// Recipient is output 1, the reveal address (P2PKH or P2SH): it
	// imports names and sends NAMESPACE_READY; the preorder hash mixes it
	// in.
	Recipient btcutil.Address
}

func (*NamespaceReveal) Opcode() byte   { return OpcodeNamespaceReveal }
func (*NamespaceReveal) OpName() string { return "NAMESPACE_REVEAL" }

// Byte offsets of the reveal's fields in the payload.
const (
	revealLifetimeAt  = 3
	revealCoeffAt     = 7
	revealBaseAt      = 8
	revealBucketsAt   = 9
	revealDiscountsAt = 17
	revealVersionAt   = 18
	revealIDAt        = 20
)

func (r *NamespaceReveal) appendFields(b []byte) ([]byte, error) {
	if err := ValidNamespaceID(r.NamespaceID); err != nil {
		return nil, err
	}
	if field, _, err := r.checkParams(); err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	b = binary.BigEndian.AppendUint32(b, r.Lifetime)
	b = append(b, r.Coeff, r.Base)
	for i := 0; i < len(r.Buckets); i += 2 {
		b = append(b, r.Buckets[i]<<4|r.Buckets[i+1])
	}
	b = append(b, r.NonalphaDiscount<<4|r.NoVowelDiscount)
	b = binary.BigEndian.AppendUint16(b, r.Version)
	return append(b, r.NamespaceID...), nil
}

// checkParams checks the rules no byte layout enforces (blockstack-core's
// namespacereveal_sanity_check), and says which field breaks which, and
// where it sits in the payload.
func (r *NamespaceReveal) checkParams() (field string, offset int, err error) {
	for i, e := range r.Buckets {
		if e > 15 {
			return fmt.Sprintf("buckets[%d]", i), revealBucketsAt + i/2, fmt.Errorf("%w: exponent %d, want 0 to 15", ErrInvalidField, e)
		}
	}
	if d := r.NonalphaDiscount; d < 1 || d > 15 {
		return "nonalpha_discount", revealDiscountsAt, fmt.Errorf("%w: %d, want 1 to 15", ErrInvalidField, d)
	}
	if d := r.NoVowelDiscount; d < 1 || d > 15 {
		return "no_vowel_discount", revealDiscountsAt, fmt.Errorf("%w: %d, want 1 to 15", ErrInvalidField, d)
	}
	if v := r.Version; v != NamespaceVersionPayToBurn && v != NamespaceVersionPayToCreator {
		return "version", revealVersionAt, fmt.Errorf("%w: %d, want %d (pay to burn) or %d (pay to creator)",
			ErrInvalidField, v, NamespaceVersionPayToBurn, NamespaceVersionPayToCreator)
	}
	return "", 0, nil
}

func (r *NamespaceReveal) parseFields(payload []byte) error {
	if n := len(payload); n <= revealIDAt || n > revealIDAt+MaxNamespaceIDLen {
		return payloadError(r, "payload", headerLen, ErrLength, "%d bytes after the opcode, want %d to %d",
			n-headerLen, revealIDAt+1-headerLen, revealIDAt+MaxNamespaceIDLen-headerLen)
	}
	r.Lifetime = binary.BigEndian.Uint32(payload[revealLifetimeAt:])
	r.Coeff = payload[revealCoeffAt]
	r.Base = payload[revealBaseAt]
	for i := range r.Buckets {
		nibbles := payload[revealBucketsAt+i/2]
		if i%2 == 0 {
			r.Buckets[i] = nibbles >> 4
		} else {
			r.Buckets[i] = nibbles & 0x0f
		}
	}
	r.NonalphaDiscount = payload[revealDiscountsAt] >> 4
	r.NoVowelDiscount = payload[revealDiscountsAt] & 0x0f
	r.Version = binary.BigEndian.Uint16(payload[revealVersionAt:])
	if field, offset, err := r.checkParams(); err != nil {
		return &DecodeError{Op: r.OpName(), Field: field, Offset: offset, Err: err}
	}
	r.NamespaceID = string(payload[revealIDAt:])
	if err := ValidNamespaceID(r.NamespaceID); err != nil {
		return &DecodeError{Op: r.OpName(), Field: "namespace_id", Offset: revealIDAt, Err: err}
	}
	return nil
}

func (r *NamespaceReveal) appendOutputs(outs []*wire.TxOut, net *Network) ([]*wire.TxOut, int, error) {
	reveal, err := addressOutput(r.Recipient, DustValue, net, "reveal address")
	if err != nil {
		return nil, 0, err
	}
	return append(outs, reveal, changeOutput()), 2, nil
}

func (r *NamespaceReveal) readOutputs(outs []*wire.TxOut, net *Network) error {
	if err := wantOutputs(r, outs, 3); err != nil {
		return err
	}
	// Any type a role output may have: v1's reveal check never looks at
	// the reveal address's type (v1 did require its imports to come from
	// a P2PKH sender; see docs/v1-compatibility.md).
	var err error
	r.Recipient, err = readAddress(r, outs, 1, "reveal address", net)
	return err
}

// NamespaceReady (NAMESPACE_READY, '!') opens a revealed namespace to
// everyone: names can be preordered from then on and imports stop.
// Outputs: 1: change.
type NamespaceReady struct {
	NamespaceID string
}

func (*NamespaceReady) Opcode() byte   { return OpcodeNamespaceReady }
func (*NamespaceReady) OpName() string { return "NAMESPACE_READY" }

// readySeparator opens NAMESPACE_READY's field, as in ".id".
const readySeparator = '.'

func (r *NamespaceReady) appendFields(b []byte) ([]byte, error) {
	if err := ValidNamespaceID(r.NamespaceID); err != nil {
		return nil, err
	}
	return append(append(b, readySeparator), r.NamespaceID...), nil
}

func (r *NamespaceReady) parseFields(payload []byte) error {
	if n := len(payload) - headerLen; n < 2 || n > 1+MaxNamespaceIDLen {
		return payloadError(r, "payload", headerLen, ErrLength, "%d bytes after the opcode, want 2 to %d ('.' and the namespace id)",
			n, 1+MaxNamespaceIDLen)
	}
	if c := payload[headerLen]; c != readySeparator {
		return payloadError(r, "namespace_id", headerLen, ErrInvalidField, "starts with %q, want '.'", c)
	}
	r.NamespaceID = string(payload[headerLen+1:])
	if err := ValidNamespaceID(r.NamespaceID); err != nil {
		return &DecodeError{Op: r.OpName(), Field: "namespace_id", Offset: headerLen + 1, Err: err}
	}
	return nil
}

func (r *NamespaceReady) appendOutputs(outs []*wire.TxOut, _ *Network) ([]*wire.TxOut, int, error) {
	return append(outs, changeOutput()), 1, nil
}

func (*NamespaceReady) readOutputs([]*wire.TxOut, *Network) error { return nil }

// Announce (ANNOUNCE, '#') points nodes at a message, by the hash of its
// text, that they fetch from Atlas; nodes heed only senders they trust.
// Outputs: 1: change.
type Announce struct {
	MessageHash Hash160
}

func (*Announce) Opcode() byte   { return OpcodeAnnounce }
func (*Announce) OpName() string { return "ANNOUNCE" }

func (a *Announce) appendFields(b []byte) ([]byte, error) {
	return append(b, a.MessageHash[:]...), nil
}

func (a *Announce) parseFields(payload []byte) error {
	if err := wantLen(a, payload, len(a.MessageHash)); err != nil {
		return err
	}
	copy(a.MessageHash[:], payload[headerLen:])
	return nil
}

func (a *Announce) appendOutputs(outs []*wire.TxOut, _ *Network) ([]*wire.TxOut, int, error) {
	return append(outs, changeOutput()), 1, nil
}

func (*Announce) readOutputs([]*wire.TxOut, *Network) error { return nil }
