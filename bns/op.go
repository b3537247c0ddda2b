package bns

import (
	"fmt"

	"github.com/btcsuite/btcd/wire"
)

// Opcodes: the byte after the magic bytes. NAME_RENEWAL shares
// NAME_REGISTRATION's byte; the outputs tell them apart (see Decode).
const (
	OpcodeNamePreorder      byte = '?'
	OpcodeNameRegistration  byte = ':'
	OpcodeNameUpdate        byte = '+'
	OpcodeNameTransfer      byte = '>'
	OpcodeNameRevoke        byte = '~'
	OpcodeNameImport        byte = ';'
	OpcodeNamespacePreorder byte = '*'
	OpcodeNamespaceReveal   byte = '&'
	OpcodeNamespaceReady    byte = '!'
	OpcodeAnnounce          byte = '#'
)

// Payload layout.
const (
	// MaxPayloadLen is the most an OP_RETURN may carry and still relay.
	MaxPayloadLen = 80
	// headerLen is the magic bytes and the opcode.
	headerLen = 3
)

// Op is one name operation: the payload fields and the meaning of the
// outputs after output 0. The set of operations is closed (the unexported
// methods keep it so): NamePreorder, NameRegistration, NameRenewal,
// NameUpdate, NameTransfer, NameRevoke, NameImport, NamespacePreorder,
// NamespaceReveal, NamespaceReady and Announce, always as pointers.
type Op interface {
	// Opcode is the byte after the magic bytes.
	Opcode() byte
	// OpName is the operation's name in the spec, e.g. "NAME_PREORDER".
	OpName() string

	// appendFields appends the payload fields after the opcode, checking
	// that they can be encoded.
	appendFields(dst []byte) ([]byte, error)
	// parseFields reads the fields from a whole payload (magic and opcode
	// included, so that errors give offsets callers can find).
	parseFields(payload []byte) error
	// appendOutputs appends the outputs after output 0 and returns them
	// with the index of the sender's change output.
	appendOutputs(outs []*wire.TxOut, net *Network) ([]*wire.TxOut, int, error)
	// readOutputs reads the outputs the operation gives a role to from
	// all of a transaction's outputs, checking the shape rules.
	readOutputs(outs []*wire.TxOut, net *Network) error
}

// Payload returns op's OP_RETURN payload: magic, opcode, fields.
func Payload(op Op, magic [2]byte) ([]byte, error) {
	b, err := op.appendFields(append(make([]byte, 0, MaxPayloadLen), magic[0], magic[1], op.Opcode()))
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", op.OpName(), err)
	}
	return b, nil
}

// DecodePayload decodes an OP_RETURN payload (magic bytes included). It
// reads only what the payload says: recipients, fees and the value hash of
// NAME_IMPORT live in the outputs and are left zero, and a ':' payload is
// always a *NameRegistration, since only the outputs can make it a
// renewal. Use Decode for a whole transaction.
func DecodePayload(payload []byte, magic [2]byte) (Op, error) {
	if len(payload) < 2 || payload[0] != magic[0] || payload[1] != magic[1] {
		return nil, &DecodeError{Field: "magic", Offset: 0, Err: ErrNotOp,
			Detail: fmt.Sprintf("payload does not start with %q", magic[:])}
	}
	if len(payload) < headerLen {
		return nil, &DecodeError{Field: "opcode", Offset: 2, Err: ErrLength, Detail: "payload ends after the magic bytes"}
	}
	var op Op
	switch payload[2] {
	case OpcodeNamePreorder:
		op = new(NamePreorder)
	case OpcodeNameRegistration:
		op = new(NameRegistration)
	case OpcodeNameUpdate:
		op = new(NameUpdate)
	case OpcodeNameTransfer:
		op = new(NameTransfer)
	case OpcodeNameRevoke:
		op = new(NameRevoke)
	case OpcodeNameImport:
		op = new(NameImport)
	case OpcodeNamespacePreorder:
		op = new(NamespacePreorder)
	case OpcodeNamespaceReveal:
		op = new(NamespaceReveal)
	case OpcodeNamespaceReady:
		op = new(NamespaceReady)
	case OpcodeAnnounce:
		op = new(Announce)
	default:
		return nil, &DecodeError{Field: "opcode", Offset: 2, Err: ErrUnknownOpcode,
			Detail: fmt.Sprintf("%q (0x%02x)", payload[2], payload[2])}
	}
	if err := op.parseFields(payload); err != nil {
		return nil, err
	}
	return op, nil
}

// wantLen checks that a fixed-size operation's payload has exactly n
// bytes of fields.
func wantLen(op Op, payload []byte, n int) error {
	if got := len(payload) - headerLen; got != n {
		return payloadError(op, "payload", headerLen, ErrLength, "%d bytes after the opcode, want %d", got, n)
	}
	return nil
}

// parseName reads a fully-qualified name field at offset off.
func parseName(op Op, b []byte, off int) (string, error) {
	name := string(b)
	if err := ValidName(name); err != nil {
		return "", &DecodeError{Op: op.OpName(), Field: "name", Offset: off, Err: err}
	}
	return name, nil
}
