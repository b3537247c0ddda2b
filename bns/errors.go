package bns

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of decoding failure. Every error from Decode and DecodePayload is a
// *DecodeError wrapping one of these (or ErrInvalidName), so callers can
// branch with errors.Is. A virtualchain decodes only the transactions
// IsNameOp accepts, and records any error as the reason the operation was
// rejected.
var (
	// ErrNotOp: output 0 is not an OP_RETURN carrying this network's magic
	// bytes; the transaction is not a name operation at all.
	ErrNotOp = errors.New("not a name operation")
	// ErrUnknownOpcode: the byte after the magic bytes names no operation.
	ErrUnknownOpcode = errors.New("unknown opcode")
	// ErrLength: the payload is too short or too long for its operation.
	ErrLength = errors.New("wrong payload length")
	// ErrInvalidField: a payload field holds a value its operation forbids.
	ErrInvalidField = errors.New("invalid field")
	// ErrOutputs: the transaction lacks an output the operation needs, or
	// has more than it allows.
	ErrOutputs = errors.New("wrong number of outputs")
	// ErrOutputScript: an output the operation gives a role to (recipient,
	// fee, value hash) is not a script of an allowed type.
	ErrOutputScript = errors.New("unsupported output script")
	// ErrBurn: the fee is not paid to the burn address, or pays nothing.
	ErrBurn = errors.New("bad burn output")
	// ErrSender: the sender's scriptPubKey is not P2PKH or P2SH.
	ErrSender = errors.New("unsupported sender script")
)

// DecodeError says which operation, which field or output, and which rule a
// transaction broke.
type DecodeError struct {
	// Op is the operation name ("NAME_UPDATE"), empty while the opcode is
	// not yet known.
	Op string
	// Field is the payload field ("name", "consensus_hash") or the output
	// ("output 2 (burn)") or "sender" at fault.
	Field string
	// Offset is the byte offset of Field in the payload, magic bytes
	// included; -1 when the error is about outputs or the sender.
	Offset int
	// Err is the kind of failure: one of the Err* variables of this
	// package, or an error wrapping ErrInvalidName.
	Err error
	// Detail says what was found and what the rule wants.
	Detail string
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("decode ")
	if e.Op != "" {
		b.WriteString(e.Op)
	} else {
		b.WriteString("name operation")
	}
	b.WriteString(": ")
	b.WriteString(e.Field)
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " at byte %d", e.Offset)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// payloadError reports a fault in a payload field at offset (counted from
// the first magic byte).
func payloadError(op Op, field string, offset int, kind error, format string, args ...any) *DecodeError {
	return &DecodeError{Op: op.OpName(), Field: field, Offset: offset, Err: kind, Detail: fmt.Sprintf(format, args...)}
}

// outputError reports a fault in output i, whose role in op is role.
func outputError(op Op, i int, role string, kind error, format string, args ...any) *DecodeError {
	return &DecodeError{Op: op.OpName(), Field: fmt.Sprintf("output %d (%s)", i, role), Offset: -1, Err: kind, Detail: fmt.Sprintf(format, args...)}
}
