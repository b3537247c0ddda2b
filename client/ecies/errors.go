package ecies

import (
	"errors"
	"fmt"
)

var (
	// ErrMalformed: the bytes are not a well-formed cipher object, signed
	// envelope or signature object (bad JSON, a missing or mistyped member,
	// bad hex or base64, wrong lengths, bad padding after a good MAC).
	ErrMalformed = errors.New("ecies: malformed")
	// ErrInvalidPublicKey: a public key is not a valid secp256k1 point in
	// the hex forms isValidPublicKey accepts.
	ErrInvalidPublicKey = errors.New("ecies: invalid public key")
	// ErrMAC: the MAC does not match. The cipher text was altered or it was
	// encrypted to another key; ECIES cannot tell which.
	ErrMAC = errors.New("ecies: MAC check failed: the cipher text was altered or encrypted to another key")
	// ErrWrongKey: the MAC does not match although the envelope's signature
	// verifies, so the content is intact and was encrypted to another key.
	// It matches ErrMAC too.
	ErrWrongKey = fmt.Errorf("%w (the signature is valid, so the content was encrypted to another key)", ErrMAC)
	// ErrSignature: the signature does not verify over the content with the
	// public key it names.
	ErrSignature = errors.New("ecies: signature does not verify")
	// ErrWrongSigner: the signature names a key whose address is not the
	// one expected; see *SignerError.
	ErrWrongSigner = errors.New("ecies: signed by the wrong address")
	// ErrSignedEnvelope: a signed envelope where a bare cipher object was
	// expected (DecryptContent).
	ErrSignedEnvelope = errors.New("ecies: a signed envelope (written encrypted and signed): verify and decrypt it, or decrypt it unverified")
)

// SignerError is a signature by a key whose address is not the expected
// one. It matches ErrWrongSigner.
type SignerError struct {
	Want, Got string // expected and actual signer addresses
}

func (e *SignerError) Error() string {
	return fmt.Sprintf("ecies: signed by %s, want %s", e.Got, e.Want)
}

func (e *SignerError) Is(target error) bool { return target == ErrWrongSigner }

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}
